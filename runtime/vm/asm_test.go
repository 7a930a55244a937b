package vm

import (
	"fmt"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/link"
)

// A small assembler for hand-written test programs.

func movImm(dst uint8, imm int32) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassALU64) | insn.ALUMov | insn.SourceK, Dst: dst, Imm: imm}
}

func movReg(dst, src uint8) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassALU64) | insn.ALUMov | insn.SourceX, Dst: dst, Src: src}
}

func subReg(dst, src uint8) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassALU64) | insn.ALUSub | insn.SourceX, Dst: dst, Src: src}
}

func addImm(dst uint8, imm int32) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassALU64) | insn.ALUAdd | insn.SourceK, Dst: dst, Imm: imm}
}

func ldx(size, dst, src uint8, off int16) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassLDX) | insn.ModeMEM | size, Dst: dst, Src: src, Off: off}
}

func stx(size, dst, src uint8, off int16) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassSTX) | insn.ModeMEM | size, Dst: dst, Src: src, Off: off}
}

func st(size, dst uint8, off int16, imm int32) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassST) | insn.ModeMEM | size, Dst: dst, Off: off, Imm: imm}
}

func jeqImm(dst uint8, imm int32, off int16) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassJMP) | insn.JmpJEQ | insn.SourceK, Dst: dst, Imm: imm, Off: off}
}

func ldMap(dst uint8, index int32) []insn.Instruction {
	return []insn.Instruction{{OpCode: insn.OpLdImm64, Dst: dst, Src: insn.PseudoMapIdx, Imm: index}, {}}
}

func ldMapValue(dst uint8, index, off int32) []insn.Instruction {
	return []insn.Instruction{{OpCode: insn.OpLdImm64, Dst: dst, Src: insn.PseudoMapIdxValue, Imm: index}, {Imm: off}}
}

func ldImm64(dst uint8, v uint64) []insn.Instruction {
	return []insn.Instruction{{OpCode: insn.OpLdImm64, Dst: dst, Imm: int32(uint32(v))}, {Imm: int32(uint32(v >> 32))}}
}

func call(helper int32) insn.Instruction { return insn.Instruction{OpCode: insn.OpCall, Imm: helper} }
func exit() insn.Instruction             { return insn.Instruction{OpCode: insn.OpExit} }

// asmProgram assembles a named entry program of type typ from instructions
// and slices of them.
func asmProgram(name string, typ uint32, parts ...any) *link.Program {
	var insns []insn.Instruction
	for _, p := range parts {
		switch p := p.(type) {
		case insn.Instruction:
			insns = append(insns, p)
		case []insn.Instruction:
			insns = append(insns, p...)
		default:
			panic(fmt.Sprintf("asmProgram: %T", p))
		}
	}
	return &link.Program{Name: name, Type: typ, License: "GPL", Insns: insns,
		Functions: []link.FunctionRange{{Name: name, Len: len(insns)}}}
}
