package link_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/link"
)

// TestReadObjects checks that objects read by ReadObjects, whose workers
// reuse one buffer for every file, are those elf.Open reads: each links
// alone to the same bytes (or the same error).
func TestReadObjects(t *testing.T) {
	var paths []string
	for _, pattern := range []string{filepath.Join(objsDir, "*.o"), "testdata/*.o", "../elf/testdata/*.o"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			if _, err := elf.Open(p); err == nil {
				paths = append(paths, p)
			}
		}
	}
	if len(paths) < 10 {
		t.Fatalf("only %d test objects", len(paths))
	}
	objs, err := link.ReadObjects(paths)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range paths {
		want, err := elf.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := linkAlone(objs[i]), linkAlone(want); got != want {
			t.Errorf("%s: read by ReadObjects, links differently (%d bytes) from read alone (%d bytes)", p, len(got), len(want))
		}
	}
}

// linkAlone links one object, partially, and returns the object written
// or the error.
func linkAlone(o *elf.Object) string {
	var buf bytes.Buffer
	if err := link.WriteObject(&buf, []*elf.Object{o}, link.Options{AllowUnresolved: true}); err != nil {
		return "error: " + err.Error()
	}
	return buf.String()
}
