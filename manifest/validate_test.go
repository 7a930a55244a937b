package manifest

import (
	"path/filepath"
	"testing"
)

// fakeImage is an Image of a few programs, maps and globals that the
// manifests of testdata/validate are written against.
type fakeImage struct {
	programs map[string]uint32
	maps     map[string]MapInfo
	globals  map[string]GlobalInfo
}

func (f fakeImage) ProgramType(name string) (uint32, bool) {
	t, ok := f.programs[name]
	return t, ok
}

func (f fakeImage) MapInfo(name string) (MapInfo, bool) {
	m, ok := f.maps[name]
	return m, ok
}

func (f fakeImage) Global(name string) (GlobalInfo, bool) {
	g, ok := f.globals[name]
	return g, ok
}

var testImage = fakeImage{
	programs: map[string]uint32{
		"entry": 3, "parse_eth": 3, "parse_tcp": 3, "parse_udp": 3, "bad_access": 3,
		"xdp_entry": 6, "xdp_next": 6, "sock": 1, "raw": 17, "sk_skb": 14, "seg6local": 19,
	},
	maps: map[string]MapInfo{
		"jmp_table": {Type: 3, KeySize: 4, ValueSize: 4, MaxEntries: 8, Slots: map[uint32]string{0: "parse_eth", 5: "parse_tcp"}},
		"jmp_xdp":   {Type: 3, KeySize: 4, ValueSize: 4, MaxEntries: 4},
		"jmp_sock":  {Type: 3, KeySize: 4, ValueSize: 4, MaxEntries: 4, Users: []string{"sock"}},
		"stats":     {Type: 2, KeySize: 4, ValueSize: 8, MaxEntries: 4},
		"config":    {Type: 1, KeySize: 4, ValueSize: 4, MaxEntries: 16},
		"flows":     {Type: 1, KeySize: 8, ValueSize: 16, MaxEntries: 16},
		"events":    {Type: 27, MaxEntries: 4096},
		"queue":     {Type: 22, ValueSize: 4, MaxEntries: 16},
		".data":     {Type: 2, KeySize: 4, ValueSize: 20, MaxEntries: 1, GlobalData: true},
		".rodata":   {Type: 2, KeySize: 4, ValueSize: 4, MaxEntries: 1, GlobalData: true},
	},
	globals: map[string]GlobalInfo{
		"count": {Map: ".data", Size: 4},
		"name":  {Map: ".data", Size: 16},
		"limit": {Map: ".rodata", Size: 4, ReadOnly: true},
	},
}

func TestValidateOK(t *testing.T) {
	m, err := Load("testdata/validate/ok.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(testImage); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		program string
		want    uint32
	}{{"entry", 3}, {"xdp_entry", 6}, {"raw", 17}} {
		if got, ok := m.ProgramType(testImage, c.program); !ok || got != c.want {
			t.Errorf("ProgramType(%s) = %d, %v; want %d", c.program, got, ok, c.want)
		}
	}
	if info, ok := m.MapInfo(testImage, "jmp_table"); !ok || info.MaxEntries != 32 {
		t.Errorf("MapInfo(jmp_table) = %+v, %v; want max_entries 32 from the override", info, ok)
	}
}

// TestValidateErrors validates every other manifest of testdata/validate
// against testImage and compares the errors with the .err file beside it.
func TestValidateErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/validate/*.yaml")
	if err != nil || len(files) < 2 {
		t.Fatalf("no manifests to validate: %v", err)
	}
	for _, file := range files {
		if filepath.Base(file) == "ok.yaml" {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			m, err := Load(file)
			if err != nil {
				t.Fatal(err)
			}
			err = m.Validate(testImage)
			if err == nil {
				t.Fatal("validated")
			}
			checkGolden(t, file, err)
		})
	}
}

// TestProgramTypeOverride checks that an override changes the type that
// Validate holds a prog array to.
func TestProgramTypeOverride(t *testing.T) {
	m, err := Parse([]byte("objects: [../good/objs/parser.bpf.o]\nprograms: {parse_tcp: {type: xdp}}\ntail_calls: {jmp_xdp: {0: parse_tcp, 1: xdp_entry}}\n"),
		"testdata/validate/inline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(testImage); err != nil {
		t.Errorf("parse_tcp overridden to xdp may share jmp_xdp with xdp_entry: %v", err)
	}
}
