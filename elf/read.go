package elf

import (
	"bytes"
	goelf "debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
)

// Open reads the BPF object in the file at path.
func Open(path string) (*Object, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
}

// ReadBytes reads a BPF object held in memory; name is used in errors and
// as Object.Path. The Object does not refer to b: the caller may reuse it.
func ReadBytes(b []byte, name string) (*Object, error) {
	obj, err := read(bytes.NewReader(b), b, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return obj, nil
}

// Read reads a BPF object from r; name is used in errors and as
// Object.Path. Every error names the file and, where there is one, the
// section, symbol and offset at fault.
func Read(r io.ReaderAt, name string) (*Object, error) {
	obj, err := read(r, nil, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return obj, nil
}

// reader holds the state of reading one object.
type reader struct {
	r io.ReaderAt
	// data is the whole file when the caller holds it in memory, nil
	// otherwise (see transientData).
	data []byte
	file *goelf.File
	obj  *Object
	btf  btfIndex
}

func read(r io.ReaderAt, data []byte, name string) (*Object, error) {
	if err := checkIdent(r); err != nil {
		return nil, err
	}
	file, err := newELFFile(r)
	if err != nil {
		return nil, err
	}
	if err := checkHeader(file); err != nil {
		return nil, err
	}

	rd := &reader{r: r, data: data, file: file, obj: &Object{Path: name}}
	steps := []func() error{
		rd.loadSections,
		rd.loadSymbols,
		rd.loadRelocations,
		rd.loadBTF,
		rd.loadFunctions,
		rd.loadLicenseAndVersion,
		rd.loadLegacyMaps,
		rd.loadBTFMaps,
		rd.loadVariables,
		rd.loadExterns,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(rd.obj.Maps, func(i, j int) bool {
		a, b := rd.obj.Maps[i], rd.obj.Maps[j]
		if a.Section.Index != b.Section.Index {
			return a.Section.Index < b.Section.Index
		}
		return a.Offset < b.Offset
	})
	return rd.obj, nil
}

// transientData returns the bytes of a section that the reader only
// looks at: part of the caller's buffer when there is one, else a copy.
// Nothing kept in the Object may refer to them (ReadBytes promises as
// much); sectionData copies those that are kept.
func (rd *reader) transientData(s *goelf.Section) ([]byte, error) {
	if rd.data != nil && s.Type != goelf.SHT_NOBITS && s.Flags&goelf.SHF_COMPRESSED == 0 &&
		s.Offset <= uint64(len(rd.data)) && s.Size <= uint64(len(rd.data))-s.Offset {
		return rd.data[s.Offset : s.Offset+s.Size : s.Offset+s.Size], nil
	}
	return s.Data()
}

// sectionData returns a copy of the bytes of a section, to keep.
func (rd *reader) sectionData(s *goelf.Section) ([]byte, error) {
	data, err := rd.transientData(s)
	if err != nil || rd.data == nil {
		return data, err
	}
	return bytes.Clone(data), nil
}

// checkIdent looks at the ELF identification bytes before debug/elf does,
// to tell the common ways of getting the wrong file apart clearly.
func checkIdent(r io.ReaderAt) error {
	var ident [64]byte // Elf64_Ehdr, starting with e_ident
	n, err := r.ReadAt(ident[:], 0)
	if n < len(goelf.ELFMAG) || string(ident[:len(goelf.ELFMAG)]) != goelf.ELFMAG {
		if err != nil && err != io.EOF {
			return fmt.Errorf("reading ELF header: %w", err)
		}
		return fmt.Errorf("not an ELF file")
	}
	if n < goelf.EI_NIDENT {
		return fmt.Errorf("truncated ELF header (%d bytes)", n)
	}
	switch goelf.Class(ident[goelf.EI_CLASS]) {
	case goelf.ELFCLASS64:
	case goelf.ELFCLASS32:
		return fmt.Errorf("32-bit ELF file (ELFCLASS32): BPF objects are ELFCLASS64")
	default:
		return fmt.Errorf("unknown ELF class %d", ident[goelf.EI_CLASS])
	}
	switch goelf.Data(ident[goelf.EI_DATA]) {
	case goelf.ELFDATA2LSB:
	case goelf.ELFDATA2MSB:
		return fmt.Errorf("big-endian BPF objects are not supported")
	default:
		return fmt.Errorf("unknown ELF data encoding %d", ident[goelf.EI_DATA])
	}
	if n < len(ident) {
		return fmt.Errorf("truncated ELF header (%d bytes)", n)
	}
	return nil
}

// newELFFile parses the ELF headers. debug/elf is not hardened against
// every malformed input, so a panic in it becomes an error here, as in
// cilium/ebpf's internal.SafeELFFile.
func newELFFile(r io.ReaderAt) (f *goelf.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("malformed ELF file: %v", p)
		}
	}()
	f, err = goelf.NewFile(r)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, truncated(r, err)
	}
	if err != nil {
		return nil, fmt.Errorf("malformed ELF file: %w", err)
	}
	return f, nil
}

// truncated explains an end of file that debug/elf met reading the ELF
// headers: usually a file cut short, so that its section headers, which
// compilers write last, are missing.
func truncated(r io.ReaderAt, err error) error {
	var hdr [64]byte // Elf64_Ehdr
	if _, rerr := r.ReadAt(hdr[:], 0); rerr == nil {
		shoff := binary.LittleEndian.Uint64(hdr[0x28:])
		shnum := uint64(binary.LittleEndian.Uint16(hdr[0x3c:]))
		var last [1]byte
		if shnum > 0 && shoff <= math.MaxInt64-shnum*64 {
			if _, rerr := r.ReadAt(last[:], int64(shoff+shnum*64-1)); rerr != nil {
				return fmt.Errorf("truncated ELF file: section headers at byte %#x end beyond the end of the file", shoff)
			}
		}
	}
	return fmt.Errorf("truncated ELF file: %w", err)
}

// checkHeader accepts relocatable objects for BPF. LLVM before version 7
// wrote EM_NONE, which cilium/ebpf and libbpf accept too.
func checkHeader(f *goelf.File) error {
	if f.Machine != goelf.EM_BPF && f.Machine != goelf.EM_NONE {
		return fmt.Errorf("ELF machine is %s, not EM_BPF: not a BPF object", f.Machine)
	}
	if f.Type != goelf.ET_REL {
		return fmt.Errorf("ELF type is %s, not ET_REL: BPF objects are relocatable", f.Type)
	}
	return nil
}
