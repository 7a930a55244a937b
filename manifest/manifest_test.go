package manifest

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .err golden files of testdata/bad and testdata/validate")

func u32(v uint32) *uint32 { return &v }

// The objects under testdata/good/objs are empty stand-ins: Parse only
// checks that the files exist; linking them is link/'s business.

// TestLoadSpec loads the example manifest of SPEC.md and compares all of it.
func TestLoadSpec(t *testing.T) {
	m, err := Load("testdata/good/spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pkt := []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	want := &Manifest{
		Path: "testdata/good/spec.yaml",
		Dir:  "testdata/good",
		Objects: []string{
			"testdata/good/objs/parser.bpf.o",
			"testdata/good/objs/proto_tcp.bpf.o",
			"testdata/good/objs/proto_udp.bpf.o",
		},
		Programs: map[string]ProgramOverride{"entry": {Type: "tc", ProgType: 3, Line: 7}},
		Maps:     map[string]MapOverride{"jmp_table": {MaxEntries: u32(16), Line: 11}},
		TailCalls: TailCalls{{Map: "jmp_table", Line: 15, Slots: []TailCallSlot{
			{Slot: 0, Program: "parse_eth", Line: 16},
			{Slot: 6, Program: "parse_tcp", Line: 17},
			{Slot: 17, Program: "parse_udp", Line: 18},
		}}},
		Tests: []Step{
			{
				Name:    "tcp goes to parse_tcp",
				Program: "entry",
				Input:   Data{Bytes: pkt, Line: 23},
				Ctx: &Ctx{
					SkBuff: SkBuffCtx{Mark: 7},
					Fields: []CtxField{{Name: "mark", Line: 24}},
					Line:   24,
				},
				Repeat: 1,
				Expect: &Expect{
					Retval:  u32(6),
					Globals: []GlobalValue{{Name: "count", Value: Value{Int: 1, Line: 28}, Line: 28}},
					Maps: []MapValues{{Map: "stats", Line: 29, Entries: []MapEntry{
						{Key: Value{Int: 0, Line: 29}, Value: &Value{Int: 1, Line: 29}, Line: 29},
					}}},
					Output: &Data{Bytes: pkt, Line: 30},
					Line:   27,
				},
				Line: 21,
			},
			{
				Name:    "slot 6 removed, falls through",
				Program: "entry",
				Input:   Data{Bytes: make([]byte, 64), Line: 31},
				Repeat:  1,
				TailCalls: TailCalls{{Map: "jmp_table", Line: 32, Slots: []TailCallSlot{
					{Slot: 6, Program: "", Line: 32},
				}}},
				Set: Set{
					Globals: []GlobalValue{{Name: "key", Value: Value{Int: 3, Line: 34}, Line: 34}},
					Maps: []MapValues{{Map: "config", Line: 35, Entries: []MapEntry{
						{Key: Value{Int: 0, Line: 35}, Value: &Value{Int: 42, Line: 35}, Line: 35},
					}}},
				},
				Expect: &Expect{Retval: u32(0), Line: 37},
				Line:   31,
			},
			{
				Name:      "unsafe program is rejected",
				Program:   "bad_access",
				Input:     Data{Bytes: make([]byte, 64), Line: 38},
				Repeat:    1,
				LoadError: &LoadError{Contains: "invalid access", Line: 40},
				Line:      38,
			},
		},
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got\n%+v\nwant\n%+v", m, want)
		for i := range min(len(m.Tests), len(want.Tests)) {
			if !reflect.DeepEqual(m.Tests[i], want.Tests[i]) {
				t.Errorf("tests[%d]:\ngot  %+v\nwant %+v", i, m.Tests[i], want.Tests[i])
			}
		}
	}
}

