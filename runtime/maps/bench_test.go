package maps

import (
	"fmt"
	"testing"
)

func BenchmarkArrayLookup(b *testing.B) {
	for _, typ := range []Type{TypeArray, TypePerCPUArray} {
		b.Run(typ.String(), func(b *testing.B) {
			m := mustNew(b, Spec{Name: "a", Type: typ, KeySize: 4, ValueSize: 8, MaxEntries: 1024})
			key := u32(513)
			for b.Loop() {
				if _, ok := m.Lookup(key, 0); !ok {
					b.Fatal("not found")
				}
			}
		})
	}
}

func BenchmarkHashLookup(b *testing.B) {
	for _, c := range []struct {
		typ     Type
		keySize uint32
	}{{TypeHash, 4}, {TypeHash, 16}, {TypePerCPUHash, 4}, {TypeLRUHash, 4}} {
		b.Run(fmt.Sprintf("%s/key%d", c.typ, c.keySize), func(b *testing.B) {
			const n = 1024
			m := mustNew(b, Spec{Name: "h", Type: c.typ, KeySize: c.keySize, ValueSize: 8, MaxEntries: n})
			value := make([]byte, 8)
			keys := make([][]byte, n)
			for i := range keys {
				keys[i] = make([]byte, c.keySize)
				ne.PutUint32(keys[i], uint32(i)*2654435761)
				if err := m.Update(keys[i], value, 0, 0); err != nil {
					b.Fatal(err)
				}
			}
			i := 0
			for b.Loop() {
				if _, ok := m.Lookup(keys[i%n], 0); !ok {
					b.Fatal("not found")
				}
				i++
			}
		})
	}
}

func BenchmarkHashLookupParallel(b *testing.B) {
	const n = 1024
	m := mustNew(b, Spec{Name: "h", Type: TypeHash, KeySize: 4, ValueSize: 8, MaxEntries: n})
	for i := range uint32(n) {
		m.Update(u32(i), make([]byte, 8), 0, 0)
	}
	b.RunParallel(func(pb *testing.PB) {
		key := make([]byte, 4)
		i := uint32(0)
		for pb.Next() {
			ne.PutUint32(key, i%n)
			if _, ok := m.Lookup(key, 0); !ok {
				b.Error("not found")
				return
			}
			i++
		}
	})
}

func BenchmarkHashUpdate(b *testing.B) {
	const n = 1024
	m := mustNew(b, Spec{Name: "h", Type: TypeHash, KeySize: 4, ValueSize: 8, MaxEntries: n})
	value := make([]byte, 8)
	key := make([]byte, 4)
	i := uint32(0)
	for b.Loop() {
		ne.PutUint32(key, i%n)
		if err := m.Update(key, value, 0, 0); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkProgArrayGet(b *testing.B) {
	p := mustNew(b, Spec{Name: "jmp", Type: TypeProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 8}).(*ProgArray)
	p.UpdateUser(u32(3), u32(42), 0)
	for b.Loop() {
		if p.Get(3) != 42 {
			b.Fatal("wrong slot")
		}
	}
}

func BenchmarkByPointer(b *testing.B) {
	var ptrs []uint64
	for range 16 {
		ptrs = append(ptrs, mustNew(b, Spec{Name: "a", Type: TypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 1}).Pointer())
	}
	i := 0
	for b.Loop() {
		if _, ok := ByPointer(ptrs[i%len(ptrs)]); !ok {
			b.Fatal("not found")
		}
		i++
	}
}
