package elf

import (
	goelf "debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bpfld/bpfld/insn"
)

// Object files the tests read: the project's shared fixtures, this
// package's own (externs of every kind, GCC-built objects, legacy map
// layouts) and cilium/ebpf's test objects from the module cache.
const (
	projectObjs = "../testdata/objs"
	localObjs   = "testdata"
)

var ciliumTestdata = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/cilium/ebpf").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m github.com/cilium/ebpf: %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "testdata"), nil
})

// objectFiles returns the little-endian objects to read: every *.o of the
// project's and this package's testdata and cilium/ebpf's *-el.elf.
func objectFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{projectObjs + "/*.o", localObjs + "/*.o"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	files = append(files, ciliumObjects(t, "*-el.elf")...)
	if len(files) == 0 {
		t.Fatal("no object files found")
	}
	return files
}

// ciliumObjects returns cilium/ebpf's test objects matching pattern, or
// logs why there are none.
func ciliumObjects(t testing.TB, pattern string) []string {
	t.Helper()
	dir, err := ciliumTestdata()
	if err != nil {
		t.Logf("skipping cilium/ebpf's test objects: %v", err)
		return nil
	}
	m, _ := filepath.Glob(filepath.Join(dir, pattern))
	return m
}

func TestReadAll(t *testing.T) {
	for _, file := range objectFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			obj, err := Open(file)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, obj)
		})
	}
}

// checkInvariants checks what must hold of every object read.
func checkInvariants(t *testing.T, obj *Object) {
	t.Helper()
	for i, s := range obj.Sections {
		if s.Index != i {
			t.Errorf("section %s has index %d at position %d", s.Name, s.Index, i)
		}
		if s.Kind == SectionCode && len(s.Insns)*insn.Size != len(s.Data) {
			t.Errorf("section %s: %d instructions for %d bytes", s.Name, len(s.Insns), len(s.Data))
		}
		for _, r := range s.Relocs {
			if r.Symbol >= len(obj.Symbols) {
				t.Errorf("section %s: relocation at %#x against symbol %d of %d", s.Name, r.Offset, r.Symbol, len(obj.Symbols))
			}
		}
		if isDebugSection(s.Name) && len(s.Relocs) > 0 {
			t.Errorf("section %s: debug section kept %d relocations", s.Name, len(s.Relocs))
		}
	}
	for i, s := range obj.Symbols[1:] {
		if s.Index != i+1 {
			t.Errorf("symbol %s has index %d at position %d", s.Name, s.Index, i+1)
		}
	}
	var entries []*Function
	for _, f := range obj.Functions {
		if f.Len <= 0 || f.Offset < 0 || f.Offset+f.Len > len(f.Section.Insns) {
			t.Errorf("function %s: slots [%d, %d) outside section %s of %d", f.Name, f.Offset, f.Offset+f.Len, f.Section.Name, len(f.Section.Insns))
		}
		if f.Entry != (f.Section.Name != ".text") {
			t.Errorf("function %s in %s: Entry is %v", f.Name, f.Section.Name, f.Entry)
		}
		if f.Entry {
			entries = append(entries, f)
		}
	}
	if !slices.Equal(entries, obj.Programs) {
		t.Errorf("Programs are not the entry functions")
	}
	for _, m := range obj.Maps {
		if m.Section.Kind != SectionMaps && m.Section.Kind != SectionLegacyMaps {
			t.Errorf("map %s in section %s of kind %d", m.Name, m.Section.Name, m.Section.Kind)
		}
		for _, v := range m.InitValues {
			if v.Symbol <= 0 || v.Symbol >= len(obj.Symbols) || obj.Symbols[v.Symbol].Name != v.Name {
				t.Errorf("map %s: slot %d names symbol %d %q", m.Name, v.Slot, v.Symbol, v.Name)
			}
		}
	}
	for _, v := range obj.Variables {
		if v.Section.Kind != SectionData || v.Offset+v.Size > v.Section.Size {
			t.Errorf("variable %s: [%d, +%d) in section %s of %d bytes", v.Name, v.Offset, v.Size, v.Section.Name, v.Section.Size)
		}
	}
	for _, e := range obj.Externs {
		if obj.Symbols[e.Symbol].IsDefined() || obj.Symbols[e.Symbol].Name != e.Name {
			t.Errorf("extern %s: symbol %d is %+v", e.Name, e.Symbol, obj.Symbols[e.Symbol])
		}
	}
}

