package elf

import (
	"bytes"
	goelf "debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corruptor edits the bytes of a good object into a bad one. It finds
// what to edit with debug/elf, so the tests name sections and symbols, not
// offsets.
type corruptor struct {
	t *testing.T
	b []byte
	f *goelf.File
}

func newCorruptor(t *testing.T, file string) *corruptor {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f, err := goelf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return &corruptor{t: t, b: b, f: f}
}

// section returns the index of the named section.
func (c *corruptor) section(name string) int {
	for i, s := range c.f.Sections {
		if s.Name == name {
			return i
		}
	}
	c.t.Fatalf("no section %s", name)
	return 0
}

// header returns the file offset of field off of section name's header.
func (c *corruptor) header(name string, off int) int {
	shoff := int(binary.LittleEndian.Uint64(c.b[0x28:]))
	return shoff + c.section(name)*64 + off
}

// Section header fields.
const (
	shName   = 0
	shType   = 4
	shOffset = 24
	shSize   = 32
	shInfo   = 44
)

// symbol returns the file offset of the named symbol's entry in .symtab.
func (c *corruptor) symbol(name string) int {
	syms, err := c.f.Symbols()
	if err != nil {
		c.t.Fatal(err)
	}
	for i, s := range syms {
		if s.Name == name {
			return int(c.f.Section(".symtab").Offset) + (i+1)*goelf.Sym64Size
		}
	}
	c.t.Fatalf("no symbol %s", name)
	return 0
}

// reloc returns the file offset of entry n of a relocation section.
func (c *corruptor) reloc(section string, n int) int {
	return int(c.f.Section(section).Offset) + n*16
}

func (c *corruptor) put16(off int, v uint16) { binary.LittleEndian.PutUint16(c.b[off:], v) }
func (c *corruptor) put32(off int, v uint32) { binary.LittleEndian.PutUint32(c.b[off:], v) }
func (c *corruptor) put64(off int, v uint64) { binary.LittleEndian.PutUint64(c.b[off:], v) }

// rename gives a section a new name of the same length, in place.
func (c *corruptor) rename(name, to string) {
	shstrtab := c.f.Sections[binary.LittleEndian.Uint16(c.b[0x3e:])] // e_shstrndx
	off := int(shstrtab.Offset) + int(binary.LittleEndian.Uint32(c.b[c.header(name, shName):]))
	copy(c.b[off:], to)
}

func TestErrors(t *testing.T) {
	const base = localObjs + "/externs.o"
	tests := []struct {
		name    string
		file    string
		corrupt func(c *corruptor)
		want    string
	}{
		{
			name:    "not ELF",
			corrupt: func(c *corruptor) { c.b = []byte("#!/bin/sh\necho this is not an object\n") },
			want:    "not an ELF file",
		},
		{
			name:    "empty file",
			corrupt: func(c *corruptor) { c.b = nil },
			want:    "not an ELF file",
		},
		{
			name:    "truncated header",
			corrupt: func(c *corruptor) { c.b = c.b[:10] },
			want:    "truncated ELF header (10 bytes)",
		},
		{
			name:    "32-bit",
			corrupt: func(c *corruptor) { c.b[goelf.EI_CLASS] = byte(goelf.ELFCLASS32) },
			want:    "32-bit ELF file (ELFCLASS32): BPF objects are ELFCLASS64",
		},
		{
			name:    "big-endian",
			corrupt: func(c *corruptor) { c.b[goelf.EI_DATA] = byte(goelf.ELFDATA2MSB) },
			want:    "big-endian BPF objects are not supported",
		},
		{
			name:    "wrong machine",
			corrupt: func(c *corruptor) { c.put16(18, uint16(goelf.EM_X86_64)) },
			want:    "ELF machine is EM_X86_64, not EM_BPF: not a BPF object",
		},
		{
			name:    "not relocatable",
			corrupt: func(c *corruptor) { c.put16(16, uint16(goelf.ET_EXEC)) },
			want:    "ELF type is ET_EXEC, not ET_REL: BPF objects are relocatable",
		},
		{
			name:    "truncated file",
			corrupt: func(c *corruptor) { c.b = c.b[:len(c.b)/2] },
			want:    "truncated ELF file: section headers at byte 0x39c0 end beyond the end of the file",
		},
		{
			name:    "section data beyond the end of the file",
			corrupt: func(c *corruptor) { c.put64(c.header("xdp", shOffset), 1<<20) },
			want:    "section xdp: reading 512 bytes at byte 0x100000: EOF",
		},
		{
			name:    "code size not a multiple of 8",
			corrupt: func(c *corruptor) { c.put64(c.header("tc", shSize), 12) },
			want:    "section tc: code size 12 is not a multiple of 8",
		},
		{
			name:    "symbol name out of range",
			corrupt: func(c *corruptor) { c.put32(c.symbol("gfunc"), 0xffff) },
			want:    "symbol 18: name offset 0xffff out of range of .strtab (493 bytes) at byte 0x2698",
		},
		{
			name:    "symbol section out of range",
			corrupt: func(c *corruptor) { c.put16(c.symbol("gfunc")+6, 200) },
			want:    "symbol 18 (gfunc): section index 200 out of range (34 sections) at byte 0x2698",
		},
		{
			name:    "relocation symbol index out of range",
			corrupt: func(c *corruptor) { c.put64(c.reloc(".relxdp", 0)+8, 999<<32|uint64(R_BPF_64_64)) },
			want:    "section .relxdp: relocation 0 at offset 0x20: symbol index 999 out of range (38 symbols) at byte 0x2898",
		},
		{
			name:    "relocation target section out of range",
			corrupt: func(c *corruptor) { c.put32(c.header(".relxdp", shInfo), 99) },
			want:    "section .relxdp: target section index 99 out of range (34 sections)",
		},
		{
			name:    "relocation outside its section",
			corrupt: func(c *corruptor) { c.put64(c.reloc(".relxdp", 0), 0x1000) },
			want:    "section xdp: relocation at offset 0x1000 against hmap: offset is outside the section (512 bytes)",
		},
		{
			name:    "relocation between instructions",
			corrupt: func(c *corruptor) { c.put64(c.reloc(".relxdp", 0), 0x24) },
			want:    "section xdp: relocation at offset 0x24 against hmap: offset is not a multiple of the instruction size 8",
		},
		{
			name:    "map relocation on a non-ld_imm64 instruction",
			corrupt: func(c *corruptor) { c.put64(c.reloc(".relxdp", 0), 0x0) },
			want:    "section xdp: relocation at offset 0x0 against hmap: R_BPF_64_64 needs a complete ld_imm64 instruction, found opcode 0xb7",
		},
		{
			name:    "call relocation on a non-call instruction",
			corrupt: func(c *corruptor) { c.put64(c.reloc(".relxdp", 5), 0x0) },
			want:    "section xdp: relocation at offset 0x0 against gfunc: R_BPF_64_32 needs a call or ld_imm64 instruction, found opcode 0xb7",
		},
		{
			name:    "data relocation type in code",
			corrupt: func(c *corruptor) { c.put64(c.reloc(".relxdp", 0)+8, 0x16<<32|uint64(R_BPF_64_ABS64)) },
			want:    "section xdp: relocation at offset 0x20 against hmap: relocation type R_BPF_64_ABS64 is not valid in a code section",
		},
		{
			name:    "function outside its section",
			corrupt: func(c *corruptor) { c.put64(c.symbol("prog2")+8, 0x1000) },
			want:    "section xdp: function prog2: offset 0x1000 and size 56 lie outside the section (512 bytes)",
		},
		{
			name:    "function not on an instruction",
			corrupt: func(c *corruptor) { c.put64(c.symbol("prog2")+8, 0x1cc) },
			want:    "section xdp: function prog2: offset 0x1cc or size 56 is not a multiple of the instruction size 8",
		},
		{
			name:    "variable outside its section",
			corrupt: func(c *corruptor) { c.put64(c.symbol("strbuf")+16, 100) },
			want:    "section .data: variable strbuf: offset 0x4 and size 100 lie outside the section (10 bytes)",
		},
		{
			name:    "BTF map outside its section",
			corrupt: func(c *corruptor) { c.put64(c.symbol("hmap")+16, 400) },
			want:    "section .maps: map hmap: definition of 400 bytes at offset 0x0 lies outside the section (40 bytes)",
		},
		{
			name: "BTF maps without BTF or DWARF",
			corrupt: func(c *corruptor) {
				c.rename(".BTF", ".XTF")
				c.rename(".debug_info", ".xebug_info")
			},
			want: "section .maps: BTF-defined maps need .BTF or DWARF, and the object has neither",
		},
		{
			name:    "malformed BTF needed for maps and externs",
			corrupt: func(c *corruptor) { c.put16(int(c.f.Section(".BTF").Offset), 0x1234) },
			want:    ".BTF: parsing .BTF header: no valid BTF header",
		},
		{
			name:    "version of the wrong size",
			corrupt: func(c *corruptor) { c.put64(c.header("version", shSize), 2) },
			want:    "section version: size 2, want 4 (a u32 kernel version)",
		},
		{
			name:    "legacy map outside its section",
			file:    localObjs + "/legacy_layouts.o",
			corrupt: func(c *corruptor) { c.put64(c.symbol("tc_flags")+8, 60) },
			want:    "section maps: map tc_flags: definition of 36 bytes at offset 0x3c lies outside the section (72 bytes)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if file == "" {
				file = base
			}
			c := newCorruptor(t, file)
			tt.corrupt(c)
			_, err := ReadBytes(c.b, "bad.o")
			want := "bad.o: " + tt.want
			if err == nil || err.Error() != want {
				t.Errorf("got error\n%v\nwant\n%s", err, want)
			}
		})
	}
}

