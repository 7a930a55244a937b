package mem

import (
	"errors"
	"testing"
)

func TestCheck(t *testing.T) {
	rw, err := Alloc(100, true, "scratch")
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Free()
	ro, err := Alloc(16, false, ".rodata")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Free()

	base, rbase := uint64(rw.Addr()), uint64(ro.Addr())
	tests := []struct {
		name  string
		addr  uint64
		size  int
		write bool
		want  string
	}{
		{"read start", base, 8, false, ""},
		{"write end", base + 92, 8, true, ""},
		{"past end", base + 96, 8, false, "invalid memory read of 8 bytes at " + hex(base+96) + ": past the end of scratch"},
		{"below", 8, 4, false, "invalid memory read of 4 bytes at 0x8"},
		{"read only", rbase, 4, true, "invalid memory write of 4 bytes at " + hex(rbase) + ": .rodata is read-only or too small"},
		{"read of read only", rbase + 12, 4, false, ""},
		{"wraps", ^uint64(0) - 2, 8, false, "invalid memory read of 8 bytes at 0xfffffffffffffffd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.addr, tt.size, tt.write)
			got := ""
			if err != nil {
				got = err.Error()
				var ae *AccessError
				if !errors.As(err, &ae) {
					t.Fatalf("error %T is not *AccessError", err)
				}
			}
			if got != tt.want {
				t.Errorf("Check = %q, want %q", got, tt.want)
			}
		})
	}
}

func hex(v uint64) string {
	const digits = "0123456789abcdef"
	s := ""
	for v > 0 {
		s = string(digits[v&15]) + s
		v >>= 4
	}
	return "0x" + s
}
