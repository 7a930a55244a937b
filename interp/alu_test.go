package interp

import (
	"testing"

	"github.com/bpfld/bpfld/insn"
)

// runCase prepares and runs a case on a fresh machine, without a context.
func runCase(t *testing.T, insns []insn.Instruction, env Resolver) (uint64, error) {
	t.Helper()
	if env == nil {
		env = &testEnv{}
	}
	p, err := Prepare(insns, env)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	return p.Run(newTestMachine(t), 0)
}

func TestALU(t *testing.T) {
	for _, c := range aluCases() {
		t.Run(c.name, func(t *testing.T) {
			got, err := runCase(t, c.program(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("r0 = %#x, want %#x", got, c.want)
			}
		})
	}
}

func TestJumps(t *testing.T) {
	for _, c := range jumpCases() {
		t.Run(c.name, func(t *testing.T) {
			got, err := runCase(t, c.program(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("taken conditions %011b, want %011b (bit i: jumpConds[i])", got, c.want)
			}
		})
	}
}

// TestControl covers the unconditional jumps and may_goto.
func TestControl(t *testing.T) {
	tests := []struct {
		name  string
		insns []insn.Instruction
		want  uint64
	}{
		{"ja skips", prog(mov64K(insn.R0, 1), ja(1), mov64K(insn.R0, 2), exit()), 1},
		{"gotol skips", prog(mov64K(insn.R0, 1), gotol(1), mov64K(insn.R0, 2), exit()), 1},
		{"ja backwards loops", prog(
			mov64K(insn.R0, 0),
			alu64K(insn.ALUAdd, insn.R0, 1),
			jmpK(insn.JmpJGE, insn.R0, 10, 1),
			ja(-3),
			exit()), 10},
		{"ld_imm64 counts as one slot pair in jumps", prog(
			mov64K(insn.R0, 0),
			ja(2),
			ldImm64(insn.R0, 7),
			exit()), 0},
		{"may_goto falls through until the budget is spent", prog(
			mov64K(insn.R0, 0),
			mayGoto(2),
			alu64K(insn.ALUAdd, insn.R0, 1),
			ja(-3),
			exit()), MaxLoops},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runCase(t, tt.insns, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("r0 = %d, want %d", got, tt.want)
			}
		})
	}
}
