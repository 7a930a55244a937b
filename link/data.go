package link

import (
	goelf "debug/elf"
	"fmt"
	"sort"

	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/elf"
)

// dataSection is one global data section of the result: the sections of
// that name (.data, .rodata.str1.1, .bss, ...) of every object,
// concatenated in link order, each at its own alignment, as libbpf's
// linker does (extend_sec).
type dataSection struct {
	name     string
	readOnly bool
	// nobits is true when every input is SHT_NOBITS (.bss): all zero.
	nobits bool
	flags  goelf.SectionFlag
	align  uint64
	size   uint64
	// data holds the contents; zeros where inputs are NOBITS.
	data []byte
	// vars are the variables that won resolution, by offset.
	vars []dataVar
	// first is the object that contributed the first input, for messages.
	first string
}

// dataVar is one variable of a merged data section.
type dataVar struct {
	obj    int
	v      *elf.Variable
	offset uint64
}

// dataLayout places every input data section in its merged section.
type dataLayout struct {
	sections []*dataSection
	// base is where each input section starts in its merged section.
	base map[*elf.Section]uint64
	// of is the merged section of each input section.
	of map[*elf.Section]*dataSection
}

// layoutData merges the global data sections of all objects.
func (l *linker) layoutData() (*dataLayout, error) {
	dl := &dataLayout{base: make(map[*elf.Section]uint64), of: make(map[*elf.Section]*dataSection)}
	byName := make(map[string]*dataSection)
	for _, o := range l.objs {
		for _, sec := range o.Sections {
			if sec.Kind != elf.SectionData {
				continue
			}
			ds := byName[sec.Name]
			nobits := sec.Type == goelf.SHT_NOBITS
			if ds == nil {
				ds = &dataSection{name: sec.Name, readOnly: sec.ReadOnly, nobits: nobits, flags: sec.Flags, align: 1, first: o.Path}
				byName[sec.Name] = ds
				dl.sections = append(dl.sections, ds)
			} else if ds.readOnly != sec.ReadOnly {
				return nil, fmt.Errorf("section %s is read-only in %s but writable in %s",
					sec.Name, pick(ds.readOnly, ds.first, o.Path), pick(ds.readOnly, o.Path, ds.first))
			}
			align := max(sec.Align, 1)
			ds.align = max(ds.align, align)
			start := (ds.size + align - 1) / align * align
			dl.base[sec] = start
			dl.of[sec] = ds
			ds.size = start + sec.Size
			if !nobits {
				ds.nobits = false
			}
			ds.data = append(ds.data, make([]byte, start-uint64(len(ds.data)))...)
			if nobits {
				ds.data = append(ds.data, make([]byte, sec.Size)...)
			} else {
				ds.data = append(ds.data, sec.Data...)
			}
		}
	}
	for _, o := range l.objs {
		for _, v := range o.Variables {
			if !l.varWins(o, v) {
				continue
			}
			ds := dl.of[v.Section]
			if ds == nil {
				continue
			}
			ds.vars = append(ds.vars, dataVar{obj: o.index, v: v, offset: dl.base[v.Section] + v.Offset})
		}
	}
	for _, ds := range dl.sections {
		sort.SliceStable(ds.vars, func(i, j int) bool { return ds.vars[i].offset < ds.vars[j].offset })
	}
	return dl, nil
}

// pick returns a when cond holds, else b.
func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// varWins reports whether a variable is the definition its symbol
// resolved to: static variables always are; a losing __weak one keeps its
// bytes in the section but is no longer listed.
func (l *linker) varWins(o *object, v *elf.Variable) bool {
	if v.Symbol <= 0 {
		return true
	}
	_, g := l.lookup(o, v.Symbol)
	return g == nil || g.v == v
}

// mapWins reports whether a map is the definition its symbol resolved to.
func (l *linker) mapWins(o *object, m *elf.Map) bool {
	if m.Symbol <= 0 {
		return true
	}
	_, g := l.lookup(o, m.Symbol)
	return g == nil || g.m == m
}

// offset returns where a data reference points in its merged section.
func (dl *dataLayout) offset(r ref) (*dataSection, int64, error) {
	ds := dl.of[r.dataSec]
	if ds == nil {
		return nil, 0, fmt.Errorf("data section %s is not laid out", r.dataSec.Name)
	}
	off := int64(dl.base[r.dataSec]) + r.dataOff
	if off < 0 || uint64(off) > ds.size {
		return nil, 0, fmt.Errorf("offset %d is outside section %s (%d bytes)", off, ds.name, ds.size)
	}
	return ds, off, nil
}

// varType returns a variable's BTF VAR, nil without BTF.
func varType(v *elf.Variable) *btf.Var {
	bv, _ := v.Type.(*btf.Var)
	return bv
}

// datasec describes a merged section in BTF: its variables at their new
// offsets, sorted, without overlaps (the kernel rejects those), each
// variable's VAR given by name(v) (nil leaves it out).
func (ds *dataSection) datasec(name func(dv dataVar) *btf.Var) *btf.Datasec {
	sec := &btf.Datasec{Name: ds.name, Size: uint32(ds.size)}
	var end uint64
	for _, dv := range ds.vars {
		bv := name(dv)
		if bv == nil || dv.offset < end {
			continue
		}
		size := dv.v.Size
		if size == 0 {
			if n, err := btf.Sizeof(bv.Type); err == nil {
				size = uint64(n)
			}
		}
		sec.Vars = append(sec.Vars, btf.VarSecinfo{Type: bv, Offset: uint32(dv.offset), Size: uint32(size)})
		end = dv.offset + size
	}
	return sec
}
