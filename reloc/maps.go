package reloc

import (
	"fmt"

	"github.com/bpfld/bpfld/insn"
)

// MapRef makes the ld_imm64 at slot i load a pointer to map index m of the
// image: Src BPF_PSEUDO_MAP_IDX, imm m, the upper half zero. libbpf does
// the same with BPF_PSEUDO_MAP_FD and the map's descriptor (RELO_LD64).
func MapRef(insns []insn.Instruction, i, m int) error {
	if err := checkLdImm64(insns, i); err != nil {
		return err
	}
	if m < 0 {
		return fmt.Errorf("slot %d: negative map index %d", i, m)
	}
	insns[i].Src = insn.PseudoMapIdx
	insns[i].Imm = int32(m)
	insns[i+1].Imm = 0
	return nil
}

// MapValueRef makes the ld_imm64 at slot i load the address of byte off of
// the value of map index m (a global data map): Src
// BPF_PSEUDO_MAP_IDX_VALUE, imm m, the next slot's imm off. libbpf does the
// same with BPF_PSEUDO_MAP_VALUE (RELO_DATA, RELO_EXTERN_LD64 for .kconfig).
func MapValueRef(insns []insn.Instruction, i, m int, off int64) error {
	if err := checkLdImm64(insns, i); err != nil {
		return err
	}
	if m < 0 {
		return fmt.Errorf("slot %d: negative map index %d", i, m)
	}
	if off < 0 || off > 1<<31-1 {
		return fmt.Errorf("slot %d: value offset %d out of range", i, off)
	}
	insns[i].Src = insn.PseudoMapIdxValue
	insns[i].Imm = int32(m)
	insns[i+1].Imm = int32(off)
	return nil
}

// DataAddend returns the addend that clang leaves in a relocated ld_imm64
// of global data: the byte offset from the relocation's symbol, in the
// first slot's imm (REL relocations carry no explicit addend).
func DataAddend(insns []insn.Instruction, i int) (int64, error) {
	if err := checkLdImm64(insns, i); err != nil {
		return 0, err
	}
	return int64(insns[i].Imm), nil
}
