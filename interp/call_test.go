package interp

import (
	"errors"
	"strings"
	"testing"

	"github.com/bpfld/bpfld/insn"
)

// callCases are programs with bpf-to-bpf calls, run here and in the
// kernel (TestKernelCalls).
func callCases() []progCase {
	const r0, r1, r6, r10 = insn.R0, insn.R1, insn.R6, insn.R10
	return []progCase{
		{"arguments, result and callee-saved registers", prog(
			mov64K(r6, 7),
			mov64K(r1, 5),
			callLocal(2),
			alu64X(insn.ALUAdd, r0, r6),
			exit(),
			// sub(x): clobbers r6, returns 2x
			mov64K(r6, 100),
			mov64X(r0, r1),
			alu64K(insn.ALULsh, r0, 1),
			exit()), 17},
		{"each frame has its own stack", prog(
			st(insn.SizeDW, r10, -8, 1),
			callLocal(2),
			ldx(insn.SizeDW, r0, r10, -8),
			exit(),
			st(insn.SizeDW, r10, -8, 2),
			mov64K(r0, 0),
			exit()), 1},
		{"a callee writes through a pointer into its caller's frame", prog(
			st(insn.SizeDW, r10, -8, 1),
			mov64X(r1, r10),
			alu64K(insn.ALUAdd, r1, -8),
			callLocal(2),
			ldx(insn.SizeDW, r0, r10, -8),
			exit(),
			st(insn.SizeDW, r1, 0, 99),
			exit()), 99},
		{"nested calls", prog(
			mov64K(r1, 1),
			callLocal(1),
			exit(),
			alu64K(insn.ALUAdd, r1, 10), // f1
			callLocal(1),
			exit(),
			alu64K(insn.ALUAdd, r1, 100), // f2
			mov64X(r0, r1),
			exit()), 111},
	}
}

func TestCalls(t *testing.T) {
	for _, tt := range callCases() {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runCase(t, tt.body, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("r0 = %d, want %d", got, tt.want)
			}
		})
	}
}

// callChain returns a program of n functions, each calling the next and
// using stack[i] bytes of stack.
func callChain(stack ...int16) []insn.Instruction {
	var out []insn.Instruction
	for i, s := range stack {
		if s > 0 {
			out = append(out, st(insn.SizeB, insn.R10, -s, 0))
		}
		if i+1 < len(stack) {
			out = append(out, callLocal(1), exit())
		} else {
			out = append(out, mov64K(insn.R0, int32(i)), exit())
		}
	}
	return out
}

// stackLimit is a program that Prepare must accept, with a stack depth,
// or reject with an error, as the kernel's verifier does
// (TestKernelStackLimits).
type stackLimit struct {
	name  string
	insns []insn.Instruction
	want  string // error, "" for none
	depth int
}

func stackLimitCases() []stackLimit {
	return []stackLimit{
		{"8 frames", callChain(8, 8, 8, 8, 8, 8, 8, 8), "", 128},
		{"9 frames", callChain(8, 8, 8, 8, 8, 8, 8, 8, 8), "the call stack of 9 frames is too deep", 0},
		{"512 bytes in all", callChain(256, 240, 16), "", 512},
		{"frames round up to 16 bytes", callChain(256, 241, 8), "combined stack size of 3 calls is 528 bytes, more than 512", 0},
		{"one frame of 512", callChain(512), "", 512},
		{"a pointer formed but not used", prog(mov64X(insn.R1, insn.R10), alu64K(insn.ALUAdd, insn.R1, -520), mov64K(insn.R0, 0), exit()), "", 0},
		{"accesses through pointers count", prog(mov64X(insn.R1, insn.R10), alu64K(insn.ALUAdd, insn.R1, -520), st(insn.SizeB, insn.R1, 0, 0), mov64K(insn.R0, 0), exit()),
			"combined stack size of 1 calls is 528 bytes", 0},
		{"accesses by a callee count for its caller", prog(
			mov64X(insn.R1, insn.R10),
			alu64K(insn.ALUAdd, insn.R1, -40),
			callLocal(1),
			exit(),
			st(insn.SizeB, insn.R1, 0, 0),
			mov64K(insn.R0, 0),
			exit()), "", 48},
		{"recursion", prog(callLocal(1), exit(), callLocal(-1), exit()), "recursive call", 0},
		{"tail calls below 256 bytes of callers' stack", prog(
			st(insn.SizeB, insn.R10, -256, 0),
			callLocal(1),
			exit(),
			ldPseudo(insn.R2, insn.PseudoMapIdx, 0, 0),
			mov64K(insn.R3, 0),
			call(helperTailCall),
			mov64K(insn.R0, 0),
			exit()), "tail calls are not allowed when the call stack of previous frames is 256 bytes", 0},
		{"tail calls below 240 bytes of callers' stack", prog(
			st(insn.SizeB, insn.R10, -240, 0),
			callLocal(1),
			exit(),
			ldPseudo(insn.R2, insn.PseudoMapIdx, 0, 0),
			mov64K(insn.R3, 0),
			call(helperTailCall),
			mov64K(insn.R0, 0),
			exit()), "", 240},
	}
}

