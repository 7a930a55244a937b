package link

import (
	"fmt"
	"strconv"

	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/elf"
)

// difference is the first thing found to differ between two declarations
// of one symbol: a field and its value on each side.
type difference struct {
	field string
	a, b  string
}

// checkCompatible compares the BTF of a new definition or declaration e of
// a global symbol with the symbol's reference: its definition when there is
// one, else its first declaration. libbpf compares the same things
// (glob_sym_btf_matches, map_defs_match): function signatures, variable
// types, and map definitions field by field. Sides without BTF are not
// compared.
func (l *linker) checkCompatible(g *symbol, o *object, e entity) error {
	refObj, refRole := -1, ""
	var ref entity
	switch {
	case g.defined():
		refObj, refRole = g.def, "definition"
		ref = entity{kind: g.kind, fn: g.fn, m: g.m, v: g.v}
	case len(g.decls) > 0:
		refObj, refRole = g.decls[0].obj, "extern"
		ref = entity{kind: g.kind, ext: g.decls[0].ext}
	default:
		return nil
	}
	role := "definition"
	if e.ext != nil {
		role = "extern"
	}

	var d *difference
	var err error
	switch g.kind {
	case kindFunc, kindKsym:
		d = compareFuncs(l.objs[refObj].funcBTF(ref), o.funcBTF(e))
		if d == nil && g.kind == kindKsym {
			d = compareVars(varBTF(ref), varBTF(e))
		}
	case kindVar, kindKconfig:
		d = compareVars(varBTF(ref), varBTF(e))
	case kindMap:
		var a, b *mapDef
		if a, err = entityMapDef(ref); err == nil {
			b, err = entityMapDef(e)
		}
		if err != nil {
			return fmt.Errorf("map %q: %w", g.name, err)
		}
		d = compareMapDefs(a, b, "")
	}
	if d == nil {
		return nil
	}
	return &MismatchError{
		Name: g.name, Kind: g.kind.String(),
		Objects: [2]string{l.objs[refObj].Path, o.Path},
		Roles:   [2]string{refRole, role},
		Field:   d.field,
		Values:  [2]string{d.a, d.b},
	}
}

// funcBTF returns the BTF of a function definition or declaration: its
// func_info entry, else a non-static FUNC of that name in the object's BTF
// (where libbpf's find_glob_sym_btf looks too). Nil without BTF.
func (o *object) funcBTF(e entity) *btf.Func {
	if e.ext != nil {
		fn, _ := e.ext.Type.(*btf.Func)
		return fn
	}
	if e.fn == nil {
		return nil
	}
	if e.fn.BTF != nil {
		return e.fn.BTF
	}
	if o.BTF == nil {
		return nil
	}
	types, err := o.BTF.AnyTypesByName(e.fn.Name)
	if err != nil {
		return nil
	}
	for _, t := range types {
		if fn, ok := t.(*btf.Func); ok && fn.Linkage != btf.StaticFunc {
			return fn
		}
	}
	return nil
}

// varBTF returns the type of a variable definition or declaration, nil
// without BTF.
func varBTF(e entity) btf.Type {
	var t btf.Type
	switch {
	case e.ext != nil:
		t = e.ext.Type
	case e.v != nil:
		t = e.v.Type
	}
	if v, ok := t.(*btf.Var); ok {
		return v.Type
	}
	return t
}

// compareFuncs compares two function signatures: the number of
// parameters, each parameter's type and the return type. Parameter names
// are ignored, as extern declarations often have none.
func compareFuncs(a, b *btf.Func) *difference {
	if a == nil || b == nil {
		return nil
	}
	pa, okA := a.Type.(*btf.FuncProto)
	pb, okB := b.Type.(*btf.FuncProto)
	if !okA || !okB {
		return nil
	}
	if len(pa.Params) != len(pb.Params) {
		return &difference{"number of parameters", strconv.Itoa(len(pa.Params)), strconv.Itoa(len(pb.Params))}
	}
	for i := range pa.Params {
		if !typesMatch(pa.Params[i].Type, pb.Params[i].Type, true) {
			name := pa.Params[i].Name
			if name == "" {
				name = pb.Params[i].Name
			}
			field := fmt.Sprintf("parameter %d type", i+1)
			if name != "" {
				field = fmt.Sprintf("parameter %d (%s) type", i+1, name)
			}
			return &difference{field, typeString(pa.Params[i].Type), typeString(pb.Params[i].Type)}
		}
	}
	if !typesMatch(pa.Return, pb.Return, true) {
		return &difference{"return type", typeString(pa.Return), typeString(pb.Return)}
	}
	return nil
}

