package link

import (
	"testing"

	"github.com/cilium/ebpf/btf"
)

var (
	tInt   = &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	tLong  = &btf.Int{Name: "long", Size: 8, Encoding: btf.Signed}
	tU64   = &btf.Typedef{Name: "__u64", Type: &btf.Int{Name: "unsigned long long", Size: 8}}
	tPair  = &btf.Struct{Name: "pair", Size: 8, Members: []btf.Member{{Name: "a", Type: tInt}, {Name: "b", Type: tInt, Offset: 32}}}
	tPair2 = &btf.Struct{Name: "pair", Size: 8, Members: []btf.Member{{Name: "a", Type: tInt}, {Name: "c", Type: tInt, Offset: 32}}}
)

func fn(ret btf.Type, params ...btf.Type) *btf.Func {
	proto := &btf.FuncProto{Return: ret}
	for _, p := range params {
		proto.Params = append(proto.Params, btf.FuncParam{Type: p})
	}
	return &btf.Func{Name: "f", Type: proto, Linkage: btf.GlobalFunc}
}

func TestCompareFuncs(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b *btf.Func
		want string
	}{
		{"same", fn(tInt, tInt, &btf.Pointer{Target: tPair}), fn(tInt, tInt, &btf.Pointer{Target: tPair}), ""},
		{"typedef looked through", fn(tU64), fn(&btf.Int{Name: "u64", Size: 8}), ""},
		{"pointer to a forward declaration", fn(tInt, &btf.Pointer{Target: tPair}), fn(tInt, &btf.Pointer{Target: &btf.Fwd{Name: "pair"}}), ""},
		{"parameter count", fn(tInt, tInt), fn(tInt, tInt, tInt), "number of parameters differs (1 vs 2)"},
		{"parameter type", fn(tInt, tInt, tInt), fn(tInt, tInt, tLong), "parameter 2 type differs (int vs long)"},
		{"return type", fn(tInt), fn(tLong), "return type differs (int vs long)"},
		{"struct by value", fn(tInt, tPair), fn(tInt, tPair2), "parameter 1 type differs (struct pair vs struct pair)"},
		{"pointee name", fn(tInt, &btf.Pointer{Target: tPair}), fn(tInt, &btf.Pointer{Target: &btf.Struct{Name: "other"}}),
			"parameter 1 type differs (struct pair * vs struct other *)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if d := compareFuncs(tc.a, tc.b); d != nil {
				got = d.field + " differs (" + d.a + " vs " + d.b + ")"
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCompareMapDefs(t *testing.T) {
	base := func() *mapDef {
		return &mapDef{typ: 1, keySize: 4, valueSize: 8, maxEntries: 16, key: tInt, value: tU64}
	}
	inner := func(max uint32) *mapDef { return &mapDef{typ: 2, keySize: 4, valueSize: 4, maxEntries: max} }
	for _, tc := range []struct {
		name   string
		change func(d *mapDef)
		want   string
	}{
		{"same", func(d *mapDef) {}, ""},
		{"type", func(d *mapDef) { d.typ = 2 }, "type differs (hash vs array)"},
		{"key size", func(d *mapDef) { d.keySize, d.key = 8, tLong }, "key_size differs (4 vs 8)"},
		{"key type", func(d *mapDef) { d.key = &btf.Float{Name: "float", Size: 4} }, "key type differs (int vs float)"},
		{"value type", func(d *mapDef) { d.value = tLong }, ""},
		{"value struct", func(d *mapDef) { d.value = tPair }, "value type differs (__u64 vs struct pair)"},
		{"max_entries", func(d *mapDef) { d.maxEntries = 32 }, "max_entries differs (16 vs 32)"},
		{"flags", func(d *mapDef) { d.flags = 1 }, "map_flags differs (0 vs 1)"},
		{"pinning", func(d *mapDef) { d.pinning = 1 }, "pinning differs (0 vs 1)"},
		{"inner map present", func(d *mapDef) { d.inner = inner(4) }, "inner map differs (absent vs present)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := base()
			tc.change(b)
			got := ""
			if d := compareMapDefs(base(), b, ""); d != nil {
				got = d.field + " differs (" + d.a + " vs " + d.b + ")"
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	a, b := base(), base()
	a.inner, b.inner = inner(4), inner(8)
	if d := compareMapDefs(a, b, ""); d == nil || d.field != "inner map max_entries" {
		t.Errorf("inner map: %+v, want inner map max_entries", d)
	}
}

func TestMapDefFromBTF(t *testing.T) {
	num := func(n uint32) btf.Type {
		return &btf.Pointer{Target: &btf.Array{Type: tInt, Index: tInt, Nelems: n}}
	}
	innerDef := &btf.Struct{Members: []btf.Member{{Name: "type", Type: num(2)}, {Name: "max_entries", Type: num(4)},
		{Name: "key", Type: &btf.Pointer{Target: tInt}}, {Name: "value", Type: &btf.Pointer{Target: tInt}}}}
	outer := &btf.Struct{Members: []btf.Member{
		{Name: "type", Type: num(12)}, {Name: "max_entries", Type: num(8)},
		{Name: "key_size", Type: num(4)},
		{Name: "values", Type: &btf.Array{Type: &btf.Pointer{Target: innerDef}, Index: tInt}},
	}}
	d, err := mapDefFromBTF(outer)
	if err != nil {
		t.Fatal(err)
	}
	if d.typ != 12 || d.maxEntries != 8 || d.keySize != 4 || d.inner == nil || d.inner.maxEntries != 4 || d.inner.valueSize != 4 {
		t.Errorf("decoded %+v (inner %+v)", d, d.inner)
	}
	if _, err := mapDefFromBTF(tInt); err == nil || err.Error() != "map definition is a int, not a struct" {
		t.Errorf("error %v", err)
	}
}
