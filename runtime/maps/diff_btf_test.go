package maps

import (
	"fmt"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// lockTypes builds the BTF of a value struct { u32 a; struct bpf_spin_lock
// l; u64 b; } (nlocks bpf_spin_locks from offset 4 on) and loads it into
// the kernel.
func lockTypes(t *testing.T, nlocks int) (key, value btf.Type, kb *kernelBTF) {
	key, value, kb, err := tryLockTypes(t, nlocks)
	if err != nil {
		t.Skipf("cannot load BTF into the kernel: %v", err)
	}
	return key, value, kb
}

// tryLockTypes is lockTypes, returning the kernel's error when it rejects
// the BTF.
func tryLockTypes(t *testing.T, nlocks int) (key, value btf.Type, kb *kernelBTF, err error) {
	t.Helper()
	u32 := &btf.Int{Name: "u32", Size: 4}
	u64 := &btf.Int{Name: "u64", Size: 8}
	lock := &btf.Struct{Name: "bpf_spin_lock", Size: 4, Members: []btf.Member{{Name: "val", Type: u32}}}
	members := []btf.Member{{Name: "a", Type: u32}}
	for i := range nlocks {
		members = append(members, btf.Member{Name: fmt.Sprintf("l%d", i), Type: lock, Offset: btf.Bits(32 * (i + 1))})
	}
	end := uint32(4 + 4*nlocks)
	end = (end + 7) &^ 7
	members = append(members, btf.Member{Name: "b", Type: u64, Offset: btf.Bits(8 * end)})
	val := &btf.Struct{Name: "val", Size: end + 8, Members: members}
	b, err := btf.NewBuilder(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	kid, err := b.Add(u32)
	if err != nil {
		t.Fatal(err)
	}
	vid, err := b.Add(val)
	if err != nil {
		t.Fatal(err)
	}
	h, err := btf.NewHandle(b)
	if err != nil {
		return u32, val, nil, err
	}
	t.Cleanup(func() { h.Close() })
	return u32, val, &kernelBTF{fd: h.FD(), key: uint32(kid), value: uint32(vid)}, nil
}

func TestKernelSpinLockCreate(t *testing.T) {
	requireKernel(t)
	for _, c := range []struct {
		typ    Type
		nlocks int
	}{
		{TypeArray, 1}, {TypeHash, 1}, {TypePerCPUArray, 1}, {TypePerCPUHash, 1},
		{TypeLRUHash, 1}, {TypeLRUPerCPUHash, 1}, {TypeArray, 2}, {TypeHash, 2},
	} {
		t.Run(fmt.Sprintf("%s/%d", c.typ, c.nlocks), func(t *testing.T) {
			key, value, kb, kerr := tryLockTypes(t, c.nlocks)
			size, _ := btf.Sizeof(value)
			s := Spec{Name: "l", Type: c.typ, KeySize: 4, ValueSize: uint32(size), MaxEntries: 2, Key: key, Value: value}
			if kerr == nil {
				// The kernel rejects two locks already when it loads the
				// BTF; the VM when it creates the map.
				_, kerr = newKernelMap(t, s, kb)
			}
			m, err := New(s)
			if err == nil {
				m.Close()
			}
			if got, want := errnoOf(t, err), errnoOf(t, kerr); got != want {
				t.Errorf("New: %v, kernel: %v", err, kerr)
			}
		})
	}
}

func TestKernelSpinLockOps(t *testing.T) {
	requireKernel(t)
	for _, typ := range []Type{TypeArray, TypeHash} {
		t.Run(typ.String(), func(t *testing.T) {
			key, value, kb := lockTypes(t, 1)
			s := Spec{Name: "l", Type: typ, KeySize: 4, ValueSize: 16, MaxEntries: 2, Key: key, Value: value}
			// A value whose lock word is set: neither side stores it.
			v := fill(16, 0xab)
			runDiffBTF(t, s, kb, []op{
				{do: "update", key: u32(0), value: v},
				{do: "lookup", key: u32(0)},
				{do: "lookup", key: u32(0), flags: UpdateLock},
				{do: "update", key: u32(0), value: fill(16, 1), flags: UpdateLock},
				{do: "update", key: u32(1), value: fill(16, 2), flags: UpdateLock | UpdateExist},
				{do: "update", key: u32(1), value: fill(16, 2), flags: UpdateLock | UpdateNoExist},
				{do: "update", key: u32(0), value: fill(16, 2), flags: UpdateLock | UpdateNoExist},
				{do: "lookup", key: u32(1), flags: UpdateLock},
				{do: "lookup", key: u32(0), flags: UpdateLock},
				{do: "lad", key: u32(0), flags: UpdateLock},
				{do: "lad", key: u32(1), flags: UpdateLock},
				{do: "freeze"},
				{do: "update", key: u32(0), value: fill(16, 3)},
			})
		})
	}
}