func TestBigEndian(t *testing.T) {
	files := ciliumObjects(t, "*-eb.elf")
	if len(files) == 0 {
		t.Skip("no big-endian objects: cilium/ebpf's testdata is not in the module cache")
	}
	for _, file := range files {
		_, err := Open(file)
		want := file + ": big-endian BPF objects are not supported"
		if err == nil || err.Error() != want {
			t.Errorf("got error %v, want %q", err, want)
		}
	}
}

// mapWant is what a test expects of a map.
type mapWant struct {
	name                                 string
	typ, key, value, max, flags, pinning uint32
	legacy                               bool
	inner                                *mapWant
	values                               []string // "slot:name"
}

// objectWant is what a test expects of an object; nil fields are not checked.
type objectWant struct {
	file      string
	functions []string // "section/name", entry programs marked with a trailing "*"
	maps      []mapWant
	variables []string // "section/name@offset+size"
	externs   []string // "name kind", " weak" appended for weak ones
	license   string
	version   uint32
	comment   string
}

func TestObjects(t *testing.T) {
	ciliumDir, _ := ciliumTestdata()
	tests := []objectWant{
		{
			file:      localObjs + "/externs.o",
			functions: []string{".text/gfunc", ".text/helper", "xdp/prog1*", "xdp/prog2*", "tc/static_prog*"},
			maps: []mapWant{
				{name: "hmap", typ: 1, key: 4, value: 8, max: 8, pinning: 1},
			},
			variables: []string{".data/g1@0+4", ".data/strbuf@4+6", ".rodata/ro@0+4", ".rodata/prog1.____fmt@4+6", ".bss/zero@0+4"},
			externs: []string{
				"ext_var variable", "ext_weak variable weak", "ext_map map", "CONFIG_HZ kconfig",
				"bpf_link_fops ksym weak", "ext_func function", "ext_func_weak function weak",
				"LINUX_KERNEL_VERSION kconfig weak", "bpf_kfunc_call_test1 ksym", "bpf_prog_active ksym",
			},
			license: "GPL",
			version: 0x050a00,
		},
		{
			file:      localObjs + "/legacy_layouts.o",
			functions: []string{"lirc_mode2/decoder/bpf_decoder*"},
			maps: []mapWant{
				{name: "tc_counts", typ: 1, key: 4, value: 8, max: 32, pinning: 2, legacy: true},
				{name: "tc_flags", typ: 2, key: 4, value: 4, max: 1, flags: 0x80, legacy: true},
				{name: "decoder_state", typ: 2, key: 4, value: 16, max: 1, legacy: true},
			},
			variables: []string{".data/margin@0+4"},
			externs:   []string{},
			license:   "GPL",
		},
		{
			file:      localObjs + "/gcc-btf.o",
			functions: []string{".text/helper", ".text/gfunc", "xdp/prog1*"},
			maps: []mapWant{
				{name: "legacy", typ: 2, key: 4, value: 8, max: 2, legacy: true},
				{name: "hmap", typ: 1, key: 4, value: 8, max: 8},
			},
			variables: []string{".data/s1@0+4", ".data/g1@4+4", ".bss/zero@0+4"},
			externs:   []string{},
			license:   "GPL",
			comment:   "GCC: (12.2.0-14+deb12u1+) 12.2.0",
		},
		{
			file:      localObjs + "/gcc-dwarf.o",
			functions: []string{".text/helper", ".text/gfunc", "xdp/prog1*"},
			maps: []mapWant{
				{name: "legacy", typ: 2, key: 4, value: 8, max: 2, legacy: true},
			},
			variables: []string{".data/s1@0+4", ".data/g1@4+4", ".bss/zero@0+4"},
			license:   "GPL",
		},
		{
			file:      localObjs + "/gcc-maps-dwarf.o",
			functions: []string{"xdp/tail*", "xdp/entry*"},
			maps: []mapWant{
				{name: "inner_a", typ: 2, key: 4, value: 8, max: 4},
				{name: "outer", typ: 13, key: 4, value: 4, max: 8,
					inner:  &mapWant{name: "outer.inner", typ: 2, key: 4, value: 8, max: 4},
					values: []string{"2:inner_a", "5:inner_b"}},
				{name: "jumps", typ: 3, key: 4, value: 4, max: 4, values: []string{"1:tail"}},
				{name: "bloom", typ: 30, value: 4, max: 64, flags: 0x40, pinning: 1},
			},
		},
		{
			file: projectObjs + "/maps.bpf.o",
			maps: []mapWant{
				{name: "hash", typ: 1, key: 4, value: 8, max: 64},
				{name: "hash_noprealloc", typ: 1, key: 8, value: 4, max: 64, flags: 1},
				{name: "pinned", typ: 2, key: 4, value: 8, max: 1, pinning: 1},
				{name: "outer_arr", typ: 12, key: 4, value: 4, max: 2,
					inner:  &mapWant{name: "outer_arr.inner", typ: 2, key: 4, value: 4, max: 4},
					values: []string{"0:inner_a", "1:inner_b"}},
				{name: "outer_hash", typ: 13, key: 4, value: 4, max: 8,
					inner:  &mapWant{name: "outer_hash.inner", typ: 2, key: 4, value: 4, max: 4},
					values: []string{"3:inner_b"}},
				{name: "outer_empty", typ: 12, key: 4, value: 4, max: 4,
					inner: &mapWant{name: "outer_empty.inner", typ: 1, key: 4, value: 8, max: 8}},
				{name: "progs", typ: 3, key: 4, value: 4, max: 4, values: []string{"0:prog_a", "3:prog_b"}},
				{name: "progs_empty", typ: 3, key: 4, value: 4, max: 4},
				{name: "rb", typ: 27, max: 4096},
				{name: "events", typ: 4, key: 4, value: 4},
			},
		},
		{
			file: projectObjs + "/legacy.bpf.o",
			maps: []mapWant{
				{name: "legacy_counts", typ: 2, key: 4, value: 8, max: 4, legacy: true},
				{name: "legacy_hash", typ: 1, key: 4, value: 4, max: 64, flags: 1, legacy: true},
				{name: "legacy_progs", typ: 3, key: 4, value: 4, max: 2, legacy: true},
			},
		},
		{
			file:    projectObjs + "/ksym_typed.bpf.o",
			externs: []string{"runqueues ksym", "bpf_prog_active ksym"},
		},
		{
			file: filepath.Join(ciliumDir, "btf_map_init-el.elf"),
			maps: []mapWant{
				{name: "prog_array_init", typ: 3, key: 4, value: 4, max: 2, values: []string{"1:tail_1"}},
				{name: "inner_map", typ: 2, key: 4, value: 4, max: 1},
				{name: "outer_map_init", typ: 12, key: 4, value: 4, max: 2,
					inner:  &mapWant{name: "outer_map_init.inner", typ: 2, key: 4, value: 4, max: 1},
					values: []string{"1:inner_map"}},
			},
		},
		{
			file:    filepath.Join(ciliumDir, "kconfig-el.elf"),
			externs: []string{"LINUX_KERNEL_VERSION kconfig", "LINUX_HAS_SYSCALL_WRAPPER kconfig", "CONFIG_HZ kconfig", "CONFIG_BPF_SYSCALL kconfig", "CONFIG_DEFAULT_HOSTNAME kconfig"},
		},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			if _, err := os.Stat(tt.file); err != nil {
				t.Skipf("object not available: %v", err)
			}
			obj, err := Open(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			checkObject(t, obj, &tt)
		})
	}
}

