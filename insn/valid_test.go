package insn

import (
	"errors"
	"strings"
	"testing"
)

// TestValid checks accepted encodings and, for rejected ones, that the error
// names the opcode and says what is wrong.
func TestValid(t *testing.T) {
	tests := []struct {
		ins  Instruction
		want string // "" if valid, else a part of the error
	}{
		// ALU.
		{ins(alu64|ALUAdd|k, 1, 0, 0, 5), ""},
		{ins(alu64|ALUAdd|x, 1, 10, 0, 0), ""},
		{ins(alu64|ALUAdd|k, 1, 2, 0, 5), "reserved field src is 2"},
		{ins(alu64|ALUAdd|x, 1, 2, 0, 5), "reserved field imm is 5"},
		{ins(alu64|ALUAdd|x, 1, 2, 1, 0), "off is 1, must be 0 (or 1 for sdiv and smod)"},
		{ins(alu64|ALUAdd|k, 10, 0, 0, 5), "dst register r10 is the read-only frame pointer"},
		{ins(alu64|ALUAdd|x, 11, 2, 0, 0), "dst register 11 does not exist"},
		{ins(alu64|ALUAdd|x, 1, 12, 0, 0), "src register 12 does not exist"},
		{ins(alu64|ALUDiv|x, 1, 2, OffSigned, 0), ""},
		{ins(alu|ALUMod|k, 1, 0, OffSigned, -3), ""},
		{ins(alu64|ALUDiv|x, 1, 2, 2, 0), "off is 2"},
		{ins(alu64|ALUDiv|k, 1, 0, 0, 0), "division by zero"},
		{ins(alu|ALUMod|k, 1, 0, OffSigned, 0), "division by zero"},
		{ins(alu64|ALULsh|k, 1, 0, 0, 63), ""},
		{ins(alu64|ALULsh|k, 1, 0, 0, 64), "shift by 64 is out of range 0 to 63"},
		{ins(alu|ALUArsh|k, 1, 0, 0, 32), "shift by 32 is out of range 0 to 31"},
		{ins(alu|ALURsh|k, 1, 0, 0, -1), "shift by -1"},
		{ins(alu64|ALUNeg|k, 1, 0, 0, 0), ""},
		{ins(alu64|ALUNeg|x, 1, 0, 0, 0), "neg takes no source operand"},
		{ins(alu|ALUNeg|k, 1, 0, 0, 1), "reserved field imm is 1"},
		{ins(alu64|ALUMov|k, 1, 0, 0, -1), ""},
		{ins(alu64|ALUMov|k, 1, 0, 8, 0), "reserved field off is 8"},
		{ins(alu64|ALUMov|x, 1, 2, 8, 0), ""},
		{ins(alu64|ALUMov|x, 1, 2, 16, 0), ""},
		{ins(alu64|ALUMov|x, 1, 2, 32, 0), ""},
		{ins(alu|ALUMov|x, 1, 2, 16, 0), ""},
		{ins(alu|ALUMov|x, 1, 2, 32, 0), "off 32 is not 0 or a sign-extension width 8 or 16"},
		{ins(alu64|ALUMov|x, 1, 2, 4, 0), "off 4 is not 0, 1 (addr_space_cast)"},
		{ins(alu64|ALUMov|x, 1, 2, 0, 3), "reserved field imm is 3"},
		{ins(alu64|ALUMov|x, 1, 2, OffAddrSpaceCast, 1), ""},
		{ins(alu64|ALUMov|x, 1, 2, OffAddrSpaceCast, 1<<16), ""},
		{ins(alu64|ALUMov|x, 1, 2, OffAddrSpaceCast, 2), "addr_space_cast imm 0x2"},
		{ins(alu64|ALUMov|x, 1, 2, -1, 0), "off -1"},
		{ins(alu|ALUEnd|k, 1, 0, 0, 16), ""},
		{ins(alu|ALUEnd|x, 1, 0, 0, 64), ""},
		{ins(alu64|ALUEnd|k, 1, 0, 0, 32), ""},
		{ins(alu64|ALUEnd|x, 1, 0, 0, 32), "alu64 byte swap (bswap) must use source bit k"},
		{ins(alu|ALUEnd|k, 1, 0, 0, 8), "byte swap width 8 is not 16, 32 or 64"},
		{ins(alu|ALUEnd|k, 1, 1, 0, 16), "reserved field src is 1"},
		{ins(alu64|0xe0|k, 1, 0, 0, 0), "opcode 0xe7 (alu64 op 0xe0 k): undefined operation"},
		{ins(alu|0xf0|x, 1, 0, 0, 0), "undefined operation"},
		// Jumps and calls.
		{ins(jmp|JmpJEQ|k, 1, 0, 3, 0), ""},
		{ins(jmp|JmpJEQ|k, 1, 2, 3, 0), "reserved field src is 2"},
		{ins(jmp32|JmpJSLT|x, 1, 2, 3, 0), ""},
		{ins(jmp32|JmpJSLT|x, 1, 2, 3, 4), "reserved field imm is 4"},
		{ins(jmp|JmpJNE|x, 1, 11, 3, 0), "src register 11 does not exist"},
		{ins(jmp|JmpJNE|k, 10, 0, 3, 0), ""},
		{ins(OpJA, 0, 0, -2, 0), ""},
		{ins(OpJA, 0, 0, 1, 1), "reserved field imm is 1"},
		{ins(OpJA, 1, 0, 1, 0), "reserved field dst is 1"},
		{ins(OpGotol, 0, 0, 0, 70000), ""},
		{ins(OpGotol, 0, 0, 1, 70000), "reserved field off is 1"},
		{ins(jmp|JmpJA|x, 1, 0, 0, 0), "gotox"},
		{ins(jmp|JmpJCOND, 0, 0, 5, 0), ""},
		{ins(jmp|JmpJCOND, 0, 1, 5, 0), "unknown conditional pseudo jump 1"},
		{ins(jmp32|JmpJCOND, 0, 0, 5, 0), "undefined operation"},
		{ins(jmp|0xf0, 0, 0, 0, 0), "undefined operation"},
		{ins(OpCall, 0, 0, 0, 1), ""},
		{ins(OpCall, 0, PseudoCall, 0, -1), ""},
		{ins(OpCall, 0, PseudoKfuncCall, 3, 1000), ""},
		{ins(OpCall, 0, PseudoCall, 3, 1), "reserved field off is 3"},
		{ins(OpCall, 0, 3, 0, 1), "unknown call pseudo source 3"},
		{ins(OpCall, 1, 0, 0, 1), "reserved field dst is 1"},
		{ins(jmp|JmpCall|x, 1, 0, 0, 0), "callx"},
		{ins(jmp32|JmpCall, 0, 0, 0, 1), "jmp32 has no call"},
		{ins(OpExit, 0, 0, 0, 0), ""},
		{ins(OpExit, 0, 0, 0, 1), "reserved field imm is 1"},
		{ins(jmp32|JmpExit, 0, 0, 0, 0), "jmp32 has no exit"},
		{ins(jmp|JmpExit|x, 0, 0, 0, 0), "exit takes no source operand"},
		// Loads and stores.
		{ins(OpLdImm64, 1, 0, 0, 1), ""},
		{ins(OpLdImm64, 1, PseudoMapIdxValue, 0, 1), ""},
		{ins(OpLdImm64, 1, 7, 0, 1), "unknown ld_imm64 pseudo source 7"},
		{ins(OpLdImm64, 1, 0, 1, 1), "reserved field off is 1"},
		{ins(OpLdImm64, 10, 0, 0, 1), "r10 is the read-only frame pointer"},
		{ins(ld|ModeIMM|SizeW, 1, 0, 0, 1), "ld imm exists only with size dw"},
		{ins(ld|ModeABS|SizeB, 0, 0, 0, 12), ""},
		{ins(ld|ModeIND|SizeW, 0, 3, 0, 12), ""},
		{ins(ld|ModeABS|SizeDW, 0, 0, 0, 12), "legacy packet loads have no size dw"},
		{ins(ld|ModeABS|SizeB, 0, 1, 0, 12), "reserved field src is 1"},
		{ins(ld|ModeABS|SizeB, 2, 0, 0, 12), "reserved field dst is 2"},
		{ins(ld|ModeMEM|SizeW, 0, 0, 0, 0), "undefined mode for class ld"},
		{ins(ldx|ModeMEM|SizeDW, 1, 10, -8, 0), ""},
		{ins(ldx|ModeMEMSX|SizeH, 1, 2, 0, 0), ""},
		{ins(ldx|ModeMEMSX|SizeDW, 1, 2, 0, 0), "sign-extending loads have no size dw"},
		{ins(ldx|ModeMEM|SizeW, 1, 2, 0, 1), "reserved field imm is 1"},
		{ins(ldx|ModeMEM|SizeW, 10, 2, 0, 0), "r10 is the read-only frame pointer"},
		{ins(ldx|ModeATOMIC|SizeW, 1, 2, 0, 0), "undefined mode for class ldx"},
		{ins(st|ModeMEM|SizeDW, 10, 0, -8, -1), ""},
		{ins(st|ModeMEM|SizeDW, 10, 1, -8, -1), "reserved field src is 1"},
		{ins(st|ModeATOMIC|SizeDW, 10, 0, -8, 0), "undefined mode for class st"},
		{ins(stx|ModeMEM|SizeB, 10, 1, -1, 0), ""},
		{ins(stx|ModeMEM|SizeB, 10, 1, -1, 2), "reserved field imm is 2"},
		{ins(stx|ModeMEMSX|SizeB, 10, 1, -1, 0), "undefined mode for class stx"},
		// Atomics.
		{ins(stx|ModeATOMIC|SizeDW, 1, 2, 0, AtomicAdd), ""},
		{ins(stx|ModeATOMIC|SizeW, 1, 2, 0, AtomicXor|AtomicFetch), ""},
		{ins(stx|ModeATOMIC|SizeDW, 1, 2, 0, AtomicXchg), ""},
		{ins(stx|ModeATOMIC|SizeW, 1, 2, 0, AtomicCmpXchg), ""},
		{ins(stx|ModeATOMIC|SizeB, 1, 2, 0, AtomicAdd), "atomic read-modify-write needs size w or dw"},
		{ins(stx|ModeATOMIC|SizeH, 1, 2, 0, AtomicCmpXchg), "needs size w or dw"},
		{ins(stx|ModeATOMIC|SizeDW, 1, 10, 0, AtomicAdd|AtomicFetch), "src register r10 is the read-only frame pointer"},
		{ins(stx|ModeATOMIC|SizeDW, 1, 10, 0, AtomicAdd), ""},
		{ins(stx|ModeATOMIC|SizeB, 3, 1, 0, AtomicLoadAcquire), ""},
		{ins(stx|ModeATOMIC|SizeB, 10, 1, 0, AtomicLoadAcquire), "dst register r10"},
		{ins(stx|ModeATOMIC|SizeH, 1, 3, 0, AtomicStoreRelease), ""},
		{ins(stx|ModeATOMIC|SizeDW, 1, 2, 0, 0x02), "unknown atomic operation imm 0x2"},
		{ins(stx|ModeATOMIC|SizeDW, 1, 2, 0, AtomicLoadAcquire|AtomicFetch), "unknown atomic operation imm 0x101"},
	}
	for _, tt := range tests {
		err := tt.ins.Valid()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: unexpected error: %v", tt.ins, err)
		case tt.want != "" && err == nil:
			t.Errorf("%s (%#02x): no error, want %q", tt.ins, tt.ins.OpCode, tt.want)
		case err != nil && !strings.Contains(err.Error(), tt.want):
			t.Errorf("%s: error %q does not contain %q", tt.ins, err, tt.want)
		case err != nil && !strings.HasPrefix(err.Error(), "opcode 0x"):
			t.Errorf("%s: error %q does not name the opcode", tt.ins, err)
		}
		var ie *InvalidError
		if err != nil && (!errors.As(err, &ie) || ie.OpCode != tt.ins.OpCode) {
			t.Errorf("%s: error %v is not an *InvalidError for the opcode", tt.ins, err)
		}
	}
}

