package link

import (
	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/insn"
)

// Image is the result of linking: a set of complete entry programs and the
// maps they use. Every program stands alone, with the subprograms it
// reaches appended and every call offset fixed, the way the kernel expects
// to receive it.
//
// Map references in program instructions are indexes into Maps: an
// ld_imm64 with Src insn.PseudoMapIdx loads a pointer to map Maps[Imm]; one
// with Src insn.PseudoMapIdxValue loads the address of byte Imm of the next
// slot (the offset) in the value of map Maps[Imm] (global data).
type Image struct {
	Programs []*Program
	Maps     []*MapSpec
	// BTF holds the merged, deduplicated BTF of all inputs; nil when no
	// input had BTF.
	BTF *btf.Spec
	// Objects are the paths of the linked objects, in link order.
	Objects []string
}

// Program returns the entry program with the given name, or nil.
func (img *Image) Program(name string) *Program {
	for _, p := range img.Programs {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Map returns the map with the given name, or nil.
func (img *Image) Map(name string) *MapSpec {
	for _, m := range img.Maps {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// Program is one complete entry program.
type Program struct {
	// Name is the C function name.
	Name string
	// SectionName is the SEC() name, which implies the program type.
	SectionName string
	// Type is the program type (enum bpf_prog_type) that SectionName implies.
	Type uint32
	// ExpectedAttachType is enum bpf_attach_type implied by SectionName.
	ExpectedAttachType uint32
	// AttachTo is the attach target from SectionName (e.g. the traced
	// function of "kprobe/do_sys_open"), empty when there is none.
	AttachTo string
	License  string
	// KernelVersion is the object's "version" value, 0 when it has none.
	KernelVersion uint32
	// Object is the path of the object that defines the entry function.
	Object string

	// Insns is the whole program: the entry function first, then every
	// subprogram it reaches.
	Insns []insn.Instruction
	// Functions lists the functions in Insns in order: the entry first.
	Functions []FunctionRange
	// FuncInfos and LineInfos carry BTF func_info and line_info, with
	// offsets into Insns; empty without BTF.
	FuncInfos btf.FuncOffsets
	LineInfos btf.LineOffsets

	// Unresolved names the externs the program reaches that no input
	// defines; only a link with Options.AllowUnresolved leaves any. Calls
	// to them are calls of the invalid helper reloc.ExternPoison.
	Unresolved []string
}

// FunctionRange locates one function inside a Program's instructions.
type FunctionRange struct {
	Name string
	// Start and Len are in instruction slots.
	Start, Len int
	// Object is the path of the object that defined the function.
	Object string
}

// MapSpec is one map of the image: a map definition, or a global data
// section (.data, .rodata, .bss, .kconfig and their variants) turned into a
// one-entry array map as libbpf does.
type MapSpec struct {
	Name       string
	Type       uint32 // enum bpf_map_type
	KeySize    uint32
	ValueSize  uint32
	MaxEntries uint32
	Flags      uint32
	Pinning    uint32
	NumaNode   uint32
	MapExtra   uint64
	Key, Value btf.Type
	// Inner is the template of the inner map of a map of maps.
	Inner *MapSpec

	// Data is the initial value of a global data map (its one element):
	// ValueSize bytes. Nil for other maps.
	Data []byte
	// Frozen is true for read-only data (.rodata, .kconfig): programs
	// may not write it and the kernel freezes it at load.
	Frozen bool
	// Variables lists the named variables of a global data map.
	Variables []Variable
	// Slots holds the static initial contents of prog arrays and maps of
	// maps (`.values`): slot index to program or map name.
	Slots map[uint32]string
	// Objects are the paths of the objects that define or declare the map.
	Objects []string
}

// IsGlobalData reports whether the map is a global data section.
func (m *MapSpec) IsGlobalData() bool { return m.Data != nil }

// Variable is a global variable inside a global data map.
type Variable struct {
	Name   string
	Offset uint32
	Size   uint32
	Type   btf.Type
	// Object is the path of the object that defined the variable.
	Object string
}
