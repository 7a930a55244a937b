package maps

import (
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Ring buffer record header (struct bpf_ringbuf_hdr): a u32 length with
// the busy and discard bits, and a u32 page offset.
const (
	ringHeaderSize        = 8               // BPF_RINGBUF_HDR_SZ
	ringBusyBit    uint32 = 1 << 31         // BPF_RINGBUF_BUSY_BIT
	ringDiscardBit uint32 = 1 << 30         // BPF_RINGBUF_DISCARD_BIT
	ringMaxRecord  uint64 = (1<<32 - 1) / 4 // RINGBUF_MAX_RECORD_SZ
)

// RingBuf is a ringbuf map (kernel/bpf/ringbuf.c). Records are reserved,
// written in place by the program and submitted or discarded, with the
// kernel's 8-byte headers and its accounting of free space. The data area
// is twice max_entries long: the kernel maps its data pages twice so that
// a record wrapping past the end stays contiguous; here the tail of such a
// record simply runs on into the second half, which no other record uses
// until this one is consumed.
type RingBuf struct {
	*common
	size uint64 // max_entries
	mask uint64
	data []byte
	base uint64

	mu       sync.Mutex // producers
	pending  uint64     // oldest record not yet committed (pending_pos)
	producer atomic.Uint64

	cmu      sync.Mutex // consumer
	consumer atomic.Uint64
}

func newRingBuf(c *common) (*RingBuf, error) {
	size := uint64(c.spec.MaxEntries)
	b, err := c.alloc(int(2*size), true, "ring buffer "+c.spec.Name)
	if err != nil {
		return nil, err
	}
	r := &RingBuf{common: c, size: size, mask: size - 1, data: b.Bytes(), base: uint64(b.Addr())}
	r.describe(0, 0, 1)
	return r, nil
}

// header returns the length word of the record header at data offset off.
func (r *RingBuf) header(off uint64) *atomic.Uint32 {
	return (*atomic.Uint32)(unsafe.Pointer(&r.data[off]))
}

func recordLen(n uint64) uint64 { return (n + ringHeaderSize + 7) &^ 7 }

// Reserve is bpf_ringbuf_reserve: the address of size bytes for a record,
// or 0 when flags is not 0 or the buffer has no room.
func (r *RingBuf) Reserve(size, flags uint64) uint64 {
	if flags != 0 || size > ringMaxRecord {
		return 0
	}
	n := recordLen(size)
	if n > r.size {
		return 0
	}
	cons := r.consumer.Load()
	r.mu.Lock()
	defer r.mu.Unlock()
	prod := r.producer.Load()
	pend := r.pending
	for pend < prod {
		l := r.header(pend & r.mask).Load()
		if l&ringBusyBit != 0 {
			break
		}
		pend += recordLen(uint64(l &^ ringDiscardBit))
	}
	r.pending = pend
	// The producer may run at most size-1 bytes ahead of the consumer
	// and of the oldest record not yet committed.
	if prod+n-cons > r.mask || prod+n-pend > r.mask {
		return 0
	}
	off := prod & r.mask
	r.header(off).Store(uint32(size) | ringBusyBit)
	ne.PutUint32(r.data[off+4:], uint32(off/pageSize))
	r.producer.Store(prod + n)
	return r.base + off + ringHeaderSize
}

// Submit is bpf_ringbuf_submit: the record reserved at addr becomes
// visible to the consumer. It fails with EINVAL when addr is not a
// reserved, uncommitted record of this buffer (which the kernel's verifier
// rules out).
func (r *RingBuf) Submit(addr, flags uint64) error { return r.commit(addr, false) }

// Discard is bpf_ringbuf_discard: the record reserved at addr is dropped.
func (r *RingBuf) Discard(addr, flags uint64) error { return r.commit(addr, true) }

func (r *RingBuf) commit(addr uint64, discard bool) error {
	off := addr - ringHeaderSize - r.base
	if addr < r.base+ringHeaderSize || off >= r.size || off%8 != 0 {
		return syscall.EINVAL
	}
	h := r.header(off)
	l := h.Load()
	if l&ringBusyBit == 0 {
		return syscall.EINVAL
	}
	next := l &^ ringBusyBit
	if discard {
		next |= ringDiscardBit
	}
	if !h.CompareAndSwap(l, next) {
		return syscall.EINVAL
	}
	return nil
}

// Output is bpf_ringbuf_output: a record holding a copy of data; EAGAIN
// when there is no room.
func (r *RingBuf) Output(data []byte, flags uint64) error {
	if flags&^(RingNoWakeup|RingWakeup) != 0 {
		return syscall.EINVAL
	}
	addr := r.Reserve(uint64(len(data)), 0)
	if addr == 0 {
		return syscall.EAGAIN
	}
	off := addr - r.base
	copy(r.data[off:], data)
	return r.commit(addr, false)
}

// Query is bpf_ringbuf_query.
func (r *RingBuf) Query(flags uint64) uint64 {
	switch flags {
	case RingAvailData:
		return r.producer.Load() - r.consumer.Load()
	case RingSize:
		return r.size
	case RingConsPos:
		return r.consumer.Load()
	case RingProdPos:
		return r.producer.Load()
	}
	return 0
}

// Read consumes the submitted records in order, as a user-space consumer
// of the ring does, and returns copies of them. It skips discarded records
// and stops at the first record still reserved.
func (r *RingBuf) Read() [][]byte {
	r.cmu.Lock()
	defer r.cmu.Unlock()
	var out [][]byte
	cons := r.consumer.Load()
	prod := r.producer.Load()
	for cons < prod {
		off := cons & r.mask
		l := r.header(off).Load()
		if l&ringBusyBit != 0 {
			break
		}
		n := uint64(l &^ ringDiscardBit)
		if l&ringDiscardBit == 0 {
			out = append(out, append([]byte(nil), r.data[off+ringHeaderSize:off+ringHeaderSize+n]...))
		}
		cons += recordLen(n)
	}
	r.consumer.Store(cons)
	return out
}

// Update and Delete fail as the ring buffer's map ops do.
func (r *RingBuf) Update(key, value []byte, flags uint64, cpu int) error { return ENOTSUPP }

// Delete fails with ENOTSUPP.
func (r *RingBuf) Delete(key []byte) error { return ENOTSUPP }

// LookupUser fails with ENOTSUPP: a ring buffer has no elements.
func (r *RingBuf) LookupUser(key []byte, flags uint64) ([]byte, error) {
	if err := r.lookupChecks(flags); err != nil {
		return nil, err
	}
	return nil, ENOTSUPP
}

// UpdateUser fails with ENOTSUPP.
func (r *RingBuf) UpdateUser(key, value []byte, flags uint64) error {
	if err := r.updateChecks(flags); err != nil {
		return err
	}
	return ENOTSUPP
}

// DeleteUser fails with ENOTSUPP.
func (r *RingBuf) DeleteUser(key []byte) error {
	if err := r.sysWrite(); err != nil {
		return err
	}
	return ENOTSUPP
}

// NextKey fails with ENOTSUPP.
func (r *RingBuf) NextKey(key []byte) ([]byte, error) {
	if err := r.sysRead(); err != nil {
		return nil, err
	}
	return nil, ENOTSUPP
}

// Close frees the map's memory.
func (r *RingBuf) Close() error { return r.closeMap(r) }
