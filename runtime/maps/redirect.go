package maps

import (
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// RedirectMap is a devmap, cpumap or xskmap, as far as bpf_redirect_map
// and lookups need them: a test run cannot really redirect, so an entry is
// just its value. Element i is at data + i*8: a u32 that is nonzero when
// the entry is present (the ifindex of a devmap, the queue size of a
// cpumap, the socket of an xskmap), then for 8-byte values the program id
// (always 0: the VM runs no programs on redirected frames). The VM accepts
// any ifindex and socket value, where the kernel checks that the device or
// socket exists.
type RedirectMap struct {
	*common
	mu   sync.Mutex // writers
	data []byte
	base uint64
}

const redirectElem = 8

func newRedirectMap(c *common) (*RedirectMap, error) {
	b, err := c.alloc(redirectElem*int(c.spec.MaxEntries), c.progWritable(), "map "+c.spec.Name)
	if err != nil {
		return nil, err
	}
	r := &RedirectMap{common: c, data: b.Bytes(), base: uint64(b.Addr())}
	r.describe(r.base, redirectElem, 1)
	return r, nil
}

// word returns the first u32 of element i, which says whether it is set.
func (r *RedirectMap) word(i uint32) *atomic.Uint32 {
	return (*atomic.Uint32)(unsafe.Pointer(&r.data[redirectElem*uint64(i)]))
}

// Redirect returns the entry bpf_redirect_map(map, key) would redirect to:
// the first u32 of its value (a cpumap redirects to CPU key), or false
// when the key is out of range or the entry empty.
func (r *RedirectMap) Redirect(key uint32) (uint32, bool) {
	if key >= r.spec.MaxEntries {
		return 0, false
	}
	v := r.word(key).Load()
	return v, v != 0
}

// Lookup returns the address of a present entry (dev_map_lookup_elem,
// xsk_map_lookup_elem).
func (r *RedirectMap) Lookup(key []byte, cpu int) (uint64, bool) {
	i, ok := index(key)
	if !ok {
		return 0, false
	}
	if _, ok := r.Redirect(i); !ok {
		return 0, false
	}
	return r.base + redirectElem*uint64(i), true
}

// LookupUser returns the entry's value; ENOENT when it is empty, and
// EOPNOTSUPP for an xskmap, whose sockets user space cannot read.
func (r *RedirectMap) LookupUser(key []byte, flags uint64) ([]byte, error) {
	if err := r.lookupChecks(flags); err != nil {
		return nil, err
	}
	if err := r.checkKey(key); err != nil {
		return nil, err
	}
	if r.spec.Type == TypeXSKMap {
		return nil, syscall.EOPNOTSUPP
	}
	i := ne.Uint32(key)
	if _, ok := r.Redirect(i); !ok {
		return nil, syscall.ENOENT
	}
	off := redirectElem * uint64(i)
	return append([]byte(nil), r.data[off:off+uint64(r.spec.ValueSize)]...), nil
}

// UpdateUser is dev_map_update_elem, cpu_map_update_elem or
// xsk_map_update_elem. A zero ifindex or qsize empties the entry.
func (r *RedirectMap) UpdateUser(key, value []byte, flags uint64) error {
	if err := r.updateChecks(flags); err != nil {
		return err
	}
	if err := r.checkKey(key); err != nil {
		return err
	}
	if err := r.checkValue(value, int(r.spec.ValueSize)); err != nil {
		return err
	}
	i := ne.Uint32(key)
	v := ne.Uint32(value)
	var prog int32 // bpf_prog.fd: a program when > 0
	if len(value) == 8 {
		prog = int32(ne.Uint32(value[4:]))
	}
	switch {
	case flags > UpdateExist:
		return syscall.EINVAL
	case i >= r.spec.MaxEntries:
		return syscall.E2BIG
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	present := r.word(i).Load() != 0
	switch r.spec.Type {
	case TypeDevMap:
		switch {
		case flags == UpdateNoExist:
			return syscall.EEXIST
		case v == 0 && prog > 0:
			return syscall.EINVAL // no program without a device
		case v != 0 && prog > 0:
			return syscall.EOPNOTSUPP // the VM runs no devmap programs
		}
	case TypeCPUMap:
		switch {
		case flags == UpdateNoExist:
			return syscall.EEXIST
		case v > cpumapMaxQsize:
			return syscall.EOVERFLOW
		case int(i) >= PossibleCPUs():
			return syscall.ENODEV
		case v != 0 && prog > 0:
			return syscall.EOPNOTSUPP // the VM runs no cpumap programs
		}
	case TypeXSKMap:
		switch {
		case v == 0:
			return syscall.EBADF // no such socket
		case present && flags == UpdateNoExist:
			return syscall.EEXIST
		case !present && flags == UpdateExist:
			return syscall.ENOENT
		}
	}
	off := redirectElem * uint64(i)
	clear(r.data[off+4 : off+redirectElem])
	r.word(i).Store(v)
	return nil
}

// DeleteUser empties the entry: EINVAL past max_entries, and no error
// when it was already empty.
func (r *RedirectMap) DeleteUser(key []byte) error {
	if err := r.sysWrite(); err != nil {
		return err
	}
	if err := r.checkKey(key); err != nil {
		return err
	}
	i := ne.Uint32(key)
	if i >= r.spec.MaxEntries {
		return syscall.EINVAL
	}
	r.mu.Lock()
	r.word(i).Store(0)
	r.mu.Unlock()
	return nil
}

// NextKey is array_map_get_next_key.
func (r *RedirectMap) NextKey(key []byte) ([]byte, error) { return arrayNextKey(r.common, key) }

// Close frees the map's memory.
func (r *RedirectMap) Close() error { return r.closeMap(r) }
