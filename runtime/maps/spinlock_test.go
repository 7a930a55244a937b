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

// TestGlobalDataSpinLock finds a bpf_spin_lock declared as a global
// variable: the value type of a .data map is its BTF section.
func TestGlobalDataSpinLock(t *testing.T) {
	u32t := &btf.Int{Name: "u32", Size: 4}
	lock := &btf.Struct{Name: "bpf_spin_lock", Size: 4, Members: []btf.Member{{Name: "val", Type: u32t}}}
	ds := &btf.Datasec{Name: ".data", Size: 8, Vars: []btf.VarSecinfo{
		{Type: &btf.Var{Name: "counter", Type: u32t}, Offset: 0, Size: 4},
		{Type: &btf.Var{Name: "glock", Type: lock}, Offset: 4, Size: 4},
	}}
	m := mustNew(t, Spec{Name: ".data", Type: TypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 1, Value: ds})
	if got := m.shared().lock; got != 4 {
		t.Errorf("lock at %d, want 4", got)
	}
	if err := m.UpdateUser(u32(0), fill(8, 0xff), 0); err != nil {
		t.Fatal(err)
	}
	addr, _ := m.Lookup(u32(0), 0)
	if got := read(addr, 8); ne.Uint32(got) != 0xffffffff || ne.Uint32(got[4:]) != 0 {
		t.Errorf("value %x: the lock word must not be written", got)
	}
	bad := Spec{Name: ".data", Type: TypeArray, KeySize: 4, ValueSize: 16, MaxEntries: 1, Value: ds}
	if _, err := New(bad); err == nil || err.Error() != "map .data (array): value type Datasec:\".data\" is 8 bytes, value_size is 16: invalid argument" {
		t.Errorf("New with a mismatched value type: %v", err)
	}
}
