package vm

import (
	"testing"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/runtime"
)

// benchPrograms are the reference benchmarks (testdata/README.md), with
// their results on 1500 zero bytes and the instructions one run executes
// (see TestCountInstructions).
var benchPrograms = []struct {
	name   string
	retval uint32
	insns  uint64
}{
	{"loop", 114, 5007},
	{"calls", 114, 11007},
	{"csum", 255, 9018},
	{"base", 2, 2},
	{"tc_const", 2, 104},
	{"tc_var", 2, 104},
	{"tc_sub", 2, 205},
	{"tc_count", 34, 444},
}

// benchCollection loads the reference benchmarks wired as bench.yaml
// wires them.
func benchCollection(b testing.TB) *Collection {
	b.Helper()
	obj, err := elf.Open("testdata/bench.bpf.o")
	if err != nil {
		b.Fatal(err)
	}
	img, err := link.Link([]*elf.Object{obj}, link.Options{})
	if err != nil {
		b.Fatal(err)
	}
	c := newVM(b, img)
	for _, s := range []slot{{"jmp_const", 0, "tc_const"}, {"jmp_var", 0, "tc_var"}, {"jmp_var", 1, "tc_count"}, {"jmp_sub", 0, "tc_sub"}} {
		if err := c.SetSlot(s.array, s.index, s.prog); err != nil {
			b.Fatal(err)
		}
	}
	return c
}

// BenchmarkRun runs each reference program b.N times in one Run, as
// `bpfld bench` does with --repeat, and reports the mean time of a run
// and of an executed instruction, counted in one more run beforehand.
func BenchmarkRun(b *testing.B) {
	c := benchCollection(b)
	for _, p := range benchPrograms {
		b.Run(p.name, func(b *testing.B) {
			res, err := c.Run(p.name, runtime.RunInput{Data: zeros(1500), CountInstructions: true})
			if err != nil {
				b.Fatal(err)
			}
			if res.Retval != p.retval {
				b.Fatalf("retval %d, want %d", res.Retval, p.retval)
			}
			insns := res.Instructions
			in := runtime.RunInput{Data: zeros(1500), Repeat: b.N}
			b.ResetTimer()
			if res, err = c.Run(p.name, in); err != nil {
				b.Fatal(err)
			}
			perRun := float64(res.PerRun.Nanoseconds())
			b.ReportMetric(perRun, "ns/run")
			b.ReportMetric(perRun/float64(insns), "ns/insn")
		})
	}
}

// BenchmarkRunCall measures a whole Run call of the cheapest program:
// the fixed cost of setting up the context and packet and reading back
// the results, which a single run pays.
func BenchmarkRunCall(b *testing.B) {
	c := benchCollection(b)
	in := runtime.RunInput{Data: zeros(1500)}
	for b.Loop() {
		if _, err := c.Run("base", in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunParallel runs the tail-call chain from all processors at
// once, each goroutine on a runner of its own.
func BenchmarkRunParallel(b *testing.B) {
	c := benchCollection(b)
	b.RunParallel(func(pb *testing.PB) {
		in := runtime.RunInput{Data: zeros(1500), Repeat: 100}
		for pb.Next() {
			if _, err := c.Run("tc_var", in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
