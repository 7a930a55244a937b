package kernel

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cilium/ebpf"

	"github.com/bpfld/bpfld/link"
)

// Map flags that the loader adds to global data maps, as libbpf does.
const (
	flagRdonlyProg = 0x80 // BPF_F_RDONLY_PROG: programs may only read
)

// objName turns name into a kernel object name: at most 15 characters of
// [A-Za-z0-9_.], the rest replaced by '_'.
func objName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.':
			return r
		}
		return '_'
	}, name)
	if len(name) > 15 {
		name = name[:15]
	}
	return name
}

// dataMapName names a global data map in the kernel as libbpf does: a
// prefix of the object's name, then the section name, in 15 characters
// ("helpers.rodata"). The prefix also keeps cilium/ebpf from freezing a
// map named ".rodata*" as it creates it: bpfld freezes read-only data
// itself when the first program loads, so that a manifest may set .rodata
// variables before that.
func dataMapName(m *link.MapSpec) string {
	prefix := "bpfld"
	if len(m.Objects) > 0 {
		prefix, _, _ = strings.Cut(filepath.Base(m.Objects[0]), ".")
	}
	room := 15 - len(m.Name)
	if room < 1 {
		room = 1
	}
	if len(prefix) > room {
		prefix = prefix[:room]
	}
	return objName(prefix + m.Name)
}

// mapSpec converts an image map to cilium/ebpf's blueprint. Contents and
// prog array slots are filled later, by the collection.
func mapSpec(m *link.MapSpec) *ebpf.MapSpec {
	name := objName(m.Name)
	if m.IsGlobalData() {
		name = dataMapName(m)
	}
	spec := &ebpf.MapSpec{
		Name:       name,
		Type:       ebpf.MapType(m.Type),
		KeySize:    m.KeySize,
		ValueSize:  m.ValueSize,
		MaxEntries: m.MaxEntries,
		Flags:      m.Flags,
		NumaNode:   m.NumaNode,
		MapExtra:   m.MapExtra,
		Key:        m.Key,
		Value:      m.Value,
	}
	if m.Frozen {
		spec.Flags |= flagRdonlyProg
	}
	if m.Inner != nil {
		spec.InnerMap = mapSpec(m.Inner)
	}
	return spec
}

// newMap creates one map in the kernel. Maps whose values are file
// descriptors or records take no BTF for key and value in the kernel
// (map_check_no_btf), so bpfld leaves it out for them rather than be
// refused and retry, which libbpf does ("Retrying without BTF"); for the
// others a refusal of the BTF is retried without it, as libbpf does: BTF
// is needed only for spin locks, timers and kptrs.
func newMap(m *link.MapSpec) (*ebpf.Map, error) {
	spec := mapSpec(m)
	if !takesBTF(m.Type) {
		spec.Key, spec.Value = nil, nil
	}
	km, err := ebpf.NewMapWithOptions(spec, ebpf.MapOptions{})
	if err != nil && (spec.Key != nil || spec.Value != nil) {
		spec.Key, spec.Value = nil, nil
		if km2, err2 := ebpf.NewMapWithOptions(spec, ebpf.MapOptions{}); err2 == nil {
			return km2, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("create map %s: %w", m.Name, err)
	}
	return km, nil
}

// takesBTF reports whether the kernel accepts BTF key and value types for
// a map type.
func takesBTF(mapType uint32) bool {
	switch ebpf.MapType(mapType) {
	case ebpf.ProgramArray, ebpf.PerfEventArray, ebpf.CGroupArray, ebpf.ArrayOfMaps, ebpf.HashOfMaps,
		ebpf.DevMap, ebpf.DevMapHash, ebpf.SockMap, ebpf.SockHash, ebpf.CPUMap, ebpf.XSKMap,
		ebpf.ReusePortSockArray, ebpf.RingBuf, ebpf.Queue, ebpf.Stack, ebpf.UserRingbuf:
		return false
	}
	return true
}