// TestStackLimits checks the verifier's limits on calls at Prepare.
func TestStackLimits(t *testing.T) {
	for _, tt := range stackLimitCases() {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Prepare(tt.insns, &testEnv{maps: map[int32]uint64{0: 0x1000}})
			switch {
			case tt.want == "" && err != nil:
				t.Fatal(err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			case tt.want == "" && p.StackDepth() != tt.depth:
				t.Errorf("stack depth %d, want %d", p.StackDepth(), tt.depth)
			}
		})
	}
}

// TestDeepTailCallChains runs a chain of tail calls each made from the
// seventh frame, so that the run goes deeper than MaxCallFrames, as the
// kernel allows.
func TestDeepTailCallChains(t *testing.T) {
	// main calls f1 ... f6, f6 tail calls main again; every function
	// keeps a value on its own stack to check that frames do not
	// overlap.
	var insns []insn.Instruction
	for i := 0; i < 7; i++ {
		insns = append(insns, st(insn.SizeDW, insn.R10, -8, int32(i)))
		if i < 6 {
			insns = append(insns, callLocal(3))
		} else {
			insns = append(insns, prog(ldPseudo(insn.R2, insn.PseudoMapIdx, 0, 0), mov64K(insn.R3, 0), call(helperTailCall), mov64K(insn.R0, 0))...)
		}
		// r0 += *(r10-8) must still be i.
		insns = append(insns, ldx(insn.SizeDW, insn.R1, insn.R10, -8), alu64X(insn.ALUAdd, insn.R0, insn.R1), exit())
	}
	// Move each call past the following function's body.
	for pc := range insns {
		if insns[pc].IsPseudoCall() {
			insns[pc].Imm = 3
		}
	}
	p, err := Prepare(insns, &testEnv{maps: map[int32]uint64{0: 0x1000}})
	if err != nil {
		t.Fatal(err)
	}
	m := newTestMachine(t)
	m.TailCalls = progArrays{0x1000: {p}}
	got, err := p.Run(m, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 34 entries of main, each adding 0+1+...+5 on the way back, the
	// last tail call falling through to add 6.
	if want := uint64(34*15 + 6); got != want {
		t.Errorf("r0 = %d, want %d", got, want)
	}
}

// loopHelper is a test bpf_loop(nr, callback, ctx): it calls the callback
// with (index, ctx) until it returns non-zero, and returns the number of
// calls.
func loopHelper(m *Machine, nr, fn, ctx, _, _ uint64) uint64 {
	for i := uint64(0); i < nr; i++ {
		ret, err := m.Callback(fn, i, ctx, 0, 0, 0)
		if err != nil {
			return 0
		}
		if ret != 0 {
			return i + 1
		}
	}
	return nr
}

func TestCallbacks(t *testing.T) {
	const r0, r1, r2, r3, r10 = insn.R0, insn.R1, insn.R2, insn.R3, insn.R10
	env := &testEnv{helpers: map[int32]Helper{181: loopHelper, 1000: func(m *Machine, fn, _, _, _, _ uint64) uint64 {
		m.Callback(fn^1, 0, 0, 0, 0, 0)
		return 0
	}}}
	// main: *(r10-8) = 0; bpf_loop(n, cb, r10-8); return *(r10-8) * 1000 + loops
	mainWith := func(n int32, cb []insn.Instruction) []insn.Instruction {
		return prog(
			st(insn.SizeDW, r10, -8, 0),
			mov64K(r1, n),
			ldPseudo(r2, insn.PseudoFunc, 8, 0),
			mov64X(r3, r10),
			alu64K(insn.ALUAdd, r3, -8),
			call(181),
			ldx(insn.SizeDW, r1, r10, -8),
			alu64K(insn.ALUMul, r1, 1000),
			alu64X(insn.ALUAdd, r0, r1),
			exit(),
			cb)
	}
	// The callback adds index+1 to *ctx and stops after index 3.
	sum := prog(
		ldx(insn.SizeDW, r3, r2, 0),
		alu64X(insn.ALUAdd, r3, r1),
		alu64K(insn.ALUAdd, r3, 1),
		stx(insn.SizeDW, r2, r3, 0),
		mov64K(r0, 0),
		jmpK(insn.JmpJNE, r1, 3, 1),
		mov64K(r0, 1),
		exit())
	tests := []struct {
		name  string
		insns []insn.Instruction
		want  uint64
		err   string
	}{
		{"loop until the callback stops", mainWith(10, sum), 10*1000 + 4, ""},
		{"loop to the end", mainWith(2, sum), 3*1000 + 2, ""},
		{"a fault in the callback stops the run", mainWith(2, prog(mov64K(r1, 0), ldx(insn.SizeDW, r0, r1, 0), exit())), 0,
			"instruction 6 (call bpf_loop#181): instruction 12 (r0 = *(u64 *)(r1 +0)): invalid memory read of 8 bytes at 0x0"},
		{"not a callback", prog(ldPseudo(r1, insn.PseudoFunc, 3, 0), call(1000), exit(), mov64K(r0, 0), exit()), 0,
			"is not a callback function of the running program"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Prepare(tt.insns, env)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Run(newTestMachine(t), 0)
			switch {
			case tt.err == "" && err != nil:
				t.Fatal(err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("error %v, want one containing %q", err, tt.err)
			case got != tt.want:
				t.Errorf("r0 = %d, want %d", got, tt.want)
			}
			var ie *Error
			if err != nil && !errors.As(err, &ie) {
				t.Errorf("error %T is not an *Error", err)
			}
		})
	}
}
