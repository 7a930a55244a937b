package reloc

import (
	"fmt"

	"github.com/bpfld/bpfld/insn"
)

// ExternPoison is the helper number that a bpf-to-bpf call to an extern
// function nothing defines becomes, when a partial link keeps such calls
// (link.Options.AllowUnresolved). Like COREPoison it names no helper, so a
// program that can reach it is rejected by a verifier, which should then
// name the missing extern.
const ExternPoison = 0xe7e4a1

// CallRelocTarget returns the slot, counted from the start of the symbol's
// section, that a bpf-to-bpf call relocated against a symbol at byte
// symValue targets. A call to a global function carries imm -1 and a
// relocation against the function's symbol; a call to a static function
// carries a relocation against the section symbol (value 0) and the
// target's slot minus one in imm. Both reduce to libbpf's formula
// symValue/8 + imm + 1 (bpf_object__reloc_code, RELO_CALL).
func CallRelocTarget(symValue uint64, imm int32) (int, error) {
	if symValue%insn.Size != 0 {
		return 0, fmt.Errorf("call target symbol at byte %#x is not on an instruction boundary", symValue)
	}
	return int(symValue/insn.Size) + int(imm) + 1, nil
}

// FuncAddrRelocTarget returns the slot, counted from the start of the
// symbol's section, whose address a BPF_PSEUDO_FUNC ld_imm64 relocated
// against a symbol at byte symValue loads. Here imm is a byte offset: 0
// against a global function's symbol, the function's byte offset against
// the section symbol (libbpf: RELO_SUBPROG_ADDR, (sym_off + imm) / 8).
func FuncAddrRelocTarget(symValue uint64, imm int32) (int, error) {
	off := int64(symValue) + int64(imm)
	if off < 0 || off%insn.Size != 0 {
		return 0, fmt.Errorf("function address at byte %d is not on an instruction boundary", off)
	}
	return int(off / insn.Size), nil
}

// PCRelTarget returns the slot that the call or BPF_PSEUDO_FUNC ld_imm64
// at slot i targets when it carries no relocation: imm counts slots from
// the instruction after it, as the kernel reads it. Clang before 10 wrote
// calls between functions of one section this way.
func PCRelTarget(i int, ins insn.Instruction) int {
	return i + int(ins.Imm) + 1
}

// SetCall makes the bpf-to-bpf call at slot i of insns call slot target of
// the same stream: Src BPF_PSEUDO_CALL, imm the pc-relative offset.
func SetCall(insns []insn.Instruction, i, target int) error {
	if i < 0 || i >= len(insns) || insns[i].OpCode != insn.OpCall {
		return fmt.Errorf("slot %d: not a call instruction", i)
	}
	if err := checkTarget(insns, i, target); err != nil {
		return err
	}
	insns[i].Src = insn.PseudoCall
	insns[i].Imm = int32(target - i - 1)
	return nil
}

// SetFuncAddr makes the ld_imm64 at slot i load the address of slot target
// of the same stream: Src BPF_PSEUDO_FUNC, imm the pc-relative offset, the
// upper half zero (kernel: bpf_pseudo_func in check_ld_imm).
func SetFuncAddr(insns []insn.Instruction, i, target int) error {
	if err := checkLdImm64(insns, i); err != nil {
		return err
	}
	if err := checkTarget(insns, i, target); err != nil {
		return err
	}
	insns[i].Src = insn.PseudoFunc
	insns[i].Imm = int32(target - i - 1)
	insns[i+1].Imm = 0
	return nil
}

// PoisonCall turns the call at slot i into a call of ExternPoison, for a
// call whose target a partial link left undefined.
func PoisonCall(insns []insn.Instruction, i int) error {
	if i < 0 || i >= len(insns) || insns[i].OpCode != insn.OpCall {
		return fmt.Errorf("slot %d: not a call instruction", i)
	}
	insns[i].Src = 0
	insns[i].Imm = ExternPoison
	return nil
}

func checkTarget(insns []insn.Instruction, i, target int) error {
	if target < 0 || target >= len(insns) {
		return fmt.Errorf("slot %d: target slot %d is outside the program (%d slots)", i, target, len(insns))
	}
	return nil
}

func checkLdImm64(insns []insn.Instruction, i int) error {
	if i < 0 || i+1 >= len(insns) || !insns[i].IsLoadImm64() {
		return fmt.Errorf("slot %d: not a complete ld_imm64 instruction", i)
	}
	return nil
}
