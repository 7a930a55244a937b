package maps

import (
	"bytes"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"unsafe"
)

// table is the hash table behind the hash maps, shaped like the kernel's
// (kernel/bpf/hashtab.c): a power-of-2 number of buckets, each a chain of
// preallocated element slots ending in a "nulls" marker that names the
// bucket. Lookups walk the chains without locking, as the kernel's RCU
// lookups do: a slot that is freed and reused while a reader passes
// through it may lead the reader into another bucket's chain, which ends
// in another bucket's marker, and the reader starts over.
//
// Writers hold mu. Besides the chains they keep every live slot on an
// order list (insertion order, for NextKey) and the free slots in a FIFO
// queue, so a freed slot is reused as late as possible while programs may
// still hold its address. LRU maps manage free slots with their LRU lists
// instead.
//
// Keys and values live in mmap memory (data): slot s has its key at
// s*stride and its value at s*stride + keyStride.
type table struct {
	seed    maphash.Seed
	mask    uint32
	buckets []atomic.Uint32 // first slot of a chain, or a nulls marker
	slots   []slot

	keySize   int
	keyStride uint64
	stride    uint64
	data      []byte
	base      uint64

	mu          sync.Mutex
	count       uint32   // live elements
	free        []uint32 // FIFO ring of free slots
	freeHead    int
	freeLen     int
	first, last uint32   // order list
	prev, succ  []uint32 // order list links
}

// slot is the bookkeeping of one element slot, kept together so that a
// lookup touches one cache line per slot it passes.
type slot struct {
	next atomic.Uint32 // next slot of the chain, or a nulls marker
	hash atomic.Uint32 // hash of the slot's key
	live atomic.Bool   // the slot holds an element
	ref  atomic.Bool   // LRU: the reference bit of the element's LRU node
}

// noSlot ends a slot list; nullsBit marks a chain's end, with the bucket
// number in the low bits.
const (
	noSlot   uint32 = 0xffffffff
	nullsBit uint32 = 1 << 31
)

// init sets up a table of n slots for keys of keySize bytes in data.
func (t *table) init(n, buckets uint32, keySize int, keyStride, stride uint64, data []byte, base uint64) {
	t.seed = maphash.MakeSeed()
	t.mask = buckets - 1
	t.buckets = make([]atomic.Uint32, buckets)
	for b := range t.buckets {
		t.buckets[b].Store(nullsBit | uint32(b))
	}
	t.slots = make([]slot, n)
	t.keySize, t.keyStride, t.stride = keySize, keyStride, stride
	t.data, t.base = data, base
	t.free = make([]uint32, n)
	for s := range n {
		t.free[s] = s
	}
	t.freeLen = int(n)
	t.prev = make([]uint32, n)
	t.succ = make([]uint32, n)
	t.first, t.last = noSlot, noSlot
}

// bookkeeping is the Go memory a table of n slots and b buckets takes.
func bookkeeping(n, b uint64) uint64 { return 4*b + n*(uint64(unsafe.Sizeof(slot{}))+4+4+4) }

func (t *table) hash(key []byte) uint32 { return uint32(maphash.Bytes(t.seed, key)) }

// key returns slot s's key in map memory.
func (t *table) key(s uint32) []byte {
	off := uint64(s) * t.stride
	return t.data[off : off+uint64(t.keySize)]
}

// valueOff returns the offset of slot s's value in data.
func (t *table) valueOff(s uint32) uint64 { return uint64(s)*t.stride + t.keyStride }

// find returns the slot holding key, or noSlot. It is safe without mu.
func (t *table) find(key []byte, h uint32) uint32 {
	b := h & t.mask
	for {
		s := t.buckets[b].Load()
		for s&nullsBit == 0 {
			if t.slots[s].hash.Load() == h && bytes.Equal(t.key(s), key) {
				return s
			}
			s = t.slots[s].next.Load()
		}
		if s == nullsBit|b {
			return noSlot
		}
		// The walk ended in another bucket's chain: a slot moved
		// under us. Start over.
	}
}

// prepare writes key and hash into free slot s; the value is the caller's.
func (t *table) prepare(s uint32, key []byte, h uint32) {
	copy(t.key(s), key)
	t.slots[s].hash.Store(h)
	t.slots[s].ref.Store(false)
}

// link publishes slot s at the head of its bucket, before any older slot
// with the same key, so that readers find it first.
func (t *table) link(s uint32) {
	b := t.slots[s].hash.Load() & t.mask
	t.slots[s].next.Store(t.buckets[b].Load())
	t.slots[s].live.Store(true)
	t.buckets[b].Store(s)
}

// unlink removes slot s from its chain. s keeps its next link, so readers
// standing on it continue along the chain.
func (t *table) unlink(s uint32) {
	b := t.slots[s].hash.Load() & t.mask
	at := &t.buckets[b]
	for cur := at.Load(); cur&nullsBit == 0; cur = at.Load() {
		if cur == s {
			at.Store(t.slots[s].next.Load())
			break
		}
		at = &t.slots[cur].next
	}
	t.slots[s].live.Store(false)
}

// alloc takes the oldest free slot, or returns noSlot.
func (t *table) alloc() uint32 {
	if t.freeLen == 0 {
		return noSlot
	}
	s := t.free[t.freeHead]
	t.freeHead = (t.freeHead + 1) % len(t.free)
	t.freeLen--
	return s
}

// release returns slot s to the free queue.
func (t *table) release(s uint32) {
	t.free[(t.freeHead+t.freeLen)%len(t.free)] = s
	t.freeLen++
}

// append puts slot s at the end of the order list.
func (t *table) append(s uint32) {
	t.prev[s], t.succ[s] = t.last, noSlot
	if t.last == noSlot {
		t.first = s
	} else {
		t.succ[t.last] = s
	}
	t.last = s
}

// remove takes slot s off the order list.
func (t *table) remove(s uint32) {
	p, n := t.prev[s], t.succ[s]
	if p == noSlot {
		t.first = n
	} else {
		t.succ[p] = n
	}
	if n == noSlot {
		t.last = p
	} else {
		t.prev[n] = p
	}
}

// replace puts slot s in old's place on the order list.
func (t *table) replace(old, s uint32) {
	p, n := t.prev[old], t.succ[old]
	t.prev[s], t.succ[s] = p, n
	if p == noSlot {
		t.first = s
	} else {
		t.succ[p] = s
	}
	if n == noSlot {
		t.last = s
	} else {
		t.prev[n] = s
	}
}

// snapshot returns the live slots in order.
func (t *table) snapshot() []uint32 {
	out := make([]uint32, 0, t.count)
	for s := t.first; s != noSlot; s = t.succ[s] {
		out = append(out, s)
	}
	return out
}
