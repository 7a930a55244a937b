package link_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/link"
)

// objsDir holds the project's test objects; testdata the linker's own.
const objsDir = "../testdata/objs"

// objPath finds a test object by file name: the linker's own in
// testdata/, else the project's in testdata/objs/.
func objPath(name string) string {
	if _, err := os.Stat(filepath.Join("testdata", name)); err == nil {
		return filepath.Join("testdata", name)
	}
	return filepath.Join(objsDir, name)
}

// readObjects reads test objects, each named by its file name alone so
// that messages are the same wherever the tests run.
func readObjects(t testing.TB, names ...string) []*elf.Object {
	t.Helper()
	var objs []*elf.Object
	for _, name := range names {
		data, err := os.ReadFile(objPath(name))
		if err != nil {
			t.Fatal(err)
		}
		o, err := elf.ReadBytes(data, name)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	return objs
}

func linkObjects(t testing.TB, names ...string) *link.Image {
	t.Helper()
	img, err := link.Link(readObjects(t, names...), link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestLinkErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		objs []string
		opts link.Options
		err  string
	}{
		{
			name: "two strong definitions",
			objs: []string{"conflict_a.bpf.o", "conflict_b.bpf.o"},
			err:  `function "dup_fn" is defined in both conflict_a.bpf.o and conflict_b.bpf.o (neither definition is __weak)`,
		},
		{
			name: "function signature",
			objs: []string{"link_main.bpf.o", "link_lib.bpf.o", "mismatch_fn.bpf.o"},
			err:  `extern function "lib_add" in mismatch_fn.bpf.o does not match its definition in link_lib.bpf.o: number of parameters differs (2 in link_lib.bpf.o, 1 in mismatch_fn.bpf.o)`,
		},
		{
			name: "extern before the definition",
			objs: []string{"mismatch_fn.bpf.o", "link_main.bpf.o", "link_lib.bpf.o"},
			err:  `function "lib_add": the externs in mismatch_fn.bpf.o and link_main.bpf.o differ: number of parameters differs (1 in mismatch_fn.bpf.o, 2 in link_main.bpf.o)`,
		},
		{
			name: "map max_entries",
			objs: []string{"link_main.bpf.o", "link_lib.bpf.o", "mismatch_map.bpf.o"},
			err:  `extern map "shared_map" in mismatch_map.bpf.o does not match its definition in link_lib.bpf.o: max_entries differs (16 in link_lib.bpf.o, 32 in mismatch_map.bpf.o)`,
		},
		{
			name: "variable type",
			objs: []string{"link_main.bpf.o", "link_lib.bpf.o", "mismatch_var.bpf.o"},
			err:  `extern variable "lib_data" in mismatch_var.bpf.o does not match its definition in link_lib.bpf.o: type differs (int in link_lib.bpf.o, __u64 in mismatch_var.bpf.o)`,
		},
		{
			name: "unresolved externs",
			objs: []string{"unresolved.bpf.o"},
			err: `unresolved extern variable "missing_var", needed by unresolved.bpf.o` + "\n" +
				`unresolved extern function "missing_fn", needed by unresolved.bpf.o`,
		},
		{
			name: "unresolved in a partial set",
			objs: []string{"link_lib.bpf.o"},
			err:  `unresolved extern function "main_fn", needed by link_lib.bpf.o`,
		},
		{
			name: "variable called as a function",
			objs: []string{"kind_a.bpf.o", "kind_b.bpf.o"},
			err:  `symbol "shared_thing" is a variable in kind_a.bpf.o but a function in kind_b.bpf.o`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := link.Link(readObjects(t, tc.objs...), tc.opts)
			if err == nil {
				t.Fatal("link succeeded")
			}
			if err.Error() != tc.err {
				t.Errorf("error:\n%s\nwant:\n%s", err, tc.err)
			}
		})
	}
}

func TestAllowUnresolved(t *testing.T) {
	img, err := link.Link(readObjects(t, "unresolved.bpf.o"), link.Options{AllowUnresolved: true})
	if err != nil {
		t.Fatal(err)
	}
	p := img.Program("unresolved_prog")
	if p == nil {
		t.Fatal("no program unresolved_prog")
	}
	if got, want := strings.Join(p.Unresolved, ","), "missing_var,missing_fn"; got != want {
		t.Errorf("Unresolved = %s, want %s", got, want)
	}
}

