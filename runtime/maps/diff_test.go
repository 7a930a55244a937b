package maps

import (
	"bytes"
	"fmt"
	"slices"
	"syscall"
	"testing"
)

// Differential tests: the same user-space operations on a kernel map and
// on the VM's map must give the same results and the same errnos.

func TestKernelCreate(t *testing.T) {
	requireKernel(t)
	tests := []Spec{
		{Type: TypeArray, KeySize: 4, ValueSize: 12, MaxEntries: 3},
		{Type: TypeArray, KeySize: 8, ValueSize: 4, MaxEntries: 3},
		{Type: TypeArray, KeySize: 4, ValueSize: 0, MaxEntries: 3},
		{Type: TypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 0},
		{Type: TypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: FlagMmapable},
		{Type: TypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: FlagNoPrealloc},
		{Type: TypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: FlagRdonly | FlagWronly},
		{Type: TypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: FlagRdonlyProg | FlagWronlyProg},
		{Type: TypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: FlagRdonlyProg},
		{Type: TypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: FlagPreserveElems},
		{Type: TypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 1, MapExtra: 1},
		{Type: TypePerCPUArray, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: FlagMmapable},
		{Type: TypePerCPUArray, KeySize: 4, ValueSize: 32768, MaxEntries: 1},
		{Type: TypePerCPUArray, KeySize: 4, ValueSize: 32769, MaxEntries: 1},
		{Type: TypeHash, KeySize: 0, ValueSize: 4, MaxEntries: 1},
		{Type: TypeHash, KeySize: 4, ValueSize: 0, MaxEntries: 1},
		{Type: TypeHash, KeySize: 4, ValueSize: 4, MaxEntries: 0},
		{Type: TypeHash, KeySize: 600, ValueSize: 4, MaxEntries: 2},
		{Type: TypeHash, KeySize: 4, ValueSize: 4, MaxEntries: 2, Flags: FlagNoCommonLRU},
		{Type: TypeHash, KeySize: 4, ValueSize: 4, MaxEntries: 2, Flags: FlagMmapable},
		{Type: TypeHash, KeySize: 1 << 20, ValueSize: 3 << 20, MaxEntries: 2},
		{Type: TypeHash, KeySize: 4, ValueSize: 4, MaxEntries: 1<<31 + 1},
		{Type: TypePerCPUHash, KeySize: 4, ValueSize: 32769, MaxEntries: 2},
		{Type: TypeLRUHash, KeySize: 4, ValueSize: 4, MaxEntries: 2, Flags: FlagNoPrealloc},
		{Type: TypeLRUHash, KeySize: 4, ValueSize: 4, MaxEntries: 3, Flags: FlagNoCommonLRU},
		{Type: TypeLRUPerCPUHash, KeySize: 4, ValueSize: 4, MaxEntries: 3, Flags: FlagNoCommonLRU | FlagNumaNode},
		{Type: TypeHashOfMaps, KeySize: 4, ValueSize: 8, MaxEntries: 2},
		{Type: TypeHashOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 2},
		{Type: TypeArrayOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 2},
		{Type: TypeQueue, KeySize: 0, ValueSize: 4, MaxEntries: 2},
		{Type: TypeQueue, KeySize: 4, ValueSize: 4, MaxEntries: 2},
		{Type: TypeStack, KeySize: 0, ValueSize: 0, MaxEntries: 2},
		{Type: TypeStack, KeySize: 0, ValueSize: 4, MaxEntries: 0},
		{Type: TypeQueue, KeySize: 0, ValueSize: 4, MaxEntries: 2, Flags: FlagNoPrealloc},
		{Type: TypeRingBuf, MaxEntries: 4096},
		{Type: TypeRingBuf, MaxEntries: 4097},
		{Type: TypeRingBuf, MaxEntries: 3 * 4096},
		{Type: TypeRingBuf, MaxEntries: 2048},
		{Type: TypeRingBuf, KeySize: 4, MaxEntries: 4096},
		{Type: TypeRingBuf, MaxEntries: 4096, Flags: FlagRdonly},
		{Type: TypeProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 4},
		{Type: TypeCgroupArray, KeySize: 4, ValueSize: 4, MaxEntries: 4},
		{Type: TypeCgroupArray, KeySize: 4, ValueSize: 8, MaxEntries: 4},
		{Type: TypeStackTrace, KeySize: 4, ValueSize: 8 * 127, MaxEntries: 4},
		{Type: TypeStackTrace, KeySize: 4, ValueSize: 12, MaxEntries: 4},
		{Type: TypeStackTrace, KeySize: 8, ValueSize: 8, MaxEntries: 4},
		{Type: TypeStackTrace, KeySize: 4, ValueSize: 8, MaxEntries: 0},
		{Type: TypeProgArray, KeySize: 4, ValueSize: 8, MaxEntries: 4},
		{Type: TypeProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 4, Flags: FlagRdonlyProg},
		{Type: TypeProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 0},
		{Type: TypePerfEventArray, KeySize: 4, ValueSize: 4, MaxEntries: 4, Flags: FlagPreserveElems},
		{Type: TypePerfEventArray, KeySize: 4, ValueSize: 8, MaxEntries: 4},
		{Type: TypeDevMap, KeySize: 4, ValueSize: 4, MaxEntries: 4},
		{Type: TypeDevMap, KeySize: 4, ValueSize: 8, MaxEntries: 4},
		{Type: TypeDevMap, KeySize: 4, ValueSize: 12, MaxEntries: 4},
		{Type: TypeDevMap, KeySize: 4, ValueSize: 4, MaxEntries: 4, Flags: FlagNoPrealloc},
		{Type: TypeCPUMap, KeySize: 4, ValueSize: 4, MaxEntries: 4},
		{Type: TypeCPUMap, KeySize: 4, ValueSize: 4, MaxEntries: 9000},
		{Type: TypeCPUMap, KeySize: 4, ValueSize: 4, MaxEntries: 4, Flags: FlagRdonly},
		{Type: TypeXSKMap, KeySize: 4, ValueSize: 4, MaxEntries: 4},
		{Type: TypeXSKMap, KeySize: 4, ValueSize: 8, MaxEntries: 4},
		{Type: 200, KeySize: 4, ValueSize: 4, MaxEntries: 4},
	}
	for _, s := range tests {
		s.Name = "m"
		t.Run(fmt.Sprintf("%s/k%d/v%d/n%d/f%#x", s.Type, s.KeySize, s.ValueSize, s.MaxEntries, s.Flags), func(t *testing.T) {
			_, kerr := newKernelMap(t, s, nil)
			m, err := New(s)
			if err == nil {
				defer m.Close()
			}
			if got, want := errnoOf(t, err), errnoOf(t, kerr); got != want {
				t.Errorf("New: %v (errno %d), kernel: %v", err, got, kerr)
			}
		})
	}
}

