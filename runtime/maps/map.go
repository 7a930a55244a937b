package maps

import (
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"

	"github.com/bpfld/bpfld/runtime/mem"
)

// Map is a BPF map of the VM. Errors that the kernel reports as an errno
// are returned as a bare syscall.Errno (use errors.As to tell them apart
// from the descriptive errors about a caller's mistakes, which wrap
// syscall.EINVAL).
type Map interface {
	// Name, Type, KeySize, ValueSize, MaxEntries and Flags are the map's
	// attributes as the kernel reports them (after the adjustments it
	// makes at creation, such as BPF_F_RDONLY_PROG on a devmap).
	Name() string
	Type() Type
	KeySize() uint32
	ValueSize() uint32
	MaxEntries() uint32
	Flags() uint32
	// Spec returns the spec the map was created from, normalized.
	Spec() Spec
	// ID is the map's id, unique among live maps; user space puts ids
	// into maps of maps.
	ID() uint32
	// Pointer is the address of the map's descriptor: the value of the
	// map's pointer in programs.
	Pointer() uint64

	// Lookup is bpf_map_lookup_elem (and, with an explicit cpu,
	// bpf_map_lookup_percpu_elem): the address of the value for key on
	// CPU cpu, or false. For maps of maps it returns the inner map's
	// pointer, as the kernel does.
	Lookup(key []byte, cpu int) (addr uint64, ok bool)
	// Update is bpf_map_update_elem from a program running on CPU cpu.
	Update(key, value []byte, flags uint64, cpu int) error
	// Delete is bpf_map_delete_elem.
	Delete(key []byte) error
	// Push, Pop and Peek are bpf_map_push_elem, bpf_map_pop_elem and
	// bpf_map_peek_elem of queues and stacks; Pop and Peek copy the value
	// into value (zeroing it when the map is empty).
	Push(value []byte, flags uint64) error
	Pop(value []byte) error
	Peek(value []byte) error
	// ForEach is bpf_for_each_map_elem: it calls fn with the addresses of
	// each key and value (the value of CPU cpu for per-CPU maps) until fn
	// returns true, and returns how many calls it made. fn may update and
	// delete elements of the map.
	ForEach(flags uint64, cpu int, fn func(key, value uint64) (stop bool)) (int, error)

	// LookupUser is BPF_MAP_LOOKUP_ELEM: a copy of the value. Per-CPU maps
	// return every CPU's value, each rounded up to 8 bytes; prog arrays
	// and maps of maps return the 4-byte id; queues and stacks peek (key
	// nil). flags may be UpdateLock.
	LookupUser(key []byte, flags uint64) ([]byte, error)
	// UpdateUser is BPF_MAP_UPDATE_ELEM: value has the layout LookupUser
	// returns. Queues and stacks push (key nil).
	UpdateUser(key, value []byte, flags uint64) error
	// DeleteUser is BPF_MAP_DELETE_ELEM.
	DeleteUser(key []byte) error
	// LookupAndDeleteUser is BPF_MAP_LOOKUP_AND_DELETE_ELEM (pop for
	// queues and stacks).
	LookupAndDeleteUser(key []byte, flags uint64) ([]byte, error)
	// NextKey is BPF_MAP_GET_NEXT_KEY: the key after key, or the first
	// key when key is nil or not in the map; ENOENT after the last. The
	// order is deterministic: index order for arrays, insertion order for
	// hash maps (an update keeps a key's place).
	NextKey(key []byte) ([]byte, error)
	// Freeze is BPF_MAP_FREEZE: user space may no longer write the map.
	Freeze() error

	// Close frees the map's memory. No program may run on the map any
	// more; closing twice is a no-op.
	Close() error

	// shared gives the package the map's common state; it also keeps Map
	// from being implemented outside the package.
	shared() *common
}

