package maps

import (
	"errors"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/cilium/ebpf"

	"github.com/bpfld/bpfld/runtime/mem"
)

// mustNew creates a map or fails the test; the map is closed at the end.
func mustNew(t testing.TB, s Spec) Map {
	t.Helper()
	m, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// read returns n bytes of memory at a map address.
func read(addr uint64, n int) []byte {
	return unsafe.Slice(*(**byte)(unsafe.Pointer(&addr)), n)
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		spec  Spec
		errno syscall.Errno
		want  string
	}{
		{Spec{Name: "counts", Type: TypeArray, KeySize: 8, ValueSize: 4, MaxEntries: 1}, syscall.EINVAL,
			"map counts (array): key_size is 8, must be 4: invalid argument"},
		{Spec{Name: "events", Type: TypeRingBuf, MaxEntries: 5000}, syscall.EINVAL,
			"map events (ringbuf): max_entries 5000 is not a power-of-2 multiple of the page size 4096: invalid argument"},
		{Spec{Name: "q", Type: TypeQueue, KeySize: 4, ValueSize: 4, MaxEntries: 1}, syscall.EINVAL,
			"map q (queue): key_size is 4, must be 0: invalid argument"},
		{Spec{Name: "jmp", Type: TypeProgArray, KeySize: 4, ValueSize: 8, MaxEntries: 1}, syscall.EINVAL,
			"map jmp (prog_array): value_size is 8, must be 4: invalid argument"},
		{Spec{Name: "trie", Type: TypeLPMTrie, KeySize: 8, ValueSize: 8, MaxEntries: 1}, syscall.EOPNOTSUPP,
			"map trie (lpm_trie): map type not supported by the VM: operation not supported"},
		{Spec{Name: "outer", Type: TypeArrayOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 1}, syscall.EINVAL,
			"map outer (array_of_maps): a map of maps needs an inner map template: invalid argument"},
		{Spec{Name: "outer", Type: TypeHashOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 1,
			Inner: &Spec{Name: "inner", Type: TypeArray, KeySize: 4, ValueSize: 0, MaxEntries: 1}}, syscall.EINVAL,
			"map outer: inner map: map inner (array): value_size is 0: invalid argument"},
		{Spec{Name: "big", Type: TypePerCPUHash, KeySize: 4, ValueSize: 40000, MaxEntries: 1}, syscall.E2BIG,
			"map big (percpu_hash): per-CPU value_size 40000 is larger than 32768: argument list too long"},
	}
	for _, tt := range tests {
		t.Run(tt.spec.Name, func(t *testing.T) {
			m, err := New(tt.spec)
			if err == nil {
				m.Close()
				t.Fatal("New succeeded")
			}
			if !errors.Is(err, tt.errno) || err.Error() != tt.want {
				t.Errorf("New = %q, want %q (%v)", err, tt.want, tt.errno)
			}
		})
	}
}

func TestDescriptor(t *testing.T) {
	m := mustNew(t, Spec{Name: "pcpu", Type: TypePerCPUArray, KeySize: 4, ValueSize: 12, MaxEntries: 3, Flags: FlagRdonly})
	d := read(m.Pointer(), DescriptorSize)
	ncpu := uint32(PossibleCPUs())
	for _, f := range []struct {
		off  int
		want uint32
	}{
		{DescType, uint32(TypePerCPUArray)}, {DescKeySize, 4}, {DescValueSize, 12},
		{DescMaxEntries, 3}, {DescFlags, FlagRdonly}, {DescID, m.ID()}, {DescElemSize, 16}, {DescCPUs, ncpu},
	} {
		if got := ne.Uint32(d[f.off:]); got != f.want {
			t.Errorf("descriptor field at %d = %d, want %d", f.off, got, f.want)
		}
	}
	addr, ok := m.Lookup(u32(2), 1%int(ncpu))
	if data := ne.Uint64(d[DescData:]); !ok || addr != data+2*16*uint64(ncpu)+uint64(1%ncpu)*16 {
		t.Errorf("lookup = %#x, %v; data %#x", addr, ok, data)
	}
	// Programs may read the descriptor, never write it.
	if err := mem.Check(m.Pointer(), DescriptorSize, false); err != nil {
		t.Error(err)
	}
	if err := mem.Check(m.Pointer()+DescMaxEntries, 4, true); err == nil {
		t.Error("descriptor is writable")
	}
	if err := mem.Check(m.Pointer()+DescriptorSize-4, 8, false); err == nil {
		t.Error("read past the descriptor allowed")
	}
}

func TestRegistry(t *testing.T) {
	m, err := New(Spec{Name: "h", Type: TypeHash, KeySize: 4, ValueSize: 4, MaxEntries: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := ByPointer(m.Pointer()); !ok || got != m {
		t.Errorf("ByPointer = %v, %v", got, ok)
	}
	if got, ok := ByID(m.ID()); !ok || got != m {
		t.Errorf("ByID = %v, %v", got, ok)
	}
	if _, ok := ByPointer(m.Pointer() + 8); ok {
		t.Error("ByPointer found a map inside a descriptor")
	}
	p, id := m.Pointer(), m.ID()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, ok := ByPointer(p); ok {
		t.Error("closed map still found by pointer")
	}
	if _, ok := ByID(id); ok {
		t.Error("closed map still found by id")
	}
	if err := mem.Check(p, 4, false); err == nil {
		t.Error("closed map's descriptor is still accessible")
	}
}

func TestPossibleCPUs(t *testing.T) {
	want, err := ebpf.PossibleCPU()
	if err != nil {
		t.Skipf("cilium/ebpf cannot read the possible CPUs: %v", err)
	}
	if got := PossibleCPUs(); got != want {
		t.Errorf("PossibleCPUs() = %d, cilium/ebpf says %d", got, want)
	}
}

func TestParseCPUList(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  bool
	}{
		{"0\n", 1, false},
		{"0-3\n", 4, false},
		{"0-1,4-5", 6, false},
		{"0,2", 3, false},
		{"", 0, true},
		{"3-1", 0, true},
		{"a-b", 0, true},
	}
	for _, tt := range tests {
		got, err := parseCPUList(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseCPUList(%q) = %d, %v", tt.in, got, err)
		}
	}
}

func TestTypeString(t *testing.T) {
	for typ, want := range map[Type]string{TypeLRUPerCPUHash: "lru_percpu_hash", TypeRingBuf: "ringbuf", 99: "type(99)"} {
		if got := typ.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", uint32(typ), got, want)
		}
	}
	if !strings.Contains(TypeArena.String(), "arena") {
		t.Error(TypeArena.String())
	}
}

func TestTypePerCPU(t *testing.T) {
	for typ, want := range map[Type]bool{
		TypeArray: false, TypeHash: false, TypeLRUHash: false, TypeProgArray: false,
		TypePerCPUArray: true, TypePerCPUHash: true, TypeLRUPerCPUHash: true, TypePerCPUCgroupStorage: true,
	} {
		if got := typ.PerCPU(); got != want {
			t.Errorf("%s.PerCPU() = %v, want %v", typ, got, want)
		}
	}
}
