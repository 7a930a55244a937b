package mem

import "testing"

func TestFind(t *testing.T) {
	rw, err := Alloc(64, true, "scratch")
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Free()
	ro, err := Alloc(16, false, ".rodata")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Free()

	tests := []struct {
		name  string
		addr  uint64
		size  int
		write bool
		want  *Block
	}{
		{"inside", uint64(rw.Addr()) + 8, 8, true, rw},
		{"read only read", uint64(ro.Addr()), 16, false, ro},
		{"read only write", uint64(ro.Addr()), 4, true, nil},
		{"past end", uint64(rw.Addr()) + 60, 8, false, nil},
		{"null", 0, 1, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Find(tt.addr, tt.size, tt.write)
			if b != tt.want {
				t.Fatalf("Find = %v, %v; want block %v", b, err, tt.want)
			}
			if (err == nil) != (tt.want != nil) {
				t.Fatalf("Find error %v", err)
			}
			if want := Check(tt.addr, tt.size, tt.write); (want == nil) != (err == nil) || (err != nil && err.Error() != want.Error()) {
				t.Errorf("Find error %v, Check error %v", err, want)
			}
		})
	}
}
