package interp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/rlimit"

	"github.com/bpfld/bpfld/insn"
)

// The differential tests load hand-assembled programs into the running
// kernel and run them with BPF_PROG_TEST_RUN as XDP programs on a zeroed
// 64-byte packet, and compare the results with the interpreter's.

var kernelOnce struct {
	sync.Once
	err error
}

// requireKernel skips the test unless programs can be loaded into the
// kernel here.
func requireKernel(t *testing.T) {
	t.Helper()
	kernelOnce.Do(func() {
		if os.Geteuid() != 0 {
			kernelOnce.err = errors.New("not running as root")
			return
		}
		if err := rlimit.RemoveMemlock(); err != nil {
			kernelOnce.err = err
			return
		}
		_, kernelOnce.err = kernelRun(prog(mov64K(insn.R0, 0), exit()), nil)
	})
	if kernelOnce.err != nil {
		t.Skipf("cannot load BPF programs into the kernel (bpf(2), root): %v", kernelOnce.err)
	}
}

// kernelProgram loads insns as an XDP program.
func kernelProgram(insns []insn.Instruction) (*ebpf.Program, error) {
	ai, err := asm.AppendInstructions(nil, bytes.NewReader(insn.Encode(insns)), binary.LittleEndian, "linux")
	if err != nil {
		return nil, err
	}
	return ebpf.NewProgram(&ebpf.ProgramSpec{Type: ebpf.XDP, Instructions: ai, License: "GPL"})
}

// kernelRun loads and runs insns once on packet (64 zero bytes if nil)
// and returns the kernel's 32-bit result.
func kernelRun(insns []insn.Instruction, packet []byte) (uint32, error) {
	p, err := kernelProgram(insns)
	if err != nil {
		return 0, err
	}
	defer p.Close()
	if packet == nil {
		packet = make([]byte, 64)
	}
	return p.Run(&ebpf.RunOptions{Data: packet})
}

// TestKernelDifferential runs the ALU and jump cases in the kernel: the
// low and the high half of R0 (the kernel returns 32 bits) must be the
// expected value's, which the interpreter's tests check too.
func TestKernelDifferential(t *testing.T) {
	requireKernel(t)
	cases := append(aluCases(), jumpCases()...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lo, err := kernelRun(c.program(), nil)
			if err != nil {
				t.Fatalf("kernel: %v", err)
			}
			hi, err := kernelRun(append(append([]insn.Instruction{}, c.body...), alu64K(insn.ALURsh, insn.R0, 32), exit()), nil)
			if err != nil {
				t.Fatalf("kernel: %v", err)
			}
			if got := uint64(hi)<<32 | uint64(lo); got != c.want {
				t.Errorf("kernel r0 = %#x, test expects %#x", got, c.want)
			}
			mine, err := runCase(t, c.program(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if mine != c.want {
				t.Errorf("interpreter r0 = %#x, test expects %#x", mine, c.want)
			}
		})
	}
}