// TestErrorsCilium checks errors in the .maps relocations of cilium/ebpf's
// btf_map_init object, which has `.values` initializers.
func TestErrorsCilium(t *testing.T) {
	dir, err := ciliumTestdata()
	if err != nil {
		t.Skip(err)
	}
	file := filepath.Join(dir, "btf_map_init-el.elf")
	tests := []struct {
		name    string
		corrupt func(c *corruptor)
		want    string
	}{
		{
			name:    "values relocation outside values",
			corrupt: func(c *corruptor) { c.put64(c.reloc(".rel.maps", 0), 0) },
			want:    "section .maps: relocation at offset 0x0 against tail_1 is not in the values of a map",
		},
		{
			name:    "values relocation between slots",
			corrupt: func(c *corruptor) { c.put64(c.reloc(".rel.maps", 0), 0x2c) },
			want:    "section .maps: map prog_array_init: relocation at offset 0x2c against tail_1 is not on a slot of values",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCorruptor(t, file)
			tt.corrupt(c)
			_, err := ReadBytes(c.b, "bad.o")
			want := "bad.o: " + tt.want
			if err == nil || err.Error() != want {
				t.Errorf("got error\n%v\nwant\n%s", err, want)
			}
		})
	}
}

// TestBTFWarnings checks that BTF an object does not need is dropped with a
// warning instead of failing the read.
func TestBTFWarnings(t *testing.T) {
	dir, err := ciliumTestdata()
	if err != nil {
		t.Skip(err)
	}
	tests := []struct {
		name    string
		file    string
		corrupt func(c *corruptor)
		btf     bool
		want    string
	}{
		{
			name:    "malformed BTF of an object without maps or externs",
			file:    filepath.Join(dir, "raw_tracepoint-el.elf"),
			corrupt: func(c *corruptor) { c.put16(int(c.f.Section(".BTF").Offset), 0x1234) },
			want:    ".BTF: parsing .BTF header: no valid BTF header",
		},
		{
			name:    "malformed BTF.ext",
			file:    localObjs + "/externs.o",
			corrupt: func(c *corruptor) { c.put16(int(c.f.Section(".BTF.ext").Offset), 0x1234) },
			btf:     true,
			want:    ".BTF.ext: parsing BTF extension header: incorrect magic value 4660",
		},
		{
			name:    "GCC 12's empty BTF.ext",
			file:    localObjs + "/gcc-btf.o",
			corrupt: func(c *corruptor) {},
			btf:     true,
			want:    ".BTF.ext: parsing BTF function info: can't read record size: EOF",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCorruptor(t, tt.file)
			tt.corrupt(c)
			obj, err := ReadBytes(c.b, "warn.o")
			if err != nil {
				t.Fatal(err)
			}
			if (obj.BTF != nil) != tt.btf || obj.ExtInfos != nil {
				t.Errorf("BTF %v, ExtInfos %v", obj.BTF != nil, obj.ExtInfos != nil)
			}
			if obj.BTFError == nil || obj.BTFError.Error() != tt.want {
				t.Errorf("BTFError %v, want %s", obj.BTFError, tt.want)
			}
		})
	}
}

