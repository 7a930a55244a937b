package maps

import (
	"math/bits"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Hash is a hash, percpu_hash, lru_hash, lru_percpu_hash or hash_of_maps
// map (kernel/bpf/hashtab.c). Elements are preallocated slots in mmap
// memory: the key, rounded up to 8 bytes, then the value rounded up to 8
// bytes (per CPU for per-CPU maps; an 8-byte inner map pointer for
// hash_of_maps). As in the kernel, updating an element of a hash or LRU
// map replaces it with a fresh slot, while per-CPU maps and maps of maps
// update in place; lookups never lock.
type Hash struct {
	*common
	t         table
	lru       *lru // for LRU maps
	percpu    bool
	ofMaps    bool
	ncpu      int
	valStride uint64 // from one CPU's value to the next
	inner     innerTemplate
}

// maxBookkeeping bounds the Go memory of a hash map's table.
const maxBookkeeping = 1 << 30

func newHash(c *common) (*Hash, error) {
	s := &c.spec
	h := &Hash{
		common: c,
		percpu: s.Type == TypePerCPUHash || s.Type == TypeLRUPerCPUHash,
		ofMaps: s.Type == TypeHashOfMaps,
		ncpu:   1,
	}
	if h.percpu {
		h.ncpu = PossibleCPUs()
	}
	h.valStride = uint64(round8(s.ValueSize))
	if h.ofMaps {
		h.valStride = 8
		h.inner = newInnerTemplate(s.Inner)
	}
	keyStride := uint64(round8(s.KeySize))
	stride := keyStride + h.valStride*uint64(h.ncpu)
	// A plain hash map replaces an element on update, so it needs slots
	// beyond max_entries to update an element of a full map; the kernel
	// keeps one per CPU (extra_elems). Freed slots are reused oldest
	// first, so a replaced element keeps its value a while for programs
	// that still hold its address.
	slots := uint64(s.MaxEntries)
	isLRU := s.Type == TypeLRUHash || s.Type == TypeLRUPerCPUHash
	if !h.percpu && !isLRU && !h.ofMaps {
		slots += uint64(PossibleCPUs())
	}
	buckets := uint64(1) << bits.Len32(s.MaxEntries-1)
	if bookkeeping(slots, buckets) > maxBookkeeping || slots*stride > maxMapBytes {
		return nil, specError(s, syscall.ENOMEM, "max_entries %d is too large for the VM", s.MaxEntries)
	}
	block, err := h.alloc(int(slots*stride), h.progWritable(), "map "+s.Name)
	if err != nil {
		return nil, err
	}
	h.t.init(uint32(slots), uint32(buckets), int(s.KeySize), keyStride, stride, block.Bytes(), uint64(block.Addr()))
	if isLRU {
		h.lru = newLRU(&h.t, uint32(slots), s.Flags&FlagNoCommonLRU != 0)
	}
	h.describe(0, uint32(h.valStride), uint32(h.ncpu))
	return h, nil
}

// value returns CPU cpu's value of slot s in map memory.
func (h *Hash) value(s uint32, cpu int) []byte {
	off := h.t.valueOff(s) + uint64(cpu)*h.valStride
	return h.t.data[off : off+uint64(h.spec.ValueSize)]
}

// values returns every CPU's value of slot s, each rounded up to 8 bytes.
func (h *Hash) values(s uint32) []byte {
	off := h.t.valueOff(s)
	return h.t.data[off : off+h.valStride*uint64(h.ncpu)]
}

// innerPtr is the inner map pointer slot of a hash_of_maps element.
func (h *Hash) innerPtr(s uint32) *atomic.Uint64 {
	return (*atomic.Uint64)(unsafe.Pointer(&h.t.data[h.t.valueOff(s)]))
}

// checkFlags is check_flags of hashtab.c.
func checkFlags(exists bool, flags uint64) error {
	switch {
	case exists && flags&^UpdateLock == UpdateNoExist:
		return syscall.EEXIST
	case !exists && flags&^UpdateLock == UpdateExist:
		return syscall.ENOENT
	}
	return nil
}

// Lookup is __htab_map_lookup_elem and its per-CPU, LRU (which marks the
// element used) and map-of-maps variants.
func (h *Hash) Lookup(key []byte, cpu int) (uint64, bool) {
	if len(key) < int(h.spec.KeySize) || (h.percpu && uint(cpu) >= uint(h.ncpu)) {
		return 0, false
	}
	key = key[:h.spec.KeySize]
	s := h.t.find(key, h.t.hash(key))
	if s == noSlot {
		return 0, false
	}
	if h.lru != nil && !h.t.slots[s].ref.Load() {
		h.t.slots[s].ref.Store(true)
	}
	if h.ofMaps {
		p := h.innerPtr(s).Load()
		return p, p != 0
	}
	if !h.percpu {
		cpu = 0
	}
	return h.t.base + h.t.valueOff(s) + uint64(cpu)*h.valStride, true
}

// Update is bpf_map_update_elem from a program on CPU cpu.
func (h *Hash) Update(key, value []byte, flags uint64, cpu int) error {
	switch {
	case h.ofMaps:
		return syscall.EOPNOTSUPP
	case !h.progWritable():
		return syscall.EPERM
	case len(key) < int(h.spec.KeySize) || len(value) < int(h.spec.ValueSize):
		return syscall.EINVAL
	case h.percpu && uint(cpu) >= uint(h.ncpu):
		return syscall.EINVAL
	}
	return h.update(key[:h.spec.KeySize], value, flags, cpu, false)
}

// update dispatches to the kernel's update function of the map's type.
// allCPUs says value holds every CPU's value (the syscall side of a
// per-CPU map); otherwise it is the value of CPU cpu.
func (h *Hash) update(key, value []byte, flags uint64, cpu int, allCPUs bool) error {
	switch {
	case h.percpu && h.lru != nil:
		return h.updateLRUPerCPU(key, value, flags, cpu, allCPUs)
	case h.percpu:
		return h.updateInPlace(key, flags, func(s uint32, fresh bool) { h.setPerCPU(s, value, cpu, allCPUs, fresh) })
	case h.lru != nil:
		return h.updateLRU(key, value, flags, cpu)
	}
	return h.updateReplace(key, value, flags)
}

// updateReplace is htab_map_update_elem: a new element replaces the old
// one; BPF_F_LOCK updates in place under the value's spin lock.
func (h *Hash) updateReplace(key, value []byte, flags uint64) error {
	if flags&^UpdateLock > UpdateExist {
		return syscall.EINVAL
	}
	hv := h.t.hash(key)
	if flags&UpdateLock != 0 {
		if h.lock < 0 {
			return syscall.EINVAL
		}
		if done, err := h.updateLocked(key, hv, value, flags); done {
			return err
		}
	}
	t := &h.t
	t.mu.Lock()
	old := t.find(key, hv)
	if err := checkFlags(old != noSlot, flags); err != nil {
		t.mu.Unlock()
		return err
	}
	if old != noSlot && flags&UpdateLock != 0 {
		// Found only under the lock: update in place, but never wait
		// for a spin lock while holding mu.
		t.mu.Unlock()
		dst := h.value(old, 0)
		copyValueLocked(dst, value, dst, h.lock)
		return nil
	}
	if old == noSlot && t.count >= h.spec.MaxEntries {
		t.mu.Unlock()
		return syscall.E2BIG
	}
	s := t.alloc() // there is always a spare slot: see newHash
	t.prepare(s, key, hv)
	dst := h.value(s, 0)
	clear(dst)
	copyValue(dst, value, h.lock)
	t.link(s)
	if old != noSlot {
		t.unlink(old)
		t.replace(old, s)
		t.release(old)
	} else {
		t.append(s)
		t.count++
	}
	t.mu.Unlock()
	return nil
}

// updateLocked is the BPF_F_LOCK fast path of htab_map_update_elem: find
// the element without mu and copy under its spin lock. It reports whether
// it finished the update.
func (h *Hash) updateLocked(key []byte, hv uint32, value []byte, flags uint64) (bool, error) {
	s := h.t.find(key, hv)
	if err := checkFlags(s != noSlot, flags); err != nil {
		return true, err
	}
	if s == noSlot {
		return false, nil
	}
	dst := h.value(s, 0)
	copyValueLocked(dst, value, dst, h.lock)
	return true, nil
}

// updateInPlace is htab_map_update_elem_in_place (per-CPU hash maps and
// hash of maps): set writes the value of slot s, fresh when it is new.
func (h *Hash) updateInPlace(key []byte, flags uint64, set func(s uint32, fresh bool)) error {
	if flags > UpdateExist {
		return syscall.EINVAL
	}
	hv := h.t.hash(key)
	t := &h.t
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.find(key, hv)
	if err := checkFlags(old != noSlot, flags); err != nil {
		return err
	}
	if old != noSlot {
		set(old, false)
		return nil
	}
	if t.count >= h.spec.MaxEntries {
		return syscall.E2BIG
	}
	s := t.alloc()
	t.prepare(s, key, hv)
	set(s, true)
	t.link(s)
	t.append(s)
	t.count++
	return nil
}

// setPerCPU is pcpu_copy_value and pcpu_init_value: from user space every
// CPU's value is set; from a program only CPU cpu's, and a new element's
// other CPUs start zeroed.
func (h *Hash) setPerCPU(s uint32, value []byte, cpu int, allCPUs, fresh bool) {
	if allCPUs {
		copy(h.values(s), value)
		return
	}
	if fresh {
		clear(h.values(s))
	}
	copy(h.value(s, cpu), value[:h.spec.ValueSize])
}

// updateLRU is htab_lru_map_update_elem. Like the kernel it takes a slot
// (evicting elements when there is no free one) before it checks the
// flags, so even an update that fails, or one that replaces an existing
// element, may evict other elements.
func (h *Hash) updateLRU(key, value []byte, flags uint64, cpu int) error {
	if flags > UpdateExist {
		return syscall.EINVAL
	}
	hv := h.t.hash(key)
	t := &h.t
	t.mu.Lock()
	defer t.mu.Unlock()
	s := h.lru.pop(cpu)
	if s == noSlot {
		return syscall.ENOMEM
	}
	t.prepare(s, key, hv)
	dst := h.value(s, 0)
	clear(dst)
	copyValue(dst, value, h.lock)
	old := t.find(key, hv)
	if err := checkFlags(old != noSlot, flags); err != nil {
		h.lru.push(s)
		return err
	}
	t.link(s)
	if old != noSlot {
		t.slots[s].ref.Store(true)
		t.unlink(old)
		t.replace(old, s)
		h.lru.push(old)
	} else {
		t.append(s)
		t.count++
	}
	return nil
}

// updateLRUPerCPU is __htab_lru_percpu_map_update_elem: existing elements
// are updated in place; a slot is taken first unless flags is BPF_EXIST.
func (h *Hash) updateLRUPerCPU(key, value []byte, flags uint64, cpu int, allCPUs bool) error {
	if flags > UpdateExist {
		return syscall.EINVAL
	}
	hv := h.t.hash(key)
	t := &h.t
	t.mu.Lock()
	defer t.mu.Unlock()
	s := noSlot
	if flags != UpdateExist {
		if s = h.lru.pop(cpu); s == noSlot {
			return syscall.ENOMEM
		}
	}
	old := t.find(key, hv)
	if err := checkFlags(old != noSlot, flags); err != nil {
		if s != noSlot {
			h.lru.push(s)
		}
		return err
	}
	if old != noSlot {
		t.slots[old].ref.Store(true)
		h.setPerCPU(old, value, cpu, allCPUs, false)
		if s != noSlot {
			h.lru.push(s)
		}
		return nil
	}
	t.prepare(s, key, hv)
	h.setPerCPU(s, value, cpu, allCPUs, true)
	t.link(s)
	t.append(s)
	t.count++
	return nil
}

// Delete is htab_map_delete_elem from a program.
func (h *Hash) Delete(key []byte) error {
	switch {
	case h.ofMaps:
		return syscall.EOPNOTSUPP
	case !h.progWritable():
		return syscall.EPERM
	case len(key) < int(h.spec.KeySize):
		return syscall.EINVAL
	}
	return h.delete(key[:h.spec.KeySize])
}

func (h *Hash) delete(key []byte) error {
	hv := h.t.hash(key)
	t := &h.t
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.find(key, hv)
	if s == noSlot {
		return syscall.ENOENT
	}
	t.unlink(s)
	t.remove(s)
	t.count--
	h.free(s)
	return nil
}

// free returns the slot of a deleted element: to the LRU lists of an LRU
// map (htab_lru_push_free), else to the free queue.
func (h *Hash) free(s uint32) {
	if h.lru != nil {
		h.lru.push(s)
	} else {
		h.t.release(s)
	}
}

// ForEach is bpf_for_each_hash_elem, in the order of NextKey. It walks a
// snapshot of the elements without holding the map's lock, so fn may
// update or delete elements.
func (h *Hash) ForEach(flags uint64, cpu int, fn func(key, value uint64) bool) (int, error) {
	switch {
	case h.ofMaps:
		return 0, syscall.EOPNOTSUPP
	case flags != 0 || (h.percpu && uint(cpu) >= uint(h.ncpu)):
		return 0, syscall.EINVAL
	}
	if !h.percpu {
		cpu = 0
	}
	h.t.mu.Lock()
	slots := h.t.snapshot()
	h.t.mu.Unlock()
	n := 0
	for _, s := range slots {
		if !h.t.slots[s].live.Load() {
			continue
		}
		n++
		keyAddr := h.t.base + uint64(s)*h.t.stride
		if fn(keyAddr, h.t.base+h.t.valueOff(s)+uint64(cpu)*h.valStride) {
			break
		}
	}
	return n, nil
}

// userValueSize is bpf_map_value_size.
func (h *Hash) userValueSize() int {
	switch {
	case h.percpu:
		return int(h.valStride) * h.ncpu
	case h.ofMaps:
		return 4
	}
	return int(h.spec.ValueSize)
}

// copyOut copies the value of slot s for user space; the caller holds mu
// or owns the slot.
func (h *Hash) copyOut(s uint32, flags uint64) []byte {
	out := make([]byte, h.userValueSize())
	switch {
	case h.percpu:
		copy(out, h.values(s))
	case h.ofMaps:
		if m, ok := ByPointer(h.innerPtr(s).Load()); ok {
			ne.PutUint32(out, m.ID())
		}
	case flags&UpdateLock != 0:
		src := h.value(s, 0)
		copyValueLocked(out, src, src, h.lock)
		clearLock(out, h.lock)
	default:
		copy(out, h.value(s, 0))
		clearLock(out, h.lock)
	}
	return out
}

// LookupUser is bpf_map_copy_value for hash maps. It does not mark LRU
// elements used, as the kernel does not for user space.
func (h *Hash) LookupUser(key []byte, flags uint64) ([]byte, error) {
	if err := h.lookupChecks(flags); err != nil {
		return nil, err
	}
	if err := h.checkKey(key); err != nil {
		return nil, err
	}
	hv := h.t.hash(key)
	if flags&UpdateLock != 0 {
		// Copy under the value's spin lock but without mu, as the
		// kernel does under RCU only.
		s := h.t.find(key, hv)
		if s == noSlot {
			return nil, syscall.ENOENT
		}
		return h.copyOut(s, flags), nil
	}
	h.t.mu.Lock()
	defer h.t.mu.Unlock()
	s := h.t.find(key, hv)
	if s == noSlot {
		return nil, syscall.ENOENT
	}
	return h.copyOut(s, flags), nil
}

// UpdateUser is BPF_MAP_UPDATE_ELEM: per-CPU maps take every CPU's value,
// maps of maps the id of the inner map.
func (h *Hash) UpdateUser(key, value []byte, flags uint64) error {
	if err := h.updateChecks(flags); err != nil {
		return err
	}
	if err := h.checkKey(key); err != nil {
		return err
	}
	if err := h.checkValue(value, h.userValueSize()); err != nil {
		return err
	}
	if !h.ofMaps {
		return h.update(key, value, flags, 0, true)
	}
	// bpf_fd_htab_map_update_elem resolves the inner map before it looks
	// at the flags.
	p, err := h.inner.resolve(value)
	if err != nil {
		return err
	}
	return h.updateInPlace(key, flags, func(s uint32, fresh bool) { h.innerPtr(s).Store(p) })
}

// DeleteUser is BPF_MAP_DELETE_ELEM.
func (h *Hash) DeleteUser(key []byte) error {
	if err := h.sysWrite(); err != nil {
		return err
	}
	if err := h.checkKey(key); err != nil {
		return err
	}
	return h.delete(key)
}

// LookupAndDeleteUser is __htab_map_lookup_and_delete_elem.
func (h *Hash) LookupAndDeleteUser(key []byte, flags uint64) ([]byte, error) {
	if err := h.lookupAndDeleteChecks(flags); err != nil {
		return nil, err
	}
	if h.ofMaps {
		return nil, ENOTSUPP
	}
	if err := h.checkKey(key); err != nil {
		return nil, err
	}
	hv := h.t.hash(key)
	t := &h.t
	t.mu.Lock()
	s := t.find(key, hv)
	if s == noSlot {
		t.mu.Unlock()
		return nil, syscall.ENOENT
	}
	t.unlink(s)
	t.remove(s)
	t.count--
	t.mu.Unlock()
	// The slot is off every list and not yet free: copy it (perhaps
	// under its spin lock) without holding mu.
	out := h.copyOut(s, flags)
	t.mu.Lock()
	h.free(s)
	t.mu.Unlock()
	return out, nil
}

// NextKey is htab_map_get_next_key, in insertion order rather than bucket
// order, so that iteration is deterministic.
func (h *Hash) NextKey(key []byte) ([]byte, error) {
	if err := h.sysRead(); err != nil {
		return nil, err
	}
	if key != nil {
		if err := h.checkKey(key); err != nil {
			return nil, err
		}
	}
	t := &h.t
	t.mu.Lock()
	defer t.mu.Unlock()
	s := noSlot
	if key != nil {
		s = t.find(key, t.hash(key))
	}
	if s == noSlot {
		s = t.first
	} else {
		s = t.succ[s]
	}
	if s == noSlot {
		return nil, syscall.ENOENT
	}
	return append([]byte(nil), t.key(s)...), nil
}

// Close frees the map's memory.
func (h *Hash) Close() error { return h.closeMap(h) }
