package maps

import (
	"syscall"
	"testing"
)

func TestPerfEventArray(t *testing.T) {
	ncpu := PossibleCPUs()
	m := mustNew(t, Spec{Name: "perf", Type: TypePerfEventArray, KeySize: 4, ValueSize: 4})
	p := m.(*PerfEventArray)
	if p.MaxEntries() != uint32(ncpu) {
		t.Errorf("max_entries %d, want the %d possible CPUs", p.MaxEntries(), ncpu)
	}
	cpu := ncpu - 1
	tests := []struct {
		flags uint64
		err   syscall.Errno
	}{
		{PerfCurrentCPU, 0},
		{uint64(cpu), 0},
		{PerfCurrentCPU | 16<<32, 0}, // a context length is the caller's business
		{uint64(ncpu), syscall.E2BIG},
		{1 << 60, syscall.EINVAL},
	}
	if ncpu > 1 {
		tests = append(tests, struct {
			flags uint64
			err   syscall.Errno
		}{0, syscall.EOPNOTSUPP}) // the event in slot 0 is on CPU 0
	}
	for _, tt := range tests {
		if err := p.Output(tt.flags, cpu, []byte("sample")); errnoOf(t, err) != tt.err {
			t.Errorf("Output(%#x) = %v, want %v", tt.flags, err, tt.err)
		}
	}
	recs := p.Read()
	if len(recs) != 3 || recs[0].CPU != cpu || string(recs[2].Data) != "sample" {
		t.Errorf("Read = %+v", recs)
	}
	if err := p.DeleteUser(u32(uint32(cpu))); err != nil {
		t.Fatal(err)
	}
	if err := p.Output(PerfCurrentCPU, cpu, nil); err != syscall.ENOENT {
		t.Errorf("Output to an emptied slot = %v, want ENOENT", err)
	}
	big := make([]byte, 100<<10)
	wide := mustNew(t, Spec{Name: "perf2", Type: TypePerfEventArray, KeySize: 4, ValueSize: 4}).(*PerfEventArray)
	for range 10 {
		wide.Output(PerfCurrentCPU, 0, big)
	}
	if err := wide.Output(PerfCurrentCPU, 0, big); err != syscall.ENOSPC || wide.Lost() != 1 {
		t.Errorf("Output to a full buffer = %v, lost %d", err, wide.Lost())
	}
}