func checkObject(t *testing.T, obj *Object, want *objectWant) {
	t.Helper()
	if want.functions != nil {
		var got []string
		for _, f := range obj.Functions {
			s := f.Section.Name + "/" + f.Name
			if f.Entry {
				s += "*"
			}
			got = append(got, s)
		}
		compareLists(t, "functions", got, want.functions)
	}
	if want.variables != nil {
		var got []string
		for _, v := range obj.Variables {
			got = append(got, fmt.Sprintf("%s/%s@%d+%d", v.Section.Name, v.Name, v.Offset, v.Size))
		}
		compareLists(t, "variables", got, want.variables)
	}
	if want.externs != nil {
		var got []string
		for _, e := range obj.Externs {
			s := e.Name + " " + externKindNames[e.Kind]
			if e.Weak {
				s += " weak"
			}
			got = append(got, s)
		}
		compareLists(t, "externs", got, want.externs)
	}
	if want.license != "" && obj.License != want.license {
		t.Errorf("license %q, want %q", obj.License, want.license)
	}
	if want.comment != "" && obj.Comment != want.comment {
		t.Errorf("comment %q, want %q", obj.Comment, want.comment)
	}
	if want.version != 0 && (!obj.HasVersion || obj.KernelVersion != want.version) {
		t.Errorf("version %v %#x, want %#x", obj.HasVersion, obj.KernelVersion, want.version)
	}
	for _, mw := range want.maps {
		i := slices.IndexFunc(obj.Maps, func(m *Map) bool { return m.Name == mw.name })
		if i < 0 {
			t.Errorf("no map %s", mw.name)
			continue
		}
		checkMap(t, obj.Maps[i], &mw)
	}
}

