// Package kerneltest tells tests whether this process may use bpf(2), by
// asking the kernel: being root is not enough in a container without
// CAP_BPF, or where bpf(2) is filtered out.
package kerneltest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/rlimit"
)

// Available reports whether programs and maps can be loaded into the
// kernel here, and if not why. It loads a one-element array map and a
// two-instruction socket filter once per process.
var Available = sync.OnceValue(func() error {
	// Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK.
	if err := rlimit.RemoveMemlock(); err != nil {
		return fmt.Errorf("cannot lift RLIMIT_MEMLOCK for BPF memory: %w", err)
	}
	m, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.Array, KeySize: 4, ValueSize: 4, MaxEntries: 1})
	if err != nil {
		return fmt.Errorf("cannot create a BPF map (needs root or CAP_BPF): %w", err)
	}
	m.Close()
	p, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.SocketFilter,
		License:      "GPL",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
	})
	if err != nil {
		return fmt.Errorf("cannot load a BPF program (needs root or CAP_BPF): %w", err)
	}
	p.Close()
	return nil
})

// Require skips the test unless bpf(2) is usable, saying why.
func Require(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		t.Skipf("this test compares with the Linux kernel: %v", err)
	}
}