// op is one user-space operation of a differential script.
type op struct {
	do         string // lookup, update, delete, lad (lookup and delete), next, freeze, keys
	key, value []byte
	flags      uint64
}

func u32(v uint32) []byte { return ne.AppendUint32(nil, v) }

// fill returns n bytes of the value v repeated.
func fill(n int, v byte) []byte { return bytes.Repeat([]byte{v}, n) }

// runDiff applies the script to a kernel map and to the VM's map.
func runDiff(t *testing.T, s Spec, script []op) { runDiffBTF(t, s, nil, script) }

// runDiffBTF is runDiff for a kernel map created with BTF.
func runDiffBTF(t *testing.T, s Spec, b *kernelBTF, script []op) {
	t.Helper()
	k, err := newKernelMap(t, s, b)
	if err != nil {
		t.Errorf("kernel map: %v", err)
		return
	}
	m, err := New(s)
	if err != nil {
		t.Error(err)
		return
	}
	defer m.Close()
	for i, o := range script {
		var got, want []byte
		var gerr, kerr error
		switch o.do {
		case "lookup":
			got, gerr = m.LookupUser(o.key, o.flags)
			want, kerr = k.lookup(o.key, o.flags)
		case "update":
			gerr = m.UpdateUser(o.key, o.value, o.flags)
			kerr = k.update(o.key, o.value, o.flags)
		case "delete":
			gerr = m.DeleteUser(o.key)
			kerr = k.delete(o.key)
		case "lad":
			got, gerr = m.LookupAndDeleteUser(o.key, o.flags)
			want, kerr = k.lookupAndDelete(o.key, o.flags)
		case "next":
			got, gerr = m.NextKey(o.key)
			want, kerr = k.nextKey(o.key)
		case "freeze":
			gerr = m.Freeze()
			kerr = k.freeze()
		case "keys":
			// Iteration orders differ: compare the sets of keys.
			got, gerr = allKeys(m.NextKey)
			want, kerr = allKeys(k.nextKey)
		default:
			panic("unknown op " + o.do)
		}
		if ge, ke := errnoOf(t, gerr), errnoOf(t, kerr); ge != ke {
			t.Errorf("step %d %s key %x flags %d: VM %v, kernel %v", i, o.do, o.key, o.flags, gerr, kerr)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("step %d %s key %x: VM %x, kernel %x", i, o.do, o.key, got, want)
		}
	}
}

