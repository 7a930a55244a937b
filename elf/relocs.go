package elf

import (
	goelf "debug/elf"
	"encoding/binary"
	"fmt"

	"github.com/bpfld/bpfld/insn"
)

// Relocation types of binutils before 2.41, which GCC's BPF backend in
// Debian 12 (GCC 12) uses: its numbering agrees with LLVM's for
// ld_imm64 (1) and calls (10, there a pc-relative R_BPF_INSN_DISP32) but
// puts 32- and 64-bit data words at 11 and 12, e.g. in .maps `.values`.
const (
	R_BPF_GNU_DATA_32 RelocType = 11
	R_BPF_GNU_DATA_64 RelocType = 12
)

var relocTypeNames = map[RelocType]string{
	R_BPF_GNU_DATA_32: "R_BPF_GNU_DATA_32",
	R_BPF_GNU_DATA_64: "R_BPF_GNU_DATA_64",
	R_BPF_NONE:        "R_BPF_NONE",
	R_BPF_64_64:       "R_BPF_64_64",
	R_BPF_64_ABS64:    "R_BPF_64_ABS64",
	R_BPF_64_ABS32:    "R_BPF_64_ABS32",
	R_BPF_64_NODYLD32: "R_BPF_64_NODYLD32",
	R_BPF_64_32:       "R_BPF_64_32",
}

// String returns the relocation type's name as llvm-readelf prints it.
func (t RelocType) String() string {
	if s, ok := relocTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("R_BPF_%d", uint32(t))
}

// loadRelocations attaches the entries of every SHT_REL and SHT_RELA
// section to the section they apply to (sh_info) and checks each against
// the symbol table and its target. Relocations of debug sections, .BTF and
// .BTF.ext are skipped unread: they only matter to debuggers, and BTF
// carries its own references.
func (rd *reader) loadRelocations() error {
	for i, s := range rd.file.Sections {
		if s.Type != goelf.SHT_REL && s.Type != goelf.SHT_RELA {
			continue
		}
		if s.Info == 0 || int(s.Info) >= len(rd.obj.Sections) {
			return fmt.Errorf("section %s: target section index %d out of range (%d sections)", rd.obj.Sections[i], s.Info, len(rd.obj.Sections))
		}
		target := rd.obj.Sections[s.Info]
		if isDebugSection(target.Name) {
			continue
		}
		relocs, err := rd.readRelocations(rd.obj.Sections[i], s)
		if err != nil {
			return err
		}
		for _, rel := range relocs {
			if err := rd.checkRelocation(target, rel); err != nil {
				return fmt.Errorf("section %s: relocation at offset %#x against %s: %w",
					target, rel.Offset, rd.obj.SymbolName(rel.Symbol), err)
			}
		}
		target.Relocs = append(target.Relocs, relocs...)
	}
	return nil
}

// readRelocations decodes one relocation section.
func (rd *reader) readRelocations(sec *Section, s *goelf.Section) ([]Reloc, error) {
	size := 16 // Elf64_Rel
	if s.Type == goelf.SHT_RELA {
		size = 24 // Elf64_Rela
	}
	data, err := rd.transientData(s)
	if err != nil {
		return nil, fmt.Errorf("section %s: reading %d bytes at byte %#x: %w", sec, s.Size, s.Offset, err)
	}
	if len(data)%size != 0 {
		return nil, fmt.Errorf("section %s: size %d is not a multiple of the entry size %d", sec, len(data), size)
	}
	relocs := make([]Reloc, len(data)/size)
	for n := range relocs {
		b := data[n*size:]
		info := binary.LittleEndian.Uint64(b[8:16])
		rel := Reloc{
			Offset: binary.LittleEndian.Uint64(b[0:8]),
			Type:   RelocType(goelf.R_TYPE64(info)),
			Symbol: int(goelf.R_SYM64(info)),
		}
		if size == 24 {
			rel.Addend = int64(binary.LittleEndian.Uint64(b[16:24]))
		}
		if rel.Symbol >= len(rd.obj.Symbols) {
			return nil, fmt.Errorf("section %s: relocation %d at offset %#x: symbol index %d out of range (%d symbols) at byte %#x",
				sec, n, rel.Offset, rel.Symbol, len(rd.obj.Symbols), s.Offset+uint64(n*size))
		}
		relocs[n] = rel
	}
	return relocs, nil
}

// checkRelocation checks that a relocation lies within its section and,
// in code, on an instruction of the kind its type applies to.
func (rd *reader) checkRelocation(target *Section, rel Reloc) error {
	width := relocWidth(rel.Type)
	if target.Kind == SectionCode {
		width = insn.Size
	}
	if rel.Offset > target.Size || target.Size-rel.Offset < width {
		return fmt.Errorf("offset is outside the section (%d bytes)", target.Size)
	}
	if target.Kind != SectionCode || rel.Type == R_BPF_NONE {
		return nil
	}

	if rel.Offset%insn.Size != 0 {
		return fmt.Errorf("offset is not a multiple of the instruction size %d", insn.Size)
	}
	ins := target.Insns[rel.Offset/insn.Size]
	isLdImm64 := ins.IsLoadImm64() && rel.Offset+2*insn.Size <= target.Size
	switch rel.Type {
	case R_BPF_64_64:
		// ld_imm64 of a map, a global variable or a function address.
		if !isLdImm64 {
			return fmt.Errorf("%s needs a complete ld_imm64 instruction, found opcode %#02x", rel.Type, ins.OpCode)
		}
	case R_BPF_64_32:
		// A call; LLVM before 12 also used it for ld_imm64.
		if ins.OpCode != insn.OpCall && !isLdImm64 {
			return fmt.Errorf("%s needs a call or ld_imm64 instruction, found opcode %#02x", rel.Type, ins.OpCode)
		}
	default:
		return fmt.Errorf("relocation type %s is not valid in a code section", rel.Type)
	}
	return nil
}

// relocWidth is the number of bytes a relocation of type t patches in a
// data section.
func relocWidth(t RelocType) uint64 {
	switch t {
	case R_BPF_NONE:
		return 0
	case R_BPF_64_ABS32, R_BPF_64_NODYLD32, R_BPF_64_32, R_BPF_GNU_DATA_32:
		return 4
	}
	return 8
}
