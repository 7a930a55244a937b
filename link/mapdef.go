package link

import (
	"fmt"

	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/internal/uapi"
)

// mapDef is a map definition in the form the linker compares: the fields
// of struct bpf_map_def and of a BTF map definition in .maps.
type mapDef struct {
	typ, keySize, valueSize, maxEntries, flags, numaNode, pinning uint32
	// key and value are the BTF types given with __type(), nil when the
	// definition gives sizes only.
	key, value btf.Type
	inner      *mapDef
}

// mapDefFromBTF decodes a BTF map definition: the struct type of a VAR in
// .maps, whose members encode numbers as pointers to arrays of that many
// elements (__uint), types as pointers to them (__type) and the inner map
// of a map of maps as an array of pointers to its definition (__array).
func mapDefFromBTF(t btf.Type) (*mapDef, error) {
	st, ok := btf.UnderlyingType(t).(*btf.Struct)
	if !ok {
		return nil, fmt.Errorf("map definition is a %s, not a struct", typeString(t))
	}
	d := &mapDef{}
	for _, m := range st.Members {
		var err error
		switch m.Name {
		case "type":
			d.typ, err = btfUint(m)
		case "key_size":
			d.keySize, err = btfUint(m)
		case "value_size":
			d.valueSize, err = btfUint(m)
		case "max_entries":
			d.maxEntries, err = btfUint(m)
		case "map_flags":
			d.flags, err = btfUint(m)
		case "numa_node":
			d.numaNode, err = btfUint(m)
		case "pinning":
			d.pinning, err = btfUint(m)
		case "key":
			d.key, d.keySize, err = btfTypeMember(m)
		case "value":
			d.value, d.valueSize, err = btfTypeMember(m)
		case "values":
			d.inner, err = btfInner(m)
		}
		if err != nil {
			return nil, fmt.Errorf("map definition member %s: %w", m.Name, err)
		}
	}
	return d, nil
}

// btfUint decodes __uint(name, value): int (*name)[value].
func btfUint(m btf.Member) (uint32, error) {
	ptr, ok := btf.UnderlyingType(m.Type).(*btf.Pointer)
	if !ok {
		return 0, fmt.Errorf("is a %s, not a pointer to an array", typeString(m.Type))
	}
	arr, ok := btf.UnderlyingType(ptr.Target).(*btf.Array)
	if !ok {
		return 0, fmt.Errorf("points to %s, not to an array", typeString(ptr.Target))
	}
	return arr.Nelems, nil
}

// btfTypeMember decodes __type(name, T): T *name, and returns T and its size.
func btfTypeMember(m btf.Member) (btf.Type, uint32, error) {
	ptr, ok := btf.UnderlyingType(m.Type).(*btf.Pointer)
	if !ok {
		return nil, 0, fmt.Errorf("is a %s, not a pointer", typeString(m.Type))
	}
	size, err := btf.Sizeof(ptr.Target)
	if err != nil {
		return nil, 0, err
	}
	return ptr.Target, uint32(size), nil
}

// btfInner decodes __array(values, struct inner): an array of pointers to
// the inner map's definition; prog arrays use it with function pointers,
// which have no inner map.
func btfInner(m btf.Member) (*mapDef, error) {
	arr, ok := btf.UnderlyingType(m.Type).(*btf.Array)
	if !ok {
		return nil, fmt.Errorf("is a %s, not an array", typeString(m.Type))
	}
	ptr, ok := btf.UnderlyingType(arr.Type).(*btf.Pointer)
	if !ok {
		return nil, fmt.Errorf("is an array of %s, not of pointers", typeString(arr.Type))
	}
	if _, isFunc := btf.UnderlyingType(ptr.Target).(*btf.FuncProto); isFunc {
		return nil, nil
	}
	return mapDefFromBTF(ptr.Target)
}

// mapTypeName names a map type for messages, as bpftool does.
func mapTypeName(t uint32) string {
	if name, ok := uapi.MapTypeName(t); ok {
		return name
	}
	return fmt.Sprintf("type %d", t)
}