// allKeys iterates a map with next and returns its keys sorted and joined.
func allKeys(next func([]byte) ([]byte, error)) ([]byte, error) {
	var keys [][]byte
	var key []byte
	for range 1000 {
		k, err := next(key)
		if err == syscall.ENOENT {
			break
		}
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
		key = k
	}
	slices.SortFunc(keys, bytes.Compare)
	return bytes.Join(keys, []byte("|")), nil
}

func TestKernelArray(t *testing.T) {
	requireKernel(t)
	for _, typ := range []Type{TypeArray, TypePerCPUArray} {
		t.Run(typ.String(), func(t *testing.T) {
			s := Spec{Name: "a", Type: typ, KeySize: 4, ValueSize: 12, MaxEntries: 4}
			n := userSize(s)
			runDiff(t, s, []op{
				{do: "lookup", key: u32(0)},
				{do: "update", key: u32(1), value: fill(n, 7)},
				{do: "lookup", key: u32(1)},
				{do: "update", key: u32(4), value: fill(n, 1)},
				{do: "update", key: u32(1), value: fill(n, 2), flags: UpdateNoExist},
				{do: "update", key: u32(1), value: fill(n, 3), flags: UpdateExist},
				{do: "lookup", key: u32(1)},
				{do: "update", key: u32(1), value: fill(n, 4), flags: 3},
				{do: "update", key: u32(1), value: fill(n, 4), flags: UpdateLock},
				{do: "update", key: u32(1), value: fill(n, 4), flags: 8},
				{do: "update", key: u32(9), value: fill(n, 4), flags: 8},
				{do: "lookup", key: u32(9)},
				{do: "lookup", key: u32(1), flags: 1},
				{do: "lookup", key: u32(1), flags: UpdateLock},
				{do: "delete", key: u32(1)},
				{do: "delete", key: u32(9)},
				{do: "next"},
				{do: "next", key: u32(2)},
				{do: "next", key: u32(3)},
				{do: "next", key: u32(70)},
				{do: "lad", key: u32(1)},
				{do: "lad", key: u32(1), flags: 2},
				{do: "freeze"},
				{do: "update", key: u32(1), value: fill(n, 5)},
				{do: "delete", key: u32(1)},
				{do: "lookup", key: u32(1)},
				{do: "freeze"},
			})
		})
	}
}

func TestKernelHash(t *testing.T) {
	requireKernel(t)
	specs := []Spec{
		{Type: TypeHash, KeySize: 6, ValueSize: 10, MaxEntries: 3},
		{Type: TypeHash, KeySize: 6, ValueSize: 10, MaxEntries: 3, Flags: FlagNoPrealloc},
		{Type: TypePerCPUHash, KeySize: 6, ValueSize: 10, MaxEntries: 3},
		{Type: TypePerCPUHash, KeySize: 6, ValueSize: 10, MaxEntries: 3, Flags: FlagNoPrealloc},
	}
	for _, s := range specs {
		s.Name = "h"
		t.Run(fmt.Sprintf("%s/f%#x", s.Type, s.Flags), func(t *testing.T) {
			n := userSize(s)
			k1, k2, k3, k4 := []byte("key001"), []byte("key002"), []byte("key003"), []byte("key004")
			runDiff(t, s, []op{
				{do: "lookup", key: k1},
				{do: "next"},
				{do: "update", key: k1, value: fill(n, 1), flags: UpdateNoExist},
				{do: "update", key: k1, value: fill(n, 2), flags: UpdateNoExist},
				{do: "update", key: k2, value: fill(n, 2), flags: UpdateExist},
				{do: "update", key: k2, value: fill(n, 2)},
				{do: "update", key: k3, value: fill(n, 3)},
				{do: "keys"},
				{do: "update", key: k4, value: fill(n, 4)},
				{do: "update", key: k4, value: fill(n, 4), flags: UpdateExist},
				{do: "update", key: k4, value: fill(n, 4), flags: UpdateNoExist},
				{do: "update", key: k1, value: fill(n, 5)},
				{do: "update", key: k1, value: fill(n, 6), flags: UpdateExist},
				{do: "lookup", key: k1},
				{do: "update", key: k1, value: fill(n, 6), flags: 3},
				{do: "update", key: k1, value: fill(n, 6), flags: UpdateLock},
				{do: "lookup", key: k1, flags: UpdateLock},
				{do: "delete", key: k4},
				{do: "delete", key: k2},
				{do: "lookup", key: k2},
				{do: "lad", key: k3},
				{do: "lad", key: k3},
				{do: "lad", key: k1, flags: 1},
				{do: "lad", key: k1, flags: UpdateLock},
				{do: "next", key: k4},
				{do: "next", key: k1},
				{do: "update", key: k2, value: fill(n, 7)},
				{do: "update", key: k4, value: fill(n, 8)},
				{do: "keys"},
				{do: "freeze"},
				{do: "update", key: k1, value: fill(n, 9)},
				{do: "delete", key: k1},
				{do: "lad", key: k1},
				{do: "lookup", key: k1},
				{do: "keys"},
			})
		})
	}
}

