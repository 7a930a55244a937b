package kernel

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/runtime"
)

const (
	progTypeXDP      = 6 // BPF_PROG_TYPE_XDP
	mapTypeArray     = 2 // BPF_MAP_TYPE_ARRAY
	mapTypeProgArray = 3 // BPF_MAP_TYPE_PROG_ARRAY
)

func requireKernel(t *testing.T) {
	t.Helper()
	if err := Available(); err != nil {
		t.Skipf("kernel backend not available here: %v", err)
	}
}

// Instruction builders for hand-written test programs.
func movImm(dst uint8, imm int32) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassALU64) | insn.ALUMov | insn.SourceK, Dst: dst, Imm: imm}
}
func movReg(dst, src uint8) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassALU64) | insn.ALUMov | insn.SourceX, Dst: dst, Src: src}
}
func ldMap(dst uint8, src uint8, index int32, off int32) []insn.Instruction {
	return []insn.Instruction{{OpCode: insn.OpLdImm64, Dst: dst, Src: src, Imm: index}, {Imm: off}}
}
func call(helper int32) insn.Instruction { return insn.Instruction{OpCode: insn.OpCall, Imm: helper} }
func exit() insn.Instruction             { return insn.Instruction{OpCode: insn.OpExit} }

func program(name string, parts ...any) *link.Program {
	var insns []insn.Instruction
	for _, p := range parts {
		switch p := p.(type) {
		case insn.Instruction:
			insns = append(insns, p)
		case []insn.Instruction:
			insns = append(insns, p...)
		}
	}
	return &link.Program{Name: name, SectionName: "xdp", Type: progTypeXDP, License: "GPL", Insns: insns,
		Functions: []link.FunctionRange{{Name: name, Len: len(insns)}}}
}

// testImage is an entry program that adds 1 to a .data counter and tail
// calls slot 0 of jmp, and a target that returns 7.
func testImage() *link.Image {
	entry := program("entry",
		movReg(6, 1),
		ldMap(2, insn.PseudoMapIdxValue, 0, 4),
		movImm(3, 1),
		insn.Instruction{OpCode: uint8(insn.ClassSTX) | insn.ModeATOMIC | insn.SizeW, Dst: 2, Src: 3, Imm: insn.AtomicAdd},
		movReg(1, 6),
		ldMap(2, insn.PseudoMapIdx, 1, 0),
		movImm(3, 0),
		call(12),
		movImm(0, 1),
		exit(),
	)
	target := program("target", movImm(0, 7), exit())
	return &link.Image{
		Programs: []*link.Program{entry, target},
		Maps: []*link.MapSpec{
			{Name: ".data", Type: mapTypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 1, Data: make([]byte, 8),
				Variables: []link.Variable{{Name: "count", Offset: 4, Size: 4}}},
			{Name: "jmp", Type: mapTypeProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 4},
		},
	}
}

func TestCollection(t *testing.T) {
	requireKernel(t)
	c, err := New(testImage(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	steps := []struct {
		name   string
		slot   string // program put in slot 0 of jmp before the run
		retval uint32
		count  uint32 // .data count after the run
	}{
		{"empty slot falls through", "", 1, 1},
		{"tail call", "target", 7, 2},
		{"slot deleted", "", 1, 3},
	}
	for _, s := range steps {
		if err := c.SetSlot("jmp", 0, s.slot); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		res, err := c.Run("entry", runtime.RunInput{Data: make([]byte, 64)})
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if res.Retval != s.retval {
			t.Errorf("%s: retval %d, want %d", s.name, res.Retval, s.retval)
		}
		data, err := c.Lookup(".data", make([]byte, 4))
		if err != nil {
			t.Fatal(err)
		}
		if got := binary.LittleEndian.Uint32(data[4:]); got != s.count {
			t.Errorf("%s: count %d, want %d", s.name, got, s.count)
		}
	}
}

func TestRejected(t *testing.T) {
	requireKernel(t)
	img := &link.Image{Programs: []*link.Program{
		// Reads r2, which the program never set.
		program("bad", movReg(0, 2), exit()),
	}}
	c, err := New(img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.LoadProgram("bad")
	var rej *runtime.RejectedError
	if !errors.As(err, &rej) {
		t.Fatalf("LoadProgram = %v, want a RejectedError", err)
	}
	if rej.Reason != "R2 !read_ok" {
		t.Errorf("reason %q, want %q", rej.Reason, "R2 !read_ok")
	}
}
