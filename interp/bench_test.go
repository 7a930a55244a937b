package interp

import (
	"fmt"
	"slices"
	"testing"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/link"
)

// The reference programs of ../shared/bench (testdata/bench.bpf.o), read
// by the project's ELF reader and linked by its linker.

const benchObject = "testdata/bench.bpf.o"

// benchPrograms are the reference programs and their results on a zeroed
// 1500-byte packet (bench.yaml).
var benchPrograms = []struct {
	name string
	want uint64
}{
	{"loop", 114}, {"calls", 114}, {"csum", 255}, {"base", 2},
	{"tc_const", 2}, {"tc_var", 2}, {"tc_sub", 2}, {"tc_count", 34},
}

// benchMapPointer is the made-up map pointer of the image's map index.
func benchMapPointer(index int) uint64 { return 0x1000 + uint64(index) }

// linkBench links benchObject.
func linkBench(t testing.TB) *link.Image {
	t.Helper()
	obj, err := elf.Open(benchObject)
	if err != nil {
		t.Fatal(err)
	}
	img, err := link.Link([]*elf.Object{obj}, link.Options{})
	if err != nil {
		t.Fatalf("link %s: %v", benchObject, err)
	}
	return img
}

// benchSetup prepares the reference programs and wires their prog arrays
// as bench.yaml does.
type benchSetup struct {
	progs  map[string]*Program
	arrays progArrays
}

func newBenchSetup(t testing.TB) *benchSetup {
	t.Helper()
	img := linkBench(t)
	env := &testEnv{maps: map[int32]uint64{}}
	for i := range img.Maps {
		env.maps[int32(i)] = benchMapPointer(i)
	}
	s := &benchSetup{progs: map[string]*Program{}, arrays: progArrays{}}
	for _, bp := range benchPrograms {
		lp := img.Program(bp.name)
		if lp == nil {
			t.Fatalf("%s: no program %s", benchObject, bp.name)
		}
		p, err := Prepare(lp.Insns, env)
		if err != nil {
			t.Fatalf("prepare %s: %v", bp.name, err)
		}
		s.progs[bp.name] = p
	}
	for array, slots := range map[string][]string{
		"jmp_const": {"tc_const"},
		"jmp_var":   {"tc_var", "tc_count"},
		"jmp_sub":   {"tc_sub"},
	} {
		i := slices.IndexFunc(img.Maps, func(m *link.MapSpec) bool { return m.Name == array })
		if i < 0 {
			t.Fatalf("%s: no map %s", benchObject, array)
		}
		for _, name := range slots {
			s.arrays[benchMapPointer(i)] = append(s.arrays[benchMapPointer(i)], s.progs[name])
		}
	}
	return s
}

// TestBenchPrograms runs the reference programs with bench.yaml's checks.
func TestBenchPrograms(t *testing.T) {
	s := newBenchSetup(t)
	for _, tt := range benchPrograms {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestMachine(t)
			m.TailCalls = s.arrays
			x := newXDPContext(t, make([]byte, 1500))
			got, err := s.progs[tt.name].Run(m, x.addr())
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("retval %d, want %d", got, tt.want)
			}
		})
	}
}

// benchmarkProgram measures Run of a reference program and reports, beside
// the time of a run, the time of an executed instruction, which one
// counted run (RunCounted, outside the timing) gives.
func benchmarkProgram(b *testing.B, name string) {
	s := newBenchSetup(b)
	m := newTestMachine(b)
	m.TailCalls = s.arrays
	x := newXDPContext(b, make([]byte, 1500))
	p := s.progs[name]
	_, insns, err := p.RunCounted(m, x.addr())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.Run(m, x.addr()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(insns), "ns/insn")
}

func BenchmarkLoop(b *testing.B)    { benchmarkProgram(b, "loop") }
func BenchmarkCsum(b *testing.B)    { benchmarkProgram(b, "csum") }
func BenchmarkCalls(b *testing.B)   { benchmarkProgram(b, "calls") }
func BenchmarkBase(b *testing.B)    { benchmarkProgram(b, "base") }
func BenchmarkTcConst(b *testing.B) { benchmarkProgram(b, "tc_const") }
func BenchmarkTcSub(b *testing.B)   { benchmarkProgram(b, "tc_sub") }

// TestConcurrentRuns runs the reference programs from several goroutines,
// each with its own Machine, as the runtime does: Programs are shared.
// Every other run counts, so the goroutines also race to make the
// programs' counting bodies.
func TestConcurrentRuns(t *testing.T) {
	s := newBenchSetup(t)
	want := map[string]struct{ ret, insns uint64 }{
		"loop": {114, 5007}, "calls": {114, 11007}, "csum": {255, 9018}, "tc_sub": {2, 205}, "tc_count": {34, 444},
	}
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		m := newTestMachine(t)
		m.TailCalls = s.arrays
		x := newXDPContext(t, make([]byte, 1500))
		go func() {
			for i := 0; i < 20; i++ {
				for name, w := range want {
					clear(x.pkt.Bytes())
					var got, insns uint64
					var err error
					if i%2 == 0 {
						got, insns, err = s.progs[name].RunCounted(m, x.addr())
					} else {
						got, err = s.progs[name].Run(m, x.addr())
						insns = w.insns
					}
					if err == nil && (got != w.ret || insns != w.insns) {
						err = fmt.Errorf("%s: retval %d, %d instructions; want %d, %d", name, got, insns, w.ret, w.insns)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
