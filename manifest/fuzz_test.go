package manifest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds mutated manifests to Parse and Validate: they must never
// panic or hang, and every error must name the file and a line.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob("testdata/*/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	// The path puts objs/ and pkts/ of testdata/good in reach.
	const path = "testdata/good/fuzz.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		// Globs and files outside the test data (/proc, /dev/stdin) would
		// only test the machine.
		if bytes.Contains(data, []byte("/")) && !bytes.Contains(data, []byte("objs/")) && !bytes.Contains(data, []byte("pkts/")) {
			t.Skip()
		}
		if bytes.Contains(data, []byte("..")) || bytes.Contains(data, []byte("\n/")) || bytes.Contains(data, []byte(" /")) ||
			bytes.Contains(data, []byte("[/")) || bytes.Contains(data, []byte("{/")) || bytes.Contains(data, []byte("\"/")) || bytes.Contains(data, []byte("'/")) {
			t.Skip()
		}
		m, err := Parse(data, path)
		if err != nil {
			checkErrors(t, path, err)
			return
		}
		if m == nil || len(m.Objects) == 0 {
			t.Fatalf("no error and no objects: %+v", m)
		}
		for _, s := range m.Tests {
			if s.Name == "" || s.Program == "" || s.Repeat == 0 {
				t.Fatalf("step without name, program or repeat: %+v", s)
			}
		}
		if err := m.Validate(testImage); err != nil {
			checkErrors(t, path, err)
		}
	})
}

func checkErrors(t *testing.T, path string, err error) {
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("error %v is not a non-empty ErrorList", err)
	}
	for _, e := range list {
		if e.File != path || e.Line < 1 {
			t.Fatalf("error %q lacks the file or the line", e)
		}
	}
}
