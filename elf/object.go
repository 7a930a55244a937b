package elf

import (
	goelf "debug/elf"

	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/insn"
)

// Object is one relocatable BPF ELF object, as clang or GCC wrote it, with
// every part that a linker and a loader need. Everything is indexed the way
// the ELF file indexes it, so relocations and symbols can be followed
// without lookups by name.
type Object struct {
	// Path is the file the object was read from (or a name given by the caller).
	Path string

	// Sections holds every section of the file by ELF section index; entry 0
	// is the null section. Sections the reader has no use for are present
	// with Kind SectionOther and no Data.
	Sections []*Section
	// Symbols holds every symbol of .symtab by ELF symbol index; entry 0 is
	// the null symbol.
	Symbols []Symbol

	// Functions lists every function in a code section: entry programs and
	// subprograms, in section and offset order.
	Functions []*Function
	// Programs lists the entry programs (functions in a code section other
	// than .text), in section and offset order.
	Programs []*Function
	// Maps lists the map definitions, from .maps (BTF) and from legacy
	// maps sections, in section and offset order. Maps declared extern are
	// listed in Externs.
	Maps []*Map
	// Variables lists the named variables of global data sections.
	Variables []*Variable
	// Externs lists the symbols this object uses but does not define:
	// functions, maps, variables, .kconfig and .ksyms externs.
	Externs []*Extern

	// License is the contents of the "license" section, without the
	// terminating NUL; empty when there is none.
	License string
	// KernelVersion is the contents of the "version" section; HasVersion
	// tells whether the object has one.
	KernelVersion uint32
	HasVersion    bool
	// Comment is the compiler identification in .comment, as GCC writes
	// it ("GCC: (12.2.0-14+deb12u1+) 12.2.0"); clang writes none for
	// BPF. GCC 12's objects need it: their relocation addends differ from
	// LLVM's (see the package documentation).
	Comment string

	// BTF is the object's .BTF, nil when it has none.
	BTF *btf.Spec
	// ExtInfos is the object's .BTF.ext (func_info, line_info and CO-RE
	// relocations per section), nil when it has none.
	ExtInfos *btf.ExtInfos
	// BTFError is a warning: why the object's .BTF or .BTF.ext could not
	// be used, although the object was read. A .BTF that fails leaves BTF
	// and ExtInfos nil, and fails the read instead when the object needs
	// it (BTF-defined maps, externs); a .BTF.ext that fails leaves only
	// ExtInfos nil. Nil when all BTF present was read.
	BTFError error
}

// SectionKind says what a section holds, as far as a BPF linker cares.
type SectionKind int

// Section kinds.
const (
	SectionOther      SectionKind = iota // ignored: string tables, debug info, ...
	SectionCode                          // executable: a program section or .text
	SectionData                          // .data, .rodata, .bss and their .data.*/.rodata.*/.bss.* variants
	SectionMaps                          // .maps: BTF-defined maps
	SectionLegacyMaps                    // "maps" or "maps/*": struct bpf_map_def arrays
	SectionLicense                       // "license"
	SectionVersion                       // "version"
	SectionBTF                           // .BTF
	SectionBTFExt                        // .BTF.ext
	SectionSymtab                        // .symtab
	SectionRel                           // a .rel* section; its relocations are attached to their target
)

// Section is one ELF section.
type Section struct {
	Index int
	Name  string
	Kind  SectionKind
	Type  goelf.SectionType
	Flags goelf.SectionFlag
	Align uint64
	// Size is the section size in bytes (for .bss too, which has no Data).
	Size uint64
	// Offset is the section's offset in the file, for error messages.
	Offset uint64
	// Data holds the bytes of PROGBITS sections the reader keeps; nil for
	// NOBITS sections (.bss), which are all zero.
	Data []byte
	// Insns holds the decoded instructions of a code section.
	Insns []insn.Instruction
	// Relocs holds the relocations that apply to this section, in file order.
	Relocs []Reloc
	// ReadOnly is true for sections without SHF_WRITE (.rodata*).
	ReadOnly bool
}

// RelocType is the type of a BPF ELF relocation.
type RelocType uint32

// BPF relocation types (llvm/BinaryFormat/ELFRelocs/BPF.def). debug/elf has
// no names for them.
const (
	R_BPF_NONE        RelocType = 0
	R_BPF_64_64       RelocType = 1  // ld_imm64 of a map, a global or a function
	R_BPF_64_ABS64    RelocType = 2  // 64-bit data word, e.g. a map pointer in .maps
	R_BPF_64_ABS32    RelocType = 3  // 32-bit data word, e.g. in .BTF/.BTF.ext
	R_BPF_64_NODYLD32 RelocType = 4  // 32-bit data word in debug sections
	R_BPF_64_32       RelocType = 10 // call instruction: bpf-to-bpf call
)

