package elf

import (
	"os"
	"testing"
)

// FuzzRead feeds the reader mutations of real objects: it must return an
// object or an error, never panic. Seeds are the test objects small enough
// to fuzz quickly and, in testdata/fuzz/FuzzRead, test objects stripped of
// their DWARF (llvm-objcopy --strip-debug), which keeps the parts the
// reader parses and makes most of each input matter.
func FuzzRead(f *testing.F) {
	for _, file := range objectFiles(f) {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) <= 8<<10 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		obj, err := ReadBytes(b, "fuzz.o")
		if err != nil {
			return
		}
		// Touch what the linker will walk.
		for _, fn := range obj.Functions {
			_ = fn.Insns()
		}
	})
}
