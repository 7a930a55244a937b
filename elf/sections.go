package elf

import (
	goelf "debug/elf"
	"fmt"
	"strings"

	"github.com/bpfld/bpfld/insn"
)

// loadSections fills Object.Sections, keeping the bytes of the sections a
// linker needs and decoding the instructions of code sections.
func (rd *reader) loadSections() error {
	rd.obj.Sections = make([]*Section, len(rd.file.Sections))
	for i, s := range rd.file.Sections {
		sec := &Section{
			Index:  i,
			Name:   s.Name,
			Kind:   classifySection(i, s),
			Type:   s.Type,
			Flags:  s.Flags,
			Align:  s.Addralign,
			Size:   s.Size,
			Offset: s.Offset,
		}
		sec.ReadOnly = sec.Kind == SectionData && s.Flags&goelf.SHF_WRITE == 0
		rd.obj.Sections[i] = sec

		switch sec.Kind {
		case SectionCode, SectionData, SectionMaps, SectionLegacyMaps, SectionLicense, SectionVersion:
		default:
			continue
		}
		if s.Type == goelf.SHT_NOBITS {
			continue
		}
		data, err := rd.sectionData(s)
		if err != nil {
			return fmt.Errorf("section %s: reading %d bytes at byte %#x: %w", sec, s.Size, s.Offset, err)
		}
		sec.Data = data
		sec.Size = uint64(len(data)) // differs from sh_size for SHF_COMPRESSED

		if sec.Kind == SectionCode {
			if len(data)%insn.Size != 0 {
				return fmt.Errorf("section %s: code size %d is not a multiple of %d", sec, len(data), insn.Size)
			}
			sec.Insns, _ = insn.Decode(data)
		}
	}
	return nil
}

// String names the section for messages: its name, or "#index" for a
// section without one.
func (s *Section) String() string {
	if s.Name == "" {
		return fmt.Sprintf("#%d", s.Index)
	}
	return s.Name
}

// classifySection decides what a section holds, by its type, flags and
// name, the way libbpf does.
func classifySection(index int, s *goelf.Section) SectionKind {
	switch {
	case index == 0:
		return SectionOther
	case s.Type == goelf.SHT_SYMTAB:
		return SectionSymtab
	case s.Type == goelf.SHT_REL || s.Type == goelf.SHT_RELA:
		return SectionRel
	case s.Name == ".BTF":
		return SectionBTF
	case s.Name == ".BTF.ext":
		return SectionBTFExt
	case s.Type != goelf.SHT_PROGBITS && s.Type != goelf.SHT_NOBITS:
		return SectionOther
	case s.Type == goelf.SHT_PROGBITS && s.Flags&goelf.SHF_EXECINSTR != 0:
		return SectionCode
	case s.Name == "license":
		return SectionLicense
	case s.Name == "version":
		return SectionVersion
	case s.Name == ".maps":
		return SectionMaps
	case isLegacyMapsSection(s.Name):
		return SectionLegacyMaps
	case isDataSection(s.Name):
		return SectionData
	}
	return SectionOther
}

// isLegacyMapsSection matches the sections that hold arrays of struct
// bpf_map_def: "maps" (libbpf, iproute2, samples/bpf), "maps/NAME" (older
// loaders, e.g. gobpf) and "PROG/maps" (v4l-utils' IR decoders put theirs
// in "lirc_mode2/maps").
func isLegacyMapsSection(name string) bool {
	return name == "maps" || strings.HasPrefix(name, "maps/") || strings.HasSuffix(name, "/maps")
}

// isDataSection matches global data sections with libbpf's rule: .data,
// .rodata and .bss, and any of them followed by a dot and a suffix
// (.data.custom, .rodata.str1.1, .rodata.cst16, .bss.counters).
func isDataSection(name string) bool {
	for _, base := range []string{".data", ".rodata", ".bss"} {
		if name == base || strings.HasPrefix(name, base+".") {
			return true
		}
	}
	return false
}

// isDebugSection reports whether relocations against the section can be
// ignored: they only matter to debuggers and to BTF's own encoding.
func isDebugSection(name string) bool {
	return strings.HasPrefix(name, ".debug") || name == ".BTF" || name == ".BTF.ext" ||
		strings.HasPrefix(name, ".eh_frame")
}
