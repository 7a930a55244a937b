package vm

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bpfld/bpfld/runtime"
)

// TestConcurrentRewiring runs programs that tail-call through a prog array
// from 8 goroutines while another rewires the array thousands of times.
// Every result must be one that some wiring gives.
func TestConcurrentRewiring(t *testing.T) {
	img := linkObjects(t, "tailcall.bpf.o")
	c := newVM(t, img)
	wire(t, c, img)
	// What each program returns with slot 1 or 2 (the one it calls)
	// holding target_one, target_two or nothing.
	progs := []struct {
		name  string
		input []byte
		valid map[uint32]bool
	}{
		{"tail_const", nil, map[uint32]bool{1: true, 2: true, 100: true}},
		{"tail_from_sub", nil, map[uint32]bool{101: true, 102: true, 105: true}},
		{"tail_byte", append([]byte{2}, zeros(63)...), map[uint32]bool{1: true, 2: true, 101: true}},
		{"tail_empty", nil, map[uint32]bool{105: true}},
	}
	const (
		runners = 8
		runs    = 1500
		rewires = 5000
	)
	targets := []string{"target_one", "target_two", ""}
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, runners+1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < rewires || !stop.Load(); i++ {
			slot := uint32(1 + rng.IntN(2))
			if err := c.SetSlot("jmp_table", slot, targets[rng.IntN(len(targets))]); err != nil {
				errs <- err
				return
			}
		}
	}()
	var done sync.WaitGroup
	for g := 0; g < runners; g++ {
		wg.Add(1)
		done.Add(1)
		go func(g int) {
			defer wg.Done()
			defer done.Done()
			for i := 0; i < runs; i++ {
				p := progs[(g+i)%len(progs)]
				in := p.input
				if in == nil {
					in = zeros(64)
				}
				res, err := c.Run(p.name, runtime.RunInput{Data: in})
				if err != nil {
					errs <- err
					return
				}
				if !p.valid[res.Retval] {
					errs <- fmt.Errorf("%s returned %d, which no wiring gives", p.name, res.Retval)
					return
				}
			}
		}(g)
	}
	done.Wait()
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestConcurrentMaps runs map-updating programs from 8 goroutines at once:
// the counters must add up as they do when the kernel runs them on
// several CPUs.
func TestConcurrentMaps(t *testing.T) {
	img := linkObjects(t, "dispatch.bpf.o")
	c := newVM(t, img)
	if err := c.SetSlot("proto_table", 17, "proto_udp"); err != nil {
		t.Fatal(err)
	}
	const runners, runs = 8, 500
	var wg sync.WaitGroup
	for g := 0; g < runners; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < runs; i++ {
				if _, err := c.Run("dispatch", runtime.RunInput{Data: ipv4(17)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	v, err := c.Lookup("proto_hits", u32(17))
	if err != nil {
		t.Fatal(err)
	}
	if got := ne.Uint64(v); got != runners*runs {
		t.Errorf("proto_hits[17] = %d, want %d", got, runners*runs)
	}
}
