package maps

import (
	"runtime"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/cilium/ebpf/btf"
)

// SpinLock takes the bpf_spin_lock whose 4-byte lock word is at addr, as
// the bpf_spin_lock helper does: it spins (yielding the processor) until
// the word changes from 0 to 1. The caller has checked that addr is a
// writable, 4-byte aligned address inside a map value.
func SpinLock(addr uint64) { lockWord(addr).lock() }

// SpinUnlock releases the bpf_spin_lock at addr (bpf_spin_unlock).
func SpinUnlock(addr uint64) { lockWord(addr).unlock() }

// spinLock is the 4-byte word of a struct bpf_spin_lock.
type spinLock struct{ word atomic.Uint32 }

func lockWord(addr uint64) *spinLock {
	// Map values live outside the Go heap (runtime/mem), so a raw address
	// may be turned into a pointer without the garbage collector caring.
	return *(**spinLock)(unsafe.Pointer(&addr))
}

// lockIn returns the lock word at offset off of a value held in map memory.
func lockIn(value []byte, off int) *spinLock {
	return (*spinLock)(unsafe.Pointer(&value[off]))
}

func (l *spinLock) lock() {
	for !l.word.CompareAndSwap(0, 1) {
		for l.word.Load() != 0 {
			runtime.Gosched()
		}
	}
}

func (l *spinLock) unlock() { l.word.Store(0) }

// spinLockName is the BTF name of the lock struct.
const spinLockName = "bpf_spin_lock"

// findSpinLock locates a struct bpf_spin_lock in the map's value type as
// btf_parse_fields does: in the value struct, in structs nested in it, or
// as a variable of a global data section. It returns -1 when there is none.
func findSpinLock(s *Spec) (int, error) {
	if s.Value == nil {
		return -1, nil
	}
	var offs []uint32
	collectSpinLocks(s.Value, 0, &offs, 0)
	switch {
	case len(offs) == 0:
		return -1, nil
	case len(offs) > 1:
		return -1, specError(s, syscall.E2BIG, "value type %s holds %d bpf_spin_locks, at most one is allowed", s.Value, len(offs))
	case offs[0]%4 != 0:
		return -1, specError(s, syscall.EINVAL, "bpf_spin_lock at offset %d of the value is not 4-byte aligned", offs[0])
	case s.Type != TypeHash && s.Type != TypeArray:
		return -1, specError(s, syscall.EOPNOTSUPP, "bpf_spin_lock is only allowed in hash and array maps")
	}
	return int(offs[0]), nil
}

// collectSpinLocks appends the offsets of the bpf_spin_locks inside typ,
// which sits at byte offset base.
func collectSpinLocks(typ btf.Type, base uint32, offs *[]uint32, depth int) {
	if depth > 8 {
		return
	}
	switch t := btf.UnderlyingType(typ).(type) {
	case *btf.Struct:
		if t.Name == spinLockName && depth > 0 {
			*offs = append(*offs, base)
			return
		}
		for _, m := range t.Members {
			collectSpinLocks(m.Type, base+m.Offset.Bytes(), offs, depth+1)
		}
	case *btf.Datasec:
		for _, v := range t.Vars {
			collectSpinLocks(v.Type, base+v.Offset, offs, depth+1)
		}
	case *btf.Var:
		collectSpinLocks(t.Type, base, offs, depth+1)
	}
}

// copyValue copies a map value as copy_map_value does: everything but the
// bpf_spin_lock word at lock (when lock >= 0), which belongs to the map.
func copyValue(dst, src []byte, lock int) {
	if lock < 0 {
		copy(dst, src)
		return
	}
	copy(dst[:lock], src[:lock])
	copy(dst[lock+4:], src[lock+4:])
}

// copyValueLocked copies a value while holding its spin lock, as
// copy_map_value_locked does for BPF_F_LOCK. mapSide is the value inside
// the map, whose lock is taken.
func copyValueLocked(dst, src, mapSide []byte, lock int) {
	l := lockIn(mapSide, lock)
	l.lock()
	copyValue(dst, src, lock)
	l.unlock()
}

// clearLock zeroes the lock word of a value copied out to user space, as
// check_and_init_map_value does.
func clearLock(value []byte, lock int) {
	if lock >= 0 {
		clear(value[lock : lock+4])
	}
}