var externKindNames = map[ExternKind]string{
	ExternFunction: "function", ExternMap: "map", ExternVariable: "variable",
	ExternKconfig: "kconfig", ExternKsym: "ksym",
}

func checkMap(t *testing.T, m *Map, want *mapWant) {
	t.Helper()
	got := fmt.Sprintf("%s type=%d key=%d value=%d max=%d flags=%#x pinning=%d legacy=%v",
		m.Name, m.Type, m.KeySize, m.ValueSize, m.MaxEntries, m.Flags, m.Pinning, m.Legacy)
	w := fmt.Sprintf("%s type=%d key=%d value=%d max=%d flags=%#x pinning=%d legacy=%v",
		want.name, want.typ, want.key, want.value, want.max, want.flags, want.pinning, want.legacy)
	if got != w {
		t.Errorf("map:\ngot  %s\nwant %s", got, w)
	}
	var values []string
	for _, v := range m.InitValues {
		values = append(values, fmt.Sprintf("%d:%s", v.Slot, v.Name))
	}
	if !slices.Equal(values, want.values) {
		t.Errorf("map %s: values %v, want %v", m.Name, values, want.values)
	}
	switch {
	case want.inner == nil && m.Inner != nil:
		t.Errorf("map %s: unexpected inner map %+v", m.Name, *m.Inner)
	case want.inner != nil && m.Inner == nil:
		t.Errorf("map %s: no inner map", m.Name)
	case want.inner != nil:
		checkMap(t, m.Inner, want.inner)
	}
}

func compareLists(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Errorf("%s:\ngot  %q\nwant %q", what, got, want)
	}
}

// TestDWARFMaps checks that maps read from DWARF, for GCC objects without
// BTF, equal those read from BTF for the same source.
func TestDWARFMaps(t *testing.T) {
	fromDWARF, err := Open(localObjs + "/gcc-maps-dwarf.o")
	if err != nil {
		t.Fatal(err)
	}
	fromBTF, err := Open(localObjs + "/gcc-maps-btf.o")
	if err != nil {
		t.Fatal(err)
	}
	if fromDWARF.BTF != nil || fromBTF.BTF == nil {
		t.Fatalf("BTF: %v and %v, want none and some", fromDWARF.BTF != nil, fromBTF.BTF != nil)
	}
	describe := func(maps []*Map) []string {
		var out []string
		for _, m := range maps {
			s := fmt.Sprintf("%s@%d type=%d key=%d value=%d max=%d flags=%#x pinning=%d numa=%d extra=%d",
				m.Name, m.Offset, m.Type, m.KeySize, m.ValueSize, m.MaxEntries, m.Flags, m.Pinning, m.NumaNode, m.MapExtra)
			for _, v := range m.InitValues {
				s += fmt.Sprintf(" [%d]=%s", v.Slot, v.Name)
			}
			if m.Inner != nil {
				s += fmt.Sprintf(" inner=%s type=%d key=%d value=%d max=%d", m.Inner.Name, m.Inner.Type, m.Inner.KeySize, m.Inner.ValueSize, m.Inner.MaxEntries)
			}
			out = append(out, s)
		}
		return out
	}
	compareLists(t, "maps", describe(fromDWARF.Maps), describe(fromBTF.Maps))
}

