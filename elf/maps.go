package elf

import (
	"errors"
	"fmt"
	"sort"

	"github.com/cilium/ebpf/btf"
)

// Map types that the reader must know: those a `values` member is allowed in.
const (
	mapTypeProgArray   = 3  // BPF_MAP_TYPE_PROG_ARRAY
	mapTypeArrayOfMaps = 12 // BPF_MAP_TYPE_ARRAY_OF_MAPS
	mapTypeHashOfMaps  = 13 // BPF_MAP_TYPE_HASH_OF_MAPS
)

// ptrSize is the size of a pointer in BPF data: one slot of `.values`.
const ptrSize = 8

// placedMap is a map of .maps placed at its symbol, with what resolving
// its `.values` relocations needs.
type placedMap struct {
	*Map
	// start and end are the section offsets of the `values` array; end
	// is also the end of the map's definition.
	start, end uint64
	hasValues  bool
}

// loadBTFMaps reads the BTF-defined maps in .maps. Each is a global or
// static variable of a struct type whose members encode the map's
// attributes in their types, the convention of libbpf's bpf_helpers.h
// (__uint, __type, __array, __ulong); parseMapDef has the rules. The
// `.values` initializer of a prog array or map of maps is not in the
// section's bytes but in its relocations, one R_BPF_64_ABS64 per non-empty
// slot.
func (rd *reader) loadBTFMaps() error {
	for _, sec := range rd.obj.Sections {
		if sec.Kind != SectionMaps {
			continue
		}
		if err := rd.loadMapsSection(sec); err != nil {
			return fmt.Errorf("section %s: %w", sec, err)
		}
	}
	return nil
}

func (rd *reader) loadMapsSection(sec *Section) error {
	var syms []*Symbol
	for i := 1; i < len(rd.obj.Symbols); i++ {
		sym := &rd.obj.Symbols[i]
		if rd.obj.section(sym) == sec && isDataSymbol(sym) {
			syms = append(syms, sym)
		}
	}
	if len(syms) == 0 {
		if len(sec.Relocs) > 0 {
			return fmt.Errorf("relocation at offset %#x but no maps", sec.Relocs[0].Offset)
		}
		return nil
	}
	defs, err := rd.mapDefs(sec, syms)
	if err != nil {
		return err
	}

	sort.SliceStable(syms, func(i, j int) bool { return syms[i].Value < syms[j].Value })
	maps := make([]*placedMap, 0, len(syms))
	for _, sym := range syms {
		m, err := placeMap(sec, sym, defs[sym.Name])
		if err != nil {
			return fmt.Errorf("map %s: %w", sym.Name, err)
		}
		maps = append(maps, m)
		rd.obj.Maps = append(rd.obj.Maps, m.Map)
	}
	return rd.loadMapValues(sec, maps)
}

// mapDef is a map definition read from BTF or DWARF, before it is placed
// at its symbol.
type mapDef struct {
	m *Map
	// size is the size of the definition's struct type; values the
	// offset of its `values` member, -1 without one.
	size   uint64
	values int64
	// err is why the definition could not be read.
	err error
}

// mapDefs reads the definitions of the maps that syms name: from the
// object's BTF, or, for GCC objects built with -g but without -gbtf,
// from DWARF.
func (rd *reader) mapDefs(sec *Section, syms []*Symbol) (map[string]mapDef, error) {
	defs := make(map[string]mapDef, len(syms))
	if rd.obj.BTF == nil {
		if !rd.hasDWARF() {
			return nil, errors.New("BTF-defined maps need .BTF or DWARF, and the object has neither")
		}
		return rd.dwarfMapDefs(syms)
	}
	vars, err := rd.datasec(sec.Name)
	if err != nil {
		return nil, err
	}
	for _, sym := range syms {
		defs[sym.Name] = btfMapDef(sec, sym, vars[sym.Name])
	}
	return defs, nil
}

// btfMapDef reads the definition of the map sym from its VAR typ in the
// DATASEC.
func btfMapDef(sec *Section, sym *Symbol, typ btf.Type) mapDef {
	v, ok := typ.(*btf.Var)
	if !ok {
		return mapDef{err: fmt.Errorf("no VAR in BTF DATASEC %s", sec.Name)}
	}
	st, ok := btf.UnderlyingType(v.Type).(*btf.Struct)
	if !ok {
		return mapDef{err: fmt.Errorf("BTF type of the definition is %s, not a struct", v.Type)}
	}
	m, values, err := parseMapDef(sym.Name, st, false)
	if err != nil {
		return mapDef{err: err}
	}
	m.BTF = v
	def := mapDef{m: m, size: uint64(st.Size), values: -1}
	if values != nil {
		def.values = int64(values.Offset.Bytes())
	}
	return def
}