// compareVars compares the types of two variables.
func compareVars(a, b btf.Type) *difference {
	if a == nil || b == nil {
		return nil
	}
	if !typesMatch(a, b, true) {
		return &difference{"type", typeString(a), typeString(b)}
	}
	return nil
}

// typesMatch reports whether two types are compatible for one global
// symbol, with the rules of libbpf's glob_sym_btf_matches: qualifiers and
// typedefs are looked through; integers, floats and enums must agree in
// size; named types in name; a pointer only in the shape of what it points
// to (a forward declaration matches the struct or union it declares); with
// exact set, structs and unions in every member's name, offset and type.
func typesMatch(a, b btf.Type, exact bool) bool {
	return typesMatchDepth(a, b, exact, 0)
}

// maxTypeDepth bounds the recursion through self-referencing structs.
const maxTypeDepth = 32

func typesMatchDepth(a, b btf.Type, exact bool, depth int) bool {
	if depth > maxTypeDepth {
		return true
	}
	a, b = btf.UnderlyingType(a), btf.UnderlyingType(b)

	fa, aFwd := a.(*btf.Fwd)
	fb, bFwd := b.(*btf.Fwd)
	if !exact && aFwd != bFwd {
		if aFwd {
			return fwdMatches(fa, b)
		}
		return fwdMatches(fb, a)
	}

	switch ta := a.(type) {
	case *btf.Void:
		_, ok := b.(*btf.Void)
		return ok
	case *btf.Int:
		tb, ok := b.(*btf.Int)
		return ok && ta.Size == tb.Size
	case *btf.Float:
		tb, ok := b.(*btf.Float)
		return ok && ta.Size == tb.Size
	case *btf.Enum:
		tb, ok := b.(*btf.Enum)
		return ok && ta.Name == tb.Name && ta.Size == tb.Size
	case *btf.Fwd:
		tb, ok := b.(*btf.Fwd)
		return ok && ta.Name == tb.Name && ta.Kind == tb.Kind
	case *btf.Pointer:
		tb, ok := b.(*btf.Pointer)
		return ok && typesMatchDepth(ta.Target, tb.Target, false, depth+1)
	case *btf.Array:
		tb, ok := b.(*btf.Array)
		return ok && typesMatchDepth(ta.Type, tb.Type, exact, depth+1)
	case *btf.Struct:
		tb, ok := b.(*btf.Struct)
		return ok && ta.Name == tb.Name && (!exact || membersMatch(ta.Members, tb.Members, depth))
	case *btf.Union:
		tb, ok := b.(*btf.Union)
		return ok && ta.Name == tb.Name && (!exact || membersMatch(ta.Members, tb.Members, depth))
	case *btf.FuncProto:
		tb, ok := b.(*btf.FuncProto)
		if !ok || len(ta.Params) != len(tb.Params) {
			return false
		}
		for i := range ta.Params {
			if !typesMatchDepth(ta.Params[i].Type, tb.Params[i].Type, exact, depth+1) {
				return false
			}
		}
		return typesMatchDepth(ta.Return, tb.Return, exact, depth+1)
	}
	return fmt.Sprintf("%T", a) == fmt.Sprintf("%T", b)
}

// fwdMatches reports whether a forward declaration declares t.
func fwdMatches(f *btf.Fwd, t btf.Type) bool {
	switch t := t.(type) {
	case *btf.Struct:
		return f.Kind == btf.FwdStruct && f.Name == t.Name
	case *btf.Union:
		return f.Kind == btf.FwdUnion && f.Name == t.Name
	}
	return false
}

func membersMatch(a, b []btf.Member, depth int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Offset != b[i].Offset || a[i].BitfieldSize != b[i].BitfieldSize {
			return false
		}
		if !typesMatchDepth(a[i].Type, b[i].Type, true, depth+1) {
			return false
		}
	}
	return true
}

// typeString renders a type the way C would spell it, for messages.
func typeString(t btf.Type) string {
	return typeStringDepth(t, 0)
}

