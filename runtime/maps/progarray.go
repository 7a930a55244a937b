package maps

import (
	"sync/atomic"
	"syscall"
	"unsafe"
)

// ProgArray is a prog_array map: the tail-call table. Each slot holds a
// program id (0 = empty) in a u32 of mmap memory that is read and written
// atomically, so user space may rewire a chain while other goroutines run
// programs through it. The runtime maps ids to programs and checks that a
// program may go into the array (the kernel's prog_fd_array_get_ptr)
// before it calls UpdateUser.
type ProgArray struct {
	*common
	slots []atomic.Uint32
}

func newProgArray(c *common) (*ProgArray, error) {
	n := int(c.spec.MaxEntries)
	b, err := c.alloc(4*n, false, "prog array "+c.spec.Name)
	if err != nil {
		return nil, err
	}
	p := &ProgArray{common: c, slots: atomicSlots[atomic.Uint32](b.Bytes(), n)}
	p.describe(uint64(b.Addr()), 4, 1)
	return p, nil
}

// atomicSlots views n slots of map memory as atomic words.
func atomicSlots[T atomic.Uint32 | atomic.Uint64](mem []byte, n int) []T {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(mem))), n)
}

// Get returns the program id in slot index for a tail call: 0 when the
// slot is empty or index is past max_entries.
func (p *ProgArray) Get(index uint32) uint32 {
	if index >= uint32(len(p.slots)) {
		return 0
	}
	return p.slots[index].Load()
}

// LookupUser returns the slot's program id, or ENOENT for an empty slot
// or an index out of range (bpf_fd_array_map_lookup_elem).
func (p *ProgArray) LookupUser(key []byte, flags uint64) ([]byte, error) {
	return fdArrayLookup(p.common, key, flags, func(i uint32) uint32 { return p.slots[i].Load() })
}

// UpdateUser stores the program id in value into the slot
// (bpf_fd_array_map_update_elem). Id 0 names no program (EBADF).
func (p *ProgArray) UpdateUser(key, value []byte, flags uint64) error {
	i, err := fdArrayUpdateChecks(p.common, key, value, flags)
	if err != nil {
		return err
	}
	id := ne.Uint32(value)
	if id == 0 {
		return syscall.EBADF
	}
	p.slots[i].Store(id)
	return nil
}

// DeleteUser empties the slot (fd_array_map_delete_elem): E2BIG past
// max_entries, ENOENT when it was empty.
func (p *ProgArray) DeleteUser(key []byte) error {
	return fdArrayDelete(p.common, key, func(i uint32) bool { return p.slots[i].Swap(0) != 0 })
}

// NextKey is array_map_get_next_key.
func (p *ProgArray) NextKey(key []byte) ([]byte, error) { return arrayNextKey(p.common, key) }

// Close frees the map's memory.
func (p *ProgArray) Close() error { return p.closeMap(p) }

// fdArrayLookup is bpf_fd_array_map_lookup_elem: get returns the id in
// slot i, 0 when empty.
func fdArrayLookup(c *common, key []byte, flags uint64, get func(i uint32) uint32) ([]byte, error) {
	if err := c.lookupChecks(flags); err != nil {
		return nil, err
	}
	if err := c.checkKey(key); err != nil {
		return nil, err
	}
	i := ne.Uint32(key)
	if i >= c.spec.MaxEntries {
		return nil, syscall.ENOENT
	}
	id := get(i)
	if id == 0 {
		return nil, syscall.ENOENT
	}
	return ne.AppendUint32(nil, id), nil
}

// fdArrayUpdateChecks are the checks of bpf_fd_array_map_update_elem
// before it resolves the value; it returns the index.
func fdArrayUpdateChecks(c *common, key, value []byte, flags uint64) (uint32, error) {
	if err := c.updateChecks(flags); err != nil {
		return 0, err
	}
	if err := c.checkKey(key); err != nil {
		return 0, err
	}
	if err := c.checkValue(value, 4); err != nil {
		return 0, err
	}
	if flags != UpdateAny {
		return 0, syscall.EINVAL
	}
	i := ne.Uint32(key)
	if i >= c.spec.MaxEntries {
		return 0, syscall.E2BIG
	}
	return i, nil
}

// fdArrayDelete is fd_array_map_delete_elem: clear empties slot i and
// reports whether it held something.
func fdArrayDelete(c *common, key []byte, clear func(i uint32) bool) error {
	if err := c.sysWrite(); err != nil {
		return err
	}
	if err := c.checkKey(key); err != nil {
		return err
	}
	i := ne.Uint32(key)
	if i >= c.spec.MaxEntries {
		return syscall.E2BIG
	}
	if !clear(i) {
		return syscall.ENOENT
	}
	return nil
}

// arrayNextKey is the syscall side of array_map_get_next_key.
func arrayNextKey(c *common, key []byte) ([]byte, error) {
	if err := c.sysRead(); err != nil {
		return nil, err
	}
	if key != nil {
		if err := c.checkKey(key); err != nil {
			return nil, err
		}
	}
	return nextIndex(key, c.spec.MaxEntries)
}
