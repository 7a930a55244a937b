package maps

import "syscall"

// KernelOnly is a map whose entries only the kernel can make: a
// cgroup_array holds cgroups that user space opens, a stack_trace map the
// stacks bpf_get_stackid records. The VM creates such maps, so that a
// collection holding one loads, and keeps them empty; the helpers that
// fill or use them are not in the VM, which refuses programs calling them
// by name.
type KernelOnly struct {
	*common
}

func newKernelOnly(c *common) (*KernelOnly, error) {
	c.describe(0, c.spec.ValueSize, 1)
	return &KernelOnly{common: c}, nil
}

// checkStackTrace is stack_map_alloc's check: u32 keys, values of whole
// u64 instruction pointers.
func checkStackTrace(s *Spec) error {
	const mask = FlagNumaNode | accessFlags | FlagStackBuildID
	switch {
	case s.Flags&^mask != 0:
		return specError(s, syscall.EINVAL, "invalid flags %#x", s.Flags)
	case s.MaxEntries == 0:
		return specError(s, syscall.EINVAL, "max_entries is 0")
	case s.KeySize != 4:
		return specError(s, syscall.EINVAL, "key_size is %d, must be 4", s.KeySize)
	case s.ValueSize < 8 || s.ValueSize%8 != 0:
		return specError(s, syscall.EINVAL, "value_size is %d, must be a multiple of 8", s.ValueSize)
	}
	return nil
}

// LookupUser finds nothing in a stack trace map (ENOENT); a cgroup
// array, as every fd array but the prog array, cannot be read from user
// space (ENOTSUPP).
func (k *KernelOnly) LookupUser(key []byte, flags uint64) ([]byte, error) {
	if err := k.lookupChecks(flags); err != nil {
		return nil, err
	}
	if err := k.checkKey(key); err != nil {
		return nil, err
	}
	if k.spec.Type == TypeCgroupArray {
		return nil, ENOTSUPP
	}
	return nil, syscall.ENOENT
}

// UpdateUser fails: a stack trace map takes no updates from user space
// (EINVAL), and the VM has no cgroups to store (EOPNOTSUPP, after the
// checks of an fd array).
func (k *KernelOnly) UpdateUser(key, value []byte, flags uint64) error {
	if k.spec.Type == TypeStackTrace {
		return syscall.EINVAL
	}
	if _, err := fdArrayUpdateChecks(k.common, key, value, flags); err != nil {
		return err
	}
	return syscall.EOPNOTSUPP
}

// DeleteUser finds nothing to delete.
func (k *KernelOnly) DeleteUser(key []byte) error {
	if k.spec.Type == TypeStackTrace {
		if err := k.checkKey(key); err != nil {
			return err
		}
		return syscall.ENOENT
	}
	return fdArrayDelete(k.common, key, func(uint32) bool { return false })
}

// NextKey walks the indexes of a cgroup array, as for every array; a
// stack trace map has no keys.
func (k *KernelOnly) NextKey(key []byte) ([]byte, error) {
	if k.spec.Type == TypeStackTrace {
		return nil, syscall.ENOENT
	}
	return arrayNextKey(k.common, key)
}

// Close frees the map's memory.
func (k *KernelOnly) Close() error { return k.closeMap(k) }