// Reloc is one relocation entry.
type Reloc struct {
	// Offset is the byte offset in the section the relocation applies to.
	Offset uint64
	Type   RelocType
	// Symbol is the index of the referenced symbol in Object.Symbols.
	Symbol int
	// Addend is the explicit addend of a RELA entry; BPF objects use REL,
	// whose addend is the instruction's own immediate.
	Addend int64
}

// Symbol is one entry of .symtab.
type Symbol struct {
	Index      int
	Name       string
	Bind       goelf.SymBind
	Type       goelf.SymType
	Visibility goelf.SymVis
	// Section is the ELF section index the symbol is defined in:
	// goelf.SHN_UNDEF for an extern, goelf.SHN_ABS or goelf.SHN_COMMON
	// for those special cases.
	Section goelf.SectionIndex
	Value   uint64
	Size    uint64
}

// IsDefined reports whether the symbol is defined in this object.
func (s *Symbol) IsDefined() bool { return s.Section != goelf.SHN_UNDEF }

// Function is one BPF function: an entry program or a subprogram.
type Function struct {
	Name string
	// Symbol is the index of the function's symbol, 0 when the object has
	// no symbol for it (then the whole section is one program named after it).
	Symbol  int
	Section *Section
	// Offset and Len locate the function in Section.Insns, in slots.
	Offset int
	Len    int
	// Entry is true for an entry program: a function in a code section
	// other than .text.
	Entry bool
	// Bind and Visibility repeat the symbol's, for the linker.
	Bind       goelf.SymBind
	Visibility goelf.SymVis
	// BTF is the function's BTF from .BTF.ext's func_info; for an object
	// with .BTF but no usable .BTF.ext, the only BTF FUNC of the same name.
	// Nil without BTF.
	BTF *btf.Func
}

// Insns returns the function's instructions.
func (f *Function) Insns() []insn.Instruction {
	return f.Section.Insns[f.Offset : f.Offset+f.Len]
}

// Map is one map definition.
type Map struct {
	Name   string
	Symbol int
	// Section and Offset locate the definition: a struct in .maps or a
	// struct bpf_map_def in a legacy maps section.
	Section *Section
	Offset  uint64
	// Legacy is true for a definition from a legacy maps section.
	Legacy bool

	Type       uint32 // enum bpf_map_type
	KeySize    uint32
	ValueSize  uint32
	MaxEntries uint32
	Flags      uint32
	Pinning    uint32
	NumaNode   uint32
	MapExtra   uint64
	// Key and Value are the BTF types of a BTF map's key and value, when
	// given as types (not sizes) and the object has BTF.
	Key, Value btf.Type
	// Inner is the template of the inner map of a map of maps.
	Inner *Map
	// InitValues holds the initial contents given by `.values = { ... }`,
	// for prog arrays and maps of maps: slot index to the symbol it holds.
	InitValues []MapInitValue
	// BTF is the map's VAR type in .maps, nil for legacy maps.
	BTF *btf.Var
	// Extra holds the bytes of a legacy definition after the five fields
	// of struct bpf_map_def (iproute2's id, pinning, inner_id, inner_idx;
	// samples/bpf's inner_map_idx, numa_node), nil for BTF maps.
	Extra []byte
	// Bind and Visibility repeat the symbol's, for the linker.
	Bind       goelf.SymBind
	Visibility goelf.SymVis
}

// MapInitValue is one slot of a map's `.values` initializer.
type MapInitValue struct {
	Slot uint32
	// Name is the symbol the slot refers to: a program for a prog array,
	// a map for a map of maps.
	Name   string
	Symbol int
}

// Variable is a named variable in a global data section.
type Variable struct {
	Name    string
	Symbol  int
	Section *Section
	Offset  uint64
	Size    uint64
	// Type is the variable's *btf.Var from the section's DATASEC (its Type
	// is the C type), nil without BTF.
	Type       btf.Type
	Bind       goelf.SymBind
	Visibility goelf.SymVis
}

// ExternKind says what an extern symbol stands for.
type ExternKind int

// Extern kinds.
const (
	ExternFunction ExternKind = iota // a BPF function defined in another object
	ExternMap                        // a map defined in another object (extern in .maps)
	ExternVariable                   // a global variable defined in another object
	ExternKconfig                    // a .kconfig value (CONFIG_*, LINUX_KERNEL_VERSION, ...)
	ExternKsym                       // a .ksyms kernel variable or kfunc
)

// Extern is a symbol the object uses and does not define.
type Extern struct {
	Name   string
	Kind   ExternKind
	Symbol int
	// Weak is true for an extern declared __weak: it may stay unresolved.
	Weak bool
	// Type is the extern's BTF: a *btf.Func for functions and kfuncs, a
	// *btf.Var for variables, kconfig values, typed ksyms and maps; nil
	// without BTF.
	Type btf.Type
}
