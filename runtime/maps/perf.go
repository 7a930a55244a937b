package maps

import (
	"sync"
	"syscall"
)

// perfBufferBytes is how much record data each CPU's perf buffer holds
// until it is read; beyond that records are lost, as when a perf ring
// fills up.
const perfBufferBytes = 1 << 20

// PerfRecord is one record a program wrote with bpf_perf_event_output.
type PerfRecord struct {
	CPU  int
	Data []byte
}

// PerfEventArray is a perf_event_array map. The VM has no perf events: it
// behaves as if user space had opened one perf buffer per CPU and stored
// each in the slot of its CPU, as cilium/ebpf's perf reader does. Slots
// past the possible CPUs are empty.
type PerfEventArray struct {
	*common
	ncpu int

	mu      sync.Mutex
	open    []bool
	records []PerfRecord
	used    []int // bytes buffered per CPU
	lost    uint64
}

func newPerfEventArray(c *common) (*PerfEventArray, error) {
	p := &PerfEventArray{common: c, ncpu: PossibleCPUs()}
	p.open = make([]bool, c.spec.MaxEntries)
	for i := range p.open {
		p.open[i] = i < p.ncpu
	}
	p.used = make([]int, p.ncpu)
	p.describe(0, 4, 1)
	return p, nil
}

// Output is bpf_perf_event_output for a program on CPU cpu: flags holds
// the slot index (or BPF_F_CURRENT_CPU) and the context length, which the
// caller has already appended to data. As in the kernel, the slot must
// hold an event of the current CPU (else EOPNOTSUPP; E2BIG past
// max_entries, ENOENT for an empty slot); ENOSPC when the buffer is full.
func (p *PerfEventArray) Output(flags uint64, cpu int, data []byte) error {
	if flags&^(PerfIndexMask|PerfCtxLenMask) != 0 {
		return syscall.EINVAL
	}
	index := flags & PerfIndexMask
	if index == PerfCurrentCPU {
		index = uint64(cpu)
	}
	if index >= uint64(p.spec.MaxEntries) {
		return syscall.E2BIG
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.open[index] {
		return syscall.ENOENT
	}
	// The event in slot i is the one opened on CPU i.
	if index != uint64(cpu) {
		return syscall.EOPNOTSUPP
	}
	// A sample costs its perf_event_header, its u32 size and the data,
	// padded to 8 bytes.
	cost := 8 + (4+len(data)+7)&^7
	if p.used[cpu]+cost > perfBufferBytes {
		p.lost++
		return syscall.ENOSPC
	}
	p.used[cpu] += cost
	p.records = append(p.records, PerfRecord{CPU: cpu, Data: append([]byte(nil), data...)})
	return nil
}

// Read consumes the records written so far, in the order they were
// written.
func (p *PerfEventArray) Read() []PerfRecord {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.records
	p.records = nil
	clear(p.used)
	return out
}

// Lost returns how many records were lost because a buffer was full.
func (p *PerfEventArray) Lost() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lost
}

// LookupUser fails with ENOTSUPP, as for the kernel's perf event arrays.
func (p *PerfEventArray) LookupUser(key []byte, flags uint64) ([]byte, error) {
	if err := p.lookupChecks(flags); err != nil {
		return nil, err
	}
	if err := p.checkKey(key); err != nil {
		return nil, err
	}
	return nil, ENOTSUPP
}

// UpdateUser fails with EOPNOTSUPP after the kernel's checks: the VM
// cannot open perf events to store.
func (p *PerfEventArray) UpdateUser(key, value []byte, flags uint64) error {
	if _, err := fdArrayUpdateChecks(p.common, key, value, flags); err != nil {
		return err
	}
	return syscall.EOPNOTSUPP
}

// DeleteUser empties the slot: outputs to it then fail with ENOENT.
func (p *PerfEventArray) DeleteUser(key []byte) error {
	return fdArrayDelete(p.common, key, func(i uint32) bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		was := p.open[i]
		p.open[i] = false
		return was
	})
}

// NextKey is array_map_get_next_key.
func (p *PerfEventArray) NextKey(key []byte) ([]byte, error) { return arrayNextKey(p.common, key) }

// Close frees the map's memory.
func (p *PerfEventArray) Close() error { return p.closeMap(p) }
