package maps

import (
	"fmt"
	"math/bits"
	"syscall"

	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/internal/uapi"
)

// Spec describes a map to create. Its fields mirror link.MapSpec (the
// linker's result) so that the runtime converts one into the other field by
// field.
type Spec struct {
	Name       string
	Type       Type
	KeySize    uint32
	ValueSize  uint32
	MaxEntries uint32
	Flags      uint32 // Flag* values
	NumaNode   uint32
	MapExtra   uint64
	// Key and Value are the BTF types of the key and the value, or nil.
	// A struct bpf_spin_lock in Value is found as the kernel finds it.
	Key, Value btf.Type
	// Inner is the template of the inner maps of a map of maps.
	Inner *Spec
}

// layout is what validation learns about a spec beyond its fields.
type layout struct {
	// lock is the offset of the value's bpf_spin_lock, or -1.
	lock int
}

// specError builds a creation error that names the map and wraps errno.
func specError(s *Spec, errno syscall.Errno, format string, args ...any) error {
	return fmt.Errorf("map %s (%s): %s: %w", s.Name, s.Type, fmt.Sprintf(format, args...), errno)
}

// normalize validates s as the kernel's map_create and the type's
// map_alloc_check do, applies the adjustments the kernel and libbpf make
// (max_entries of a perf event array or a BPF_F_NO_COMMON_LRU map, the
// BPF_F_RDONLY_PROG a devmap gets) and returns the spec the map will have.
func normalize(in Spec) (Spec, layout, error) {
	s := in
	s.Inner = nil
	l := layout{lock: -1}
	if s.MapExtra != 0 && s.Type != TypeBloomFilter && s.Type != TypeArena {
		return s, l, specError(&s, syscall.EINVAL, "map_extra %d is only for bloom filters and arenas", s.MapExtra)
	}
	if s.Flags&FlagRdonly != 0 && s.Flags&FlagWronly != 0 {
		return s, l, specError(&s, syscall.EINVAL, "flags BPF_F_RDONLY and BPF_F_WRONLY exclude each other")
	}
	var err error
	switch s.Type {
	case TypeArray, TypePerCPUArray:
		err = checkArray(&s)
	case TypeProgArray, TypePerfEventArray, TypeArrayOfMaps:
		if s.Type == TypePerfEventArray && s.MaxEntries == 0 {
			// libbpf and cilium/ebpf size a perf event array to the
			// possible CPUs when the object leaves it at 0.
			s.MaxEntries = uint32(PossibleCPUs())
		}
		err = checkFdArray(&s)
	case TypeHash, TypePerCPUHash, TypeLRUHash, TypeLRUPerCPUHash, TypeHashOfMaps:
		err = checkHash(&s)
	case TypeQueue, TypeStack:
		err = checkQueueStack(&s)
	case TypeRingBuf:
		err = checkRingBuf(&s)
	case TypeDevMap, TypeCPUMap, TypeXSKMap:
		err = checkRedirect(&s)
	case TypeCgroupArray:
		err = checkFdArray(&s)
	case TypeStackTrace:
		err = checkStackTrace(&s)
	default:
		if _, known := uapi.MapTypeName(uint32(s.Type)); known {
			return s, l, specError(&s, syscall.EOPNOTSUPP, "map type not supported by the VM")
		}
		return s, l, specError(&s, syscall.EINVAL, "unknown map type")
	}
	if err != nil {
		return s, l, err
	}
	if err := checkBTF(&s); err != nil {
		return s, l, err
	}
	if l.lock, err = findSpinLock(&s); err != nil {
		return s, l, err
	}
	if s.Type == TypeArrayOfMaps || s.Type == TypeHashOfMaps {
		if err := checkInner(&s, in.Inner); err != nil {
			return s, l, err
		}
		inner := *in.Inner
		s.Inner = &inner
	}
	return s, l, nil
}

// flagsAccessOK is bpf_map_flags_access_ok: a map cannot be both
// read-only and write-only for programs.
func flagsAccessOK(flags uint32) bool {
	return flags&(FlagRdonlyProg|FlagWronlyProg) != FlagRdonlyProg|FlagWronlyProg
}

