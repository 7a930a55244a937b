package mem

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
)

// registry is the set of live blocks, kept as an immutable sorted snapshot
// so that checks read it without locking.
type registry struct {
	mu       sync.Mutex
	snapshot atomic.Pointer[[]*Block]
}

var global registry

func (r *registry) add(b *Block) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.blocks()
	next := make([]*Block, 0, len(old)+1)
	next = append(next, old...)
	next = append(next, b)
	sort.Slice(next, func(i, j int) bool { return next[i].Addr() < next[j].Addr() })
	r.snapshot.Store(&next)
}

func (r *registry) remove(b *Block) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.blocks()
	next := make([]*Block, 0, len(old))
	for _, o := range old {
		if o != b {
			next = append(next, o)
		}
	}
	r.snapshot.Store(&next)
}

func (r *registry) blocks() []*Block {
	if p := r.snapshot.Load(); p != nil {
		return *p
	}
	return nil
}

// AccessError describes an access outside any block a program may use.
type AccessError struct {
	Addr  uint64
	Size  int
	Write bool
	// Block names the block the access touched, if any (a write to a
	// read-only block, or an access running past a block's end).
	Block string
}

func (e *AccessError) Error() string {
	kind := "read"
	if e.Write {
		kind = "write"
	}
	switch {
	case e.Block == "":
		return fmt.Sprintf("invalid memory %s of %d bytes at %#x", kind, e.Size, e.Addr)
	case e.Write:
		return fmt.Sprintf("invalid memory write of %d bytes at %#x: %s is read-only or too small", e.Size, e.Addr, e.Block)
	default:
		return fmt.Sprintf("invalid memory read of %d bytes at %#x: past the end of %s", e.Size, e.Addr, e.Block)
	}
}

// Check reports whether a program may access size bytes at addr: the range
// must lie within one registered block, and that block must be writable for
// a write. It returns nil or an *AccessError.
func Check(addr uint64, size int, write bool) error {
	blocks := global.blocks()
	// The last block starting at or below addr.
	i := sort.Search(len(blocks), func(i int) bool { return uint64(blocks[i].Addr()) > addr }) - 1
	if i < 0 {
		return &AccessError{Addr: addr, Size: size, Write: write}
	}
	b := blocks[i]
	start := uint64(b.Addr())
	end := start + uint64(len(b.buf))
	if addr+uint64(size) > end || addr+uint64(size) < addr {
		if addr >= end {
			return &AccessError{Addr: addr, Size: size, Write: write}
		}
		return &AccessError{Addr: addr, Size: size, Write: write, Block: b.name}
	}
	if write && !b.writable {
		return &AccessError{Addr: addr, Size: size, Write: write, Block: b.name}
	}
	return nil
}
