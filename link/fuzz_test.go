package link_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/link"
)

// FuzzLink feeds every object the reader accepts through the linker and
// the ELF writer: whatever the object holds, they return an error or a
// result, never a panic. Seeded with the test objects.
//
//	go test -run XXX -fuzz FuzzLink ./link/
func FuzzLink(f *testing.F) {
	paths, _ := filepath.Glob("../testdata/objs/*.o")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		obj, err := elf.ReadBytes(data, "fuzz.o")
		if err != nil {
			return
		}
		objs := []*elf.Object{obj}
		// The running kernel's BTF is the CO-RE and ksyms target, as for
		// bpfld itself; a partial link keeps missing externs.
		opts := link.Options{AllowUnresolved: true}
		link.Link(objs, opts)
		link.WriteObject(io.Discard, objs, opts)
	})
}
