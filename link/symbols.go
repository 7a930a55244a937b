package link

import (
	"cmp"
	goelf "debug/elf"
	"slices"
	"sort"

	"github.com/bpfld/bpfld/elf"
)

// sym is a dense index into linker.syms, as in Go's cmd/link loader: every
// global name and every static symbol of every object gets one. 0 means
// "no symbol".
type sym int32

// symKind says what a symbol names.
type symKind uint8

// Symbol kinds.
const (
	kindNone    symKind = iota
	kindFunc            // a BPF function: entry program or subprogram
	kindMap             // a map definition in .maps or a legacy maps section
	kindVar             // a variable in a global data section
	kindKconfig         // a .kconfig extern, resolved by the loader
	kindKsym            // a .ksyms extern (kernel variable or kfunc), resolved by the loader
)

func (k symKind) String() string {
	switch k {
	case kindFunc:
		return "function"
	case kindMap:
		return "map"
	case kindVar:
		return "variable"
	case kindKconfig:
		return "kconfig extern"
	case kindKsym:
		return "ksym"
	}
	return "symbol"
}

// symbol is the resolved state of one name: its definition (when some
// object defines it) and every extern declaration of it.
type symbol struct {
	name string
	kind symKind
	// local is true for a static (STB_LOCAL) symbol, private to its object.
	local bool
	// weak is the binding of the current definition; it only goes from
	// weak to strong.
	weak bool
	// hidden is true when any definition or declaration is STV_HIDDEN.
	hidden bool

	// def is the index of the defining object, -1 while only declared.
	def int
	fn  *elf.Function
	m   *elf.Map
	v   *elf.Variable

	// decls are the extern declarations, in link order.
	decls []decl
}

// decl is one extern declaration of a symbol.
type decl struct {
	obj int
	ext *elf.Extern
}

// defined reports whether some object defines the symbol.
func (s *symbol) defined() bool { return s.def >= 0 }

// object is one input object with the linker's tables for it.
type object struct {
	*elf.Object
	index int
	// syms maps the object's ELF symbol indexes to linker symbols; 0 for
	// symbols the linker has no use for (sections, files, labels, the
	// license).
	syms []sym
	// funcs holds the object's functions by section index, in offset order.
	funcs map[int][]*elf.Function
	// relocs holds the relocations of each code section by section
	// index, sorted by offset, one per offset (the last in file order),
	// without R_BPF_NONE.
	relocs map[int][]elf.Reloc
	// maps holds the object's map definitions by section index and byte offset.
	maps map[int]map[uint64]*elf.Map
}

// entity is what one ELF symbol of an object stands for.
type entity struct {
	kind symKind
	fn   *elf.Function
	m    *elf.Map
	v    *elf.Variable
	ext  *elf.Extern
}

// newObject indexes an input object for the linker.
func newObject(o *elf.Object, index int) *object {
	obj := &object{
		Object: o,
		index:  index,
		syms:   make([]sym, len(o.Symbols)),
		funcs:  make(map[int][]*elf.Function),
		relocs: make(map[int][]elf.Reloc),
		maps:   make(map[int]map[uint64]*elf.Map),
	}
	for _, fn := range o.Functions {
		obj.funcs[fn.Section.Index] = append(obj.funcs[fn.Section.Index], fn)
	}
	for _, fns := range obj.funcs {
		sort.SliceStable(fns, func(i, j int) bool { return fns[i].Offset < fns[j].Offset })
	}
	for _, sec := range o.Sections {
		if sec.Kind != elf.SectionCode || len(sec.Relocs) == 0 {
			continue
		}
		obj.relocs[sec.Index] = codeRelocs(sec.Relocs)
	}
	for _, m := range o.Maps {
		if m.Section == nil {
			continue
		}
		if obj.maps[m.Section.Index] == nil {
			obj.maps[m.Section.Index] = make(map[uint64]*elf.Map)
		}
		obj.maps[m.Section.Index][m.Offset] = m
	}
	return obj
}

// codeRelocs returns the relocations of a code section sorted by offset,
// the last one in file order where several share an offset, without
// R_BPF_NONE.
func codeRelocs(relocs []elf.Reloc) []elf.Reloc {
	out := make([]elf.Reloc, 0, len(relocs))
	for _, r := range relocs {
		if r.Type != elf.R_BPF_NONE {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b elf.Reloc) int { return cmp.Compare(a.Offset, b.Offset) })
	// Keep the last of each run of equal offsets.
	w := 0
	for i, r := range out {
		if i+1 < len(out) && out[i+1].Offset == r.Offset {
			continue
		}
		out[w] = r
		w++
	}
	return out[:w]
}

// entities tells, for every ELF symbol index, what the symbol stands for.
func (o *object) entities() []entity {
	ents := make([]entity, len(o.Symbols))
	for _, fn := range o.Functions {
		if fn.Symbol > 0 {
			ents[fn.Symbol] = entity{kind: kindFunc, fn: fn}
		}
	}
	for _, m := range o.Maps {
		if m.Symbol > 0 {
			ents[m.Symbol] = entity{kind: kindMap, m: m}
		}
	}
	for _, v := range o.Variables {
		if v.Symbol > 0 {
			ents[v.Symbol] = entity{kind: kindVar, v: v}
		}
	}
	for _, e := range o.Externs {
		if e.Symbol <= 0 {
			continue
		}
		k := kindFunc
		switch e.Kind {
		case elf.ExternMap:
			k = kindMap
		case elf.ExternVariable:
			k = kindVar
		case elf.ExternKconfig:
			k = kindKconfig
		case elf.ExternKsym:
			k = kindKsym
		}
		ents[e.Symbol] = entity{kind: k, ext: e}
	}
	return ents
}

// functionAt returns the function of section sec that contains slot, and
// the slot's offset from the function's start.
func (o *object) functionAt(sec, slot int) (*elf.Function, int, bool) {
	fns := o.funcs[sec]
	i := sort.Search(len(fns), func(i int) bool { return fns[i].Offset+fns[i].Len > slot })
	if i == len(fns) || fns[i].Offset > slot {
		return nil, 0, false
	}
	return fns[i], slot - fns[i].Offset, true
}

// isHidden reports whether an ELF symbol has hidden visibility. libbpf
// accepts only default and hidden; internal and protected are treated as
// hidden, being stricter still.
func isHidden(v goelf.SymVis) bool { return v != goelf.STV_DEFAULT }
