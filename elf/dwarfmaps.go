package elf

import (
	"debug/dwarf"
	"errors"
	"fmt"
	"strings"
)

// hasDWARF reports whether the object has DWARF type information.
func (rd *reader) hasDWARF() bool {
	for _, s := range rd.obj.Sections {
		if s.Name == ".debug_info" {
			return true
		}
	}
	return false
}

// dwarfMapDefs reads map definitions in .maps from DWARF, for objects that
// have no BTF: GCC 12 writes BTF only with -gbtf, and -g gives DWARF. The
// struct members encode the attributes as in BTF (see parseMapDef), and
// the same rules apply. Key, Value and BTF of such maps are nil.
func (rd *reader) dwarfMapDefs(syms []*Symbol) (map[string]mapDef, error) {
	d, err := rd.dwarf()
	if err != nil {
		return nil, fmt.Errorf("BTF-defined maps without .BTF: DWARF: %w", err)
	}
	wanted := make(map[string]bool, len(syms))
	for _, sym := range syms {
		wanted[sym.Name] = true
	}
	types, err := catchPanic(func() (map[string]dwarf.Type, error) {
		return globalTypes(d, wanted)
	})
	if err != nil {
		return nil, fmt.Errorf("BTF-defined maps without .BTF: DWARF: %w", err)
	}

	defs := make(map[string]mapDef, len(syms))
	for _, sym := range syms {
		t, ok := types[sym.Name]
		if !ok {
			defs[sym.Name] = mapDef{err: errors.New("no BTF, and no DWARF variable of that name")}
			continue
		}
		st, ok := dwarfUnderlying(t).(*dwarf.StructType)
		if !ok {
			defs[sym.Name] = mapDef{err: fmt.Errorf("DWARF type of the definition is %s, not a struct", t)}
			continue
		}
		m, values, err := parseDWARFMapDef(sym.Name, st, false)
		def := mapDef{m: m, size: uint64(max(st.ByteSize, 0)), values: -1, err: err}
		if values != nil {
			def.values = values.ByteOffset
		}
		defs[sym.Name] = def
	}
	return defs, nil
}

// dwarf returns the object's DWARF. Relocations of debug sections are not
// applied: in a relocatable object, references between debug sections go
// through section symbols, whose value is 0, with the offset stored in
// place (REL), so the bytes as written already hold them. Only addresses
// (DW_AT_location, DW_AT_low_pc) stay unrelocated, and map definitions do
// not need them.
func (rd *reader) dwarf() (*dwarf.Data, error) {
	secs := make(map[string][]byte)
	for i, s := range rd.file.Sections {
		if name, ok := strings.CutPrefix(s.Name, ".debug_"); ok {
			b, err := s.Data()
			if err != nil {
				return nil, fmt.Errorf("section %s: reading %d bytes at byte %#x: %w", rd.obj.Sections[i], s.Size, s.Offset, err)
			}
			secs[name] = b
		}
	}
	return catchPanic(func() (*dwarf.Data, error) {
		d, err := dwarf.New(secs["abbrev"], secs["aranges"], secs["frame"], secs["info"],
			secs["line"], secs["pubnames"], secs["ranges"], secs["str"])
		if err != nil {
			return nil, err
		}
		// DWARF 5 sections, which clang writes and GCC 11+ too.
		for _, name := range []string{"addr", "line_str", "str_offsets", "rnglists"} {
			if b, ok := secs[name]; ok {
				if err := d.AddSection(".debug_"+name, b); err != nil {
					return nil, err
				}
			}
		}
		return d, nil
	})
}

// globalTypes returns the types of the variables named in wanted that the
// compile units declare at their top level.
func globalTypes(d *dwarf.Data, wanted map[string]bool) (map[string]dwarf.Type, error) {
	types := make(map[string]dwarf.Type)
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			return types, nil
		}
		switch e.Tag {
		case dwarf.TagCompileUnit:
			continue
		case dwarf.TagVariable:
			name, _ := e.Val(dwarf.AttrName).(string)
			off, ok := e.Val(dwarf.AttrType).(dwarf.Offset)
			if ok && wanted[name] && types[name] == nil {
				t, err := d.Type(off)
				if err != nil {
					return nil, fmt.Errorf("variable %s: %w", name, err)
				}
				types[name] = t
			}
		}
		if e.Children {
			r.SkipChildren()
		}
	}
}

