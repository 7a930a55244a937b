package maps

import (
	"fmt"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// onCPU0 runs f on a thread pinned to CPU 0, where the VM runs user-space
// operations, so that the kernel's per-CPU LRU lists see the same CPU.
// The thread is discarded afterwards.
func onCPU0(t *testing.T, f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		var set unix.CPUSet
		set.Set(0)
		if err := unix.SchedSetaffinity(0, &set); err != nil {
			t.Errorf("pin to CPU 0: %v", err)
			return
		}
		f()
	}()
	<-done
}

// TestKernelLRUEviction drives LRU maps past their size on one CPU and
// compares which keys the kernel and the VM keep.
func TestKernelLRUEviction(t *testing.T) {
	requireKernel(t)
	for _, typ := range []Type{TypeLRUHash, TypeLRUPerCPUHash} {
		for _, flags := range []uint32{0, FlagNoCommonLRU} {
			for _, n := range []uint32{4, 16, 300} {
				s := Spec{Name: "l", Type: typ, KeySize: 4, ValueSize: 8, MaxEntries: n, Flags: flags}
				t.Run(fmt.Sprintf("%s/f%#x/n%d", typ, flags, n), func(t *testing.T) {
					v := fill(userSize(s), 1)
					var script []op
					add := func(o op) { script = append(script, o) }
					// Fill past the size, checking the keys as it goes.
					for k := range 2*n + 3 {
						add(op{do: "update", key: u32(k), value: v})
						if k%(n/4+1) == 0 {
							add(op{do: "keys"})
						}
					}
					add(op{do: "keys"})
					// Updates of existing keys, failed updates, deletes.
					for k := 2 * n; k < 2*n+3; k++ {
						add(op{do: "update", key: u32(k), value: v, flags: UpdateExist})
						add(op{do: "update", key: u32(k + 1000), value: v, flags: UpdateExist})
						add(op{do: "update", key: u32(k), value: v, flags: UpdateNoExist})
						add(op{do: "keys"})
					}
					add(op{do: "delete", key: u32(2*n + 1)})
					add(op{do: "lad", key: u32(2*n + 2)})
					for k := range n / 2 {
						add(op{do: "update", key: u32(5000 + k), value: v, flags: UpdateNoExist})
					}
					add(op{do: "keys"})
					onCPU0(t, func() { runDiff(t, s, script) })
				})
			}
		}
	}
}
