package link

import (
	"fmt"

	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/reloc"
)

// flagRdonlyProg is BPF_F_RDONLY_PROG, which libbpf gives .rodata and
// .kconfig maps: programs may only read them.
const flagRdonlyProg = unix.BPF_F_RDONLY_PROG

// kconfigMap is the .kconfig map of an image: where each extern lives.
type kconfigMap struct {
	index   int
	offsets map[sym]uint32
}

// buildMaps lists the maps of the image: the map definitions that won
// resolution, in link order; then one array map per global data section
// name; then .kconfig.
func (b *imageBuilder) buildMaps() error {
	l := b.l
	for _, o := range l.objs {
		for _, m := range o.Maps {
			if !l.mapWins(o, m) {
				continue
			}
			b.mapIndex[m] = len(b.img.Maps)
			b.img.Maps = append(b.img.Maps, b.mapSpec(o, m))
		}
	}
	for _, ds := range b.data.sections {
		if ds.size == 0 {
			// Nothing can point into an empty section; libbpf makes no map
			// for it either.
			continue
		}
		b.dataIndex[ds] = len(b.img.Maps)
		b.img.Maps = append(b.img.Maps, b.dataMapSpec(ds))
	}
	return b.buildKconfig()
}

// mapSpec describes one map definition.
func (b *imageBuilder) mapSpec(o *object, m *elf.Map) *MapSpec {
	ms := elfMapSpec(m, m.Name)
	ms.Objects = []string{o.Path}
	if m.Symbol > 0 {
		if _, g := b.l.lookup(o, m.Symbol); g != nil {
			for _, d := range g.decls {
				if p := b.l.objs[d.obj].Path; !containsString(ms.Objects, p) {
					ms.Objects = append(ms.Objects, p)
				}
			}
		}
	}
	if len(m.InitValues) > 0 {
		ms.Slots = make(map[uint32]string, len(m.InitValues))
		for _, iv := range m.InitValues {
			ms.Slots[iv.Slot] = iv.Name
		}
	}
	return ms
}

// elfMapSpec copies the reader's map definition; an inner map template is
// named after its outer map, as libbpf names it ("outer.inner").
func elfMapSpec(m *elf.Map, name string) *MapSpec {
	ms := &MapSpec{
		Name: name, Type: m.Type, KeySize: m.KeySize, ValueSize: m.ValueSize,
		MaxEntries: m.MaxEntries, Flags: m.Flags, Pinning: m.Pinning,
		NumaNode: m.NumaNode, MapExtra: m.MapExtra, Key: m.Key, Value: m.Value,
	}
	if m.Inner != nil {
		ms.Inner = elfMapSpec(m.Inner, name+".inner")
	}
	return ms
}

// dataMapSpec describes a merged global data section as the one-element
// array map libbpf makes of it. Its name is the section's name (.data,
// .rodata, .bss, .data.custom, .rodata.str1.1): the full name, where the
// kernel keeps only 15 characters and libbpf prefixes the object's name.
func (b *imageBuilder) dataMapSpec(ds *dataSection) *MapSpec {
	ms := &MapSpec{
		Name: ds.name, Type: unix.BPF_MAP_TYPE_ARRAY, KeySize: 4,
		ValueSize: uint32(ds.size), MaxEntries: 1,
		Data:   ds.data,
		Frozen: ds.readOnly,
	}
	if ds.readOnly {
		ms.Flags = flagRdonlyProg
	}
	for _, dv := range ds.vars {
		ms.Variables = append(ms.Variables, Variable{
			Name: dv.v.Name, Offset: uint32(dv.offset), Size: uint32(dv.v.Size),
			Type: varBTF(entity{v: dv.v}), Object: b.l.objs[dv.obj].Path,
		})
		if !containsString(ms.Objects, b.l.objs[dv.obj].Path) {
			ms.Objects = append(ms.Objects, b.l.objs[dv.obj].Path)
		}
	}
	sec := ds.datasec(func(dv dataVar) *btf.Var { return varType(dv.v) })
	if len(sec.Vars) > 0 {
		ms.Value = sec
	}
	return ms
}

// buildKconfig lays out the .kconfig externs of all objects in one
// read-only map, with libbpf's order (reloc.LayoutKconfig), and fills in
// their values from the running kernel's config and Options.Kconfig.
func (b *imageBuilder) buildKconfig() error {
	l := b.l
	var externs []reloc.KconfigExtern
	var ids []sym
	var objects []string
	for id := sym(1); int(id) < len(l.syms); id++ {
		g := &l.syms[id]
		if g.kind != kindKconfig || len(g.decls) == 0 {
			continue
		}
		weak := true
		for _, d := range g.decls {
			weak = weak && d.ext.Weak
			if p := l.objs[d.obj].Path; !containsString(objects, p) {
				objects = append(objects, p)
			}
		}
		externs = append(externs, reloc.KconfigExtern{Name: g.name, Type: g.decls[0].ext.Type, Weak: weak})
		ids = append(ids, id)
	}
	if len(externs) == 0 {
		return nil
	}
	size, err := reloc.LayoutKconfig(externs)
	if err != nil {
		return fmt.Errorf(".kconfig: %w", err)
	}
	k, err := reloc.LoadKconfig("")
	if err != nil {
		return fmt.Errorf(".kconfig: %w", err)
	}
	for name, value := range l.opts.Kconfig {
		k.Set(name, value)
	}
	data, err := reloc.BuildKconfigData(externs, k)
	if err != nil {
		return fmt.Errorf(".kconfig: %w", err)
	}
	data = append(data, make([]byte, int(size)-len(data))...)

	km := &kconfigMap{index: len(b.img.Maps), offsets: make(map[sym]uint32)}
	ms := &MapSpec{
		Name: ".kconfig", Type: unix.BPF_MAP_TYPE_ARRAY, KeySize: 4, ValueSize: size,
		MaxEntries: 1, Flags: flagRdonlyProg, Data: data, Frozen: true, Objects: objects,
	}
	sec := &btf.Datasec{Name: ".kconfig", Size: size}
	for i, e := range externs {
		km.offsets[ids[i]] = e.Offset
		t := varBTF(entity{ext: l.syms[ids[i]].decls[0].ext})
		n, _ := btf.Sizeof(t)
		ms.Variables = append(ms.Variables, Variable{Name: e.Name, Offset: e.Offset, Size: uint32(n), Type: t})
		// The kernel refuses extern VARs in loaded BTF; a resolved
		// .kconfig value is a global variable of the map.
		sec.Vars = append(sec.Vars, btf.VarSecinfo{
			Type: &btf.Var{Name: e.Name, Type: t, Linkage: btf.GlobalVar}, Offset: e.Offset, Size: uint32(n),
		})
	}
	sortVarSecinfos(sec.Vars)
	ms.Value = sec
	b.kconfig = km
	b.img.Maps = append(b.img.Maps, ms)
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
