package vm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/runtime"
	"github.com/bpfld/bpfld/runtime/kernel"
	"github.com/bpfld/bpfld/runtime/maps"
)

// objDir holds the test objects (testdata/objs/README.md).
const objDir = "../../testdata/objs"

// linkObjects links test objects, in order, into one image.
func linkObjects(t testing.TB, names ...string) *link.Image {
	t.Helper()
	return linkObjectsWith(t, link.Options{}, names...)
}

// linkObjectsWith links test objects with options.
func linkObjectsWith(t testing.TB, opts link.Options, names ...string) *link.Image {
	t.Helper()
	var objs []*elf.Object
	for _, n := range names {
		o, err := elf.Open(filepath.Join(objDir, n))
		if err != nil {
			t.Fatalf("open %s: %v", n, err)
		}
		objs = append(objs, o)
	}
	img, err := link.Link(objs, opts)
	if err != nil {
		t.Fatalf("link %v: %v", names, err)
	}
	return img
}

// newVM loads an image into a new VM collection closed when the test ends.
func newVM(t testing.TB, img *link.Image) *Collection {
	t.Helper()
	c, err := New(img, Options{})
	if err != nil {
		t.Fatalf("vm.New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// newKernel loads an image into the kernel, or skips the test where
// bpf(2) is not available.
func newKernel(t testing.TB, img *link.Image) *kernel.Collection {
	t.Helper()
	if err := kernel.Available(); err != nil {
		t.Skipf("no kernel to compare with: %v", err)
	}
	c, err := kernel.New(img, kernel.Options{})
	if err != nil {
		t.Fatalf("kernel.New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wire fills the prog arrays' static slots, as runtime.Runner does.
func wire(t testing.TB, c runtime.Collection, img *link.Image) {
	t.Helper()
	for _, m := range img.Maps {
		if m.Inner != nil {
			continue
		}
		slots := make([]uint32, 0, len(m.Slots))
		for s := range m.Slots {
			slots = append(slots, s)
		}
		slices.Sort(slots)
		for _, s := range slots {
			if err := c.SetSlot(m.Name, s, m.Slots[s]); err != nil {
				t.Fatalf("%s: wire %s[%d] = %s: %v", c.Backend(), m.Name, s, m.Slots[s], err)
			}
		}
	}
}

func u32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }

// comparableMap tells whether a map's contents can be read back through
// Lookup on both backends and should agree after the same runs.
func comparableMap(m *link.MapSpec) bool {
	switch maps.Type(m.Type) {
	case maps.TypeArray, maps.TypePerCPUArray, maps.TypeHash, maps.TypePerCPUHash, maps.TypeLRUHash, maps.TypeLRUPerCPUHash:
		return true
	}
	return false
}

// mapContents reads every entry of a map through Lookup: the keys are the
// VM map's (index order for arrays); per-CPU values are sorted by CPU
// copy, since the VM runs on CPU 0 and the kernel on any CPU.
func mapContents(t testing.TB, c runtime.Collection, vmMap maps.Map, spec *link.MapSpec) map[string]string {
	t.Helper()
	out := map[string]string{}
	var key []byte
	for {
		next, err := vmMap.NextKey(key)
		if err != nil {
			break
		}
		key = next
		v, err := c.Lookup(spec.Name, key)
		if err != nil {
			out[fmt.Sprintf("%x", key)] = "missing"
			continue
		}
		switch maps.Type(spec.Type) {
		case maps.TypePerCPUArray, maps.TypePerCPUHash, maps.TypeLRUPerCPUHash:
			stride := int(spec.ValueSize+7) &^ 7
			var chunks []string
			for off := 0; off+stride <= len(v); off += stride {
				chunks = append(chunks, fmt.Sprintf("%x", v[off:off+stride]))
			}
			sort.Strings(chunks)
			out[fmt.Sprintf("%x", key)] = fmt.Sprint(chunks)
		default:
			out[fmt.Sprintf("%x", key)] = fmt.Sprintf("%x", v)
		}
	}
	return out
}

// compareMaps compares the contents of the image's maps on the VM and in
// the kernel, but for the maps in skip.
func compareMaps(t testing.TB, img *link.Image, vm *Collection, k runtime.Collection, skip []string) {
	t.Helper()
	for _, spec := range img.Maps {
		if !comparableMap(spec) || slices.Contains(skip, spec.Name) {
			continue
		}
		vmMap, err := vm.Map(spec.Name)
		if err != nil {
			t.Fatal(err)
		}
		got, want := mapContents(t, vm, vmMap, spec), mapContents(t, k, vmMap, spec)
		for key, w := range want {
			if g := got[key]; g != w {
				t.Errorf("map %s[%s]: vm %s, kernel %s", spec.Name, key, g, w)
			}
		}
	}
}

// sameBytes reports whether two byte slices are equal, nil and empty alike.
func sameBytes(a, b []byte) bool { return bytes.Equal(a, b) }