func TestKernelLRUHash(t *testing.T) {
	requireKernel(t)
	for _, typ := range []Type{TypeLRUHash, TypeLRUPerCPUHash} {
		t.Run(typ.String(), func(t *testing.T) {
			// Large enough that the kernel's LRU never evicts here.
			s := Spec{Name: "l", Type: typ, KeySize: 4, ValueSize: 4, MaxEntries: 1024}
			n := userSize(s)
			runDiff(t, s, []op{
				{do: "update", key: u32(1), value: fill(n, 1), flags: UpdateNoExist},
				{do: "update", key: u32(1), value: fill(n, 1), flags: UpdateNoExist},
				{do: "update", key: u32(2), value: fill(n, 2), flags: UpdateExist},
				{do: "update", key: u32(1), value: fill(n, 3), flags: UpdateExist},
				{do: "lookup", key: u32(1)},
				{do: "update", key: u32(1), value: fill(n, 3), flags: UpdateLock},
				{do: "update", key: u32(1), value: fill(n, 3), flags: 3},
				{do: "update", key: u32(3), value: fill(n, 3)},
				{do: "keys"},
				{do: "lad", key: u32(3)},
				{do: "delete", key: u32(3)},
				{do: "delete", key: u32(1)},
				{do: "lookup", key: u32(1)},
				{do: "keys"},
			})
		})
	}
}

func TestKernelQueueStack(t *testing.T) {
	requireKernel(t)
	for _, typ := range []Type{TypeQueue, TypeStack} {
		t.Run(typ.String(), func(t *testing.T) {
			runDiff(t, Spec{Name: "q", Type: typ, ValueSize: 4, MaxEntries: 3}, []op{
				{do: "lookup"},
				{do: "lad"},
				{do: "update", value: u32(1)},
				{do: "update", value: u32(2)},
				{do: "update", value: u32(3)},
				{do: "update", value: u32(4)},
				{do: "update", value: u32(4), flags: UpdateNoExist},
				{do: "update", value: u32(4), flags: UpdateLock},
				{do: "update", value: u32(4), flags: 3},
				{do: "update", value: u32(4), flags: UpdateExist},
				{do: "lookup"},
				{do: "lookup", flags: UpdateLock},
				{do: "lad"},
				{do: "lad", flags: UpdateLock},
				{do: "delete"},
				{do: "next"},
				{do: "lad"},
				{do: "update", value: u32(5), flags: UpdateExist},
				{do: "lad"},
				{do: "lad"},
				{do: "lad"},
				{do: "freeze"},
				{do: "update", value: u32(6)},
				{do: "lad"},
				{do: "lookup"},
			})
		})
	}
}

func TestKernelRingBufOps(t *testing.T) {
	requireKernel(t)
	runDiff(t, Spec{Name: "rb", Type: TypeRingBuf, MaxEntries: 4096}, []op{
		{do: "lookup"},
		{do: "lookup", flags: 1},
		{do: "update", value: u32(1)},
		{do: "delete"},
		{do: "next"},
		{do: "lad"},
		{do: "freeze"},
		{do: "update"},
	})
}