// New creates a map from a spec, validating it as the kernel does at map
// creation. Errors name the map and wrap the errno the kernel would return.
func New(spec Spec) (Map, error) {
	s, l, err := normalize(spec)
	if err != nil {
		return nil, err
	}
	c := &common{spec: s, lock: l.lock}
	c.desc, err = mem.Alloc(DescriptorSize, false, "map "+s.Name+" descriptor")
	if err != nil {
		return nil, specError(&s, syscall.ENOMEM, "%v", err)
	}
	c.blocks = append(c.blocks, c.desc)
	c.id = live.nextID()
	var m Map
	switch s.Type {
	case TypeArray, TypePerCPUArray:
		m, err = newArray(c)
	case TypeHash, TypePerCPUHash, TypeLRUHash, TypeLRUPerCPUHash, TypeHashOfMaps:
		m, err = newHash(c)
	case TypeProgArray:
		m, err = newProgArray(c)
	case TypeArrayOfMaps:
		m, err = newArrayOfMaps(c)
	case TypePerfEventArray:
		m, err = newPerfEventArray(c)
	case TypeQueue, TypeStack:
		m, err = newQueueStack(c)
	case TypeRingBuf:
		m, err = newRingBuf(c)
	case TypeDevMap, TypeCPUMap, TypeXSKMap:
		m, err = newRedirectMap(c)
	case TypeCgroupArray, TypeStackTrace:
		m, err = newKernelOnly(c)
	}
	if err != nil {
		c.free()
		return nil, err
	}
	live.add(m)
	return m, nil
}

// common holds what every map has: its attributes, descriptor and blocks,
// and the syscall-side state (frozen). Each map type embeds it and
// overrides the operations it supports; the others fail as the kernel's
// do for a type without them.
type common struct {
	spec   Spec
	id     uint32
	lock   int // offset of the value's bpf_spin_lock, or -1
	desc   *mem.Block
	blocks []*mem.Block
	frozen atomic.Bool
	closed atomic.Bool
}

// The attribute methods of Map; see there.

// Name returns the map's name.
func (c *common) Name() string { return c.spec.Name }

// Type returns the map's type.
func (c *common) Type() Type { return c.spec.Type }

// KeySize returns key_size.
func (c *common) KeySize() uint32 { return c.spec.KeySize }

// ValueSize returns value_size.
func (c *common) ValueSize() uint32 { return c.spec.ValueSize }

// MaxEntries returns max_entries.
func (c *common) MaxEntries() uint32 { return c.spec.MaxEntries }

// Flags returns map_flags.
func (c *common) Flags() uint32 { return c.spec.Flags }

// ID returns the map's id.
func (c *common) ID() uint32 { return c.id }

// Pointer returns the address of the map's descriptor.
func (c *common) Pointer() uint64 { return uint64(c.desc.Addr()) }

func (c *common) shared() *common { return c }

// Spec returns the normalized spec of the map.
func (c *common) Spec() Spec {
	s := c.spec
	if s.Inner != nil {
		inner := *s.Inner
		s.Inner = &inner
	}
	return s
}

// alloc maps a block for the map and remembers it for Close.
func (c *common) alloc(size int, writable bool, what string) (*mem.Block, error) {
	b, err := mem.Alloc(size, writable, what)
	if err != nil {
		return nil, specError(&c.spec, syscall.ENOMEM, "%v", err)
	}
	c.blocks = append(c.blocks, b)
	return b, nil
}

// progWritable reports whether programs may write the map's values.
func (c *common) progWritable() bool { return c.spec.Flags&FlagRdonlyProg == 0 }

// free releases every block of the map.
func (c *common) free() error {
	var errs []error
	for _, b := range c.blocks {
		errs = append(errs, b.Free())
	}
	c.blocks = nil
	return errors.Join(errs...)
}

// closeMap unregisters m and frees its blocks; the map types' Close call it.
func (c *common) closeMap(m Map) error {
	if c.closed.Swap(true) {
		return nil
	}
	live.remove(m)
	if err := c.free(); err != nil {
		return fmt.Errorf("map %s: close: %w", c.spec.Name, err)
	}
	return nil
}

// Program-side operations a map type does not support. The kernel's
// verifier rejects such calls; the VM reports EOPNOTSUPP to the program.

// Lookup finds nothing.
func (c *common) Lookup(key []byte, cpu int) (uint64, bool) { return 0, false }

// Update fails with EOPNOTSUPP.
func (c *common) Update(key, value []byte, flags uint64, cpu int) error {
	return syscall.EOPNOTSUPP
}

