package interp

import (
	"testing"

	"github.com/bpfld/bpfld/insn"
)

// TestCountBenchPrograms counts the reference programs on a zeroed
// 1500-byte packet; see llvm-objdump-19 -d testdata/bench.bpf.o for the
// instructions behind the numbers.
func TestCountBenchPrograms(t *testing.T) {
	s := newBenchSetup(t)
	for _, tt := range []struct {
		name  string
		insns uint64
	}{
		// bench/README.md: 3 to set up, 1000 iterations of 5 of which
		// the last does not jump back, 5 to finish.
		{"loop", 5007},
		// 2 to set up, 1000 iterations of 6 and the 5 of mix (the last
		// does not jump back), 6 to finish.
		{"calls", 11007},
		// bench/README.md: 4 to set up, 750 iterations of 12 (the last
		// falls out of the loop), 14 to finish.
		{"csum", 9018},
		{"base", 2},
		// 34 entries of ld_imm64, mov, call; the last returns in 2.
		{"tc_const", 104},
		{"tc_var", 104},
		// 34 entries of a call and sub_tail's ld_imm64, mov, tail call;
		// the last sub_tail exits, then 34 frames of tc_sub return in 2.
		{"tc_sub", 34*4 + 1 + 34*2},
		// 34 entries of 13 up to the tail call; the last returns in 2.
		{"tc_count", 34*13 + 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestMachine(t)
			m.TailCalls = s.arrays
			x := newXDPContext(t, make([]byte, 1500))
			_, insns, err := s.progs[tt.name].RunCounted(m, x.addr())
			if err != nil {
				t.Fatal(err)
			}
			if insns != tt.insns {
				t.Errorf("%d instructions, want %d", insns, tt.insns)
			}
		})
	}
}

// countEnv resolves the helpers of the counted test programs: 181 is a
// bpf_loop (loopHelper), 1000 returns 7.
func countEnv() *testEnv {
	return &testEnv{helpers: map[int32]Helper{
		181:  loopHelper,
		1000: func(*Machine, uint64, uint64, uint64, uint64, uint64) uint64 { return 7 },
	}}
}

// countCase is a program to count, with the programs its prog array
// 0x1000 holds: slots[i] indexes progs, -1 for an empty slot.
type countCase struct {
	name  string
	progs [][]insn.Instruction // the first runs
	slots []int
	insns uint64 // the count, by hand; 0 to leave it to stepping
	want  uint64 // R0
}

// countCases are programs with every way to leave a basic block early or
// enter one in the middle.
func countCases() []countCase {
	const r0, r1, r2, r3, r6 = insn.R0, insn.R1, insn.R2, insn.R3, insn.R6
	one := func(name string, insns []insn.Instruction, n, want uint64) countCase {
		return countCase{name: name, progs: [][]insn.Instruction{insns}, insns: n, want: want}
	}
	cases := []countCase{
		one("ld_imm64 is one instruction", prog(ldImm64(r0, 1<<40), exit()), 2, 1<<40),
		one("a helper call is one instruction", prog(call(1000), exit()), 2, 7),
		one("a jump skips", prog(mov64K(r0, 1), ja(1), mov64K(r0, 2), exit()), 3, 1),
		one("a taken branch leaves its block early", prog(
			mov64K(r0, 1),
			jmpK(insn.JmpJEQ, r0, 1, 2),
			mov64K(r0, 2),
			mov64K(r0, 3),
			exit()), 3, 1),
		one("a loop enters its block in the middle", prog(
			mov64K(r0, 0),
			alu64K(insn.ALUAdd, r0, 1),
			jmpK(insn.JmpJGE, r0, 10, 1),
			ja(-3),
			exit()), 1+9*3+2+1, 10),
		one("may_goto falls through until the budget is spent", prog(
			mov64K(r0, 0),
			mayGoto(2),
			alu64K(insn.ALUAdd, r0, 1),
			ja(-3),
			exit()), 1+MaxLoops*3+1+1, MaxLoops),
		// Slots: 0 mov, 1 call f1, 2 exit, 3 f1: add, 4 call f2, 5 exit,
		// 6 f2: add, 7 mov, 8 exit; all 9 run.
		one("bpf-to-bpf calls return into the block", prog(
			mov64K(r1, 1),
			callLocal(1),
			exit(),
			alu64K(insn.ALUAdd, r1, 10),
			callLocal(1),
			exit(),
			alu64K(insn.ALUAdd, r1, 100),
			mov64X(r0, r1),
			exit()), 9, 111),
		// bpf_loop(3, cb): 5 instructions of main and 3 runs of a
		// callback of 2.
		one("callbacks count", prog(
			mov64K(r1, 3),
			ldPseudo(r2, insn.PseudoFunc, 4, 0),
			mov64K(r3, 0),
			call(181),
			exit(),
			mov64K(r0, 0),
			exit()), 5+3*2, 3),
		one("a legacy packet load in the packet", prog(
			mov64X(r6, r1), mov64K(r0, 9), ldAbs(insn.SizeB, 15), mov64K(r0, 5), exit()), 5, 5),
		one("a legacy packet load out of the packet returns at once", prog(
			mov64X(r6, r1), mov64K(r0, 9), ldAbs(insn.SizeW, 13), mov64K(r0, 5), exit()), 3, 0),
		one("so does an indirect one", prog(
			mov64X(r6, r1), mov64K(insn.R7, -20), ldInd(insn.SizeB, insn.R7, 4), mov64K(r0, 5), exit()), 3, 0),
		// Slots: 0 mov, 1-2 map, 3 mov, 4 tail call, 5 mov, 6 exit.
		{name: "a taken tail call leaves its block", progs: [][]insn.Instruction{
			prog(mov64K(r0, 1), interpMapRef(0), mov64K(r3, 1), call(helperTailCall), mov64K(r0, 2), exit()),
			prog(mov64K(r0, 3), exit()),
		}, slots: []int{-1, 1}, insns: 4 + 2, want: 3},
		{name: "an empty slot falls through", progs: [][]insn.Instruction{
			prog(mov64K(r0, 1), interpMapRef(0), mov64K(r3, 0), call(helperTailCall), mov64K(r0, 2), exit()),
		}, slots: []int{-1}, insns: 6, want: 2},
	}
	for _, c := range tailCallCases() {
		if len(c.arrays) == 1 {
			cases = append(cases, countCase{name: c.name, progs: c.progs(interpMapRef), slots: c.arrays[0], want: c.want})
		}
	}
	for _, pcs := range [][]progCase{aluCases(), jumpCases(), callCases()} {
		for _, c := range pcs {
			cases = append(cases, one(c.name, c.program(), 0, c.want))
		}
	}
	return cases
}

