package link

import (
	goelf "debug/elf"
	"fmt"

	"encoding/binary"

	"github.com/cilium/ebpf/btf"
)

// buildBTF writes .BTF and .BTF.ext for the output: the BTF of every
// written function (renamed and made static where its symbol was), of
// every variable and map at its new offset in its section's DATASEC, of
// the externs left to the loader, and of the CO-RE relocations' types,
// merged and deduplicated with cilium/ebpf's btf.Builder.
func (ow *objWriter) buildBTF() error {
	hasBTF := false
	for _, o := range ow.l.objs {
		hasBTF = hasBTF || o.BTF != nil
	}
	if !hasBTF {
		return nil
	}

	var types []btf.Type
	described, err := ow.describedFunctions()
	if err != nil {
		return err
	}
	funcs := make([]*btf.Func, len(ow.l.funcs))
	for _, f := range ow.kept {
		of := ow.funcs[f]
		if of.fn.BTF == nil {
			continue
		}
		fn := of.fn.BTF
		static := of.sym.bind == goelf.STB_LOCAL
		if fn.Name != of.sym.name || static && fn.Linkage != btf.StaticFunc {
			cp := *fn
			cp.Name = of.sym.name
			if static {
				cp.Linkage = btf.StaticFunc
			}
			fn = &cp
		}
		types = append(types, fn)
		if described[f] {
			funcs[f] = fn
		}
	}
	// The line_info placeholders are made on another core while the
	// types are added.
	prepared := make(chan []funcLines, 1)
	go func() { prepared <- ow.prepareLines(funcs) }()

	for _, ds := range ow.data.sections {
		if ow.dataOut[ds] == nil {
			continue
		}
		types = append(types, ds.datasec(func(dv dataVar) *btf.Var {
			return renamedVar(varType(dv.v), ow.vars[dv.v])
		}))
	}
	externs, externMaps := ow.externTypes()
	types = append(types, ow.mapsDatasecs(externMaps)...)
	types = append(types, externs...)

	builder, err := btf.NewBuilder(nil, &btf.BuilderOptions{Deduplicate: true})
	if err != nil {
		return fmt.Errorf("BTF: %w", err)
	}
	ids := make(map[btf.Type]btf.TypeID, len(types))
	for _, t := range types {
		id, err := builder.Add(t)
		if err != nil {
			return fmt.Errorf("BTF: %s: %w", t, err)
		}
		ids[t] = id
	}
	ext, err := ow.buildExt(builder, funcs, ids, <-prepared)
	if err != nil {
		return fmt.Errorf(".BTF.ext: %w", err)
	}
	raw, err := builder.Marshal(nil, &btf.MarshalOptions{Order: binary.LittleEndian})
	if err != nil {
		return fmt.Errorf("BTF: %w", err)
	}
	ow.file.sections = append(ow.file.sections, &outSection{name: ".BTF", typ: goelf.SHT_PROGBITS, align: 4, data: raw})
	if ext != nil {
		ow.file.sections = append(ow.file.sections, &outSection{name: ".BTF.ext", typ: goelf.SHT_PROGBITS, align: 4, data: ext})
	}
	return nil
}

// renamedVar returns a variable's VAR as the output names it: renamed
// along with its symbol, and static when its symbol is local.
func renamedVar(v *btf.Var, s *outSym) *btf.Var {
	if v == nil || s == nil {
		return v
	}
	static := s.bind == goelf.STB_LOCAL
	if v.Name == s.name && (!static || v.Linkage == btf.StaticVar) {
		return v
	}
	cp := *v
	cp.Name = s.name
	if static {
		cp.Linkage = btf.StaticVar
	}
	return &cp
}

// mapsDatasecs describes each written .maps section: the VAR of every BTF
// map definition at its new offset, and, in a partial link, the extern
// maps left unresolved, as clang lists them (at offset 0).
func (ow *objWriter) mapsDatasecs(externMaps []btf.VarSecinfo) []btf.Type {
	secs := make(map[*outSection]*btf.Datasec)
	var out []btf.Type
	var maps *btf.Datasec
	for _, om := range ow.sortedMaps() {
		if om.m.BTF == nil {
			continue
		}
		ds := secs[om.sec]
		if ds == nil {
			ds = &btf.Datasec{Name: om.sec.name, Size: uint32(len(om.sec.data))}
			secs[om.sec] = ds
			out = append(out, ds)
			if ds.Name == ".maps" {
				maps = ds
			}
		}
		v := om.m.BTF
		if v.Name != om.sym.name {
			cp := *v
			cp.Name = om.sym.name
			v = &cp
		}
		ds.Vars = append(ds.Vars, btf.VarSecinfo{Type: v, Offset: uint32(om.off), Size: uint32(om.sym.size)})
	}
	if len(externMaps) > 0 {
		if maps == nil {
			maps = &btf.Datasec{Name: ".maps"}
			out = append(out, maps)
		}
		maps.Vars = append(maps.Vars, externMaps...)
	}
	return out
}

