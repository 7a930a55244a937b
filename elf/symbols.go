package elf

import (
	"bytes"
	goelf "debug/elf"
	"encoding/binary"
	"fmt"
)

// loadSymbols fills Object.Symbols from .symtab. It decodes the table
// itself rather than with debug/elf's File.Symbols, which drops the null
// symbol (shifting every index by one) and turns a bad name offset into an
// empty name instead of an error.
func (rd *reader) loadSymbols() error {
	var symtab *goelf.Section
	var symtabSec *Section
	for i, s := range rd.file.Sections {
		if s.Type != goelf.SHT_SYMTAB {
			continue
		}
		if symtab != nil {
			return fmt.Errorf("section %s: a second symbol table (the first is %s)", rd.obj.Sections[i], symtabSec)
		}
		symtab, symtabSec = s, rd.obj.Sections[i]
	}
	rd.obj.Symbols = []Symbol{{}}
	if symtab == nil {
		return nil
	}

	data, err := rd.transientData(symtab)
	if err != nil {
		return fmt.Errorf("section %s: reading %d bytes at byte %#x: %w", symtabSec, symtab.Size, symtab.Offset, err)
	}
	if len(data)%goelf.Sym64Size != 0 {
		return fmt.Errorf("section %s: size %d is not a multiple of the symbol size %d", symtabSec, len(data), goelf.Sym64Size)
	}
	if int(symtab.Link) == 0 || int(symtab.Link) >= len(rd.file.Sections) {
		return fmt.Errorf("section %s: string table index %d out of range", symtabSec, symtab.Link)
	}
	strtab, strtabSec := rd.file.Sections[symtab.Link], rd.obj.Sections[symtab.Link]
	if strtab.Type != goelf.SHT_STRTAB {
		return fmt.Errorf("section %s: string table %s has type %s, not SHT_STRTAB", symtabSec, strtabSec, strtab.Type)
	}
	strs, err := rd.transientData(strtab)
	if err != nil {
		return fmt.Errorf("section %s: reading %d bytes at byte %#x: %w", strtabSec, strtab.Size, strtab.Offset, err)
	}

	n := len(data) / goelf.Sym64Size
	syms := make([]Symbol, n)
	for i := 1; i < n; i++ {
		b := data[i*goelf.Sym64Size:]
		at := symtab.Offset + uint64(i*goelf.Sym64Size)
		nameOff := binary.LittleEndian.Uint32(b[0:4])
		name, ok := cString(strs, nameOff)
		if !ok {
			return fmt.Errorf("symbol %d: name offset %#x out of range of %s (%d bytes) at byte %#x",
				i, nameOff, strtabSec, len(strs), at)
		}
		info, other := b[4], b[5]
		shndx := goelf.SectionIndex(binary.LittleEndian.Uint16(b[6:8]))
		if err := rd.checkSymbolSection(shndx); err != nil {
			return fmt.Errorf("symbol %d (%s): %w at byte %#x", i, name, err, at)
		}
		syms[i] = Symbol{
			Index:      i,
			Name:       name,
			Bind:       goelf.ST_BIND(info),
			Type:       goelf.ST_TYPE(info),
			Visibility: goelf.ST_VISIBILITY(other),
			Section:    shndx,
			Value:      binary.LittleEndian.Uint64(b[8:16]),
			Size:       binary.LittleEndian.Uint64(b[16:24]),
		}
	}
	rd.obj.Symbols = syms
	return nil
}

// checkSymbolSection accepts the section index of a symbol: a section of
// the file or one of the special indexes a relocatable object may use.
func (rd *reader) checkSymbolSection(shndx goelf.SectionIndex) error {
	switch {
	case shndx == goelf.SHN_UNDEF || shndx == goelf.SHN_ABS || shndx == goelf.SHN_COMMON:
		return nil
	case shndx == goelf.SHN_XINDEX:
		return fmt.Errorf("extended section index (SHN_XINDEX) is not supported")
	case shndx >= goelf.SHN_LORESERVE:
		return fmt.Errorf("reserved section index %#x", uint16(shndx))
	case int(shndx) >= len(rd.file.Sections):
		return fmt.Errorf("section index %d out of range (%d sections)", shndx, len(rd.file.Sections))
	}
	return nil
}

// cString returns the NUL-terminated string at off in a string table.
func cString(strs []byte, off uint32) (string, bool) {
	if uint64(off) >= uint64(len(strs)) {
		return "", off == 0 && len(strs) == 0
	}
	end := bytes.IndexByte(strs[off:], 0)
	if end < 0 {
		return "", false
	}
	return string(strs[off : int(off)+end]), true
}

// SymbolName names symbol i for messages: its name, the name of its
// section for a section symbol (which has none of its own), or "#i" for an
// anonymous or out-of-range symbol.
func (o *Object) SymbolName(i int) string {
	if i <= 0 || i >= len(o.Symbols) {
		return fmt.Sprintf("#%d", i)
	}
	s := &o.Symbols[i]
	if s.Name != "" {
		return s.Name
	}
	if s.Type == goelf.STT_SECTION && int(s.Section) < len(o.Sections) {
		return o.Sections[s.Section].Name
	}
	return fmt.Sprintf("#%d", i)
}

// section returns the section a symbol is defined in, nil for undefined
// and special symbols.
func (o *Object) section(sym *Symbol) *Section {
	if sym.Section == goelf.SHN_UNDEF || sym.Section >= goelf.SHN_LORESERVE || int(sym.Section) >= len(o.Sections) {
		return nil
	}
	return o.Sections[sym.Section]
}
