package kernel

import (
	"testing"

	"github.com/cilium/ebpf"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/link"
)

// BenchmarkLoad compares loading one collection — maps created, every
// program loaded into the kernel — with bpfld's kernel backend and with
// cilium/ebpf's own NewCollection, for the same objects. Parsing and
// linking happen once, outside the timed loop, on both sides. Most of the
// time is the kernel's (map creation, the verifier, freeing maps): run
// with -count and compare with benchstat, on a quiet machine.
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
		b.Run(name+"/bpfld", func(b *testing.B) {
			for b.Loop() {
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
			}
		})
		b.Run(name+"/cilium", func(b *testing.B) {
			for b.Loop() {
				coll, err := ebpf.NewCollection(spec)
				if err != nil {
					b.Fatal(err)
				}
				coll.Close()
			}
		})
	}
}
