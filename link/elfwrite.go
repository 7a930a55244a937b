package link

import (
	goelf "debug/elf"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/bpfld/bpfld/elf"
)

// outSection is one section of a written object.
type outSection struct {
	name  string
	typ   goelf.SectionType
	flags goelf.SectionFlag
	align uint64
	// data is the contents; size counts for NOBITS sections, which have none.
	data []byte
	size uint64
	// relocs are the section's relocations, written as .rel<name>.
	relocs []outReloc
	// sym is the section's STT_SECTION symbol, made on first use.
	sym *outSym

	// index is the section's ELF index, set when the file is laid out.
	index int
	// link, info and entsize are the raw header fields of the special
	// sections (.symtab, .rel*).
	link, info uint32
	entsize    uint64
	// target is the section a .rel section relocates.
	target *outSection
}

// outReloc is one REL relocation: the relocated byte, the type and the symbol.
type outReloc struct {
	off uint64
	typ elf.RelocType
	sym *outSym
}

// outSym is one symbol of a written object.
type outSym struct {
	name  string
	bind  goelf.SymBind
	typ   goelf.SymType
	vis   goelf.SymVis
	sec   *outSection // nil: undefined (an extern)
	value uint64
	size  uint64
	index int
}

// sectionSymbol returns the STT_SECTION symbol of a section.
func (s *outSection) sectionSymbol() *outSym {
	if s.sym == nil {
		s.sym = &outSym{bind: goelf.STB_LOCAL, typ: goelf.STT_SECTION, sec: s}
	}
	return s.sym
}

// elfFile is a relocatable ELF object being written.
type elfFile struct {
	sections []*outSection
	symbols  []*outSym
}

// strtab builds a string table, each string stored once.
type strtab struct {
	data []byte
	offs map[string]uint32
}

func newStrtab() *strtab { return &strtab{data: []byte{0}, offs: map[string]uint32{"": 0}} }

func (t *strtab) add(s string) uint32 {
	if off, ok := t.offs[s]; ok {
		return off
	}
	off := uint32(len(t.data))
	t.data = append(append(t.data, s...), 0)
	t.offs[s] = off
	return off
}

// Sizes of ELF64 structures.
const (
	ehdrSize = 64
	shdrSize = 64
	symSize  = 24
	relSize  = 16
)

