package runtime_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/manifest"
	"github.com/bpfld/bpfld/reloc"
	"github.com/bpfld/bpfld/runtime"
	"github.com/bpfld/bpfld/runtime/kernel"
	"github.com/bpfld/bpfld/runtime/vm"
)

// TestDifferential runs every manifest of testdata on the VM and in the
// kernel, step by step, and requires the same results of both: pass or
// fail, retval, output packet, and afterwards the contents of every map
// and global.
func TestDifferential(t *testing.T) {
	if err := kernel.Available(); err != nil {
		t.Skipf("the differential test needs the kernel backend: %v", err)
	}
	paths, _ := filepath.Glob("../testdata/manifests/*.yaml")
	paths = append(paths, "../testdata/bench/bench.yaml")
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			m, err := manifest.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			// The VM links .ksyms against its stand-ins, the kernel against
			// its own symbols; the rest of the two images is the same.
			vmImg, err := runtime.LinkManifest(m, link.Options{Ksyms: reloc.NewStandInResolver(vm.StandIns())})
			if err != nil {
				t.Fatal(err)
			}
			img, err := runtime.LinkManifest(m, link.Options{})
			if err != nil {
				t.Fatal(err)
			}
			vmColl, err := vm.New(vmImg, vm.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer vmColl.Close()
			kColl, err := kernel.New(img, kernel.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer kColl.Close()
			onVM := &runtime.Runner{Collection: vmColl, Image: vmImg, Manifest: m}
			inKernel := &runtime.Runner{Collection: kColl, Image: img, Manifest: m}
			for i := range m.Tests {
				s := &m.Tests[i]
				a, b := onVM.Step(s), inKernel.Step(s)
				if d := diffSteps(a, b); d != "" {
					t.Errorf("step %q: %s", s.Name, d)
				}
				if d := diffMaps(img, vmColl, kColl); d != "" {
					t.Errorf("after step %q: %s", s.Name, d)
				}
			}
		})
	}
}

func diffSteps(vmRes, kRes runtime.StepResult) string {
	if vmRes.Passed() != kRes.Passed() {
		return fmt.Sprintf("vm: %s; kernel: %s", outcome(vmRes), outcome(kRes))
	}
	a, b := vmRes.Result, kRes.Result
	if (a == nil) != (b == nil) {
		return fmt.Sprintf("vm ran: %t, kernel ran: %t", a != nil, b != nil)
	}
	if a == nil {
		return ""
	}
	if a.Retval != b.Retval {
		return fmt.Sprintf("retval: vm %d, kernel %d", a.Retval, b.Retval)
	}
	if !bytes.Equal(a.Output, b.Output) {
		return fmt.Sprintf("output:\nvm     %x\nkernel %x", a.Output, b.Output)
	}
	return ""
}

func outcome(r runtime.StepResult) string {
	if r.Passed() {
		return "passed"
	}
	return "failed: " + r.Failure
}

// nondeterministic lists the globals whose values differ from run to run
// or between backends by nature: clocks, random numbers, the CPU and the
// thread a run lands on, and kernel addresses (the VM's ksyms are
// stand-ins).
var nondeterministic = map[string]bool{
	"t_first": true, "t_second": true, "t_boot": true, "rand_a": true, "rand_b": true, "cpu": true,
	"task_pid": true, "btf_addr": true, "func_addr": true,
}

// Map types whose values are ids that differ between backends (program
// ids, map ids) or that have no keys to read: only which slots are filled
// can be compared, or nothing.
const (
	mapProgArray      = 3
	mapPerfEventArray = 4
	mapArrayOfMaps    = 12
	mapHashOfMaps     = 13
	mapQueue          = 22
	mapStack          = 23
	mapRingBuf        = 27
	mapDevMap         = 14
	mapCPUMap         = 16
	mapXSKMap         = 17
)

// diffMaps compares the contents of every map of the image.
func diffMaps(img *link.Image, vmColl, kColl runtime.Collection) string {
	for _, m := range img.Maps {
		switch m.Type {
		case mapQueue, mapStack, mapRingBuf, mapPerfEventArray, mapDevMap, mapCPUMap, mapXSKMap:
			continue // no values to read back from user space
		}
		a, err1 := contents(vmColl, m)
		b, err2 := contents(kColl, m)
		if err1 != nil || err2 != nil {
			return fmt.Sprintf("map %s: vm: %v; kernel: %v", m.Name, err1, err2)
		}
		if !slices.Equal(a, b) {
			return fmt.Sprintf("map %s:\nvm     %q\nkernel %q", m.Name, a, b)
		}
	}
	return ""
}

// contents returns a map's entries as sorted "key=value" strings. Per-CPU
// values are summed, since the CPU a kernel test run lands on is the
// kernel's choice; prog arrays and maps of maps show only filled slots.
func contents(c runtime.Collection, m *link.MapSpec) ([]string, error) {
	keys, err := c.Keys(m.Name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range keys {
		v, err := c.Lookup(m.Name, k)
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, ebpf.ErrKeyNotExist) {
			continue // an empty slot of a prog array or map of maps
		}
		if err != nil {
			return nil, err
		}
		if m.IsGlobalData() {
			v = slices.Clone(v)
			for _, g := range m.Variables {
				if nondeterministic[g.Name] {
					clear(v[g.Offset : g.Offset+g.Size])
				}
			}
		}
		switch {
		case isFD(m.Type):
			v = []byte("filled")
		case isPerCPU(m.Type):
			v = sum(v, m.ValueSize)
		}
		out = append(out, fmt.Sprintf("%x=%x", k, v))
	}
	slices.Sort(out)
	return out, nil
}

func isFD(t uint32) bool { return t == mapProgArray || t == mapArrayOfMaps || t == mapHashOfMaps }

func isPerCPU(t uint32) bool { return t == 5 || t == 6 || t == 10 }

// sum adds up the per-CPU copies of a value, 8 bytes at a time.
func sum(v []byte, size uint32) []byte {
	stride := int((size + 7) &^ 7)
	total := make([]byte, stride)
	for off := 0; off+stride <= len(v); off += stride {
		for w := 0; w+8 <= stride; w += 8 {
			x := binary.LittleEndian.Uint64(total[w:]) + binary.LittleEndian.Uint64(v[off+w:])
			binary.LittleEndian.PutUint64(total[w:], x)
		}
	}
	return total
}