// TestCheck checks the rules that span slots.
func TestCheck(t *testing.T) {
	exit := Instruction{OpCode: OpExit}
	ldimm := func(src uint8) Instruction { return Instruction{OpCode: OpLdImm64, Dst: 1, Src: src} }
	tests := []struct {
		name   string
		insns  []Instruction
		want   string // Check's error, "" if none
		linked string // CheckLinked's error, "" if none
	}{
		{"empty", nil, "", ""},
		{"exit", []Instruction{exit}, "", ""},
		{"ld_imm64", []Instruction{ldimm(0), {Imm: 7}, exit}, "", ""},
		{"truncated ld_imm64", []Instruction{exit, ldimm(0)}, "instruction 1: ld_imm64 lacks its second slot", "lacks"},
		{"second slot with opcode", []Instruction{ldimm(0), {OpCode: 0x07}}, "instruction 1: second slot of ld_imm64: only imm may be set, has opcode 0x07", "only imm"},
		{"second slot with src", []Instruction{ldimm(0), {Src: 1}}, "only imm may be set", "only imm"},
		{"map fd upper half", []Instruction{ldimm(PseudoMapFD), {Imm: 1}}, "imm is 1, must be 0 with pseudo source 1 (BPF_PSEUDO_MAP_FD)", "BPF_PSEUDO_MAP_FD"},
		{"map idx upper half", []Instruction{ldimm(PseudoMapIdx), {Imm: 1}}, "BPF_PSEUDO_MAP_IDX)", "BPF_PSEUDO_MAP_IDX)"},
		{"map value offset", []Instruction{ldimm(PseudoMapValue), {Imm: 16}, exit}, "", ""},
		{"invalid instruction", []Instruction{exit, {OpCode: 0xff}}, "instruction 1: opcode 0xff", "opcode 0xff"},
		{"jump back", []Instruction{exit, {OpCode: OpJA, Off: -2}}, "", ""},
		{"jump out", []Instruction{{OpCode: OpJA, Off: 1}}, "instruction 0: target 2 out of range 0 to 0", "out of range"},
		{"jump before start", []Instruction{{OpCode: OpJA, Off: -2}}, "target -1 out of range", "out of range"},
		{"gotol out", []Instruction{{OpCode: OpGotol, Imm: 5}, exit}, "target 6 out of range", "out of range"},
		{"jump into ld_imm64", []Instruction{{OpCode: OpJA, Off: 1}, ldimm(0), {}, exit}, "instruction 0: target 2 is the second slot of a ld_imm64", "second slot"},
		{"call into .text", []Instruction{{OpCode: OpCall, Src: PseudoCall, Imm: 20}, exit}, "", "instruction 0: target 21 out of range"},
		{"call", []Instruction{{OpCode: OpCall, Src: PseudoCall, Imm: 1}, exit, exit}, "", ""},
		{"function address", []Instruction{{OpCode: OpLdImm64, Src: PseudoFunc, Imm: 1}, {}, exit}, "", ""},
		{"function address into ld_imm64", []Instruction{ldimm(PseudoFunc), {}, exit}, "", "target 1 is the second slot"},
		{"function address out", []Instruction{{OpCode: OpLdImm64, Src: PseudoFunc, Imm: -5}, {}, exit}, "", "target -4 out of range"},
		{"call into ld_imm64", []Instruction{{OpCode: OpCall, Src: PseudoCall, Imm: 1}, ldimm(0), {}}, "", "second slot"},
	}
	for _, tt := range tests {
		for _, c := range []struct {
			check func([]Instruction) error
			want  string
		}{{Check, tt.want}, {CheckLinked, tt.linked}} {
			err := c.check(tt.insns)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("%s: unexpected error: %v", tt.name, err)
			case c.want != "" && err == nil:
				t.Errorf("%s: no error, want %q", tt.name, c.want)
			case err != nil && !strings.Contains(err.Error(), c.want):
				t.Errorf("%s: error %q does not contain %q", tt.name, err, c.want)
			}
		}
	}
}

func TestOpName(t *testing.T) {
	tests := map[uint8]string{
		0xbf: "alu64 mov x",
		0x07: "alu64 add k",
		0x61: "ldx mem w",
		0x18: "ld imm dw",
		0xdb: "stx atomic dw",
		0x91: "ldx memsx b",
		0x85: "jmp call k",
		0x06: "jmp32 ja k",
		0xe5: "jmp jcond k",
		0xfd: "jmp op 0xf0 x",
		0xa2: "st mode 0xa0 w",
	}
	for op, want := range tests {
		if got := OpName(op); got != want {
			t.Errorf("OpName(%#02x) = %q, want %q", op, got, want)
		}
	}
}