// checkArray is array_map_alloc_check.
func checkArray(s *Spec) error {
	const mask = FlagNumaNode | FlagMmapable | accessFlags | FlagPreserveElems | FlagInnerMap
	percpu := s.Type == TypePerCPUArray
	switch {
	case s.MaxEntries == 0:
		return specError(s, syscall.EINVAL, "max_entries is 0")
	case s.KeySize != 4:
		return specError(s, syscall.EINVAL, "key_size is %d, must be 4", s.KeySize)
	case s.ValueSize == 0:
		return specError(s, syscall.EINVAL, "value_size is 0")
	case s.Flags&^mask != 0 || !flagsAccessOK(s.Flags):
		return specError(s, syscall.EINVAL, "invalid flags %#x", s.Flags)
	case percpu && s.Flags&FlagNumaNode != 0:
		return specError(s, syscall.EINVAL, "per-CPU maps take no NUMA node")
	case s.Type != TypeArray && s.Flags&(FlagMmapable|FlagInnerMap) != 0:
		return specError(s, syscall.EINVAL, "flags BPF_F_MMAPABLE and BPF_F_INNER_MAP are only for arrays")
	case s.Type != TypePerfEventArray && s.Flags&FlagPreserveElems != 0:
		return specError(s, syscall.EINVAL, "flag BPF_F_PRESERVE_ELEMS is only for perf event arrays")
	case s.ValueSize > 1<<31-1:
		return specError(s, syscall.E2BIG, "value_size %d is too large", s.ValueSize)
	case percpu && round8(s.ValueSize) > pcpuMinUnitSize:
		return specError(s, syscall.E2BIG, "per-CPU value_size %d is larger than %d", s.ValueSize, pcpuMinUnitSize)
	}
	return nil
}

// checkFdArray is fd_array_map_alloc_check: arrays whose values are file
// descriptors (program ids and map ids in the VM).
func checkFdArray(s *Spec) error {
	if s.ValueSize != 4 {
		return specError(s, syscall.EINVAL, "value_size is %d, must be 4", s.ValueSize)
	}
	if s.Flags&(FlagRdonlyProg|FlagWronlyProg) != 0 {
		return specError(s, syscall.EINVAL, "flags BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG are not for this type")
	}
	return checkArray(s)
}

// checkHash is htab_map_alloc_check plus the checks of htab_map_alloc.
func checkHash(s *Spec) error {
	const mask = FlagNoPrealloc | FlagNoCommonLRU | FlagNumaNode | accessFlags | FlagZeroSeed
	if s.Type == TypeHashOfMaps && s.ValueSize != 4 {
		return specError(s, syscall.EINVAL, "value_size is %d, must be 4", s.ValueSize)
	}
	percpu := s.Type == TypePerCPUHash || s.Type == TypeLRUPerCPUHash
	lru := s.Type == TypeLRUHash || s.Type == TypeLRUPerCPUHash
	percpuLRU := s.Flags&FlagNoCommonLRU != 0
	switch {
	case s.Flags&^mask != 0 || !flagsAccessOK(s.Flags):
		return specError(s, syscall.EINVAL, "invalid flags %#x", s.Flags)
	case !lru && percpuLRU:
		return specError(s, syscall.EINVAL, "flag BPF_F_NO_COMMON_LRU is only for LRU maps")
	case lru && s.Flags&FlagNoPrealloc != 0:
		return specError(s, ENOTSUPP, "LRU maps are always preallocated")
	case s.Flags&FlagNumaNode != 0 && (percpu || percpuLRU):
		return specError(s, syscall.EINVAL, "per-CPU maps take no NUMA node")
	case s.MaxEntries == 0:
		return specError(s, syscall.EINVAL, "max_entries is 0")
	case s.KeySize == 0:
		return specError(s, syscall.EINVAL, "key_size is 0")
	case s.ValueSize == 0:
		return specError(s, syscall.EINVAL, "value_size is 0")
	case uint64(s.KeySize)+uint64(s.ValueSize) >= kmallocMaxSize-htabElemSize:
		return specError(s, syscall.E2BIG, "key_size %d plus value_size %d is too large", s.KeySize, s.ValueSize)
	case percpu && round8(s.ValueSize) > pcpuMinUnitSize:
		return specError(s, syscall.E2BIG, "per-CPU value_size %d is larger than %d", s.ValueSize, pcpuMinUnitSize)
	}
	if percpuLRU {
		// Each CPU gets an LRU list of the same length, at least 1.
		n := uint64(PossibleCPUs())
		entries := (uint64(s.MaxEntries) + n - 1) / n * n
		if entries > 1<<32-1 {
			entries = uint64(s.MaxEntries) / n * n
		}
		s.MaxEntries = uint32(entries)
	}
	if s.MaxEntries > 1<<31 {
		return specError(s, syscall.E2BIG, "max_entries %d is larger than 2^31", s.MaxEntries)
	}
	return nil
}

