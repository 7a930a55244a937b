package interp

import (
	"debug/elf"
	"fmt"
	"testing"

	"github.com/bpfld/bpfld/insn"
)

// The reference programs of ../shared/bench (testdata/bench.bpf.o), loaded
// with debug/elf and linked by hand: the program's instructions followed
// by all of .text, calls and map references patched. The project's ELF
// reader and linker replace this once they exist.

const benchObject = "testdata/bench.bpf.o"

// benchMaps are the prog arrays of bench.bpf.o in symbol order; their
// made-up map pointers are 0x1000 plus the index.
var benchMaps = []string{"jmp_const", "jmp_var", "jmp_sub"}

func benchMapPointer(index int) uint64 { return 0x1000 + uint64(index) }

// loadBenchProgram returns the linked instructions of program name.
func loadBenchProgram(name string) ([]insn.Instruction, error) {
	f, err := elf.Open(benchObject)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%s: symbols: %w", benchObject, err)
	}
	var fn *elf.Symbol
	for i := range syms {
		if syms[i].Name == name && elf.ST_TYPE(syms[i].Info) == elf.STT_FUNC {
			fn = &syms[i]
		}
	}
	if fn == nil {
		return nil, fmt.Errorf("%s: no function %s", benchObject, name)
	}
	sec := f.Sections[fn.Section]
	code, err := sectionInsns(sec)
	if err != nil {
		return nil, err
	}
	first, n := int(fn.Value/8), int(fn.Size/8)
	text, err := sectionInsns(f.Section(".text"))
	if err != nil {
		return nil, err
	}
	out := append(append([]insn.Instruction{}, code[first:first+n]...), text...)
	// Relocate the program's slots (from first) and .text's (from n).
	for _, part := range []struct {
		sec         *elf.Section
		from, count int
		base        int
	}{{sec, first, n, 0}, {f.Section(".text"), 0, len(text), n}} {
		if err := relocate(f, syms, part.sec, part.from, part.count, part.base, n, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// BPF relocation types; debug/elf has no names for them.
const (
	relBPF64_64 = 1  // R_BPF_64_64: ld_imm64 of a symbol's address
	relBPF64_32 = 10 // R_BPF_64_32: call of a function
)

func sectionInsns(sec *elf.Section) ([]insn.Instruction, error) {
	b, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("section %s: %w", sec.Name, err)
	}
	return insn.Decode(b)
}

// relocate applies the relocations of sec to its slots from..from+count,
// which sit at base in out; .text sits at textBase.
func relocate(f *elf.File, syms []elf.Symbol, sec *elf.Section, from, count, base, textBase int, out []insn.Instruction) error {
	var rel *elf.Section
	for _, s := range f.Sections {
		if s.Type == elf.SHT_REL && f.Sections[s.Info] == sec {
			rel = s
		}
	}
	if rel == nil {
		return nil
	}
	data, err := rel.Data()
	if err != nil {
		return err
	}
	for i := 0; i+16 <= len(data); i += 16 {
		off := f.ByteOrder.Uint64(data[i:])
		info := f.ByteOrder.Uint64(data[i+8:])
		slot := int(off / 8)
		if slot < from || slot >= from+count {
			continue
		}
		sym := syms[elf.R_SYM64(info)-1] // Symbols() drops the null symbol
		at := base + slot - from
		switch elf.R_TYPE64(info) {
		case relBPF64_32: // call into .text: imm+1 slots past the symbol
			target := textBase + int(sym.Value/8) + int(out[at].Imm) + 1
			out[at].Imm = int32(target - at - 1)
		case relBPF64_64: // a map
			idx := -1
			for j, name := range benchMaps {
				if name == sym.Name {
					idx = j
				}
			}
			if idx < 0 {
				return fmt.Errorf("relocation against unknown symbol %s", sym.Name)
			}
			out[at].Src, out[at].Imm = insn.PseudoMapIdx, int32(idx)
		default:
			return fmt.Errorf("relocation type %d", elf.R_TYPE64(info))
		}
	}
	return nil
}

// benchEnv resolves the bench programs' maps.
func benchEnv() *testEnv {
	env := &testEnv{maps: map[int32]uint64{}}
	for i := range benchMaps {
		env.maps[int32(i)] = benchMapPointer(i)
	}
	return env
}

// benchSetup prepares the reference programs and wires their prog arrays
// as bench.yaml does.
type benchSetup struct {
	progs  map[string]*Program
	arrays progArrays
}

func newBenchSetup(t testing.TB) *benchSetup {
	t.Helper()
	s := &benchSetup{progs: map[string]*Program{}, arrays: progArrays{}}
	for _, name := range []string{"loop", "calls", "csum", "base", "tc_const", "tc_var", "tc_sub", "tc_count"} {
		insns, err := loadBenchProgram(name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Prepare(insns, benchEnv())
		if err != nil {
			t.Fatalf("prepare %s: %v", name, err)
		}
		s.progs[name] = p
	}
	s.arrays[benchMapPointer(0)] = []*Program{s.progs["tc_const"], nil, nil, nil}
	s.arrays[benchMapPointer(1)] = []*Program{s.progs["tc_var"], s.progs["tc_count"], nil, nil}
	s.arrays[benchMapPointer(2)] = []*Program{s.progs["tc_sub"], nil, nil, nil}
	return s
}

// TestBenchPrograms runs the reference programs with bench.yaml's checks.
func TestBenchPrograms(t *testing.T) {
	s := newBenchSetup(t)
	for _, tt := range []struct {
		name string
		want uint64
	}{
		{"loop", 114}, {"calls", 114}, {"csum", 255}, {"base", 2},
		{"tc_const", 2}, {"tc_var", 2}, {"tc_sub", 2}, {"tc_count", 34},
	} {
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

// benchInsns is the number of instructions each reference program executes
// on a zeroed 1500-byte packet (bench/README.md; for the others counted by
// hand: calls runs 1000 iterations of 5 instructions and a call of 5).
var benchInsns = map[string]int{"loop": 5007, "csum": 9018, "calls": 11007}

func benchmarkProgram(b *testing.B, name string) {
	s := newBenchSetup(b)
	m := newTestMachine(b)
	m.TailCalls = s.arrays
	x := newXDPContext(b, make([]byte, 1500))
	p := s.progs[name]
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.Run(m, x.addr()); err != nil {
			b.Fatal(err)
		}
	}
	if n := benchInsns[name]; n > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/insn")
	}
}

func BenchmarkLoop(b *testing.B)    { benchmarkProgram(b, "loop") }
func BenchmarkCsum(b *testing.B)    { benchmarkProgram(b, "csum") }
func BenchmarkCalls(b *testing.B)   { benchmarkProgram(b, "calls") }
func BenchmarkBase(b *testing.B)    { benchmarkProgram(b, "base") }
func BenchmarkTcConst(b *testing.B) { benchmarkProgram(b, "tc_const") }
func BenchmarkTcSub(b *testing.B)   { benchmarkProgram(b, "tc_sub") }

// TestConcurrentRuns runs the reference programs from several goroutines,
// each with its own Machine, as the runtime does: Programs are shared.
func TestConcurrentRuns(t *testing.T) {
	s := newBenchSetup(t)
	want := map[string]uint64{"loop": 114, "calls": 114, "csum": 255, "tc_sub": 2, "tc_count": 34}
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		m := newTestMachine(t)
		m.TailCalls = s.arrays
		x := newXDPContext(t, make([]byte, 1500))
		go func() {
			for i := 0; i < 20; i++ {
				for name, w := range want {
					clear(x.pkt.Bytes())
					got, err := s.progs[name].Run(m, x.addr())
					if err == nil && got != w {
						err = fmt.Errorf("%s: retval %d, want %d", name, got, w)
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