func TestKernelFdArrays(t *testing.T) {
	requireKernel(t)
	for _, typ := range []Type{TypeProgArray, TypePerfEventArray, TypeCgroupArray} {
		t.Run(typ.String(), func(t *testing.T) {
			s := Spec{Name: "p", Type: typ, KeySize: 4, ValueSize: 4, MaxEntries: uint32(PossibleCPUs()) + 2}
			script := []op{
				{do: "lookup", key: u32(0)},
				{do: "lookup", key: u32(100)},
				{do: "update", key: u32(0), value: u32(1), flags: UpdateNoExist},
				{do: "update", key: u32(100), value: u32(1)},
				{do: "delete", key: u32(100)},
				{do: "next", key: u32(0)},
				{do: "next", key: u32(s.MaxEntries - 1)},
				{do: "lad", key: u32(0)},
			}
			if typ != TypePerfEventArray {
				script = append(script, op{do: "delete", key: u32(1)})
			}
			runDiff(t, s, script)
		})
	}
}

func TestKernelStackTrace(t *testing.T) {
	requireKernel(t)
	s := Spec{Name: "stacks", Type: TypeStackTrace, KeySize: 4, ValueSize: 8 * 16, MaxEntries: 8}
	runDiff(t, s, []op{
		{do: "lookup", key: u32(0)},
		{do: "lookup", key: u32(100)},
		{do: "update", key: u32(0), value: fill(8*16, 1)},
		{do: "delete", key: u32(0)},
		{do: "next"},
		{do: "next", key: u32(3)},
	})
}

func TestKernelRedirect(t *testing.T) {
	requireKernel(t)
	t.Run("devmap", func(t *testing.T) {
		runDiff(t, Spec{Name: "d", Type: TypeDevMap, KeySize: 4, ValueSize: 4, MaxEntries: 4}, []op{
			{do: "lookup", key: u32(0)},
			{do: "update", key: u32(0), value: u32(1)}, // lo
			{do: "lookup", key: u32(0)},
			{do: "update", key: u32(0), value: u32(1), flags: UpdateNoExist},
			{do: "update", key: u32(3), value: u32(1), flags: UpdateExist},
			{do: "update", key: u32(4), value: u32(1)},
			{do: "update", key: u32(0), value: u32(1), flags: 3},
			{do: "update", key: u32(0), value: u32(1), flags: UpdateLock},
			{do: "next", key: u32(0)},
			{do: "lad", key: u32(0)},
			{do: "delete", key: u32(0)},
			{do: "delete", key: u32(0)},
			{do: "delete", key: u32(4)},
			{do: "lookup", key: u32(0)},
			{do: "update", key: u32(1), value: u32(0)},
			{do: "lookup", key: u32(1)},
		})
	})
	t.Run("devmap8", func(t *testing.T) {
		minus1 := append(u32(1), 0xff, 0xff, 0xff, 0xff)
		runDiff(t, Spec{Name: "d", Type: TypeDevMap, KeySize: 4, ValueSize: 8, MaxEntries: 4}, []op{
			{do: "update", key: u32(0), value: minus1},
			{do: "lookup", key: u32(0)},
			{do: "update", key: u32(1), value: append(u32(0), 0, 0, 0, 0)},
			{do: "update", key: u32(1), value: append(u32(0), 0xff, 0xff, 0xff, 0xff)},
			{do: "update", key: u32(1), value: append(u32(0), 5, 0, 0, 0)},
			{do: "lookup", key: u32(1)},
		})
	})
	t.Run("cpumap", func(t *testing.T) {
		runDiff(t, Spec{Name: "c", Type: TypeCPUMap, KeySize: 4, ValueSize: 4, MaxEntries: uint32(PossibleCPUs()) + 2}, []op{
			{do: "lookup", key: u32(0)},
			{do: "update", key: u32(0), value: u32(64)},
			{do: "lookup", key: u32(0)},
			{do: "update", key: u32(0), value: u32(64), flags: UpdateNoExist},
			{do: "update", key: u32(0), value: u32(20000)},
			{do: "update", key: u32(uint32(PossibleCPUs())), value: u32(64)},
			{do: "update", key: u32(100), value: u32(64)},
			{do: "update", key: u32(0), value: u32(0)},
			{do: "lookup", key: u32(0)},
			{do: "delete", key: u32(1)},
			{do: "delete", key: u32(100)},
		})
	})
	t.Run("xskmap", func(t *testing.T) {
		runDiff(t, Spec{Name: "x", Type: TypeXSKMap, KeySize: 4, ValueSize: 4, MaxEntries: 4}, []op{
			{do: "lookup", key: u32(0)},
			{do: "delete", key: u32(0)},
			{do: "delete", key: u32(9)},
			{do: "update", key: u32(9), value: u32(1)},
			{do: "update", key: u32(0), value: u32(1), flags: 3},
			{do: "next"},
		})
	})
}
