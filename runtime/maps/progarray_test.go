package maps

import (
	"syscall"
	"testing"
)

func TestProgArray(t *testing.T) {
	m := mustNew(t, Spec{Name: "jmp", Type: TypeProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 4})
	p := m.(*ProgArray)
	steps := []struct {
		do    string
		key   uint32
		id    uint32
		flags uint64
		err   syscall.Errno
	}{
		{"get", 1, 0, 0, 0},
		{"update", 1, 7, UpdateAny, 0},
		{"get", 1, 7, 0, 0},
		{"update", 1, 8, UpdateNoExist, syscall.EINVAL},
		{"update", 4, 8, UpdateAny, syscall.E2BIG},
		{"update", 2, 0, UpdateAny, syscall.EBADF},
		{"lookup", 1, 7, 0, 0},
		{"lookup", 2, 0, 0, syscall.ENOENT},
		{"lookup", 9, 0, 0, syscall.ENOENT},
		{"get", 9, 0, 0, 0},
		{"delete", 1, 0, 0, 0},
		{"delete", 1, 0, 0, syscall.ENOENT},
		{"delete", 4, 0, 0, syscall.E2BIG},
		{"get", 1, 0, 0, 0},
	}
	for i, s := range steps {
		var err error
		switch s.do {
		case "get":
			if got := p.Get(s.key); got != s.id {
				t.Errorf("step %d: Get(%d) = %d, want %d", i, s.key, got, s.id)
			}
		case "update":
			err = p.UpdateUser(u32(s.key), u32(s.id), s.flags)
		case "lookup":
			var v []byte
			v, err = p.LookupUser(u32(s.key), 0)
			if err == nil && ne.Uint32(v) != s.id {
				t.Errorf("step %d: LookupUser = %d", i, ne.Uint32(v))
			}
		case "delete":
			err = p.DeleteUser(u32(s.key))
		}
		if errnoOf(t, err) != s.err {
			t.Errorf("step %d %s: %v, want %v", i, s.do, err, s.err)
		}
	}
	if _, ok := p.Lookup(u32(0), 0); ok {
		t.Error("programs may not look up a prog array")
	}
}

func TestArrayOfMaps(t *testing.T) {
	inner := Spec{Name: "inner", Type: TypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 2}
	m := mustNew(t, Spec{Name: "outer", Type: TypeArrayOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 2, Inner: &inner})
	a := m.(*ArrayOfMaps)
	in := mustNew(t, inner)
	other := mustNew(t, Spec{Name: "other", Type: TypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 3})
	if err := a.UpdateUser(u32(0), u32(other.ID()), 0); err != syscall.EINVAL {
		t.Errorf("update with a mismatched inner map = %v, want EINVAL", err)
	}
	if err := a.UpdateUser(u32(0), u32(in.ID()), 0); err != nil {
		t.Fatal(err)
	}
	p, ok := a.Lookup(u32(0), 0)
	if !ok || p != in.Pointer() {
		t.Fatalf("Lookup = %#x, %v", p, ok)
	}
	// The pointer leads to the inner map, as bpf_map_lookup_elem on the
	// result does in a program.
	got, ok := ByPointer(p)
	if !ok || got != in {
		t.Errorf("ByPointer(inner) = %v, %v", got, ok)
	}
	if m, ok := a.Inner(0); !ok || m != in {
		t.Errorf("Inner(0) = %v, %v", m, ok)
	}
	if _, ok := a.Lookup(u32(1), 0); ok {
		t.Error("empty slot found")
	}
	if _, ok := a.Lookup(u32(5), 0); ok {
		t.Error("slot past max_entries found")
	}
}

func TestRedirectMap(t *testing.T) {
	d := mustNew(t, Spec{Name: "tx", Type: TypeDevMap, KeySize: 4, ValueSize: 4, MaxEntries: 4}).(*RedirectMap)
	if d.Flags()&FlagRdonlyProg == 0 {
		t.Error("devmap is not read-only for programs")
	}
	if err := d.UpdateUser(u32(2), u32(5), 0); err != nil {
		t.Fatal(err)
	}
	if v, ok := d.Redirect(2); !ok || v != 5 {
		t.Errorf("Redirect(2) = %d, %v", v, ok)
	}
	for _, k := range []uint32{0, 4, 1 << 31} {
		if _, ok := d.Redirect(k); ok {
			t.Errorf("Redirect(%d) found an entry", k)
		}
	}
	if addr, ok := d.Lookup(u32(2), 0); !ok || ne.Uint32(read(addr, 4)) != 5 {
		t.Errorf("Lookup = %#x, %v", addr, ok)
	}
	if err := d.DeleteUser(u32(2)); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Redirect(2); ok {
		t.Error("deleted entry still redirects")
	}
	x := mustNew(t, Spec{Name: "xsk", Type: TypeXSKMap, KeySize: 4, ValueSize: 4, MaxEntries: 4}).(*RedirectMap)
	if err := x.UpdateUser(u32(0), u32(3), UpdateNoExist); err != nil {
		t.Fatal(err)
	}
	if err := x.UpdateUser(u32(0), u32(3), UpdateNoExist); err != syscall.EEXIST {
		t.Errorf("second BPF_NOEXIST update = %v", err)
	}
	if v, ok := x.Redirect(0); !ok || v != 3 {
		t.Errorf("xsk Redirect(0) = %d, %v", v, ok)
	}
}
