package link_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/internal/kerneltest"
	"github.com/bpfld/bpfld/link"
)

// kernelSets are linked and test-run in the kernel, the oracle: bpfld's
// image, bpfld's written object (loaded by libbpf and by cilium/ebpf, and
// read back by bpfld) and bpftool gen object's output (loaded by libbpf)
// must all return the expected values, run by run in this order on a
// fresh load.
var kernelSets = []struct {
	objs  []string
	steps []step
	// bpftool says why `bpftool gen object` (libbpf 1.1) cannot link the
	// set, when it cannot.
	bpftool string
	// cilium and libbpf say why cilium/ebpf v0.22 or libbpf 1.1 cannot
	// load even bpfld's output.
	cilium, libbpf string
}{
	{
		objs: []string{"main.bpf.o", "lib.bpf.o"},
		steps: []step{{"prog_calls", 206}, {"prog_weak", 4002}, {"prog_hidden", 84}, {"prog_map", 43},
			{"prog_loop", 10}, {"prog_data", 22}, {"prog_ksym", 1}, {"prog_tail", 55}, {"lib_prog", 120}},
		bpftool: "libbpf 1.1's linker leaves the extern map counters, declared before its definition, at offset 0 of .maps",
	},
	{
		objs: []string{"lib.bpf.o", "main.bpf.o"},
		steps: []step{{"prog_calls", 206}, {"prog_weak", 3002}, {"prog_hidden", 84}, {"prog_map", 43},
			{"prog_loop", 10}, {"prog_data", 22}, {"prog_ksym", 1}, {"prog_tail", 55}, {"lib_prog", 120}},
	},
	{
		objs:  []string{"link_main.bpf.o", "link_lib.bpf.o"},
		steps: []step{{"link_entry", 2152}, {"link_vars", 1070}, {"link_map", 1077}, {"lib_prog", 45}},
	},
	{
		objs:  []string{"link_lib.bpf.o", "link_main.bpf.o"},
		steps: []step{{"link_entry", 2252}, {"link_vars", 1070}, {"link_map", 1077}, {"lib_prog", 45}},
	},
	{objs: []string{"calls.bpf.o"}, steps: []step{{"calls_tc", 393}, {"calls_xdp", 16}, {"calls_deep", 57}}},
	{
		objs: []string{"calls.nobtf.o"}, steps: []step{{"calls_tc", 393}, {"calls_xdp", 16}, {"calls_deep", 57}},
		bpftool: "libbpf's linker refuses objects without BTF",
	},
	{
		// An object without BTF linked with one with: only the functions
		// that had func_info keep it, so both objects' programs load.
		objs: []string{"calls.nobtf.o", "loops.bpf.o"}, steps: []step{{"calls_tc", 393}, {"loop_callback", 10045}},
		bpftool: "libbpf's linker refuses objects without BTF",
	},
	{objs: []string{"loops.bpf.o"}, steps: []step{{"loop_const", 496}, {"loop_scan", 64}, {"loop_callback", 10045}, {"loop_early", 6010}}},
	{
		objs: []string{"tailcall.bpf.o"},
		steps: []step{{"tail_const", 1}, {"tail_mark", 100}, {"tail_byte", 101}, {"tail_from_sub", 102},
			{"tail_empty", 105}, {"tail_oob", 108}},
	},
	{objs: []string{"chain.bpf.o"}, steps: []step{{"chain_global", 34}, {"chain_pkt", 34}, {"chain_sub", 35}}},
	{
		objs:  []string{"multi.bpf.o"},
		steps: []step{{"xdp_pass", 2}, {"xdp_short_drop", 2}, {"tc_len", 20}, {"cls_len", 102}, {"sock_keep", 50}, {"raw_args", 7}},
	},
	{objs: []string{"globals.bpf.o"}, steps: []step{{"globals_sum", 31}, {"globals_write", 100}}},
	{objs: []string{"foreach.bpf.o"}, steps: []step{{"each_array", 4460}, {"each_stop", 2200}, {"each_hash", 3900}}},
	{objs: []string{"atomics.bpf.o"}, steps: []step{{"atomics", 7}}},
	{objs: []string{"v4.bpf.o"}, steps: []step{{"v4_ops", uint32(0xfffeed4f)}, {"v4_pkt", 0}}},
	{objs: []string{"core.bpf.o"}, steps: []step{{"core_task", 7}}},
	{
		objs: []string{"kconfig.bpf.o"}, steps: []step{{"kconfig_values", 7}, {"kfunc_len", 64}},
		cilium: "cilium/ebpf v0.22 refuses __weak .kconfig externs",
	},
	{
		objs: []string{"ksyms.bpf.o"}, steps: []step{{"ksym_addrs", 15}},
		cilium: "cilium/ebpf v0.22 supports no typed ksym variables",
	},
	{
		objs: []string{"gcc_plain.gcc.o"}, steps: []step{{"gp_first", 389}, {"gp_second", 10}},
		bpftool: "libbpf's linker refuses objects without BTF",
	},
	{
		objs: []string{"gcc_btf.gcc.o"}, steps: []step{{"gcc_tc", 133}},
		bpftool: "libbpf's linker finds no BTF for GCC 12's global functions (GCC writes every FUNC static)",
	},
	{
		objs: []string{"gcc_legacy.gcc.o"}, steps: []step{{"gcc_xdp", 78}, {"gcc_sock", 64}},
		libbpf:  "libbpf 1.x refuses legacy maps sections",
		bpftool: "libbpf's linker refuses objects without BTF",
	},
	{
		objs: []string{"gcc_quirks.gcc.o"}, steps: []step{{"quirk_prog", 27}},
		libbpf:  "libbpf 1.x refuses legacy maps sections",
		bpftool: "libbpf's linker refuses objects without BTF",
	},
	{
		objs: []string{"legacy.bpf.o"}, steps: []step{{"legacy_count", 1}, {"legacy_target", 7}},
		libbpf:  "libbpf 1.x refuses legacy maps sections",
		bpftool: "libbpf 1.x refuses legacy maps sections",
	},
}