// externTypes describes the externs left to the loader: .kconfig and
// .ksyms DATASECs as clang writes them (each extern's size, offsets for
// the loader to fill in), and free-standing extern FUNCs and VARs for the externs a
// partial link leaves.
func (ow *objWriter) externTypes() (out []btf.Type, maps []btf.VarSecinfo) {
	l := ow.l
	kconfig := &btf.Datasec{Name: ".kconfig"}
	ksyms := &btf.Datasec{Name: ".ksyms"}
	for id := sym(1); int(id) < len(l.syms); id++ {
		g := &l.syms[id]
		if g.defined() || g.local || len(g.decls) == 0 {
			continue
		}
		t := g.decls[0].ext.Type
		if t == nil {
			continue
		}
		switch g.kind {
		case kindKconfig:
			kconfig.Vars = append(kconfig.Vars, btf.VarSecinfo{Type: t, Size: externSize(t)})
		case kindKsym:
			ksyms.Vars = append(ksyms.Vars, btf.VarSecinfo{Type: ksymType(t), Size: externSize(t)})
		case kindMap:
			maps = append(maps, btf.VarSecinfo{Type: t, Size: externSize(t)})
		default:
			out = append(out, t)
		}
	}
	if len(kconfig.Vars) > 0 {
		out = append(out, kconfig)
	}
	if len(ksyms.Vars) > 0 {
		out = append(out, ksyms)
	}
	return out, maps
}

// externSize is the size clang gives an extern in its DATASEC: that of a
// variable's type (1 for void, as sizeof(void) in GNU C), 0 for a
// function. cilium/ebpf reads each .kconfig value by it.
func externSize(t btf.Type) uint32 {
	v, ok := t.(*btf.Var)
	if !ok {
		return 0
	}
	if _, void := btf.UnderlyingType(v.Type).(*btf.Void); void {
		return 1
	}
	n, err := btf.Sizeof(v.Type)
	if err != nil {
		return 0
	}
	return uint32(n)
}

// ksymType returns the BTF of a .ksyms extern as the output writes it: a
// typeless ksym declared `extern const void name __ksym` becomes a VAR of
// type void, the form cilium/ebpf requires (it refuses const void).
func ksymType(t btf.Type) btf.Type {
	v, ok := t.(*btf.Var)
	if !ok {
		return t
	}
	if _, isVoid := btf.UnderlyingType(v.Type).(*btf.Void); !isVoid {
		return t
	}
	if _, already := v.Type.(*btf.Void); already {
		return t
	}
	cp := *v
	cp.Type = &btf.Void{}
	return &cp
}

// describedFunctions decides which written functions get func_info, and
// sets ow.withLines to those that get line_info. The
// kernel wants every function of a program described, or none; a loader
// builds a program from a function and what it calls, so the decision is
// made per group of functions that calls (and function addresses) tie
// together: a group with one function that has no BTF (from an object
// built without -g, or a GCC object whose BTF lacks it) gets no func_info.
func (ow *objWriter) describedFunctions() ([]bool, error) {
	// Union-find over the written functions, by fid.
	n := len(ow.l.funcs)
	parent := make([]fid, n)
	find := func(f fid) fid {
		for parent[f] != f {
			parent[f] = parent[parent[f]]
			f = parent[f]
		}
		return f
	}
	for _, f := range ow.kept {
		parent[f] = f
	}
	for _, f := range ow.kept {
		refs, err := ow.l.refs(f)
		if err != nil {
			return nil, err
		}
		for _, r := range refs {
			if r.kind == refCall || r.kind == refFuncAddr {
				parent[find(f)] = find(r.target)
			}
		}
	}
	// complete and lines are per group, at the group's root.
	complete := make([]bool, n)
	lines := make([]bool, n)
	for _, f := range ow.kept {
		complete[find(f)] = true
		// Line info likewise: a group whose functions do not all start
		// with a line_info record gets none.
		lines[find(f)] = true
	}
	for _, f := range ow.kept {
		fn := ow.funcs[f].fn
		if fn.BTF == nil {
			complete[find(f)] = false
		}
		if fl := functionLines(ow.funcs[f].obj, fn); len(fl) == 0 || int(fl[0].Offset) != fn.Offset {
			lines[find(f)] = false
		}
	}
	described := make([]bool, n)
	ow.withLines = make([]bool, n)
	for _, f := range ow.kept {
		described[f] = complete[find(f)]
		ow.withLines[f] = described[f] && lines[find(f)]
	}
	return described, nil
}