// TestResolution checks which definition every program's functions come
// from: strong over weak, the first of several weak, static functions per
// object, hidden functions static in BTF.
func TestResolution(t *testing.T) {
	type fn struct{ name, obj string }
	for _, tc := range []struct {
		name  string
		objs  []string
		prog  string
		funcs []fn
	}{
		{
			name: "main then lib", objs: []string{"link_main.bpf.o", "link_lib.bpf.o"}, prog: "link_entry",
			funcs: []fn{{"link_entry", "link_main.bpf.o"}, {"pick", "link_lib.bpf.o"}, {"first_weak", "link_main.bpf.o"},
				{"lib_add", "link_lib.bpf.o"}, {"helper", "link_lib.bpf.o"}},
		},
		{
			name: "lib then main", objs: []string{"link_lib.bpf.o", "link_main.bpf.o"}, prog: "link_entry",
			funcs: []fn{{"link_entry", "link_main.bpf.o"}, {"pick", "link_lib.bpf.o"}, {"first_weak", "link_lib.bpf.o"},
				{"lib_add", "link_lib.bpf.o"}, {"helper", "link_lib.bpf.o"}},
		},
		{
			name: "weak and strong", objs: []string{"main.bpf.o", "lib.bpf.o"}, prog: "prog_weak",
			funcs: []fn{{"prog_weak", "main.bpf.o"}, {"weak_fn", "lib.bpf.o"}, {"both_weak", "main.bpf.o"}},
		},
		{
			name: "calls and a callback across objects", objs: []string{"main.bpf.o", "lib.bpf.o"}, prog: "prog_loop",
			funcs: []fn{{"prog_loop", "main.bpf.o"}, {"lib_loop", "lib.bpf.o"}, {"loop_cb", "lib.bpf.o"}},
		},
		{
			name: "static helpers of one name", objs: []string{"main.bpf.o", "lib.bpf.o"}, prog: "prog_calls",
			funcs: []fn{{"prog_calls", "main.bpf.o"}, {"helper", "main.bpf.o"}, {"lib_add", "lib.bpf.o"}, {"helper", "lib.bpf.o"}},
		},
		{
			name: "nothing reachable", objs: []string{"main.bpf.o", "lib.bpf.o"}, prog: "tail_target",
			funcs: []fn{{"tail_target", "main.bpf.o"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := linkObjects(t, tc.objs...)
			p := img.Program(tc.prog)
			if p == nil {
				t.Fatalf("no program %s", tc.prog)
			}
			var got []fn
			for _, f := range p.Functions {
				got = append(got, fn{f.Name, f.Object})
			}
			if len(got) != len(tc.funcs) {
				t.Fatalf("functions %v, want %v", got, tc.funcs)
			}
			for i := range got {
				if got[i] != tc.funcs[i] {
					t.Fatalf("functions %v, want %v", got, tc.funcs)
				}
			}
		})
	}
}

// TestHiddenIsStatic checks that a __hidden global function reaches the
// kernel as a static one, and a plain global one as global.
func TestHiddenIsStatic(t *testing.T) {
	img := linkObjects(t, "main.bpf.o", "lib.bpf.o")
	want := map[string]btf.FuncLinkage{"prog_hidden": btf.GlobalFunc, "hidden_fn": btf.StaticFunc, "hidden_deref": btf.StaticFunc}
	p := img.Program("prog_hidden")
	if len(p.FuncInfos) != len(want) {
		t.Fatalf("%d func_info records, want %d", len(p.FuncInfos), len(want))
	}
	for _, fi := range p.FuncInfos {
		if fi.Func.Linkage != want[fi.Func.Name] {
			t.Errorf("%s: linkage %s, want %s", fi.Func.Name, fi.Func.Linkage, want[fi.Func.Name])
		}
	}
	if _, err := img.BTF.TypeID(p.FuncInfos[0].Func); err != nil {
		t.Errorf("func_info type is not in Image.BTF: %v", err)
	}
}

// TestCallTargets checks every linked program of every test set: each
// bpf-to-bpf call and function address lands on the start of one of the
// program's functions, the functions tile the instructions, and func_info
// and line_info point inside the program.
func TestCallTargets(t *testing.T) {
	for _, set := range [][]string{
		{"main.bpf.o", "lib.bpf.o"}, {"lib.bpf.o", "main.bpf.o"},
		{"link_main.bpf.o", "link_lib.bpf.o"}, {"link_lib.bpf.o", "link_main.bpf.o"},
		{"calls.bpf.o"}, {"calls.nobtf.o"}, {"loops.bpf.o"}, {"tailcall.bpf.o"}, {"chain.bpf.o"},
		{"multi.bpf.o"}, {"globals.bpf.o"}, {"foreach.bpf.o"}, {"gcc_plain.gcc.o"}, {"gcc_quirks.gcc.o"},
	} {
		t.Run(strings.Join(set, "+"), func(t *testing.T) {
			img := linkObjects(t, set...)
			if len(img.Programs) == 0 {
				t.Fatal("no programs")
			}
			for _, p := range img.Programs {
				checkProgram(t, img, p)
			}
		})
	}
}

func checkProgram(t *testing.T, img *link.Image, p *link.Program) {
	t.Helper()
	starts := map[int]bool{}
	next := 0
	for _, f := range p.Functions {
		if f.Start != next {
			t.Errorf("%s: function %s starts at %d, want %d", p.Name, f.Name, f.Start, next)
		}
		starts[f.Start] = true
		next = f.Start + f.Len
	}
	if next != len(p.Insns) {
		t.Errorf("%s: functions cover %d of %d slots", p.Name, next, len(p.Insns))
	}
	for pc := 0; pc < len(p.Insns); pc++ {
		ins := p.Insns[pc]
		switch {
		case ins.IsPseudoCall(), ins.IsPseudoFunc():
			if target := pc + int(ins.Imm) + 1; !starts[target] {
				t.Errorf("%s: instruction %d (%s) targets slot %d, no function start", p.Name, pc,
					insn.Format(p.Insns, pc, img.Namer(p)), target)
			}
		case ins.IsLoadImm64() && (ins.Src == insn.PseudoMapIdx || ins.Src == insn.PseudoMapIdxValue):
			if int(ins.Imm) >= len(img.Maps) {
				t.Errorf("%s: instruction %d: map index %d of %d", p.Name, pc, ins.Imm, len(img.Maps))
			}
		}
		if ins.IsLoadImm64() {
			pc++
		}
	}
	for _, fi := range p.FuncInfos {
		if !starts[int(fi.Offset)] {
			t.Errorf("%s: func_info %s at %d, no function start", p.Name, fi.Func.Name, fi.Offset)
		}
	}
	for _, li := range p.LineInfos {
		if int(li.Offset) >= len(p.Insns) {
			t.Errorf("%s: line_info at %d, past the end", p.Name, li.Offset)
		}
	}
	if len(p.FuncInfos) > 0 && len(p.FuncInfos) != len(p.Functions) {
		t.Errorf("%s: %d func_info records for %d functions", p.Name, len(p.FuncInfos), len(p.Functions))
	}
}

// TestGlobalData checks that same-named data sections of all objects
// merge into one map each, every variable at its place, and that prog
// array contents survive.
func TestGlobalData(t *testing.T) {
	img := linkObjects(t, "main.bpf.o", "lib.bpf.o")
	type v struct {
		name   string
		offset uint32
		obj    string
	}
	for _, tc := range []struct {
		m      string
		size   uint32
		frozen bool
		vars   []v
	}{
		{".data", 16, false, []v{{"main_data", 0, "main.bpf.o"}, {"counter", 4, "main.bpf.o"}, {"lib_data", 8, "lib.bpf.o"}, {"counter", 12, "lib.bpf.o"}}},
		{".rodata", 4, true, []v{{"lib_ro", 0, "lib.bpf.o"}}},
		{".bss", 12, false, []v{{"ksym_addr", 0, "main.bpf.o"}, {"lib_bss", 8, "lib.bpf.o"}}},
	} {
		m := img.Map(tc.m)
		if m == nil {
			t.Errorf("no map %s", tc.m)
			continue
		}
		if m.ValueSize != tc.size || len(m.Data) != int(tc.size) || m.Frozen != tc.frozen || m.MaxEntries != 1 {
			t.Errorf("%s: value size %d, data %d bytes, frozen %v, max_entries %d; want %d, %d, %v, 1",
				tc.m, m.ValueSize, len(m.Data), m.Frozen, m.MaxEntries, tc.size, tc.size, tc.frozen)
		}
		var got []v
		for _, x := range m.Variables {
			got = append(got, v{x.Name, x.Offset, x.Object})
		}
		if len(got) != len(tc.vars) {
			t.Errorf("%s: variables %v, want %v", tc.m, got, tc.vars)
			continue
		}
		for i := range got {
			if got[i] != tc.vars[i] {
				t.Errorf("%s: variables %v, want %v", tc.m, got, tc.vars)
				break
			}
		}
	}
	if data := img.Map(".data").Data; data[8] != 5 || data[12] != 100 {
		t.Errorf(".data contents % x: lib_data 5 at 8 and lib's counter 100 at 12 expected", data)
	}
	if jmp := img.Map("jmp"); jmp == nil || jmp.Slots[2] != "tail_target" || len(jmp.Slots) != 1 {
		t.Errorf("prog array jmp: slots %v, want map[2:tail_target]", jmp.Slots)
	}
	if c := img.Map("counters"); c == nil || strings.Join(c.Objects, ",") != "lib.bpf.o,main.bpf.o" {
		t.Errorf("extern map counters: objects %v, want lib.bpf.o and main.bpf.o", c.Objects)
	}
}

// TestSlots checks that `.values` of prog arrays and maps of maps reach
// MapSpec.Slots by name.
func TestSlots(t *testing.T) {
	img := linkObjects(t, "maps.bpf.o")
	for name, want := range map[string]map[uint32]string{
		"outer_arr":  {0: "inner_a", 1: "inner_b"},
		"outer_hash": {3: "inner_b"},
		"progs":      {0: "prog_a", 3: "prog_b"},
	} {
		m := img.Map(name)
		if m == nil {
			t.Errorf("no map %s", name)
			continue
		}
		if len(m.Slots) != len(want) {
			t.Errorf("%s: slots %v, want %v", name, m.Slots, want)
			continue
		}
		for k, v := range want {
			if m.Slots[k] != v {
				t.Errorf("%s: slots %v, want %v", name, m.Slots, want)
				break
			}
		}
	}
	if outer := img.Map("outer_arr"); outer.Inner == nil || outer.Inner.Name != "outer_arr.inner" {
		t.Errorf("outer_arr: inner map template %+v", outer.Inner)
	}
}

// TestKconfigOverride checks that Options.Kconfig values reach the
// .kconfig map.
func TestKconfigOverride(t *testing.T) {
	img, err := link.Link(readObjects(t, "kconfig.bpf.o"), link.Options{Kconfig: map[string]string{"CONFIG_HZ": "1000"}})
	if err != nil {
		t.Fatal(err)
	}
	m := img.Map(".kconfig")
	if m == nil {
		t.Fatal("no .kconfig map")
	}
	for _, v := range m.Variables {
		if v.Name != "CONFIG_HZ" {
			continue
		}
		if got := binary.LittleEndian.Uint32(m.Data[v.Offset:]); got != 1000 {
			t.Errorf("CONFIG_HZ = %d, want 1000", got)
		}
		return
	}
	t.Errorf("no CONFIG_HZ in .kconfig: %v", m.Variables)
}

// TestImageBTF checks that the image's types are those of Image.BTF.
func TestImageBTF(t *testing.T) {
	img := linkObjects(t, "main.bpf.o", "lib.bpf.o")
	for _, m := range img.Maps {
		for _, v := range m.Variables {
			id, err := img.BTF.TypeID(v.Type)
			if err != nil {
				t.Errorf("%s: variable %s: %v", m.Name, v.Name, err)
				continue
			}
			if got, _ := img.BTF.TypeByID(id); got != v.Type {
				t.Errorf("%s: variable %s: type %v is not Image.BTF's", m.Name, v.Name, v.Type)
			}
			if n, err := btf.Sizeof(v.Type); err != nil || uint32(n) != v.Size {
				t.Errorf("%s: variable %s: type %v of %d bytes (%v), variable of %d", m.Name, v.Name, v.Type, n, err, v.Size)
			}
		}
		if m.Value != nil {
			if _, err := img.BTF.TypeID(m.Value); err != nil {
				t.Errorf("%s: value type: %v", m.Name, err)
			}
		}
	}
}

// TestBadReferences checks the errors for references that lead nowhere,
// made by corrupting a call of a correct object.
func TestBadReferences(t *testing.T) {
	for _, tc := range []struct {
		name    string
		corrupt func(t *testing.T, o *elf.Object)
		err     string
	}{
		{
			name: "static call past the section",
			corrupt: func(t *testing.T, o *elf.Object) {
				sectionNamed(t, o, "tc").Insns[1].Imm = 5000
			},
			err: "main.bpf.o: section tc: function prog_calls: instruction 1 (call pc+5000): target slot 5001 of section .text is in no function",
		},
		{
			name: "call relocated against a variable",
			corrupt: func(t *testing.T, o *elf.Object) {
				sec := sectionNamed(t, o, "tc")
				for i := range sec.Relocs {
					if sec.Relocs[i].Offset == 4*8 {
						sec.Relocs[i].Symbol = symbolNamed(t, o, "main_data")
					}
				}
			},
			err: "main.bpf.o: section tc: function prog_calls: instruction 4 (call pc-1): call to variable main_data",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs := readObjects(t, "main.bpf.o", "lib.bpf.o")
			tc.corrupt(t, objs[0])
			_, err := link.Link(objs, link.Options{})
			if err == nil || err.Error() != tc.err {
				t.Errorf("error:\n%v\nwant:\n%s", err, tc.err)
			}
		})
	}
}

func sectionNamed(t *testing.T, o *elf.Object, name string) *elf.Section {
	t.Helper()
	for _, s := range o.Sections {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("%s: no section %s", o.Path, name)
	return nil
}

func symbolNamed(t *testing.T, o *elf.Object, name string) int {
	t.Helper()
	for i, s := range o.Symbols {
		if s.Name == name {
			return i
		}
	}
	t.Fatalf("%s: no symbol %s", o.Path, name)
	return 0
}