// write lays the object out and writes it: the ELF header, every
// section's contents at its alignment, then the section headers. One
// string table holds section and symbol names, as in libbpf's output.
// Symbols are ordered locals first, as ELF requires.
func (f *elfFile) write(w io.Writer) error {
	strs := newStrtab()
	strSec := &outSection{name: ".strtab", typ: goelf.SHT_STRTAB, align: 1}
	all := []*outSection{{}, strSec}
	all = append(all, f.sections...)
	var rels []*outSection
	for _, s := range f.sections {
		if len(s.relocs) > 0 {
			rel := &outSection{name: ".rel" + s.name, typ: goelf.SHT_REL, align: 8, entsize: relSize,
				relocs: s.relocs, target: s}
			rels = append(rels, rel)
			all = append(all, rel)
		}
	}
	symtab := &outSection{name: ".symtab", typ: goelf.SHT_SYMTAB, align: 8, entsize: symSize}
	all = append(all, symtab)
	for i, s := range all {
		s.index = i
	}

	// Symbol table: the null symbol, locals, then the rest.
	syms := []*outSym{{}}
	for _, s := range f.sections {
		if s.sym != nil {
			syms = append(syms, s.sym)
		}
	}
	for _, s := range f.symbols {
		if s.bind == goelf.STB_LOCAL {
			syms = append(syms, s)
		}
	}
	firstGlobal := len(syms)
	for _, s := range f.symbols {
		if s.bind != goelf.STB_LOCAL {
			syms = append(syms, s)
		}
	}
	for i, s := range syms {
		s.index = i
	}
	symtab.data = make([]byte, 0, len(syms)*symSize)
	for i, s := range syms {
		var b [symSize]byte
		if i > 0 {
			binary.LittleEndian.PutUint32(b[0:], strs.add(s.name))
			b[4] = byte(s.bind)<<4 | byte(s.typ)&0xf
			b[5] = byte(s.vis) & 3
			if s.sec != nil {
				binary.LittleEndian.PutUint16(b[6:], uint16(s.sec.index))
			}
			binary.LittleEndian.PutUint64(b[8:], s.value)
			binary.LittleEndian.PutUint64(b[16:], s.size)
		}
		symtab.data = append(symtab.data, b[:]...)
	}
	symtab.link = uint32(strSec.index)
	symtab.info = uint32(firstGlobal)

	for _, rel := range rels {
		target := rel.target
		rel.link = uint32(symtab.index)
		rel.info = uint32(target.index)
		rel.flags = goelf.SHF_INFO_LINK
		rel.data = make([]byte, 0, len(rel.relocs)*relSize)
		for _, r := range rel.relocs {
			if r.sym == nil {
				return fmt.Errorf("section %s: relocation at offset %d has no symbol", target.name, r.off)
			}
			var b [relSize]byte
			binary.LittleEndian.PutUint64(b[0:], r.off)
			binary.LittleEndian.PutUint64(b[8:], uint64(r.sym.index)<<32|uint64(r.typ))
			rel.data = append(rel.data, b[:]...)
		}
	}

	names := make([]uint32, len(all))
	for i, s := range all {
		if i > 0 {
			names[i] = strs.add(s.name)
		}
	}
	strSec.data = strs.data

	// Lay out the contents after the ELF header.
	offs := make([]uint64, len(all))
	pos := uint64(ehdrSize)
	for i, s := range all {
		if i == 0 || s.typ == goelf.SHT_NOBITS {
			continue
		}
		pos = alignUp(pos, max(s.align, 1))
		offs[i] = pos
		pos += uint64(len(s.data))
	}
	shoff := alignUp(pos, 8)

	le := binary.LittleEndian
	hdr := make([]byte, ehdrSize)
	copy(hdr, []byte{0x7f, 'E', 'L', 'F', byte(goelf.ELFCLASS64), byte(goelf.ELFDATA2LSB), byte(goelf.EV_CURRENT)})
	le.PutUint16(hdr[16:], uint16(goelf.ET_REL))
	le.PutUint16(hdr[18:], uint16(goelf.EM_BPF))
	le.PutUint32(hdr[20:], uint32(goelf.EV_CURRENT))
	le.PutUint64(hdr[40:], shoff)
	le.PutUint16(hdr[52:], ehdrSize)
	le.PutUint16(hdr[58:], shdrSize)
	le.PutUint16(hdr[60:], uint16(len(all)))
	le.PutUint16(hdr[62:], uint16(strSec.index))

	shdrs := make([]byte, len(all)*shdrSize)
	for i, s := range all {
		if i == 0 {
			continue
		}
		h := shdrs[i*shdrSize:]
		size := uint64(len(s.data))
		if s.typ == goelf.SHT_NOBITS {
			size = s.size
			offs[i] = alignUp(pos, max(s.align, 1))
		}
		le.PutUint32(h[0:], names[i])
		le.PutUint32(h[4:], uint32(s.typ))
		le.PutUint64(h[8:], uint64(s.flags))
		le.PutUint64(h[24:], offs[i])
		le.PutUint64(h[32:], size)
		le.PutUint32(h[40:], s.link)
		le.PutUint32(h[44:], s.info)
		le.PutUint64(h[48:], max(s.align, 1))
		le.PutUint64(h[56:], s.entsize)
	}

	// Write the pieces in file order, padding between them, without
	// assembling the whole file in memory. A writer that collects in
	// memory (a bytes.Buffer) is grown to the file's size first: grown
	// piece by piece, it would copy the object several times over.
	if g, ok := w.(interface{ Grow(int) }); ok {
		g.Grow(int(shoff) + len(shdrs))
	}
	ew := &errWriter{w: w}
	ew.write(hdr)
	at := uint64(ehdrSize)
	for i, s := range all {
		if i == 0 || s.typ == goelf.SHT_NOBITS {
			continue
		}
		ew.pad(offs[i] - at)
		ew.write(s.data)
		at = offs[i] + uint64(len(s.data))
	}
	ew.pad(shoff - at)
	ew.write(shdrs)
	return ew.err
}

// errWriter writes until the first error, and keeps it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) write(b []byte) {
	if e.err == nil && len(b) > 0 {
		_, e.err = e.w.Write(b)
	}
}

var zeros [64]byte

func (e *errWriter) pad(n uint64) {
	for n > 0 {
		k := min(n, uint64(len(zeros)))
		e.write(zeros[:k])
		n -= k
	}
}

func alignUp(n, align uint64) uint64 { return (n + align - 1) / align * align }