// TestSymbols checks binding, type and visibility of a few symbols.
func TestSymbols(t *testing.T) {
	obj, err := Open(localObjs + "/externs.o")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		bind goelf.SymBind
		typ  goelf.SymType
		vis  goelf.SymVis
		sec  string
	}{
		{"gfunc", goelf.STB_GLOBAL, goelf.STT_FUNC, goelf.STV_HIDDEN, ".text"},
		{"helper", goelf.STB_LOCAL, goelf.STT_FUNC, goelf.STV_DEFAULT, ".text"},
		{"static_prog", goelf.STB_LOCAL, goelf.STT_FUNC, goelf.STV_DEFAULT, "tc"},
		{"hmap", goelf.STB_GLOBAL, goelf.STT_OBJECT, goelf.STV_DEFAULT, ".maps"},
		{"prog1.____fmt", goelf.STB_LOCAL, goelf.STT_OBJECT, goelf.STV_DEFAULT, ".rodata"},
		{"ext_weak", goelf.STB_WEAK, goelf.STT_NOTYPE, goelf.STV_DEFAULT, ""},
	}
	for _, tt := range tests {
		i := slices.IndexFunc(obj.Symbols, func(s Symbol) bool { return s.Name == tt.name })
		if i < 0 {
			t.Errorf("no symbol %s", tt.name)
			continue
		}
		s := obj.Symbols[i]
		sec := ""
		if s.IsDefined() {
			sec = obj.Sections[s.Section].Name
		}
		if s.Bind != tt.bind || s.Type != tt.typ || s.Visibility != tt.vis || sec != tt.sec {
			t.Errorf("symbol %s: %v %v %v in %q, want %v %v %v in %q", tt.name, s.Bind, s.Type, s.Visibility, sec, tt.bind, tt.typ, tt.vis, tt.sec)
		}
	}
}

// BenchmarkRead reads the project's largest fixture objects.
func BenchmarkRead(b *testing.B) {
	files := []string{localObjs + "/externs.o", projectObjs + "/maps.bpf.o", projectObjs + "/calls.bpf.o"}
	var data [][]byte
	for _, f := range files {
		d, err := os.ReadFile(f)
		if err != nil {
			b.Skip(err)
		}
		data = append(data, d)
	}
	b.ResetTimer()
	for b.Loop() {
		for i, d := range data {
			if _, err := ReadBytes(d, files[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// systemObjects are where Debian packages install BPF objects: IR protocol
// decoders with legacy "lirc_mode2/maps" sections (ir-keytable), XDP
// programs (libxdp1, xdp-tools). BPFLD_EXTRA_OBJS adds a glob of its own.
var systemObjects = []string{
	"/lib/udev/rc_keymaps/protocols/*.o",
	"/usr/lib/*/bpf/*.o",
	"/usr/libexec/xdp-tools/*.o",
}

// TestSystemObjects reads the BPF objects that installed packages ship,
// where there are any.
func TestSystemObjects(t *testing.T) {
	patterns := systemObjects
	if extra := os.Getenv("BPFLD_EXTRA_OBJS"); extra != "" {
		patterns = append(patterns, extra)
	}
	var files []string
	for _, p := range patterns {
		m, _ := filepath.Glob(p)
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skipf("no BPF objects installed in %v (install ir-keytable, libxdp1 or xdp-tools)", systemObjects)
	}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			obj, err := Open(file)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, obj)
		})
	}
}