func typeStringDepth(t btf.Type, depth int) string {
	if depth > maxTypeDepth {
		return "..."
	}
	named := func(kind, name string) string {
		if name == "" {
			return kind + " (anonymous)"
		}
		return kind + " " + name
	}
	switch t := t.(type) {
	case nil, *btf.Void:
		return "void"
	case *btf.Int:
		return t.Name
	case *btf.Float:
		return t.Name
	case *btf.Pointer:
		return typeStringDepth(t.Target, depth+1) + " *"
	case *btf.Array:
		return fmt.Sprintf("%s[%d]", typeStringDepth(t.Type, depth+1), t.Nelems)
	case *btf.Struct:
		return named("struct", t.Name)
	case *btf.Union:
		return named("union", t.Name)
	case *btf.Enum:
		return named("enum", t.Name)
	case *btf.Fwd:
		return named(t.Kind.String(), t.Name)
	case *btf.Typedef:
		return t.Name
	case *btf.Const:
		return "const " + typeStringDepth(t.Type, depth+1)
	case *btf.Volatile:
		return "volatile " + typeStringDepth(t.Type, depth+1)
	case *btf.Restrict:
		return typeStringDepth(t.Type, depth+1) + " restrict"
	case *btf.TypeTag:
		return typeStringDepth(t.Type, depth+1)
	case *btf.FuncProto:
		return "function"
	}
	return fmt.Sprint(t)
}

// entityMapDef returns the definition of a map from its entity: the
// reader's decoded fields for a definition, the BTF of .maps for an extern.
func entityMapDef(e entity) (*mapDef, error) {
	if e.m != nil {
		return elfMapDef(e.m), nil
	}
	if e.ext == nil {
		return nil, nil
	}
	v, ok := e.ext.Type.(*btf.Var)
	if !ok {
		return nil, nil
	}
	return mapDefFromBTF(v.Type)
}

// compareMapDefs compares two map definitions in libbpf's order
// (map_defs_match): type, key, value, max_entries, flags, NUMA node,
// pinning, inner map. Key and value types are compared only when both
// sides give them as types.
func compareMapDefs(a, b *mapDef, prefix string) *difference {
	if a == nil || b == nil {
		return nil
	}
	num := func(field string, x, y uint32) *difference {
		if x == y {
			return nil
		}
		return &difference{prefix + field, strconv.FormatUint(uint64(x), 10), strconv.FormatUint(uint64(y), 10)}
	}
	if a.typ != b.typ {
		return &difference{prefix + "type", mapTypeName(a.typ), mapTypeName(b.typ)}
	}
	if d := num("key_size", a.keySize, b.keySize); d != nil {
		return d
	}
	if a.key != nil && b.key != nil && !typesMatch(a.key, b.key, true) {
		return &difference{prefix + "key type", typeString(a.key), typeString(b.key)}
	}
	if d := num("value_size", a.valueSize, b.valueSize); d != nil {
		return d
	}
	if a.value != nil && b.value != nil && !typesMatch(a.value, b.value, true) {
		return &difference{prefix + "value type", typeString(a.value), typeString(b.value)}
	}
	for _, f := range []struct {
		name string
		x, y uint32
	}{
		{"max_entries", a.maxEntries, b.maxEntries},
		{"map_flags", a.flags, b.flags},
		{"numa_node", a.numaNode, b.numaNode},
		{"pinning", a.pinning, b.pinning},
	} {
		if d := num(f.name, f.x, f.y); d != nil {
			return d
		}
	}
	if (a.inner == nil) != (b.inner == nil) {
		has := func(m *mapDef) string {
			if m.inner != nil {
				return "present"
			}
			return "absent"
		}
		return &difference{prefix + "inner map", has(a), has(b)}
	}
	if a.inner != nil {
		return compareMapDefs(a.inner, b.inner, prefix+"inner map ")
	}
	return nil
}

// elfMapDef turns the reader's map into the linker's comparable form.
func elfMapDef(m *elf.Map) *mapDef {
	d := &mapDef{
		typ: m.Type, keySize: m.KeySize, valueSize: m.ValueSize, maxEntries: m.MaxEntries,
		flags: m.Flags, numaNode: m.NumaNode, pinning: m.Pinning, key: m.Key, value: m.Value,
	}
	if m.Inner != nil {
		d.inner = elfMapDef(m.Inner)
	}
	return d
}