// TestMapsFromClangDWARF checks that a clang object whose .BTF is gone
// still has its maps, read from DWARF 5.
func TestMapsFromClangDWARF(t *testing.T) {
	c := newCorruptor(t, localObjs+"/externs.o")
	c.rename(".BTF", ".XTF")
	obj, err := ReadBytes(c.b, "nobtf.o")
	if err != nil {
		t.Fatal(err)
	}
	if obj.BTF != nil || obj.BTFError == nil || obj.BTFError.Error() != ".BTF.ext without .BTF: ignored" {
		t.Errorf("BTF %v, BTFError %v", obj.BTF, obj.BTFError)
	}
	if len(obj.Maps) != 1 {
		t.Fatalf("%d maps, want 1", len(obj.Maps))
	}
	checkMap(t, obj.Maps[0], &mapWant{name: "hmap", typ: 1, key: 4, value: 8, max: 8, pinning: 1})
}

// TestOpenError checks that a missing file is reported as such.
func TestOpenError(t *testing.T) {
	_, err := Open("testdata/no-such-file.o")
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "no-such-file.o") {
		t.Errorf("got %v", err)
	}
}

// TestFunctionBounds checks how functions are cut from their sections when
// symbols do not say: a symbol of size 0 runs to the next function or the
// section end, and a section without function symbols is one program.
func TestFunctionBounds(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(c *corruptor)
		want    []string // "section/name[offset,+len]"
	}{
		{
			name:    "as written",
			corrupt: func(c *corruptor) {},
			want:    []string{".text/gfunc[0,+3]", ".text/helper[3,+9]", "xdp/prog1[0,+57]", "xdp/prog2[57,+7]", "tc/static_prog[0,+2]"},
		},
		{
			name: "sizes 0",
			corrupt: func(c *corruptor) {
				c.put64(c.symbol("prog1")+16, 0)
				c.put64(c.symbol("prog2")+16, 0)
			},
			want: []string{".text/gfunc[0,+3]", ".text/helper[3,+9]", "xdp/prog1[0,+57]", "xdp/prog2[57,+7]", "tc/static_prog[0,+2]"},
		},
		{
			name:    "no function symbol",
			corrupt: func(c *corruptor) { c.b[c.symbol("static_prog")+4] = byte(goelf.STT_NOTYPE) }, // local NOTYPE: a label
			want:    []string{".text/gfunc[0,+3]", ".text/helper[3,+9]", "xdp/prog1[0,+57]", "xdp/prog2[57,+7]", "tc/tc[0,+2]"},
		},
		{
			name: "global NOTYPE symbols, as LLVM before 8 wrote",
			corrupt: func(c *corruptor) {
				c.b[c.symbol("prog1")+4] = byte(goelf.STB_GLOBAL)<<4 | byte(goelf.STT_NOTYPE)
				c.put64(c.symbol("prog1")+16, 0)
			},
			want: []string{".text/gfunc[0,+3]", ".text/helper[3,+9]", "xdp/prog1[0,+57]", "xdp/prog2[57,+7]", "tc/static_prog[0,+2]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCorruptor(t, localObjs+"/externs.o")
			tt.corrupt(c)
			obj, err := ReadBytes(c.b, "funcs.o")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range obj.Functions {
				got = append(got, fmt.Sprintf("%s/%s[%d,+%d]", f.Section.Name, f.Name, f.Offset, f.Len))
			}
			compareLists(t, "functions", got, tt.want)
		})
	}
}
