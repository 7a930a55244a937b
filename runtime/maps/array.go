package maps

import (
	"encoding/binary"
	"sync"
	"syscall"

	"github.com/bpfld/bpfld/runtime/mem"
)

// ne is the byte order of keys and values: the host's, as in the kernel.
var ne = binary.NativeEndian

// maxMapBytes bounds the memory one map may reserve (address space: mmap
// commits pages only when they are touched).
const maxMapBytes = 1 << 40

// Array is an array or percpu_array map (kernel/bpf/arraymap.c), also used
// for global data sections (.data, .rodata, .bss: one element). Element i
// of CPU c is at data + i*stride + c*elem, where elem is value_size rounded
// up to 8 and stride is elem times the number of CPUs.
type Array struct {
	*common
	percpu bool
	ncpu   int
	elem   uint64
	stride uint64
	data   []byte
	base   uint64

	keysOnce sync.Once
	keys     *mem.Block // index table for ForEach, built on first use
	keysErr  error
}

func newArray(c *common) (*Array, error) {
	a := &Array{common: c, percpu: c.spec.Type == TypePerCPUArray, ncpu: 1}
	if a.percpu {
		a.ncpu = PossibleCPUs()
	}
	a.elem = uint64(round8(c.spec.ValueSize))
	a.stride = a.elem * uint64(a.ncpu)
	size := a.stride * uint64(c.spec.MaxEntries)
	if size > maxMapBytes {
		return nil, specError(&c.spec, syscall.ENOMEM, "%d bytes of values are too many", size)
	}
	values, err := a.alloc(int(size), a.progWritable(), "map "+c.spec.Name)
	if err != nil {
		return nil, err
	}
	a.data = values.Bytes()
	a.base = uint64(values.Addr())
	a.describe(a.base, uint32(a.elem), uint32(a.ncpu))
	return a, nil
}

// index decodes an array key.
func index(key []byte) (uint32, bool) {
	if len(key) < 4 {
		return 0, false
	}
	return ne.Uint32(key), true
}

// value returns the value of element i on CPU cpu inside map memory.
func (a *Array) value(i uint32, cpu int) []byte {
	off := uint64(i)*a.stride + uint64(cpu)*a.elem
	return a.data[off : off+uint64(a.spec.ValueSize)]
}

// Value returns the live value of element index on CPU cpu (ignored for
// plain arrays) inside map memory, for the runtime to read and write
// global variables in place; false when out of range.
func (a *Array) Value(index uint32, cpu int) ([]byte, bool) {
	if index >= a.spec.MaxEntries || !a.cpuOK(cpu) {
		return nil, false
	}
	if !a.percpu {
		cpu = 0
	}
	return a.value(index, cpu), true
}

// cpuOK reports whether cpu names a CPU of a per-CPU map; plain arrays
// ignore the CPU.
func (a *Array) cpuOK(cpu int) bool { return !a.percpu || uint(cpu) < uint(a.ncpu) }

// Lookup is array_map_lookup_elem and percpu_array_map_lookup_elem: an
// index past max_entries is not found.
func (a *Array) Lookup(key []byte, cpu int) (uint64, bool) {
	i, ok := index(key)
	if !ok || i >= a.spec.MaxEntries || !a.cpuOK(cpu) {
		return 0, false
	}
	if !a.percpu {
		cpu = 0
	}
	return a.base + uint64(i)*a.stride + uint64(cpu)*a.elem, true
}

// Update is array_map_update_elem from a program: the value is copied in
// place (into CPU cpu's copy for a per-CPU array).
func (a *Array) Update(key, value []byte, flags uint64, cpu int) error {
	if !a.progWritable() {
		return syscall.EPERM
	}
	if !a.cpuOK(cpu) || len(value) < int(a.spec.ValueSize) {
		return syscall.EINVAL
	}
	if !a.percpu {
		cpu = 0
	}
	return a.update(key, value, flags, cpu)
}

func (a *Array) update(key, value []byte, flags uint64, cpu int) error {
	i, ok := index(key)
	switch {
	case !ok || flags&^UpdateLock > UpdateExist:
		return syscall.EINVAL
	case i >= a.spec.MaxEntries:
		return syscall.E2BIG // all elements exist; there is no room for another
	case flags&UpdateNoExist != 0:
		return syscall.EEXIST
	case flags&UpdateLock != 0 && a.lock < 0:
		return syscall.EINVAL
	}
	dst := a.value(i, cpu)
	if flags&UpdateLock != 0 {
		copyValueLocked(dst, value, dst, a.lock)
	} else {
		copyValue(dst, value, a.lock)
	}
	return nil
}

