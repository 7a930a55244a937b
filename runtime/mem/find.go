package mem

import "sort"

// Find returns the block that holds the size bytes at addr, after the same
// checks as Check, so that a caller can cache the block's bounds and check
// later accesses against them without a search (the interpreter's fast
// path). Its error is Check's *AccessError.
func Find(addr uint64, size int, write bool) (*Block, error) {
	blocks := global.blocks()
	i := sort.Search(len(blocks), func(i int) bool { return uint64(blocks[i].Addr()) > addr }) - 1
	if i < 0 {
		return nil, &AccessError{Addr: addr, Size: size, Write: write}
	}
	b := blocks[i]
	end := uint64(b.Addr()) + uint64(len(b.buf))
	switch {
	case addr >= end:
		return nil, &AccessError{Addr: addr, Size: size, Write: write}
	case addr+uint64(size) > end || addr+uint64(size) < addr:
		return nil, &AccessError{Addr: addr, Size: size, Write: write, Block: b.name}
	case write && !b.writable:
		return nil, &AccessError{Addr: addr, Size: size, Write: write, Block: b.name}
	}
	return b, nil
}
