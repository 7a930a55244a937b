package maps

import (
	"bytes"
	"slices"
	"syscall"
	"testing"

	"github.com/bpfld/bpfld/runtime/mem"
)

func TestArrayProgram(t *testing.T) {
	ncpu := PossibleCPUs()
	for _, typ := range []Type{TypeArray, TypePerCPUArray} {
		t.Run(typ.String(), func(t *testing.T) {
			m := mustNew(t, Spec{Name: "a", Type: typ, KeySize: 4, ValueSize: 6, MaxEntries: 4})
			percpu := typ == TypePerCPUArray
			last := ncpu - 1
			tests := []struct {
				name  string
				key   []byte
				value []byte
				flags uint64
				cpu   int
				err   syscall.Errno
			}{
				{"any", u32(1), []byte("abcdef"), UpdateAny, last, 0},
				{"exist", u32(2), []byte("ghijkl"), UpdateExist, 0, 0},
				{"noexist", u32(2), []byte("xxxxxx"), UpdateNoExist, 0, syscall.EEXIST},
				{"past the end", u32(4), []byte("xxxxxx"), UpdateAny, 0, syscall.E2BIG},
				{"bad flags", u32(1), []byte("xxxxxx"), 3, 0, syscall.EINVAL},
				{"lock without a spin lock", u32(1), []byte("xxxxxx"), UpdateLock, 0, syscall.EINVAL},
			}
			for _, tt := range tests {
				if got := m.Update(tt.key, tt.value, tt.flags, tt.cpu); errnoOf(t, got) != tt.err {
					t.Errorf("%s: Update = %v, want %v", tt.name, got, tt.err)
				}
			}
			// The value is where Lookup says, in place and 8-byte strided.
			addr, ok := m.Lookup(u32(1), last)
			if !ok || !bytes.Equal(read(addr, 6), []byte("abcdef")) {
				t.Fatalf("Lookup(1) = %#x, %v", addr, ok)
			}
			if addr%8 != 0 {
				t.Errorf("value address %#x is not 8-byte aligned", addr)
			}
			if err := mem.Check(addr, 6, true); err != nil {
				t.Errorf("program cannot write its value: %v", err)
			}
			a0, _ := m.Lookup(u32(0), last)
			stride := uint64(8)
			if percpu {
				stride *= uint64(ncpu)
			}
			if addr-a0 != stride {
				t.Errorf("element stride %d, want %d", addr-a0, stride)
			}
			if _, ok := m.Lookup(u32(4), 0); ok {
				t.Error("Lookup past max_entries found an element")
			}
			if v, ok := m.(*Array).Value(1, last); !ok || string(v) != "abcdef" {
				t.Errorf("Value(1) = %q, %v", v, ok)
			}
			if _, ok := m.(*Array).Value(4, 0); ok {
				t.Error("Value past max_entries")
			}
			if percpu {
				if _, ok := m.Lookup(u32(0), ncpu); ok {
					t.Error("Lookup on a CPU past the possible CPUs found an element")
				}
			}
			// User space sees every CPU's value, each rounded to 8 bytes.
			got, err := m.LookupUser(u32(1), 0)
			if err != nil {
				t.Fatal(err)
			}
			want := []byte("abcdef")
			if percpu {
				want = make([]byte, 8*ncpu)
				copy(want[8*last:], "abcdef")
			}
			if !bytes.Equal(got, want) {
				t.Errorf("LookupUser(1) = %q, want %q", got, want)
			}
			if err := m.Delete(u32(1)); err != syscall.EINVAL {
				t.Errorf("Delete = %v, want EINVAL", err)
			}
		})
	}
}

func TestArrayReadOnlyForPrograms(t *testing.T) {
	// .rodata: a one-element array programs may not write, filled by user
	// space and then frozen.
	m := mustNew(t, Spec{Name: ".rodata", Type: TypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 1, Flags: FlagRdonlyProg})
	if err := m.UpdateUser(u32(0), []byte("config!!"), 0); err != nil {
		t.Fatal(err)
	}
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if err := m.UpdateUser(u32(0), []byte("changed!"), 0); err != syscall.EPERM {
		t.Errorf("UpdateUser after Freeze = %v, want EPERM", err)
	}
	if err := m.Update(u32(0), []byte("changed!"), 0, 0); err != syscall.EPERM {
		t.Errorf("program Update = %v, want EPERM", err)
	}
	addr, ok := m.Lookup(u32(0), 0)
	if !ok || !bytes.Equal(read(addr, 8), []byte("config!!")) {
		t.Fatalf("Lookup = %#x, %v", addr, ok)
	}
	if err := mem.Check(addr, 8, false); err != nil {
		t.Error(err)
	}
	if err := mem.Check(addr, 1, true); err == nil {
		t.Error("programs may write .rodata")
	}
}

func TestArrayForEach(t *testing.T) {
	m := mustNew(t, Spec{Name: "a", Type: TypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 5})
	for i := range uint32(5) {
		if err := m.UpdateUser(u32(i), u32(10*i), 0); err != nil {
			t.Fatal(err)
		}
	}
	var seen []uint32
	n, err := m.ForEach(0, 0, func(key, value uint64) bool {
		k := ne.Uint32(read(key, 4))
		seen = append(seen, k, ne.Uint32(read(value, 4)))
		return k == 2
	})
	if err != nil || n != 3 {
		t.Fatalf("ForEach = %d, %v", n, err)
	}
	if want := []uint32{0, 0, 1, 10, 2, 20}; !slices.Equal(seen, want) {
		t.Errorf("ForEach saw %v, want %v", seen, want)
	}
	if _, err := m.ForEach(1, 0, func(_, _ uint64) bool { return false }); err != syscall.EINVAL {
		t.Errorf("ForEach with flags = %v", err)
	}
}