// Delete fails with EOPNOTSUPP.
func (c *common) Delete(key []byte) error { return syscall.EOPNOTSUPP }

// Push fails with EOPNOTSUPP.
func (c *common) Push(value []byte, flags uint64) error { return syscall.EOPNOTSUPP }

// Pop fails with EOPNOTSUPP.
func (c *common) Pop(value []byte) error { return syscall.EOPNOTSUPP }

// Peek fails with EOPNOTSUPP.
func (c *common) Peek(value []byte) error { return syscall.EOPNOTSUPP }

// ForEach fails with EOPNOTSUPP.
func (c *common) ForEach(flags uint64, cpu int, fn func(key, value uint64) bool) (int, error) {
	return 0, syscall.EOPNOTSUPP
}

// LookupAndDeleteUser fails as it does for the map types that lack it:
// after the syscall's own checks, with ENOTSUPP.
func (c *common) LookupAndDeleteUser(key []byte, flags uint64) ([]byte, error) {
	if err := c.lookupAndDeleteChecks(flags); err != nil {
		return nil, err
	}
	return nil, ENOTSUPP
}

// Freeze is map_freeze: maps with a bpf_spin_lock cannot be frozen, and a
// frozen map is no longer writable, so freezing it again fails with EPERM.
func (c *common) Freeze() error {
	if c.lock >= 0 {
		return ENOTSUPP
	}
	if err := c.sysWrite(); err != nil {
		return err
	}
	if c.frozen.Swap(true) {
		return syscall.EBUSY
	}
	return nil
}

// The permission and flag checks of the bpf(2) commands, in the order
// syscall.c makes them.

// sysRead fails when user space may not read the map (BPF_F_WRONLY).
func (c *common) sysRead() error {
	if c.spec.Flags&FlagWronly != 0 {
		return syscall.EPERM
	}
	return nil
}

// sysWrite fails when user space may not write the map (BPF_F_RDONLY, or
// frozen).
func (c *common) sysWrite() error {
	if c.spec.Flags&FlagRdonly != 0 || c.frozen.Load() {
		return syscall.EPERM
	}
	return nil
}

// lookupChecks are map_lookup_elem's checks before the map's own.
func (c *common) lookupChecks(flags uint64) error {
	if flags&^UpdateLock != 0 {
		return syscall.EINVAL
	}
	if err := c.sysRead(); err != nil {
		return err
	}
	if flags&UpdateLock != 0 && c.lock < 0 {
		return syscall.EINVAL
	}
	return nil
}

// updateChecks are map_update_elem's checks before the map's own.
func (c *common) updateChecks(flags uint64) error {
	if err := c.sysWrite(); err != nil {
		return err
	}
	if flags&UpdateLock != 0 && c.lock < 0 {
		return syscall.EINVAL
	}
	return nil
}

// lookupAndDeleteChecks are map_lookup_and_delete_elem's checks before the
// map's own.
func (c *common) lookupAndDeleteChecks(flags uint64) error {
	if flags&^UpdateLock != 0 {
		return syscall.EINVAL
	}
	if err := c.sysRead(); err != nil {
		return err
	}
	if err := c.sysWrite(); err != nil {
		return err
	}
	if flags != 0 && (c.spec.Type == TypeQueue || c.spec.Type == TypeStack) {
		return syscall.EINVAL
	}
	if flags&UpdateLock != 0 && c.lock < 0 {
		return syscall.EINVAL
	}
	return nil
}

// checkKey checks the size of a key user space passes.
func (c *common) checkKey(key []byte) error {
	if len(key) != int(c.spec.KeySize) {
		return fmt.Errorf("map %s: key is %d bytes, want %d: %w", c.spec.Name, len(key), c.spec.KeySize, syscall.EINVAL)
	}
	return nil
}

// checkValue checks the size of a value user space passes.
func (c *common) checkValue(value []byte, want int) error {
	if len(value) != want {
		return fmt.Errorf("map %s: value is %d bytes, want %d: %w", c.spec.Name, len(value), want, syscall.EINVAL)
	}
	return nil
}
