package mem

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Block is one mmap-backed allocation. Its bytes stay at the same address
// until Free.
type Block struct {
	buf      []byte
	writable bool
	name     string
}

// Alloc maps a zeroed block of at least size bytes (rounded up to whole
// pages) and registers it so that programs may access it. name says what
// the block holds, for error messages ("map counters", "stack").
// A writable block may be written by programs; others only read.
func Alloc(size int, writable bool, name string) (*Block, error) {
	if size <= 0 {
		size = 1
	}
	page := unix.Getpagesize()
	length := (size + page - 1) / page * page
	buf, err := unix.Mmap(-1, 0, length, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("mmap %d bytes for %s: %w", length, name, err)
	}
	b := &Block{buf: buf[:size:size], writable: writable, name: name}
	global.add(b)
	return b, nil
}

// Bytes returns the block's memory as a slice.
func (b *Block) Bytes() []byte { return b.buf }

// Addr returns the address of the block's first byte.
func (b *Block) Addr() uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b.buf))) }

// Len returns the block's size in bytes as allocated (not rounded).
func (b *Block) Len() int { return len(b.buf) }

// Name returns what the block holds.
func (b *Block) Name() string { return b.name }

// Writable reports whether programs may write the block.
func (b *Block) Writable() bool { return b.writable }

// SetWritable changes whether programs may write the block, as freezing
// .rodata does.
func (b *Block) SetWritable(w bool) {
	global.mu.Lock()
	b.writable = w
	global.mu.Unlock()
}

// Free unregisters and unmaps the block. The caller guarantees that no
// program still runs on it.
func (b *Block) Free() error {
	global.remove(b)
	page := unix.Getpagesize()
	full := unsafe.Slice(unsafe.SliceData(b.buf), (len(b.buf)+page-1)/page*page)
	b.buf = nil
	return unix.Munmap(full)
}
