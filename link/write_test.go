package link_test

import (
	"bytes"
	goelf "debug/elf"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/link"
)

// linkSets are the sets of objects linked in the write tests, in link order.
var linkSets = [][]string{
	{"main.bpf.o", "lib.bpf.o"}, {"lib.bpf.o", "main.bpf.o"},
	{"link_main.bpf.o", "link_lib.bpf.o"}, {"link_lib.bpf.o", "link_main.bpf.o"},
	{"calls.bpf.o"}, {"calls.nobtf.o"}, {"loops.bpf.o"}, {"tailcall.bpf.o"}, {"chain.bpf.o"},
	{"multi.bpf.o"}, {"globals.bpf.o"}, {"maps.bpf.o"}, {"foreach.bpf.o"}, {"core.bpf.o"},
	{"kconfig.bpf.o"}, {"ksyms.bpf.o"}, {"legacy.bpf.o"}, {"atomics.bpf.o"}, {"v4.bpf.o"},
	{"gcc_plain.gcc.o"}, {"gcc_quirks.gcc.o"}, {"gcc_legacy.gcc.o"},
}

// writeObject links a set with WriteObject and returns the output.
func writeObject(t testing.TB, opts link.Options, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := link.WriteObject(&buf, readObjects(t, names...), opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWriteRelinks links every set twice: directly, and through the object
// WriteObject writes. Both images must hold the same programs, instruction
// for instruction, and the same maps: the written object carries every
// relocation, symbol and piece of data the image needs.
func TestWriteRelinks(t *testing.T) {
	for _, set := range linkSets {
		t.Run(strings.Join(set, "+"), func(t *testing.T) {
			want := linkObjects(t, set...)
			out := writeObject(t, link.Options{}, set...)
			o, err := elf.ReadBytes(out, "out.o")
			if err != nil {
				t.Fatalf("read the output: %v", err)
			}
			got, err := link.Link([]*elf.Object{o}, link.Options{})
			if err != nil {
				t.Fatalf("link the output: %v", err)
			}
			compareImages(t, got, want)
		})
	}
}

func compareImages(t *testing.T, got, want *link.Image) {
	t.Helper()
	if len(got.Programs) != len(want.Programs) {
		t.Fatalf("%d programs, want %d", len(got.Programs), len(want.Programs))
	}
	for _, wp := range want.Programs {
		gp := got.Program(wp.Name)
		if gp == nil {
			t.Errorf("program %s missing", wp.Name)
			continue
		}
		if gp.SectionName != wp.SectionName || gp.Type != wp.Type || gp.License != wp.License {
			t.Errorf("%s: section %s type %d license %q, want %s %d %q", wp.Name,
				gp.SectionName, gp.Type, gp.License, wp.SectionName, wp.Type, wp.License)
		}
		if !slices.Equal(gp.Insns, wp.Insns) {
			t.Errorf("%s: instructions differ:\n%v\nwant\n%v", wp.Name, gp.Insns, wp.Insns)
		}
		if len(gp.Functions) != len(wp.Functions) {
			t.Errorf("%s: %d functions, want %d", wp.Name, len(gp.Functions), len(wp.Functions))
		}
		if len(gp.FuncInfos) != len(wp.FuncInfos) || len(gp.LineInfos) != len(wp.LineInfos) {
			t.Errorf("%s: %d func_info, %d line_info, want %d, %d", wp.Name,
				len(gp.FuncInfos), len(gp.LineInfos), len(wp.FuncInfos), len(wp.LineInfos))
		}
		for i := range min(len(gp.LineInfos), len(wp.LineInfos)) {
			g, w := gp.LineInfos[i], wp.LineInfos[i]
			if g.Offset != w.Offset || g.Line.Line() != w.Line.Line() || g.Line.LineNumber() != w.Line.LineNumber() {
				t.Errorf("%s: line_info %d at %d %q:%d, want at %d %q:%d", wp.Name, i,
					g.Offset, g.Line.Line(), g.Line.LineNumber(), w.Offset, w.Line.Line(), w.Line.LineNumber())
				break
			}
		}
	}
	if len(got.Maps) != len(want.Maps) {
		t.Fatalf("%d maps, want %d", len(got.Maps), len(want.Maps))
	}
	for i, wm := range want.Maps {
		gm := got.Maps[i]
		if gm.Type != wm.Type || gm.KeySize != wm.KeySize || gm.ValueSize != wm.ValueSize ||
			gm.MaxEntries != wm.MaxEntries || gm.Flags != wm.Flags || !bytes.Equal(gm.Data, wm.Data) {
			t.Errorf("map %d: %s %+v, want %s %+v", i, gm.Name, *gm, wm.Name, *wm)
		}
		if len(gm.Slots) != len(wm.Slots) {
			t.Errorf("map %s: slots %v, want %v", wm.Name, gm.Slots, wm.Slots)
		}
		if len(gm.Variables) != len(wm.Variables) {
			t.Errorf("map %s: %d variables, want %d", wm.Name, len(gm.Variables), len(wm.Variables))
		}
	}
}

// TestWriteSymbols checks the four things cilium/ebpf v0.22 refuses in
// the output of bpftool gen object: the written symbols are unique by
// name, no losing weak definition is left behind, `const void` ksyms are
// void, hidden functions are static in ELF and BTF.
func TestWriteSymbols(t *testing.T) {
	out := writeObject(t, link.Options{}, "main.bpf.o", "lib.bpf.o")
	o, err := elf.ReadBytes(out, "out.o")
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	binds := map[string]goelf.SymBind{}
	for _, s := range o.Symbols[1:] {
		if s.Type == goelf.STT_SECTION {
			continue
		}
		count[s.Name]++
		binds[s.Name] = s.Bind
	}
	for name, n := range count {
		if n > 1 {
			t.Errorf("symbol %s written %d times", name, n)
		}
	}
	for name, bind := range map[string]goelf.SymBind{
		"counter": goelf.STB_LOCAL, "counter__1": goelf.STB_LOCAL, "helper": goelf.STB_LOCAL, "helper__1": goelf.STB_LOCAL,
		"hidden_fn": goelf.STB_LOCAL, "hidden_deref": goelf.STB_LOCAL, "weak_fn": goelf.STB_GLOBAL,
		"both_weak": goelf.STB_WEAK, "lib_add": goelf.STB_GLOBAL, "unused_global": goelf.STB_GLOBAL,
		"counters": goelf.STB_GLOBAL, "do_nanosleep": goelf.STB_GLOBAL,
	} {
		if got, ok := binds[name]; !ok || got != bind {
			t.Errorf("symbol %s: bind %v (present %v), want %v", name, got, ok, bind)
		}
	}

	// The losing bodies of weak_fn (main's) and both_weak (lib's) are not
	// written: .text holds exactly the written functions.
	var text uint64
	for _, fn := range o.Functions {
		if fn.Section.Name == ".text" {
			text += uint64(fn.Len) * 8
		}
	}
	for _, s := range o.Sections {
		if s.Name == ".text" && s.Size != text {
			t.Errorf(".text is %d bytes, its functions %d", s.Size, text)
		}
	}

	for _, name := range []string{"hidden_fn", "hidden_deref"} {
		var fn *btf.Func
		if err := o.BTF.TypeByName(name, &fn); err != nil {
			t.Errorf("BTF of %s: %v", name, err)
		} else if fn.Linkage != btf.StaticFunc {
			t.Errorf("BTF of %s: linkage %s, want static", name, fn.Linkage)
		}
	}
	var ksym *btf.Var
	for _, e := range o.Externs {
		if e.Name == "do_nanosleep" {
			ksym, _ = e.Type.(*btf.Var)
		}
	}
	if ksym == nil {
		t.Fatal("no .ksyms extern do_nanosleep")
	}
	if _, ok := ksym.Type.(*btf.Void); !ok {
		t.Errorf("ksym do_nanosleep has type %s, want void", ksym.Type)
	}
}

// TestWriteLoadsInCilium reads every written object with cilium/ebpf's
// reader, which needs no kernel. Objects with features cilium/ebpf v0.22
// lacks are expected to fail with its message.
func TestWriteLoadsInCilium(t *testing.T) {
	unsupported := map[string]string{
		// cilium/ebpf v0.22 supports no typed ksym variables, and no
		// __weak .kconfig externs (making them strong would change what
		// libbpf does with a missing option).
		"ksyms.bpf.o":   "typed ksym bpfld_no_such_int",
		"kconfig.bpf.o": "weak kconfig externs",
	}
	for _, set := range linkSets {
		name := strings.Join(set, "+")
		t.Run(name, func(t *testing.T) {
			out := writeObject(t, link.Options{}, set...)
			spec, err := ebpf.LoadCollectionSpecFromReader(bytes.NewReader(out))
			if why, ok := unsupported[name]; ok {
				if err == nil {
					t.Logf("cilium/ebpf now reads it (expected failure: %s)", why)
				}
				return
			}
			if err != nil {
				t.Fatalf("cilium/ebpf: %v", err)
			}
			want := linkObjects(t, set...)
			for _, p := range want.Programs {
				if spec.Programs[p.Name] == nil {
					t.Errorf("cilium/ebpf finds no program %s", p.Name)
				}
			}
		})
	}
}

// TestWritePartial writes a partial link that keeps its unresolved
// externs, then completes it with the objects that define them.
func TestWritePartial(t *testing.T) {
	partial := writeObject(t, link.Options{AllowUnresolved: true}, "link_main.bpf.o")
	po, err := elf.ReadBytes(partial, "partial.o")
	if err != nil {
		t.Fatal(err)
	}
	lib := readObjects(t, "link_lib.bpf.o")
	got, err := link.Link([]*elf.Object{po, lib[0]}, link.Options{})
	if err != nil {
		t.Fatalf("link the partial output with link_lib.bpf.o: %v", err)
	}
	want := linkObjects(t, "link_main.bpf.o", "link_lib.bpf.o")
	for _, wp := range want.Programs {
		gp := got.Program(wp.Name)
		if gp == nil || len(gp.Insns) != len(wp.Insns) {
			t.Errorf("program %s differs after a partial link", wp.Name)
		}
	}
}

// TestWriteErrors checks the errors that only writing an object can meet:
// inputs whose license or version differ, as libbpf's linker refuses them.
func TestWriteErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(objs []*elf.Object)
		err    string
	}{
		{
			name:   "license",
			change: func(objs []*elf.Object) { objs[1].License = "Dual BSD/GPL" },
			err:    `license "Dual BSD/GPL" of conflict_b.bpf.o differs from "GPL" of kind_a.bpf.o`,
		},
		{
			name: "kernel version",
			change: func(objs []*elf.Object) {
				objs[0].KernelVersion, objs[0].HasVersion = 0x060c00, true
				objs[1].KernelVersion, objs[1].HasVersion = 0x060d00, true
			},
			err: `kernel version 0x60d00 of conflict_b.bpf.o differs from 0x60c00 of kind_a.bpf.o`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs := readObjects(t, "kind_a.bpf.o", "conflict_b.bpf.o")
			tc.change(objs)
			err := link.WriteObject(io.Discard, objs, link.Options{})
			if err == nil || err.Error() != tc.err {
				t.Errorf("error %v, want %s", err, tc.err)
			}
		})
	}
}

