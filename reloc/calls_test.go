package reloc

import (
	"testing"

	"github.com/bpfld/bpfld/insn"
)

func TestCallRelocTarget(t *testing.T) {
	for _, tc := range []struct {
		name     string
		symValue uint64
		imm      int32
		want     int
		err      bool
	}{
		{"global function: its symbol, imm -1", 0x40, -1, 8, false},
		{"static function: section symbol, slot-1 in imm", 0, 7, 8, false},
		{"first function of the section", 0, -1, 0, false},
		{"symbol off an instruction boundary", 0x41, -1, 0, true},
	} {
		got, err := CallRelocTarget(tc.symValue, tc.imm)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("%s: got %d, %v; want %d, error %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func TestFuncAddrRelocTarget(t *testing.T) {
	for _, tc := range []struct {
		symValue uint64
		imm      int32
		want     int
		err      bool
	}{
		{0x40, 0, 8, false}, // global function's symbol
		{0, 0x40, 8, false}, // section symbol, byte offset in imm
		{0, 4, 0, true},     // not on an instruction
		{0, -8, 0, true},    // before the section
	} {
		got, err := FuncAddrRelocTarget(tc.symValue, tc.imm)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("FuncAddrRelocTarget(%#x, %d) = %d, %v; want %d, error %v", tc.symValue, tc.imm, got, err, tc.want, tc.err)
		}
	}
}

func stream() []insn.Instruction {
	return []insn.Instruction{
		{OpCode: insn.OpCall, Src: insn.PseudoCall, Imm: -1}, // 0
		{OpCode: insn.OpLdImm64, Dst: 2, Imm: 64},            // 1
		{Imm: 7},              // 2
		{OpCode: insn.OpExit}, // 3
		{OpCode: insn.OpExit}, // 4: a second function
	}
}

func TestSetCallAndFuncAddr(t *testing.T) {
	insns := stream()
	if err := SetCall(insns, 0, 4); err != nil {
		t.Fatal(err)
	}
	if insns[0].Imm != 3 || insns[0].Src != insn.PseudoCall || PCRelTarget(0, insns[0]) != 4 {
		t.Errorf("call: %+v", insns[0])
	}
	if err := SetFuncAddr(insns, 1, 4); err != nil {
		t.Fatal(err)
	}
	if insns[1].Src != insn.PseudoFunc || insns[1].Imm != 2 || insns[2].Imm != 0 || PCRelTarget(1, insns[1]) != 4 {
		t.Errorf("function address: %+v %+v", insns[1], insns[2])
	}
	if err := PoisonCall(insns, 0); err != nil || insns[0].Imm != ExternPoison || insns[0].Src != 0 {
		t.Errorf("poison: %+v, %v", insns[0], err)
	}

	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"call on a load", SetCall(stream(), 1, 4), "slot 1: not a call instruction"},
		{"call out of the stream", SetCall(stream(), 0, 5), "slot 0: target slot 5 is outside the program (5 slots)"},
		{"address on a call", SetFuncAddr(stream(), 0, 4), "slot 0: not a complete ld_imm64 instruction"},
		{"load without its second slot", SetFuncAddr(stream()[:2], 1, 0), "slot 1: not a complete ld_imm64 instruction"},
	} {
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("%s: error %v, want %s", tc.name, tc.err, tc.want)
		}
	}
}

func TestMapRefs(t *testing.T) {
	insns := stream()
	if err := MapRef(insns, 1, 3); err != nil {
		t.Fatal(err)
	}
	if insns[1].Src != insn.PseudoMapIdx || insns[1].Imm != 3 || insns[2].Imm != 0 {
		t.Errorf("map: %+v %+v", insns[1], insns[2])
	}
	insns = stream()
	if off, err := DataAddend(insns, 1); err != nil || off != 64 {
		t.Errorf("addend %d, %v; want 64", off, err)
	}
	if err := MapValueRef(insns, 1, 2, 68); err != nil {
		t.Fatal(err)
	}
	if insns[1].Src != insn.PseudoMapIdxValue || insns[1].Imm != 2 || insns[2].Imm != 68 {
		t.Errorf("map value: %+v %+v", insns[1], insns[2])
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{MapRef(stream(), 0, 1), "slot 0: not a complete ld_imm64 instruction"},
		{MapRef(stream(), 1, -1), "slot 1: negative map index -1"},
		{MapValueRef(stream(), 1, 0, -4), "slot 1: value offset -4 out of range"},
	} {
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("error %v, want %s", tc.err, tc.want)
		}
	}
}
