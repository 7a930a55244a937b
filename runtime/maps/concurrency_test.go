package maps

import (
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

// TestConcurrentUse runs 8 goroutines that look up and update an array
// and a hash map and read a prog array as a tail call does, while another
// goroutine rewires the prog array thousands of times. Run it with -race.
// Every slot read must be one of the wirings.
func TestConcurrentUse(t *testing.T) {
	const (
		workers = 8
		rounds  = 2000
		keys    = 64
	)
	arr := mustNew(t, Spec{Name: "counts", Type: TypeArray, KeySize: 4, ValueSize: 8, MaxEntries: keys})
	hash := mustNew(t, Spec{Name: "flows", Type: TypeHash, KeySize: 8, ValueSize: 8, MaxEntries: keys / 2})
	lru := mustNew(t, Spec{Name: "recent", Type: TypeLRUHash, KeySize: 4, ValueSize: 8, MaxEntries: keys / 4})
	jmp := mustNew(t, Spec{Name: "jmp", Type: TypeProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 4}).(*ProgArray)
	// The two wirings: slot i holds 10+i or 20+i; slot 3 is empty or 30.
	wire := func(w uint32) {
		for i := range uint32(3) {
			if err := jmp.UpdateUser(u32(i), u32(10*w+i), 0); err != nil {
				t.Error(err)
			}
		}
		if w == 1 {
			jmp.DeleteUser(u32(3))
		} else {
			jmp.UpdateUser(u32(3), u32(30), 0)
		}
	}
	wire(1)

	var stop atomic.Bool
	var workersWG, others sync.WaitGroup
	for w := range workers {
		workersWG.Add(1)
		go func() {
			defer workersWG.Done()
			key8 := make([]byte, 8)
			for r := range rounds {
				k := uint32(w*rounds+r) % keys
				if addr, ok := arr.Lookup(u32(k), 0); ok {
					// Programs increment counters in place.
					(*atomic.Uint64)(ptrTo(addr)).Add(1)
				} else {
					t.Error("array lookup failed")
				}
				ne.PutUint64(key8, uint64(k))
				hash.Update(key8, key8, UpdateAny, 0)
				if addr, ok := hash.Lookup(key8, 0); ok {
					// As in the kernel's preallocated maps, the element
					// may be replaced and its slot reused for another key
					// right after the lookup: the value is some key's.
					if v := ne.Uint64(read(addr, 8)); v >= keys {
						t.Errorf("hash value %d under key %d", v, k)
					}
				}
				if r%7 == 0 {
					hash.Delete(key8)
				}
				lru.Update(u32(k), key8, UpdateAny, 0)
				lru.Lookup(u32(k), 0)
				for i := range uint32(4) {
					id := jmp.Get(i)
					ok := id == 10+i || id == 20+i || (i == 3 && (id == 0 || id == 30))
					if !ok {
						t.Errorf("slot %d holds %d, which no wiring put there", i, id)
					}
				}
			}
		}()
	}
	others.Add(1)
	go func() {
		defer others.Done()
		for n := 0; !stop.Load() || n < 1000; n++ {
			wire(uint32(1 + n%2))
		}
	}()
	// User space reads the maps meanwhile, as a test step would.
	others.Add(1)
	go func() {
		defer others.Done()
		for !stop.Load() {
			var key []byte
			for {
				next, err := hash.NextKey(key)
				if err != nil {
					break
				}
				hash.LookupUser(next, 0)
				key = next
			}
			arr.LookupUser(u32(0), 0)
		}
	}()
	workersWG.Wait()
	stop.Store(true)
	others.Wait()
	total := uint64(0)
	for k := range uint32(keys) {
		v, err := arr.LookupUser(u32(k), 0)
		if err != nil {
			t.Fatal(err)
		}
		total += ne.Uint64(v)
	}
	if total != workers*rounds {
		t.Errorf("array counters sum to %d, want %d", total, workers*rounds)
	}
	if n := len(userKeys(t, lru)); n > keys/4 {
		t.Errorf("LRU map holds %d elements, max %d", n, keys/4)
	}
}

// ptrTo turns a map address into a pointer.
func ptrTo(addr uint64) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&addr)) }