// placeMap completes a map definition with where its symbol puts it.
func placeMap(sec *Section, sym *Symbol, def mapDef) (*placedMap, error) {
	if def.err != nil {
		return nil, def.err
	}
	size := sym.Size
	if size == 0 {
		size = def.size
	}
	if sym.Value > sec.Size || sec.Size-sym.Value < size {
		return nil, fmt.Errorf("definition of %d bytes at offset %#x lies outside the section (%d bytes)", size, sym.Value, sec.Size)
	}
	m := def.m
	m.Symbol = sym.Index
	m.Section = sec
	m.Offset = sym.Value
	m.Bind = sym.Bind
	m.Visibility = sym.Visibility
	if m.Inner != nil {
		m.Inner.Section = sec
		m.Inner.Offset = sym.Value
	}

	bm := &placedMap{Map: m, end: sym.Value + size}
	if def.values >= 0 {
		bm.hasValues = true
		bm.start = sym.Value + uint64(def.values)
		if bm.start > bm.end {
			return nil, fmt.Errorf("values member at offset %d lies beyond the definition (%d bytes)", def.values, size)
		}
	}
	return bm, nil
}

// loadMapValues turns the relocations of .maps into the InitValues of the
// maps whose `values` array they fall in: the relocation at
// values + slot*8 names the program or map held in that slot.
func (rd *reader) loadMapValues(sec *Section, maps []*placedMap) error {
	for _, rel := range sec.Relocs {
		if rel.Type == R_BPF_NONE {
			continue
		}
		name := rd.obj.SymbolName(rel.Symbol)
		i := sort.Search(len(maps), func(i int) bool { return maps[i].end > rel.Offset })
		if i == len(maps) || rel.Offset < maps[i].Offset || !maps[i].hasValues || rel.Offset < maps[i].start {
			return fmt.Errorf("relocation at offset %#x against %s is not in the values of a map", rel.Offset, name)
		}
		m := maps[i]
		// LLVM before 12 wrote R_BPF_64_64 for data words, binutils before
		// 2.41 (GCC 12) R_BPF_GNU_DATA_64.
		if rel.Type != R_BPF_64_ABS64 && rel.Type != R_BPF_64_64 && rel.Type != R_BPF_GNU_DATA_64 {
			return fmt.Errorf("map %s: relocation at offset %#x against %s: type %s, want R_BPF_64_ABS64", m.Name, rel.Offset, name, rel.Type)
		}
		if (rel.Offset-m.start)%ptrSize != 0 {
			return fmt.Errorf("map %s: relocation at offset %#x against %s is not on a slot of values", m.Name, rel.Offset, name)
		}
		m.InitValues = append(m.InitValues, MapInitValue{
			Slot:   uint32((rel.Offset - m.start) / ptrSize),
			Name:   rd.obj.Symbols[rel.Symbol].Name,
			Symbol: rel.Symbol,
		})
	}
	for _, m := range maps {
		sort.SliceStable(m.InitValues, func(i, j int) bool { return m.InitValues[i].Slot < m.InitValues[j].Slot })
	}
	return nil
}

// parseMapDef reads the attributes of a map from the members of its BTF
// definition, with the rules of libbpf's parse_btf_map_def: an attribute
// given both as a size and as a type must agree; `values` must come last,
// only in a prog array (an array of function pointers) or a map of maps
// (an array of pointers to the inner map's definition, whose map is named
// "<outer>.inner"); an inner map can have neither values nor pinning; an
// unknown member is an error. It returns the `values` member, nil when
// there is none.
func parseMapDef(name string, def *btf.Struct, inner bool) (*Map, *btf.Member, error) {
	m := &Map{Name: name}
	var values *btf.Member
	for i := range def.Members {
		member := &def.Members[i]
		var err error
		switch member.Name {
		case "type":
			m.Type, err = mapUint(member)
		case "max_entries":
			m.MaxEntries, err = mapUint(member)
		case "map_flags":
			m.Flags, err = mapUint(member)
		case "numa_node":
			m.NumaNode, err = mapUint(member)
		case "map_extra":
			m.MapExtra, err = mapUlong(member)
		case "pinning":
			if inner {
				return nil, nil, errors.New("an inner map cannot be pinned")
			}
			m.Pinning, err = mapUint(member)
		case "key_size":
			err = setUintSize("key", &m.KeySize, member)
		case "value_size":
			err = setUintSize("value", &m.ValueSize, member)
		case "key":
			m.Key, err = mapType(member, &m.KeySize)
		case "value":
			m.Value, err = mapType(member, &m.ValueSize)
		case "values":
			if inner {
				return nil, nil, errors.New("inner map with values: maps of maps of maps are not supported")
			}
			if i != len(def.Members)-1 {
				return nil, nil, errors.New("member values is not the last one")
			}
			values = member
			m.Inner, err = mapValues(name, m, member)
		default:
			return nil, nil, fmt.Errorf("unknown member %q in the map definition", member.Name)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("member %s: %w", member.Name, err)
		}
	}
	if m.Type == 0 {
		return nil, nil, errors.New("map type is not specified")
	}
	return m, values, nil
}

