package maps

import (
	"slices"
	"syscall"
	"testing"
)

func TestQueueStackProgram(t *testing.T) {
	tests := []struct {
		typ  Type
		pops []uint32 // after pushing 1, 2, 3 and then 4 with BPF_EXIST
	}{
		{TypeQueue, []uint32{2, 3, 4}},
		{TypeStack, []uint32{4, 3, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.typ.String(), func(t *testing.T) {
			m := mustNew(t, Spec{Name: "q", Type: tt.typ, ValueSize: 4, MaxEntries: 3})
			for v := range uint32(3) {
				if err := m.Push(u32(v+1), 0); err != nil {
					t.Fatal(err)
				}
			}
			if err := m.Push(u32(4), 0); err != syscall.E2BIG {
				t.Errorf("push to a full map = %v, want E2BIG", err)
			}
			if err := m.Push(u32(4), UpdateNoExist); err != syscall.EINVAL {
				t.Errorf("push BPF_NOEXIST = %v, want EINVAL", err)
			}
			if err := m.Push(u32(4), UpdateExist); err != nil {
				t.Errorf("push BPF_EXIST to a full map = %v", err)
			}
			v := make([]byte, 4)
			if err := m.Peek(v); err != nil || ne.Uint32(v) != tt.pops[0] {
				t.Errorf("Peek = %d, %v", ne.Uint32(v), err)
			}
			var got []uint32
			for {
				if err := m.Pop(v); err != nil {
					if err != syscall.ENOENT {
						t.Fatal(err)
					}
					break
				}
				got = append(got, ne.Uint32(v))
			}
			if !slices.Equal(got, tt.pops) {
				t.Errorf("popped %v, want %v", got, tt.pops)
			}
			v = []byte{9, 9, 9, 9}
			if err := m.Peek(v); err != syscall.ENOENT || ne.Uint32(v) != 0 {
				t.Errorf("Peek of an empty map = %x, %v; want zeroed and ENOENT", v, err)
			}
			if err := m.Update(nil, u32(1), 0, 0); err != syscall.EINVAL {
				t.Errorf("Update = %v, want EINVAL", err)
			}
			if _, ok := m.Lookup(nil, 0); ok {
				t.Error("Lookup found something")
			}
		})
	}
}