// TestKernel links every set and test-runs the results in the kernel.
func TestKernel(t *testing.T) {
	kerneltest.Require(t)
	for _, set := range kernelSets {
		t.Run(strings.Join(set.objs, "+"), func(t *testing.T) {
			objs := readObjects(t, set.objs...)
			img, err := link.Link(objs, link.Options{})
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "out.o")
			var buf bytes.Buffer
			if err := link.WriteObject(&buf, objs, link.Options{}); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}

			t.Run("image", func(t *testing.T) { checkRun(t, func() (*loaded, error) { return loadImage(img) }, set.steps) })
			t.Run("output relinked", func(t *testing.T) {
				checkRun(t, func() (*loaded, error) {
					o, err := elf.ReadBytes(buf.Bytes(), "out.o")
					if err != nil {
						return nil, err
					}
					img, err := link.Link([]*elf.Object{o}, link.Options{})
					if err != nil {
						return nil, err
					}
					return loadImage(img)
				}, set.steps)
			})
			t.Run("output in cilium", func(t *testing.T) {
				checkRunKnown(t, func() (*loaded, error) { return loadCollection(out) }, set.steps, set.cilium)
			})
			t.Run("output in libbpf", func(t *testing.T) {
				bpftool := bpftoolPath(t)
				checkRunKnown(t, func() (*loaded, error) { return loadWithBpftool(t, bpftool, out) }, set.steps, set.libbpf)
			})
			t.Run("bpftool gen object", func(t *testing.T) {
				bpftool := bpftoolPath(t)
				ref := filepath.Join(t.TempDir(), "ref.o")
				checkRunKnown(t, func() (*loaded, error) {
					args := append([]string{"gen", "object", ref}, objPaths(set.objs)...)
					if msg, err := exec.Command(bpftool, args...).CombinedOutput(); err != nil {
						return nil, fmt.Errorf("bpftool gen object: %v: %s", err, lastLines(msg, 3))
					}
					return loadWithBpftool(t, bpftool, ref)
				}, set.steps, set.bpftool)
				// For the record: what cilium/ebpf makes of the reference's output.
				if l, err := loadCollection(ref); err != nil {
					t.Logf("bpftool gen object's output in cilium/ebpf: %v", err)
				} else {
					l.close()
				}
			})
		})
	}
}

func objPaths(names []string) []string {
	var paths []string
	for _, n := range names {
		paths = append(paths, objPath(n))
	}
	return paths
}

// checkRunKnown is checkRun for a load that is known to fail for the
// reason given (when it is not empty): a failure skips with that reason;
// a success is checked as usual.
func checkRunKnown(t *testing.T, load func() (*loaded, error), steps []step, known string) {
	t.Helper()
	if known == "" {
		checkRun(t, load, steps)
		return
	}
	l, err := load()
	if err != nil {
		t.Skipf("known failure: %s: %v", known, err)
	}
	defer l.close()
	if err := runSteps(l, steps); err != nil {
		t.Error(err)
	}
}

// checkRun loads, runs the steps and unloads.
func checkRun(t *testing.T, load func() (*loaded, error), steps []step) {
	t.Helper()
	l, err := load()
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	defer l.close()
	if err := runSteps(l, steps); err != nil {
		t.Error(err)
	}
}