// parseDWARFMapDef is parseMapDef for a DWARF struct.
func parseDWARFMapDef(name string, def *dwarf.StructType, inner bool) (*Map, *dwarf.StructField, error) {
	m := &Map{Name: name}
	var values *dwarf.StructField
	for i, field := range def.Field {
		var err error
		switch field.Name {
		case "type":
			m.Type, err = dwarfUint(field.Type)
		case "max_entries":
			m.MaxEntries, err = dwarfUint(field.Type)
		case "map_flags":
			m.Flags, err = dwarfUint(field.Type)
		case "numa_node":
			m.NumaNode, err = dwarfUint(field.Type)
		case "map_extra":
			m.MapExtra, err = dwarfUlong(field.Type)
		case "pinning":
			if inner {
				return nil, nil, errors.New("an inner map cannot be pinned")
			}
			m.Pinning, err = dwarfUint(field.Type)
		case "key_size", "value_size":
			var n uint32
			if n, err = dwarfUint(field.Type); err == nil {
				err = setSize(strings.TrimSuffix(field.Name, "_size"), dwarfSizeField(m, field.Name), n)
			}
		case "key", "value":
			err = dwarfTypeSize(field, dwarfSizeField(m, field.Name))
		case "values":
			if inner {
				return nil, nil, errors.New("inner map with values: maps of maps of maps are not supported")
			}
			if i != len(def.Field)-1 {
				return nil, nil, errors.New("member values is not the last one")
			}
			values = field
			m.Inner, err = dwarfMapValues(name, m, field)
		default:
			return nil, nil, fmt.Errorf("unknown member %q in the map definition", field.Name)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("member %s: %w", field.Name, err)
		}
	}
	if m.Type == 0 {
		return nil, nil, errors.New("map type is not specified")
	}
	return m, values, nil
}

func dwarfSizeField(m *Map, member string) *uint32 {
	if strings.HasPrefix(member, "key") {
		return &m.KeySize
	}
	return &m.ValueSize
}

// dwarfUint reads __uint(name, N): a pointer to an array of N elements.
func dwarfUint(t dwarf.Type) (uint32, error) {
	if ptr, ok := dwarfUnderlying(t).(*dwarf.PtrType); ok {
		if arr, ok := ptr.Type.(*dwarf.ArrayType); ok && arr.Count >= 0 {
			return uint32(arr.Count), nil
		}
	}
	return 0, fmt.Errorf("type is %s, not a pointer to an array (__uint)", t)
}

// dwarfUlong reads __uint or __ulong(name, N), an enum with the value N.
func dwarfUlong(t dwarf.Type) (uint64, error) {
	if e, ok := dwarfUnderlying(t).(*dwarf.EnumType); ok {
		if len(e.Val) != 1 {
			return 0, fmt.Errorf("enum with %d values, want 1 (__ulong)", len(e.Val))
		}
		return uint64(e.Val[0].Val), nil
	}
	n, err := dwarfUint(t)
	return uint64(n), err
}

// dwarfTypeSize reads the size of T in __type(name, T), a pointer to T.
func dwarfTypeSize(field *dwarf.StructField, size *uint32) error {
	ptr, ok := field.Type.(*dwarf.PtrType)
	if !ok {
		return fmt.Errorf("type is %s, not a pointer (__type)", field.Type)
	}
	n := ptr.Type.Size()
	if n < 0 || n > 1<<32-1 {
		return fmt.Errorf("size of %s is unknown", ptr.Type)
	}
	return setSize(field.Name, size, uint32(n))
}

// dwarfMapValues is mapValues for a DWARF `values` member.
func dwarfMapValues(name string, m *Map, field *dwarf.StructField) (*Map, error) {
	if m.Type != mapTypeProgArray && m.Type != mapTypeArrayOfMaps && m.Type != mapTypeHashOfMaps {
		return nil, fmt.Errorf("map type %d is neither a prog array nor a map of maps", m.Type)
	}
	if err := setSize("value", &m.ValueSize, 4); err != nil {
		return nil, err
	}
	arr, ok := field.Type.(*dwarf.ArrayType)
	if !ok || arr.Count > 0 {
		return nil, fmt.Errorf("type is %s, not a flexible array (__array)", field.Type)
	}
	ptr, ok := dwarfUnderlying(arr.Type).(*dwarf.PtrType)
	if !ok {
		return nil, fmt.Errorf("element type is %s, not a pointer", arr.Type)
	}
	target := dwarfUnderlying(ptr.Type)
	if m.Type == mapTypeProgArray {
		if _, ok := target.(*dwarf.FuncType); !ok {
			return nil, fmt.Errorf("prog array element type is %s, not a function pointer", ptr.Type)
		}
		return nil, nil
	}
	def, ok := target.(*dwarf.StructType)
	if !ok {
		return nil, fmt.Errorf("inner map definition is %s, not a struct", ptr.Type)
	}
	inner, _, err := parseDWARFMapDef(name+".inner", def, true)
	if err != nil {
		return nil, fmt.Errorf("inner map: %w", err)
	}
	return inner, nil
}

// dwarfUnderlying skips typedefs and qualifiers, as btf.UnderlyingType does.
func dwarfUnderlying(t dwarf.Type) dwarf.Type {
	for range 32 {
		switch u := t.(type) {
		case *dwarf.TypedefType:
			t = u.Type
		case *dwarf.QualType:
			t = u.Type
		default:
			return t
		}
	}
	return t
}
