package vm

import (
	"testing"

	"github.com/bpfld/bpfld/runtime"
)

// TestCountInstructions checks RunResult.Instructions: the reference
// benchmarks, tail-call chains among them, and bpf_loop callbacks (see
// llvm-objdump-19 -d of the objects for the instructions counted).
func TestCountInstructions(t *testing.T) {
	bench := benchCollection(t)
	for _, p := range benchPrograms {
		t.Run(p.name, func(t *testing.T) {
			checkCount(t, bench, p.name, runtime.RunInput{Data: zeros(1500), CountInstructions: true}, p.retval, p.insns)
		})
	}
	img := linkObjects(t, "loops.bpf.o")
	loops := newVM(t, img)
	for _, tt := range []struct {
		name   string
		retval uint32
		insns  uint64
	}{
		// 6 to check the packet, 2 to set up, 32 iterations of 9, the
		// exit.
		{"loop_const", 496, 6 + 2 + 32*9 + 1},
		// 4 to set up, 64 iterations of 10, 5 to find the end, 2 to return.
		{"loop_scan", 64, 4 + 64*10 + 5 + 2},
		// 15 of the program; bpf_loop's 10 callbacks run 9 each.
		{"loop_callback", 10045, 15 + 10*9},
		// 15 of the program; 5 callbacks of 9, the stopping one of 4.
		{"loop_early", 6010, 15 + 5*9 + 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkCount(t, loops, tt.name, runtime.RunInput{Data: zeros(64), CountInstructions: true}, tt.retval, tt.insns)
		})
	}
	t.Run("repeated", func(t *testing.T) {
		checkCount(t, bench, "tc_count", runtime.RunInput{Data: zeros(1500), Repeat: 3, CountInstructions: true}, 3*34, 444)
	})
	t.Run("not asked", func(t *testing.T) {
		checkCount(t, bench, "loop", runtime.RunInput{Data: zeros(1500)}, 114, 0)
	})
}

// checkCount runs prog on in and checks its result and count.
func checkCount(t *testing.T, c *Collection, prog string, in runtime.RunInput, retval uint32, insns uint64) {
	t.Helper()
	res, err := c.Run(prog, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Retval != retval {
		t.Errorf("retval %d, want %d", res.Retval, retval)
	}
	if res.Instructions != insns {
		t.Errorf("%d instructions, want %d", res.Instructions, insns)
	}
}