// countPrograms prepares c's programs, each counting every op on its own
// if step is set, and wires the prog array.
func countPrograms(t *testing.T, c countCase, step bool) (*Program, progArrays) {
	t.Helper()
	env := countEnv()
	env.maps = map[int32]uint64{0: 0x1000}
	var progs []*Program
	for i, insns := range c.progs {
		p, err := Prepare(insns, env)
		if err != nil {
			t.Fatalf("prepare program %d: %v", i, err)
		}
		if step {
			stepCounting(p)
		}
		progs = append(progs, p)
	}
	arrays := progArrays{}
	for _, s := range c.slots {
		var p *Program
		if s >= 0 {
			p = progs[s]
		}
		arrays[0x1000] = append(arrays[0x1000], p)
	}
	return progs[0], arrays
}

// stepCounting makes p count every op on its own, an opCount of 1 before
// each: the reference that counting by blocks must match.
func stepCounting(p *Program) {
	every := make([]bool, p.plain.exitOp)
	for i := range every {
		every[i] = true
	}
	p.countingOnce.Do(func() { p.counting = newCountingBody(&p.plain, every) })
}

// TestCount counts countCases by blocks, as RunCounted does, and checks
// the count against the hand-made one and against counting every op on
// its own, and the result against Run's.
func TestCount(t *testing.T) {
	pkt := packet{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, 0xaa, 0xbb}
	for _, c := range countCases() {
		t.Run(c.name, func(t *testing.T) {
			var counts [2]uint64
			for i, step := range []bool{false, true} {
				p, arrays := countPrograms(t, c, step)
				for _, counted := range []bool{true, false} {
					m := newTestMachine(t)
					m.TailCalls, m.Packet = arrays, pkt
					x := newXDPContext(t, make([]byte, 64))
					var got uint64
					var err error
					if counted {
						got, counts[i], err = p.RunCounted(m, x.addr())
					} else {
						got, err = p.Run(m, x.addr())
					}
					if err != nil {
						t.Fatal(err)
					}
					if got != c.want {
						t.Errorf("step %v, counted %v: r0 = %d, want %d", step, counted, got, c.want)
					}
				}
			}
			if counts[0] != counts[1] {
				t.Errorf("%d instructions by blocks, %d one by one", counts[0], counts[1])
			}
			if c.insns != 0 && counts[0] != c.insns {
				t.Errorf("%d instructions, want %d", counts[0], c.insns)
			}
		})
	}
}

// TestCountThenRun checks that a Machine goes back to its plain run after
// a counted one, and that a fault inside a callback is reported with the
// instruction of the program, not of the counting ops.
func TestCountThenRun(t *testing.T) {
	p, err := Prepare(prog(
		mov64K(insn.R1, 2),
		ldPseudo(insn.R2, insn.PseudoFunc, 4, 0),
		mov64K(insn.R3, 0),
		call(181),
		exit(),
		mov64K(insn.R1, 0),
		ldx(insn.SizeDW, insn.R0, insn.R1, 0),
		exit()), countEnv())
	if err != nil {
		t.Fatal(err)
	}
	m := newTestMachine(t)
	const want = "instruction 4 (call bpf_loop#181): instruction 7 (r0 = *(u64 *)(r1 +0)): invalid memory read of 8 bytes at 0x0"
	for i := 0; i < 2; i++ {
		if _, _, err := p.RunCounted(m, 0); err == nil || err.Error() != want {
			t.Errorf("counted: error %v, want %s", err, want)
		}
		if _, err := p.Run(m, 0); err == nil || err.Error() != want {
			t.Errorf("plain: error %v, want %s", err, want)
		}
	}
}
