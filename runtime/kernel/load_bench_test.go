package kernel

import (
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/link"
)

// BenchmarkLoad compares loading one collection — maps created, every
// program loaded into the kernel, everything closed again — with bpfld's
// kernel backend and with cilium/ebpf's own NewCollection, for the same
// object. The two alternate within each iteration, so that both see the
// same machine (these machines are shared and noisy), and the benchmark
// reports each one's time and the ratio. Parsing and linking happen once,
// outside the timed loop, on both sides.
//
//	go test -run XXX -bench Load ./runtime/kernel/
func BenchmarkLoad(b *testing.B) {
	if err := Available(); err != nil {
		b.Skipf("kernel backend not available here: %v", err)
	}
	for _, name := range []string{"tailcall", "calls", "maps", "dispatch"} {
		path := "../../testdata/objs/" + name + ".bpf.o"
		obj, err := elf.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		img, err := link.Link([]*elf.Object{obj}, link.Options{})
		if err != nil {
			b.Fatal(err)
		}
		spec, err := ebpf.LoadCollectionSpec(path)
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range spec.Maps {
			m.Pinning = ebpf.PinNone // bpfld pins only with --pin
		}
		b.Run(name, func(b *testing.B) {
			var ours, theirs time.Duration
			for b.Loop() {
				start := time.Now()
				c, err := New(img, Options{})
				if err != nil {
					b.Fatal(err)
				}
				for _, p := range img.Programs {
					if err := c.LoadProgram(p.Name); err != nil {
						b.Fatal(err)
					}
				}
				c.Close()
				mid := time.Now()
				coll, err := ebpf.NewCollection(spec)
				if err != nil {
					b.Fatal(err)
				}
				coll.Close()
				ours += mid.Sub(start)
				theirs += time.Since(mid)
			}
			b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), "bpfld-ns/load")
			b.ReportMetric(float64(theirs.Nanoseconds())/float64(b.N), "cilium-ns/load")
			b.ReportMetric(float64(ours)/float64(theirs), "bpfld/cilium")
		})
	}
}
