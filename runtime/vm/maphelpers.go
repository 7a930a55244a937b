package vm

import (
	"syscall"

	"github.com/bpfld/bpfld/interp"
	"github.com/bpfld/bpfld/runtime/maps"
)

// mapArg returns the map whose pointer a program passed to helper name,
// or stops the run.
func mapArg(m *interp.Machine, name string, ptr uint64) (maps.Map, bool) {
	mp, ok := maps.ByPointer(ptr)
	if !ok {
		fail(m, name, "%#x is not a map", ptr)
	}
	return mp, ok
}

// mapKeyArgs returns the map and the key a program passed to a helper that
// takes both.
func mapKeyArgs(m *interp.Machine, name string, pmap, pkey uint64) (maps.Map, []byte, bool) {
	mp, ok := mapArg(m, name, pmap)
	if !ok {
		return nil, nil, false
	}
	key, ok := argBytes(m, name, pkey, int(mp.KeySize()), false)
	return mp, key, ok
}

// bpf_map_lookup_elem(map, key): the value's address, or NULL.
func mapLookupElem(m *interp.Machine, pmap, pkey, _, _, _ uint64) uint64 {
	const name = "bpf_map_lookup_elem"
	mp, key, ok := mapKeyArgs(m, name, pmap, pkey)
	if !ok {
		return 0
	}
	addr, _ := mp.Lookup(key, int(m.CPU))
	return addr
}

// bpf_map_lookup_percpu_elem(map, key, cpu): the value of another CPU.
func mapLookupPercpuElem(m *interp.Machine, pmap, pkey, cpu, _, _ uint64) uint64 {
	const name = "bpf_map_lookup_percpu_elem"
	mp, key, ok := mapKeyArgs(m, name, pmap, pkey)
	if !ok {
		return 0
	}
	if uint32(cpu) >= uint32(maps.PossibleCPUs()) {
		return 0
	}
	addr, _ := mp.Lookup(key, int(uint32(cpu)))
	return addr
}

// bpf_map_update_elem(map, key, value, flags).
func mapUpdateElem(m *interp.Machine, pmap, pkey, pvalue, flags, _ uint64) uint64 {
	const name = "bpf_map_update_elem"
	mp, key, ok := mapKeyArgs(m, name, pmap, pkey)
	if !ok {
		return 0
	}
	value, ok := argBytes(m, name, pvalue, int(mp.ValueSize()), false)
	if !ok {
		return 0
	}
	return errno(mp.Update(key, value, flags, int(m.CPU)))
}

// bpf_map_delete_elem(map, key).
func mapDeleteElem(m *interp.Machine, pmap, pkey, _, _, _ uint64) uint64 {
	const name = "bpf_map_delete_elem"
	mp, key, ok := mapKeyArgs(m, name, pmap, pkey)
	if !ok {
		return 0
	}
	return errno(mp.Delete(key))
}

// bpf_map_push_elem(map, value, flags).
func mapPushElem(m *interp.Machine, pmap, pvalue, flags, _, _ uint64) uint64 {
	const name = "bpf_map_push_elem"
	mp, ok := mapArg(m, name, pmap)
	if !ok {
		return 0
	}
	value, ok := argBytes(m, name, pvalue, int(mp.ValueSize()), false)
	if !ok {
		return 0
	}
	return errno(mp.Push(value, flags))
}

// bpf_map_pop_elem(map, value).
func mapPopElem(m *interp.Machine, pmap, pvalue, _, _, _ uint64) uint64 {
	return popPeek(m, "bpf_map_pop_elem", pmap, pvalue, true)
}

// bpf_map_peek_elem(map, value).
func mapPeekElem(m *interp.Machine, pmap, pvalue, _, _, _ uint64) uint64 {
	return popPeek(m, "bpf_map_peek_elem", pmap, pvalue, false)
}

func popPeek(m *interp.Machine, name string, pmap, pvalue uint64, pop bool) uint64 {
	mp, ok := mapArg(m, name, pmap)
	if !ok {
		return 0
	}
	value, ok := argBytes(m, name, pvalue, int(mp.ValueSize()), true)
	if !ok {
		return 0
	}
	if pop {
		return errno(mp.Pop(value))
	}
	return errno(mp.Peek(value))
}

// bpf_spin_lock(lock): the run remembers the lock it holds, which the
// kernel's verifier makes sure is released before the program exits.
func spinLock(m *interp.Machine, lock, _, _, _, _ uint64) uint64 {
	const name = "bpf_spin_lock"
	if _, ok := argBytes(m, name, lock, 4, true); !ok {
		return 0
	}
	r := env(m)
	switch {
	case lock%4 != 0:
		return fail(m, name, "lock %#x is not 4-byte aligned", lock)
	case r.locked != 0:
		return fail(m, name, "already holding the lock at %#x", r.locked)
	}
	maps.SpinLock(lock)
	r.locked = lock
	return 0
}

// bpf_spin_unlock(lock).
func spinUnlock(m *interp.Machine, lock, _, _, _, _ uint64) uint64 {
	r := env(m)
	if r.locked != lock {
		return fail(m, "bpf_spin_unlock", "lock %#x is not held", lock)
	}
	unlockSpin(lock)
	r.locked = 0
	return 0
}

func unlockSpin(lock uint64) { maps.SpinUnlock(lock) }

// bpf_for_each_map_elem(map, callback, ctx, flags): the number of
// elements visited.
func forEachMapElem(m *interp.Machine, pmap, fn, cbctx, flags, _ uint64) uint64 {
	mp, ok := mapArg(m, "bpf_for_each_map_elem", pmap)
	if !ok {
		return 0
	}
	if flags != 0 {
		return negErrno(syscall.EINVAL)
	}
	n, err := mp.ForEach(flags, int(m.CPU), func(key, value uint64) bool {
		ret, err := m.Callback(fn, pmap, key, value, cbctx, 0)
		return err != nil || ret != 0
	})
	if err != nil {
		return errno(err)
	}
	return uint64(n)
}

// maxLoops is BPF_MAX_LOOPS, the most iterations bpf_loop runs.
const maxLoops = 1 << 23

// bpf_loop(nr_loops, callback, ctx, flags): the number of iterations run,
// the last one included when the callback returned 1 to stop. nr_loops is
// checked as a 64-bit value, as the verifier's inlined bpf_loop does
// (the helper itself would truncate it to 32 bits).
func loop(m *interp.Machine, nr, fn, cbctx, flags, _ uint64) uint64 {
	switch {
	case flags != 0:
		return negErrno(syscall.EINVAL)
	case nr > maxLoops:
		return negErrno(syscall.E2BIG)
	}
	for i := uint64(0); i < nr; i++ {
		ret, err := m.Callback(fn, i, cbctx, 0, 0, 0)
		if err != nil {
			return 0
		}
		if ret != 0 {
			return i + 1
		}
	}
	return nr
}