// checkQueueStack is queue_stack_map_alloc_check.
func checkQueueStack(s *Spec) error {
	const mask = FlagNumaNode | accessFlags
	switch {
	case s.MaxEntries == 0:
		return specError(s, syscall.EINVAL, "max_entries is 0")
	case s.KeySize != 0:
		return specError(s, syscall.EINVAL, "key_size is %d, must be 0", s.KeySize)
	case s.ValueSize == 0:
		return specError(s, syscall.EINVAL, "value_size is 0")
	case s.Flags&^mask != 0 || !flagsAccessOK(s.Flags):
		return specError(s, syscall.EINVAL, "invalid flags %#x", s.Flags)
	case s.ValueSize > kmallocMaxSize:
		return specError(s, syscall.E2BIG, "value_size %d is too large", s.ValueSize)
	}
	return nil
}

// checkRingBuf holds the checks of ringbuf_map_alloc.
func checkRingBuf(s *Spec) error {
	switch {
	case s.Flags&^FlagNumaNode != 0:
		return specError(s, syscall.EINVAL, "invalid flags %#x", s.Flags)
	case s.KeySize != 0 || s.ValueSize != 0:
		return specError(s, syscall.EINVAL, "key_size and value_size must be 0")
	case bits.OnesCount32(s.MaxEntries) != 1 || s.MaxEntries%pageSize != 0:
		return specError(s, syscall.EINVAL, "max_entries %d is not a power-of-2 multiple of the page size %d", s.MaxEntries, pageSize)
	}
	return nil
}

// checkRedirect holds the checks of dev_map_alloc_check, cpu_map_alloc and
// xsk_map_alloc.
func checkRedirect(s *Spec) error {
	mask := FlagNumaNode | FlagRdonly | FlagWronly
	sizes := "4 or 8"
	switch s.Type {
	case TypeCPUMap:
		mask = FlagNumaNode
	case TypeXSKMap:
		sizes = "4"
	}
	switch {
	case s.MaxEntries == 0:
		return specError(s, syscall.EINVAL, "max_entries is 0")
	case s.KeySize != 4:
		return specError(s, syscall.EINVAL, "key_size is %d, must be 4", s.KeySize)
	case s.ValueSize != 4 && (s.ValueSize != 8 || s.Type == TypeXSKMap):
		return specError(s, syscall.EINVAL, "value_size is %d, must be %s", s.ValueSize, sizes)
	case s.Flags&^mask != 0:
		return specError(s, syscall.EINVAL, "invalid flags %#x", s.Flags)
	case s.Type == TypeCPUMap && s.MaxEntries > nrCPUs:
		return specError(s, syscall.E2BIG, "max_entries %d is larger than NR_CPUS %d", s.MaxEntries, nrCPUs)
	}
	if s.Type == TypeDevMap {
		// dev_map_init_map: a lookup returns the entry itself, which
		// programs may not write.
		s.Flags |= FlagRdonlyProg
	}
	return nil
}

// checkBTF is the size check of map_check_btf for the maps whose BTF the
// kernel reads (arrays and hash maps): the key and value types must have
// the sizes of the key and the value.
func checkBTF(s *Spec) error {
	switch s.Type {
	case TypeArray, TypePerCPUArray, TypeHash, TypePerCPUHash, TypeLRUHash, TypeLRUPerCPUHash:
	default:
		return nil
	}
	for _, c := range []struct {
		what string
		typ  btf.Type
		size uint32
	}{{"key", s.Key, s.KeySize}, {"value", s.Value, s.ValueSize}} {
		if c.typ == nil {
			continue
		}
		n, err := btf.Sizeof(c.typ)
		if err != nil {
			return specError(s, syscall.EINVAL, "%s type %s: %v", c.what, c.typ, err)
		}
		if uint32(n) != c.size {
			return specError(s, syscall.EINVAL, "%s type %s is %d bytes, %s_size is %d", c.what, c.typ, n, c.what, c.size)
		}
	}
	return nil
}

// checkInner is bpf_map_meta_alloc: the template of a map of maps must be
// a valid map that may be an inner map.
func checkInner(s *Spec, inner *Spec) error {
	if inner == nil {
		return specError(s, syscall.EINVAL, "a map of maps needs an inner map template")
	}
	if inner.Type == TypeArrayOfMaps || inner.Type == TypeHashOfMaps {
		return specError(s, syscall.EINVAL, "inner map %s is itself a map of maps", inner.Name)
	}
	if inner.Type == TypeProgArray {
		return specError(s, ENOTSUPP, "inner map %s is a prog array", inner.Name)
	}
	if _, _, err := normalize(*inner); err != nil {
		return fmt.Errorf("map %s: inner map: %w", s.Name, err)
	}
	return nil
}

func round8(n uint32) uint32 { return (n + 7) &^ 7 }
