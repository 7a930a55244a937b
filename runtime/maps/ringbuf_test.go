package maps

import (
	"bytes"
	"fmt"
	"syscall"
	"testing"

	"github.com/bpfld/bpfld/runtime/mem"
)

func newRing(t *testing.T, size uint32) *RingBuf {
	t.Helper()
	return mustNew(t, Spec{Name: "events", Type: TypeRingBuf, MaxEntries: size}).(*RingBuf)
}

func TestRingBufReserveSubmit(t *testing.T) {
	r := newRing(t, 4096)
	a := r.Reserve(5, 0)
	b := r.Reserve(3, 0)
	c := r.Reserve(4, 0)
	if a == 0 || b == 0 || c == 0 {
		t.Fatalf("Reserve = %#x %#x %#x", a, b, c)
	}
	if b-a != 16 || a%8 != 0 {
		t.Errorf("records at %#x and %#x: want 8-byte headers and 8-byte aligned lengths", a, b)
	}
	if err := mem.Check(a, 5, true); err != nil {
		t.Errorf("program cannot write its record: %v", err)
	}
	copy(read(a, 5), "hello")
	copy(read(b, 3), "xyz")
	copy(read(c, 4), "tail")
	// Records commit out of order; the consumer stops at a busy one.
	if err := r.Submit(b, 0); err != nil {
		t.Fatal(err)
	}
	if got := r.Read(); len(got) != 0 {
		t.Errorf("Read before the first record is submitted = %q", got)
	}
	if err := r.Submit(a, 0); err != nil {
		t.Fatal(err)
	}
	if err := r.Discard(c, 0); err != nil {
		t.Fatal(err)
	}
	got := r.Read()
	if want := [][]byte{[]byte("hello"), []byte("xyz")}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Read = %q, want %q", got, want)
	}
	if err := r.Submit(a, 0); err != syscall.EINVAL {
		t.Errorf("second Submit = %v, want EINVAL", err)
	}
	if err := r.Submit(a+3, 0); err != syscall.EINVAL {
		t.Errorf("Submit of a bad address = %v, want EINVAL", err)
	}
	if r.Reserve(1, 1) != 0 {
		t.Error("Reserve with flags succeeded")
	}
	if got := r.Query(RingProdPos); got != 48 {
		t.Errorf("producer position %d, want 48", got)
	}
	if got := r.Query(RingAvailData); got != 0 {
		t.Errorf("available data %d after reading everything", got)
	}
	if got := r.Query(RingSize); got != 4096 {
		t.Errorf("ring size %d", got)
	}
}

func TestRingBufFullAndWrap(t *testing.T) {
	r := newRing(t, 4096)
	// 1000 bytes of data take 1008 bytes: four fit, a fifth does not
	// (the producer stays under 4096 bytes ahead of the consumer).
	data := bytes.Repeat([]byte{1}, 1000)
	for i := range 5 {
		err := r.Output(data, 0)
		if want := i == 4; (err == syscall.EAGAIN) != want {
			t.Fatalf("Output %d = %v", i, err)
		}
	}
	if r.Reserve(4096, 0) != 0 {
		t.Error("a record larger than the ring was reserved")
	}
	if got := r.Read(); len(got) != 4 {
		t.Fatalf("read %d records", len(got))
	}
	// Records that wrap past the end stay contiguous for the program.
	for i := range 8 {
		rec := bytes.Repeat([]byte{byte(i + 2)}, 1000)
		addr := r.Reserve(uint64(len(rec)), 0)
		if addr == 0 {
			t.Fatalf("record %d: no room", i)
		}
		copy(read(addr, len(rec)), rec)
		if err := r.Submit(addr, 0); err != nil {
			t.Fatal(err)
		}
		got := r.Read()
		if len(got) != 1 || !bytes.Equal(got[0], rec) {
			t.Fatalf("record %d read back wrong", i)
		}
	}
	if err := r.Output(nil, 4); err != syscall.EINVAL {
		t.Errorf("Output with bad flags = %v", err)
	}
	if _, err := r.LookupUser(nil, 0); err != ENOTSUPP {
		t.Errorf("LookupUser = %v, want ENOTSUPP", err)
	}
}
