package interp

import (
	"testing"

	"github.com/bpfld/bpfld/insn"
)

// Tail-call programs count their entries in the first packet byte, as
// bench.bpf.c's tc_count does, so that the same programs run in the
// interpreter and in the kernel (TestKernelTailCalls).

// tailCallTo is one bpf_tail_call(ctx, arrays[array], index).
type tailCallTo struct {
	array int
	index int32
}

// mapRef returns the ld_imm64 that loads prog array i into R2: an index
// for the interpreter, a file descriptor for the kernel.
type mapRef func(i int) []insn.Instruction

func interpMapRef(i int) []insn.Instruction {
	return ldPseudo(insn.R2, insn.PseudoMapIdx, int32(i), 0)
}

// packetGuard loads data into R2 and returns 255 unless a byte is there.
func packetGuard() []insn.Instruction {
	return prog(
		ldx(insn.SizeW, insn.R2, insn.R6, 0),
		ldx(insn.SizeW, insn.R3, insn.R6, 4),
		mov64X(insn.R4, insn.R2),
		alu64K(insn.ALUAdd, insn.R4, 1),
		jmpX(insn.JmpJLE, insn.R4, insn.R3, 2),
		mov64K(insn.R0, 255),
		exit())
}

// countEntries builds a program that increments the first packet byte,
// makes the tail calls (from a subprogram if viaSub), and returns the
// byte, plus add.
func countEntries(ref mapRef, viaSub bool, add int32, calls ...tailCallTo) []insn.Instruction {
	tail := func() []insn.Instruction {
		var out []insn.Instruction
		for _, c := range calls {
			if !viaSub {
				out = append(out, mov64X(insn.R1, insn.R6))
			}
			out = append(out, ref(c.array)...)
			out = append(out, mov64K(insn.R3, c.index), call(helperTailCall))
		}
		return out
	}
	main := prog(
		mov64X(insn.R6, insn.R1),
		packetGuard(),
		ldx(insn.SizeB, insn.R5, insn.R2, 0),
		alu64K(insn.ALUAdd, insn.R5, 1),
		stx(insn.SizeB, insn.R2, insn.R5, 0))
	if viaSub {
		main = append(main, mov64X(insn.R1, insn.R6), callLocal(int32(len(packetGuard())+3)))
	} else {
		main = append(main, tail()...)
	}
	main = append(main, packetGuard()...)
	main = append(main, ldx(insn.SizeB, insn.R0, insn.R2, 0), alu64K(insn.ALUAdd, insn.R0, add), exit())
	if viaSub {
		main = append(main, tail()...)
		main = append(main, mov64K(insn.R0, 0), exit())
	}
	return main
}

// tailCallCase is a set of programs wired into prog arrays; the first
// program runs, on a zeroed packet.
type tailCallCase struct {
	name   string
	progs  func(ref mapRef) [][]insn.Instruction
	arrays [][]int // arrays[i][slot]: index into progs, -1 for empty
	want   uint64
}

