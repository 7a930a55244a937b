package maps

import (
	"sync/atomic"
	"syscall"
)

// ArrayOfMaps is an array_of_maps map. Each slot holds the pointer of an
// inner map (its descriptor address, 0 = empty) in a u64 of mmap memory,
// read and written atomically. User space stores and reads inner maps by
// id, where the kernel takes a file descriptor and returns an id.
type ArrayOfMaps struct {
	*common
	slots []atomic.Uint64
	inner innerTemplate
}

func newArrayOfMaps(c *common) (*ArrayOfMaps, error) {
	n := int(c.spec.MaxEntries)
	b, err := c.alloc(8*n, false, "map "+c.spec.Name)
	if err != nil {
		return nil, err
	}
	a := &ArrayOfMaps{common: c, slots: atomicSlots[atomic.Uint64](b.Bytes(), n), inner: newInnerTemplate(c.spec.Inner)}
	a.describe(uint64(b.Addr()), 8, 1)
	return a, nil
}

// Lookup is array_of_map_lookup_elem: the inner map's pointer.
func (a *ArrayOfMaps) Lookup(key []byte, cpu int) (uint64, bool) {
	i, ok := index(key)
	if !ok || i >= uint32(len(a.slots)) {
		return 0, false
	}
	p := a.slots[i].Load()
	return p, p != 0
}

// Inner returns the map in slot index, if any.
func (a *ArrayOfMaps) Inner(index uint32) (Map, bool) {
	if index >= uint32(len(a.slots)) {
		return nil, false
	}
	return ByPointer(a.slots[index].Load())
}

// LookupUser returns the id of the inner map in the slot.
func (a *ArrayOfMaps) LookupUser(key []byte, flags uint64) ([]byte, error) {
	return fdArrayLookup(a.common, key, flags, func(i uint32) uint32 {
		if m, ok := ByPointer(a.slots[i].Load()); ok {
			return m.ID()
		}
		return 0
	})
}

// UpdateUser puts the map whose id is in value into the slot; it must
// match the inner map template (EINVAL), and exist (EBADF).
func (a *ArrayOfMaps) UpdateUser(key, value []byte, flags uint64) error {
	i, err := fdArrayUpdateChecks(a.common, key, value, flags)
	if err != nil {
		return err
	}
	p, err := a.inner.resolve(value)
	if err != nil {
		return err
	}
	a.slots[i].Store(p)
	return nil
}

// DeleteUser empties the slot.
func (a *ArrayOfMaps) DeleteUser(key []byte) error {
	return fdArrayDelete(a.common, key, func(i uint32) bool { return a.slots[i].Swap(0) != 0 })
}

// NextKey is array_map_get_next_key.
func (a *ArrayOfMaps) NextKey(key []byte) ([]byte, error) { return arrayNextKey(a.common, key) }

// Close frees the map's memory; the inner maps stay.
func (a *ArrayOfMaps) Close() error { return a.closeMap(a) }

// innerTemplate is the inner map meta of a map of maps
// (kernel/bpf/map_in_map.c): what every inner map must match.
type innerTemplate struct {
	spec Spec
	lock int
}

func newInnerTemplate(s *Spec) innerTemplate {
	// normalize accepted the template when the outer map was created.
	n, l, _ := normalize(*s)
	return innerTemplate{spec: n, lock: l.lock}
}

// resolve is bpf_map_fd_get_ptr: the pointer of the map whose id is in
// value, if it matches the template.
func (t *innerTemplate) resolve(value []byte) (uint64, error) {
	m, ok := ByID(ne.Uint32(value))
	if !ok {
		return 0, syscall.EBADF
	}
	if !t.matches(m) {
		return 0, syscall.EINVAL
	}
	return m.Pointer(), nil
}

// matches is bpf_map_meta_equal, and array_map_meta_equal for arrays,
// which also compare max_entries unless the template has BPF_F_INNER_MAP.
func (t *innerTemplate) matches(m Map) bool {
	s := &t.spec
	if m.Type() != s.Type || m.KeySize() != s.KeySize || m.ValueSize() != s.ValueSize ||
		m.Flags() != s.Flags || m.shared().lock != t.lock {
		return false
	}
	if s.Type == TypeArray && s.Flags&FlagInnerMap == 0 {
		return m.MaxEntries() == s.MaxEntries
	}
	return true
}
