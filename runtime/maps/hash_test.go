package maps

import (
	"bytes"
	"fmt"
	"slices"
	"syscall"
	"testing"
)

func TestHashProgram(t *testing.T) {
	for _, flags := range []uint32{0, FlagNoPrealloc} {
		t.Run(fmt.Sprintf("flags%#x", flags), func(t *testing.T) {
			m := mustNew(t, Spec{Name: "h", Type: TypeHash, KeySize: 4, ValueSize: 4, MaxEntries: 2, Flags: flags})
			steps := []struct {
				do    string
				key   uint32
				value uint32
				flags uint64
				err   syscall.Errno
			}{
				{"lookup", 1, 0, 0, syscall.ENOENT},
				{"update", 1, 10, UpdateNoExist, 0},
				{"update", 1, 11, UpdateNoExist, syscall.EEXIST},
				{"update", 2, 20, UpdateExist, syscall.ENOENT},
				{"update", 2, 20, UpdateAny, 0},
				{"update", 3, 30, UpdateAny, syscall.E2BIG},
				{"update", 1, 12, UpdateExist, 0}, // replacing works in a full map
				{"lookup", 1, 12, 0, 0},
				{"delete", 3, 0, 0, syscall.ENOENT},
				{"delete", 2, 0, 0, 0},
				{"update", 3, 30, UpdateAny, 0},
				{"lookup", 3, 30, 0, 0},
			}
			for i, s := range steps {
				var err error
				switch s.do {
				case "lookup":
					addr, ok := m.Lookup(u32(s.key), 0)
					if !ok {
						err = syscall.ENOENT
					} else if got := ne.Uint32(read(addr, 4)); got != s.value {
						t.Errorf("step %d: value %d, want %d", i, got, s.value)
					}
				case "update":
					err = m.Update(u32(s.key), u32(s.value), s.flags, 0)
				case "delete":
					err = m.Delete(u32(s.key))
				}
				if errnoOf(t, err) != s.err {
					t.Errorf("step %d %s %d: %v, want %v", i, s.do, s.key, err, s.err)
				}
			}
		})
	}
}

func TestHashReplaceAndInPlace(t *testing.T) {
	// A hash map update replaces the element, as the kernel's does; a
	// per-CPU hash map updates in place.
	h := mustNew(t, Spec{Name: "h", Type: TypeHash, KeySize: 4, ValueSize: 8, MaxEntries: 4})
	p := mustNew(t, Spec{Name: "p", Type: TypePerCPUHash, KeySize: 4, ValueSize: 8, MaxEntries: 4})
	for _, c := range []struct {
		m       Map
		inPlace bool
	}{{h, false}, {p, true}} {
		c.m.Update(u32(1), fill(8, 1), 0, 0)
		a1, _ := c.m.Lookup(u32(1), 0)
		c.m.Update(u32(1), fill(8, 2), 0, 0)
		a2, _ := c.m.Lookup(u32(1), 0)
		if (a1 == a2) != c.inPlace {
			t.Errorf("%s: address %#x then %#x", c.m.Type(), a1, a2)
		}
		if !bytes.Equal(read(a2, 8), fill(8, 2)) {
			t.Errorf("%s: value %x", c.m.Type(), read(a2, 8))
		}
	}
}

func TestPerCPUHashProgram(t *testing.T) {
	ncpu := PossibleCPUs()
	for _, typ := range []Type{TypePerCPUHash, TypeLRUPerCPUHash} {
		t.Run(typ.String(), func(t *testing.T) {
			m := mustNew(t, Spec{Name: "p", Type: typ, KeySize: 4, ValueSize: 4, MaxEntries: 4})
			all := fill(8*ncpu, 0xee)
			if err := m.UpdateUser(u32(1), all, 0); err != nil {
				t.Fatal(err)
			}
			// A program updates its own CPU's value only.
			cpu := ncpu - 1
			if err := m.Update(u32(1), u32(7), UpdateExist, cpu); err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(all)
			copy(want[8*cpu:], u32(7))
			if got, _ := m.LookupUser(u32(1), 0); !bytes.Equal(got, want) {
				t.Errorf("after program update: %x, want %x", got, want)
			}
			// A new element from a program starts zeroed on other CPUs.
			if err := m.Update(u32(2), u32(9), UpdateNoExist, cpu); err != nil {
				t.Fatal(err)
			}
			want = make([]byte, 8*ncpu)
			copy(want[8*cpu:], u32(9))
			if got, _ := m.LookupUser(u32(2), 0); !bytes.Equal(got, want) {
				t.Errorf("new element: %x, want %x", got, want)
			}
			addr, ok := m.Lookup(u32(2), cpu)
			if !ok || ne.Uint32(read(addr, 4)) != 9 {
				t.Errorf("Lookup on CPU %d = %#x, %v", cpu, addr, ok)
			}
			if _, ok := m.Lookup(u32(2), ncpu); ok {
				t.Error("Lookup on a CPU past the possible CPUs")
			}
		})
	}
}