// TestDataSectionConflict checks that a data section read-only in one
// object and writable in another is refused.
func TestDataSectionConflict(t *testing.T) {
	objs := readObjects(t, "kind_a.bpf.o", "main.bpf.o")
	for _, s := range objs[1].Sections {
		if s.Name == ".data" {
			s.ReadOnly = true
		}
	}
	_, err := link.Link(objs, link.Options{AllowUnresolved: true})
	want := "section .data is read-only in main.bpf.o but writable in kind_a.bpf.o"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// TestWriteExternSizes checks that the .kconfig, .ksyms and .maps entries
// of externs left to the loader carry their sizes as clang writes them:
// the size of the type, 1 for a typeless (void) ksym, 0 for a kfunc.
// cilium/ebpf cuts each .kconfig value out of its map by that size, and
// a size of 0 makes NewCollection panic.
func TestWriteExternSizes(t *testing.T) {
	for _, set := range [][]string{{"kconfig.bpf.o"}, {"ksyms.bpf.o"}, {"link_main.bpf.o"}} {
		t.Run(strings.Join(set, "+"), func(t *testing.T) {
			out := writeObject(t, link.Options{AllowUnresolved: true}, set...)
			// The raw .BTF, without the fixes cilium/ebpf's ELF reader
			// applies to data sections.
			f, err := goelf.NewFile(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := f.Section(".BTF").Data()
			if err != nil {
				t.Fatal(err)
			}
			spec, err := btf.LoadSpecFromReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for typ := range spec.All() {
				ds, ok := typ.(*btf.Datasec)
				if !ok || (ds.Name != ".kconfig" && ds.Name != ".ksyms" && ds.Name != ".maps") {
					continue
				}
				for _, vs := range ds.Vars {
					want := uint32(0)
					if v, ok := vs.Type.(*btf.Var); ok {
						if v.Linkage != btf.ExternVar {
							continue
						}
						if _, void := btf.UnderlyingType(v.Type).(*btf.Void); void {
							want = 1
						} else {
							n, err := btf.Sizeof(v.Type)
							if err != nil {
								t.Fatal(err)
							}
							want = uint32(n)
						}
					}
					seen++
					if vs.Size != want {
						t.Errorf("%s: %s has size %d, want %d", ds.Name, vs.Type.TypeName(), vs.Size, want)
					}
				}
			}
			if seen == 0 {
				t.Error("no extern in .kconfig, .ksyms or .maps")
			}
		})
	}
}