func tailCallCases() []tailCallCase {
	self := [][]int{{0, -1, -1, -1}}
	empties := make([]tailCallTo, 40)
	for i := range empties {
		empties[i] = tailCallTo{0, 1}
	}
	outOfRange := make([]tailCallTo, 40)
	for i := range outOfRange {
		outOfRange[i] = tailCallTo{0, 100}
	}
	return []tailCallCase{
		{"33 tail calls, the 34th falls through", func(ref mapRef) [][]insn.Instruction {
			return [][]insn.Instruction{countEntries(ref, false, 0, tailCallTo{0, 0})}
		}, self, 34},
		{"empty slots fall through and do not count", func(ref mapRef) [][]insn.Instruction {
			return [][]insn.Instruction{countEntries(ref, false, 0, append(empties, tailCallTo{0, 0})...)}
		}, self, 34},
		{"indexes out of range fall through and do not count", func(ref mapRef) [][]insn.Instruction {
			return [][]insn.Instruction{countEntries(ref, false, 0, append(outOfRange, tailCallTo{0, 0})...)}
		}, self, 34},
		{"the count is carried through bpf-to-bpf calls", func(ref mapRef) [][]insn.Instruction {
			return [][]insn.Instruction{countEntries(ref, true, 0, tailCallTo{0, 0})}
		}, self, 34},
		{"a tail call from a subprogram returns to its caller", func(ref mapRef) [][]insn.Instruction {
			return [][]insn.Instruction{
				countEntries(ref, true, 100, tailCallTo{0, 1}),
				prog(mov64K(insn.R0, 7), exit()),
			}
		}, [][]int{{-1, 1, -1, -1}}, 101},
		{"a chain of different programs", func(ref mapRef) [][]insn.Instruction {
			return [][]insn.Instruction{
				countEntries(ref, false, 0, tailCallTo{0, 1}),
				countEntries(ref, false, 10, tailCallTo{0, 2}),
				countEntries(ref, true, 20, tailCallTo{0, 3}),
				countEntries(ref, false, 30),
			}
		}, [][]int{{0, 1, 2, 3}}, 24}, // the third program's main returns 4+20
		{"a tail call's target gets the context in R1", func(ref mapRef) [][]insn.Instruction {
			return [][]insn.Instruction{
				prog(mov64K(insn.R5, 0), ref(0), mov64K(insn.R3, 1), call(helperTailCall), mov64K(insn.R0, 1), exit()),
				prog(ldx(insn.SizeW, insn.R0, insn.R1, 4), ldx(insn.SizeW, insn.R1, insn.R1, 0), alu64X(insn.ALUSub, insn.R0, insn.R1), exit()),
			}
		}, [][]int{{-1, 1}}, 64},
	}
}

// runTailCallCase prepares and wires c's programs and runs the first.
func runTailCallCase(t *testing.T, c tailCallCase) (uint64, error) {
	t.Helper()
	env := &testEnv{maps: map[int32]uint64{}}
	for i := range c.arrays {
		env.maps[int32(i)] = 0x1000 + uint64(i)
	}
	var progs []*Program
	for i, insns := range c.progs(interpMapRef) {
		p, err := Prepare(insns, env)
		if err != nil {
			t.Fatalf("prepare program %d: %v", i, err)
		}
		progs = append(progs, p)
	}
	arrays := progArrays{}
	for i, slots := range c.arrays {
		for _, s := range slots {
			var p *Program
			if s >= 0 {
				p = progs[s]
			}
			arrays[0x1000+uint64(i)] = append(arrays[0x1000+uint64(i)], p)
		}
	}
	m := newTestMachine(t)
	m.TailCalls = arrays
	x := newXDPContext(t, make([]byte, 64))
	return progs[0].Run(m, x.addr())
}

func TestTailCalls(t *testing.T) {
	for _, c := range tailCallCases() {
		t.Run(c.name, func(t *testing.T) {
			got, err := runTailCallCase(t, c)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("r0 = %d, want %d", got, c.want)
			}
		})
	}
}

// TestTailCallsPerRun checks that the count starts afresh with each run and
// that a machine without prog arrays lets tail calls fall through.
func TestTailCallsPerRun(t *testing.T) {
	env := &testEnv{maps: map[int32]uint64{0: 0x1000}}
	p, err := Prepare(countEntries(interpMapRef, false, 0, tailCallTo{0, 0}), env)
	if err != nil {
		t.Fatal(err)
	}
	m := newTestMachine(t)
	for _, run := range []struct {
		name  string
		first byte // the packet's first byte before the run
		wired bool
		want  uint64
	}{
		{"first run", 0, true, 34},
		{"second run", 34, true, 68},
		{"no prog arrays", 0, false, 1},
	} {
		m.TailCalls = nil
		if run.wired {
			m.TailCalls = progArrays{0x1000: {p}}
		}
		x := newXDPContext(t, []byte{run.first})
		got, err := p.Run(m, x.addr())
		if err != nil {
			t.Fatal(err)
		}
		if got != run.want {
			t.Errorf("%s: r0 = %d, want %d", run.name, got, run.want)
		}
	}
}