// Delete fails: array elements always exist.
func (a *Array) Delete(key []byte) error { return syscall.EINVAL }

// ForEach is bpf_for_each_array_elem: every index in order. The key
// address points into a read-only table of indexes.
func (a *Array) ForEach(flags uint64, cpu int, fn func(key, value uint64) bool) (int, error) {
	if flags != 0 || !a.cpuOK(cpu) {
		return 0, syscall.EINVAL
	}
	if !a.percpu {
		cpu = 0
	}
	keys, err := a.keyTable()
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range a.spec.MaxEntries {
		n++
		if fn(keys+4*uint64(i), a.base+uint64(i)*a.stride+uint64(cpu)*a.elem) {
			break
		}
	}
	return n, nil
}

// keyTable returns the address of a read-only table holding the indexes
// 0..max_entries-1 as u32, the keys ForEach hands out.
func (a *Array) keyTable() (uint64, error) {
	a.keysOnce.Do(func() {
		b, err := mem.Alloc(4*int(a.spec.MaxEntries), false, "map "+a.spec.Name+" keys")
		if err != nil {
			a.keysErr = syscall.ENOMEM
			return
		}
		buf := b.Bytes()
		for i := range a.spec.MaxEntries {
			ne.PutUint32(buf[4*i:], i)
		}
		a.keys = b
	})
	if a.keysErr != nil {
		return 0, a.keysErr
	}
	return uint64(a.keys.Addr()), nil
}

// userValueSize is bpf_map_value_size: per-CPU maps exchange every CPU's
// value, each rounded up to 8 bytes.
func (a *Array) userValueSize() int {
	if a.percpu {
		return int(a.stride)
	}
	return int(a.spec.ValueSize)
}

// LookupUser is bpf_map_copy_value for arrays.
func (a *Array) LookupUser(key []byte, flags uint64) ([]byte, error) {
	if err := a.lookupChecks(flags); err != nil {
		return nil, err
	}
	if err := a.checkKey(key); err != nil {
		return nil, err
	}
	i, _ := index(key)
	if i >= a.spec.MaxEntries {
		return nil, syscall.ENOENT
	}
	out := make([]byte, a.userValueSize())
	if a.percpu {
		off := uint64(i) * a.stride
		copy(out, a.data[off:off+a.stride])
		return out, nil
	}
	src := a.value(i, 0)
	if flags&UpdateLock != 0 {
		copyValueLocked(out, src, src, a.lock)
	} else {
		copy(out, src)
	}
	clearLock(out, a.lock)
	return out, nil
}

// UpdateUser is array_map_update_elem, or bpf_percpu_array_update which
// sets every CPU's value.
func (a *Array) UpdateUser(key, value []byte, flags uint64) error {
	if err := a.updateChecks(flags); err != nil {
		return err
	}
	if err := a.checkKey(key); err != nil {
		return err
	}
	if err := a.checkValue(value, a.userValueSize()); err != nil {
		return err
	}
	if !a.percpu {
		return a.update(key, value, flags, 0)
	}
	i, _ := index(key)
	switch {
	case flags > UpdateExist:
		return syscall.EINVAL
	case i >= a.spec.MaxEntries:
		return syscall.E2BIG
	case flags == UpdateNoExist:
		return syscall.EEXIST
	}
	off := uint64(i) * a.stride
	copy(a.data[off:off+a.stride], value)
	return nil
}

// DeleteUser fails with EINVAL, as deleting from an array does.
func (a *Array) DeleteUser(key []byte) error {
	if err := a.sysWrite(); err != nil {
		return err
	}
	if err := a.checkKey(key); err != nil {
		return err
	}
	return syscall.EINVAL
}

// NextKey is array_map_get_next_key.
func (a *Array) NextKey(key []byte) ([]byte, error) {
	if err := a.sysRead(); err != nil {
		return nil, err
	}
	if key != nil {
		if err := a.checkKey(key); err != nil {
			return nil, err
		}
	}
	return nextIndex(key, a.spec.MaxEntries)
}

// nextIndex is array_map_get_next_key for every map indexed by a u32.
func nextIndex(key []byte, maxEntries uint32) ([]byte, error) {
	i := uint32(0xffffffff)
	if key != nil {
		i = ne.Uint32(key)
	}
	next := make([]byte, 4)
	switch {
	case i >= maxEntries:
		ne.PutUint32(next, 0)
	case i == maxEntries-1:
		return nil, syscall.ENOENT
	default:
		ne.PutUint32(next, i+1)
	}
	return next, nil
}

// Close frees the array's memory.
func (a *Array) Close() error {
	if a.keys != nil {
		a.blocks = append(a.blocks, a.keys)
		a.keys = nil
	}
	return a.closeMap(a)
}