// TestLoadFull checks the less common spellings of full.yaml one by one.
func TestLoadFull(t *testing.T) {
	m, err := Load("testdata/good/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	step := func(name string) *Step {
		for i := range m.Tests {
			if m.Tests[i].Name == name {
				return &m.Tests[i]
			}
		}
		t.Fatalf("no step %q", name)
		return nil
	}
	merged, xdp, plain := step("from a merge key"), step("xdp with metadata"), step("default input")
	stats := merged.Expect.Maps[0].Entries
	big := []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"objects: a glob first, sorted, then a path", m.Objects, []string{
			"testdata/good/objs/proto_tcp.bpf.o", "testdata/good/objs/proto_udp.bpf.o", "testdata/good/objs/parser.bpf.o"}},
		{"type override by the kernel's name", m.Programs["counter"].ProgType, uint32(3)},
		{"type override xdp", m.Programs["xdp_entry"].ProgType, uint32(6)},
		{"hex max_entries", *m.Maps["jmp_table"].MaxEntries, uint32(32)},
		{"flags", *m.Maps["jmp_table"].Flags, uint32(1)},
		{"flags without max_entries", m.Maps["stats"].MaxEntries == nil && *m.Maps["stats"].Flags == 0, true},
		{"binary slot", m.TailCalls[0].Slots[1].Slot, uint32(2)},
		{"empty wiring", len(m.TailCalls[1].Slots), 0},
		{"step order", []string{m.Tests[0].Name, m.Tests[1].Name}, []string{"plain", "from a merge key"}},
		{"merged program", merged.Program, "entry"},
		{"merged input", len(merged.Input.Bytes), 128},
		{"repeat", merged.Repeat, uint32(1000)},
		{"ctx", merged.Ctx.SkBuff, SkBuffCtx{
			Priority: 4294967295, IngressIfindex: 1, Ifindex: 1, CB: [5]uint32{1, 2, 3, 4, 5},
			Tstamp: 18446744073709551615, WireLen: 1500, GSOSegs: 65535, GSOSize: 1400, HWTstamp: 9}},
		{"ctx fields in order", len(merged.Ctx.Fields), 9},
		{"retval -1", *merged.Expect.Retval, uint32(0xffffffff)},
		{"retval 4294967295", *xdp.Expect.Retval, uint32(0xffffffff)},
		{"negative value", stats[0].Value.Int, uint64(0xffffffffffffffff)},
		{"negative flag", stats[0].Value.Negative, true},
		{"hex key", stats[1].Key.Int, uint64(16)},
		{"hex value with a space", stats[1].Value.Bytes, []byte{1, 2, 3, 4}},
		{"complex key", stats[2].Key.Bytes, []byte{0x0a, 0, 0, 1}},
		{"null value", stats[3].Value == nil, true},
		{"file input", xdp.Input.Bytes, []byte{0x00, 0x11, 0x22, 0x33}},
		{"file input path", xdp.Input.File, filepath.Join("testdata", "good", "pkts", "small.bin")},
		{"xdp ctx", xdp.Ctx.XDP, XDPCtx{Data: 4, IngressIfindex: 1}},
		{"zeros output", xdp.Expect.Output.Bytes, []byte{0, 0, 0, 0}},
		{"default input", plain.Input.Bytes, make([]byte, DefaultInputSize)},
		{"no expect", plain.Expect == nil, true},
		{"multi-line hex", plain.Set.Globals[0].Value.Bytes, big},
		{"set null deletes", plain.Set.Maps[0].Entries[0].Value == nil, true},
		{"load_error true", *step("any load error").LoadError, LoadError{Line: 62}},
		{"load_error false", step("load_error false is no expectation").LoadError == nil, true},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
}

// TestLoadBench parses the reference benchmarks' manifest (a copy of
// shared/bench/bench.yaml).
func TestLoadBench(t *testing.T) {
	m, err := Load("testdata/bench/bench.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join("testdata", "bench", "bench.bpf.o")}; !reflect.DeepEqual(m.Objects, want) {
		t.Errorf("objects %v, want %v", m.Objects, want)
	}
	var wiring []string
	for _, tm := range m.TailCalls {
		for _, s := range tm.Slots {
			wiring = append(wiring, tm.Map+"/"+s.Program)
		}
	}
	if want := []string{"jmp_const/tc_const", "jmp_var/tc_var", "jmp_var/tc_count", "jmp_sub/tc_sub"}; !reflect.DeepEqual(wiring, want) {
		t.Errorf("tail_calls %v, want %v", wiring, want)
	}
	retvals := map[string]uint32{}
	for _, s := range m.Tests {
		if len(s.Input.Bytes) != 1500 || s.Expect == nil || s.Expect.Retval == nil {
			t.Fatalf("step %q: input %d bytes, expect %+v", s.Name, len(s.Input.Bytes), s.Expect)
		}
		retvals[s.Program] = *s.Expect.Retval
	}
	want := map[string]uint32{"loop": 114, "calls": 114, "csum": 255, "base": 2, "tc_const": 2, "tc_var": 2, "tc_sub": 2, "tc_count": 34}
	if !reflect.DeepEqual(retvals, want) {
		t.Errorf("retvals %v, want %v", retvals, want)
	}
}

func TestLoadUnreadable(t *testing.T) {
	_, err := Load("testdata/none.yaml")
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "testdata/none.yaml") {
		t.Errorf("got %v, want a not-exist error naming the file", err)
	}
}

// TestParseErrors parses every manifest of testdata/bad and compares the
// errors with the .err file beside it.
func TestParseErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad manifests: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			m, err := Load(file)
			if err == nil {
				t.Fatalf("parsed: %+v", m)
			}
			checkGolden(t, file, err)
		})
	}
}

// checkGolden compares err with the golden file of manifest file, or
// rewrites it with -update. Every error must be an *Error with a line.
func checkGolden(t *testing.T, file string, err error) {
	t.Helper()
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error %v is a %T, want an ErrorList", err, err)
	}
	for _, e := range list {
		if e.File != file || e.Line < 1 {
			t.Errorf("error %q lacks the file or the line", e)
		}
	}
	golden := strings.TrimSuffix(file, ".yaml") + ".err"
	got := err.Error() + "\n"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, rerr := os.ReadFile(golden)
	if rerr != nil {
		t.Fatalf("%v (run go test -update to create it)", rerr)
	}
	if got != string(want) {
		t.Errorf("got errors:\n%s\nwant:\n%s", got, want)
	}
}

func TestErrorListUnwrap(t *testing.T) {
	_, err := Parse([]byte("objects: []\nfoo: 1\n"), "m.yaml")
	var e *Error
	if !errors.As(err, &e) || e.Line != 1 || e.File != "m.yaml" {
		t.Fatalf("errors.As gave %+v from %v", e, err)
	}
	want := "m.yaml:1: objects: empty list: a manifest names at least one object\n" +
		`m.yaml:2: manifest: unknown key "foo" (known: objects, programs, maps, tail_calls, tests)`
	if err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}