// mapUint reads an attribute encoded by __uint(name, N): a pointer to an
// array of N elements.
func mapUint(member *btf.Member) (uint32, error) {
	ptr, ok := btf.UnderlyingType(member.Type).(*btf.Pointer)
	if !ok {
		return 0, fmt.Errorf("type is %s, not a pointer to an array (__uint)", member.Type)
	}
	arr, ok := ptr.Target.(*btf.Array)
	if !ok {
		return 0, fmt.Errorf("type is %s, not a pointer to an array (__uint)", member.Type)
	}
	return arr.Nelems, nil
}

// mapUlong reads a 64-bit attribute: __uint, or __ulong(name, N), an enum
// with the single value N.
func mapUlong(member *btf.Member) (uint64, error) {
	switch t := btf.UnderlyingType(member.Type).(type) {
	case *btf.Pointer:
		n, err := mapUint(member)
		return uint64(n), err
	case *btf.Enum:
		if len(t.Values) != 1 {
			return 0, fmt.Errorf("enum with %d values, want 1 (__ulong)", len(t.Values))
		}
		return t.Values[0].Value, nil
	}
	return 0, fmt.Errorf("type is %s, not a pointer to an array (__uint) or an enum (__ulong)", member.Type)
}

// mapType reads a key or value given by __type(name, T): a pointer to T.
// It sets *size to the size of T, which must agree with a size given
// before.
func mapType(member *btf.Member, size *uint32) (btf.Type, error) {
	ptr, ok := member.Type.(*btf.Pointer)
	if !ok {
		return nil, fmt.Errorf("type is %s, not a pointer (__type)", member.Type)
	}
	n, err := btf.Sizeof(ptr.Target)
	if err != nil {
		return nil, fmt.Errorf("size of %s: %w", ptr.Target, err)
	}
	return ptr.Target, setSize(member.Name, size, uint32(n))
}

// setUintSize sets a key or value size given by __uint(key_size, N).
func setUintSize(what string, size *uint32, member *btf.Member) error {
	n, err := mapUint(member)
	if err != nil {
		return err
	}
	return setSize(what, size, n)
}

// setSize sets a key or value size, which must agree with one given before.
func setSize(what string, size *uint32, n uint32) error {
	if *size != 0 && *size != n {
		return fmt.Errorf("conflicting %s sizes %d and %d", what, *size, n)
	}
	*size = n
	return nil
}

// mapValues checks the `values` member of a prog array or map of maps,
// __array(values, T): a flexible array of pointers to T, a function
// prototype for a prog array, the inner map's definition for a map of
// maps. It returns the inner map, nil for a prog array.
func mapValues(name string, m *Map, member *btf.Member) (*Map, error) {
	if m.Type != mapTypeProgArray && m.Type != mapTypeArrayOfMaps && m.Type != mapTypeHashOfMaps {
		return nil, fmt.Errorf("map type %d is neither a prog array nor a map of maps", m.Type)
	}
	if err := setSize("value", &m.ValueSize, 4); err != nil {
		return nil, err
	}
	arr, ok := member.Type.(*btf.Array)
	if !ok || arr.Nelems != 0 {
		return nil, fmt.Errorf("type is %s, not a flexible array (__array)", member.Type)
	}
	ptr, ok := btf.UnderlyingType(arr.Type).(*btf.Pointer)
	if !ok {
		return nil, fmt.Errorf("element type is %s, not a pointer", arr.Type)
	}
	target := btf.UnderlyingType(ptr.Target)
	if m.Type == mapTypeProgArray {
		if _, ok := target.(*btf.FuncProto); !ok {
			return nil, fmt.Errorf("prog array element type is %s, not a function pointer", ptr.Target)
		}
		return nil, nil
	}
	def, ok := target.(*btf.Struct)
	if !ok {
		return nil, fmt.Errorf("inner map definition is %s, not a struct", ptr.Target)
	}
	inner, _, err := parseMapDef(name+".inner", def, true)
	if err != nil {
		return nil, fmt.Errorf("inner map: %w", err)
	}
	return inner, nil
}