func TestLRUEviction(t *testing.T) {
	for _, typ := range []Type{TypeLRUHash, TypeLRUPerCPUHash} {
		t.Run(typ.String(), func(t *testing.T) {
			const n = 8
			m := mustNew(t, Spec{Name: "l", Type: typ, KeySize: 4, ValueSize: 4, MaxEntries: n})
			for k := range uint32(n) {
				if err := m.Update(u32(k), u32(k), UpdateNoExist, 0); err != nil {
					t.Fatal(err)
				}
			}
			// Programs use the first half; new keys evict the rest.
			for k := range uint32(n / 2) {
				if _, ok := m.Lookup(u32(k), 0); !ok {
					t.Fatalf("key %d missing", k)
				}
			}
			for k := uint32(100); k < 100+n/2; k++ {
				if err := m.Update(u32(k), u32(k), UpdateNoExist, 0); err != nil {
					t.Fatalf("update of a full LRU map: %v", err)
				}
			}
			keys := userKeys(t, m)
			if len(keys) != n {
				t.Fatalf("%d keys after eviction, want %d: %v", len(keys), n, keys)
			}
			for k := range uint32(n / 2) {
				if !slices.Contains(keys, k) {
					t.Errorf("recently used key %d was evicted: %v", k, keys)
				}
			}
		})
	}
}

func TestLRUUpdateEvictsFirst(t *testing.T) {
	// Like the kernel, an LRU hash map takes a free element before it
	// checks the flags: in a full map even a failed update evicts.
	m := mustNew(t, Spec{Name: "l", Type: TypeLRUHash, KeySize: 4, ValueSize: 4, MaxEntries: 2})
	m.UpdateUser(u32(1), u32(1), 0)
	m.UpdateUser(u32(2), u32(2), 0)
	if err := m.UpdateUser(u32(3), u32(3), UpdateExist); err != syscall.ENOENT {
		t.Fatalf("update EXIST of a missing key = %v", err)
	}
	if keys := userKeys(t, m); len(keys) != 1 {
		t.Errorf("keys %v, want one left", keys)
	}
}

// userKeys lists a map's u32 keys with NextKey.
func userKeys(t *testing.T, m Map) []uint32 {
	t.Helper()
	var keys []uint32
	var key []byte
	for {
		next, err := m.NextKey(key)
		if err == syscall.ENOENT {
			return keys
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, ne.Uint32(next))
		key = next
	}
}

func TestHashNextKeyOrder(t *testing.T) {
	m := mustNew(t, Spec{Name: "h", Type: TypeHash, KeySize: 4, ValueSize: 4, MaxEntries: 16})
	for _, k := range []uint32{5, 3, 9, 1} {
		m.UpdateUser(u32(k), u32(k), 0)
	}
	m.UpdateUser(u32(3), u32(33), 0) // an update keeps the key's place
	m.DeleteUser(u32(9))
	m.UpdateUser(u32(9), u32(9), 0)
	if got, want := userKeys(t, m), []uint32{5, 3, 1, 9}; !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	// A missing key restarts at the first, as the kernel does.
	if next, err := m.NextKey(u32(42)); err != nil || ne.Uint32(next) != 5 {
		t.Errorf("NextKey(missing) = %x, %v", next, err)
	}
}

func TestHashForEachDeletes(t *testing.T) {
	m := mustNew(t, Spec{Name: "h", Type: TypeHash, KeySize: 4, ValueSize: 4, MaxEntries: 16})
	for k := range uint32(6) {
		m.UpdateUser(u32(k), u32(k*k), 0)
	}
	sum := uint32(0)
	n, err := m.ForEach(0, 0, func(key, value uint64) bool {
		k := ne.Uint32(read(key, 4))
		sum += ne.Uint32(read(value, 4))
		if k%2 == 0 {
			// Callbacks may delete, as bpf_for_each_map_elem allows.
			if err := m.Delete(read(key, 4)); err != nil {
				t.Errorf("delete %d: %v", k, err)
			}
		}
		return false
	})
	if err != nil || n != 6 || sum != 0+1+4+9+16+25 {
		t.Errorf("ForEach = %d, %v, sum %d", n, err, sum)
	}
	if got := userKeys(t, m); !slices.Equal(got, []uint32{1, 3, 5}) {
		t.Errorf("keys left %v", got)
	}
}

func TestHashOfMaps(t *testing.T) {
	inner := Spec{Name: "inner", Type: TypeHash, KeySize: 4, ValueSize: 8, MaxEntries: 4}
	outer := mustNew(t, Spec{Name: "outer", Type: TypeHashOfMaps, KeySize: 8, ValueSize: 4, MaxEntries: 2, Inner: &inner})
	a := mustNew(t, inner)
	key := []byte("tenant-1")
	if err := outer.UpdateUser(key, u32(a.ID()), UpdateNoExist); err != nil {
		t.Fatal(err)
	}
	if p, ok := outer.Lookup(key, 0); !ok || p != a.Pointer() {
		t.Errorf("Lookup = %#x, %v, want %#x", p, ok, a.Pointer())
	}
	if got, err := outer.LookupUser(key, 0); err != nil || ne.Uint32(got) != a.ID() {
		t.Errorf("LookupUser = %x, %v", got, err)
	}
	if err := outer.Update(key, u32(a.ID()), 0, 0); err != syscall.EOPNOTSUPP {
		t.Errorf("program Update = %v, want EOPNOTSUPP", err)
	}
	if err := outer.DeleteUser(key); err != nil {
		t.Fatal(err)
	}
	if _, ok := outer.Lookup(key, 0); ok {
		t.Error("deleted inner map still found")
	}
}
