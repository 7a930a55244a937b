package maps

import (
	"sync"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// TestSpinLock has goroutines increment a counter in a map value under
// the value's bpf_spin_lock, as programs do with bpf_spin_lock and
// bpf_spin_unlock, while user space reads and writes it with BPF_F_LOCK.
func TestSpinLock(t *testing.T) {
	u32t := &btf.Int{Name: "u32", Size: 4}
	u64t := &btf.Int{Name: "u64", Size: 8}
	lock := &btf.Struct{Name: "bpf_spin_lock", Size: 4, Members: []btf.Member{{Name: "val", Type: u32t}}}
	inner := &btf.Struct{Name: "guarded", Size: 8, Members: []btf.Member{{Name: "lock", Type: lock, Offset: 32}}}
	value := &btf.Struct{Name: "value", Size: 16, Members: []btf.Member{
		{Name: "g", Type: inner}, // the lock is at byte 4, nested
		{Name: "count", Type: u64t, Offset: 64},
	}}
	m := mustNew(t, Spec{Name: "locked", Type: TypeHash, KeySize: 4, ValueSize: 16, MaxEntries: 1, Value: value})
	if err := m.UpdateUser(u32(0), make([]byte, 16), 0); err != nil {
		t.Fatal(err)
	}
	addr, ok := m.Lookup(u32(0), 0)
	if !ok {
		t.Fatal("lookup failed")
	}
	const workers, rounds = 8, 1000
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				SpinLock(addr + 4)
				v := read(addr+8, 8)
				ne.PutUint64(v, ne.Uint64(v)+1)
				SpinUnlock(addr + 4)
			}
		}()
	}
	for range 100 {
		v, err := m.LookupUser(u32(0), UpdateLock)
		if err != nil {
			t.Fatal(err)
		}
		if ne.Uint32(v[4:]) != 0 {
			t.Fatalf("lookup shows the lock word %x", v[4:8])
		}
	}
	wg.Wait()
	v, err := m.LookupUser(u32(0), UpdateLock)
	if err != nil {
		t.Fatal(err)
	}
	if got := ne.Uint64(v[8:]); got != workers*rounds {
		t.Errorf("count %d, want %d", got, workers*rounds)
	}
	if err := m.Freeze(); err != ENOTSUPP {
		t.Errorf("Freeze of a map with a spin lock = %v, want ENOTSUPP", err)
	}
}
