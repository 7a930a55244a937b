package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePageSize is the size of a transparent huge page on x86-64.
const hugePageSize = 2 << 20

// tuneLinkMemory prepares the Go runtime for `bpfld link`, a short-lived
// process whose heap (the objects read, then the object written) stays
// mostly live until it exits, and grows to about heapBytes. Beside the
// link itself, its cost is page faults and garbage collection: on the
// project's VMs a page fault costs ~17 us and the 100x20 benchmark link
// took ~5000 of them, as long as the link's own work.
//
//   - The heap is backed by transparent huge pages, which the kernel
//     maps 2 MB at a time: a ballast of heapBytes is allocated, advised
//     MADV_HUGEPAGE and freed, and the heap then grows into it. (The Go
//     runtime stopped asking for huge pages itself in Go 1.21.1.)
//     GODEBUG=disablethp=1, the runtime's own switch, turns this off; it
//     changes nothing where THP is off, or on for every mapping.
//   - The collector runs when the heap has grown tenfold (GOGC=1000)
//     rather than doubled: it would find little garbage in a heap that is
//     live anyway, and a link of the 100x20 set then needs none but the
//     one that frees the ballast. GOGC, when set, wins.
//
// It returns a function that puts the collector back as it was, for
// when the command runs inside a longer-lived process (the tests).
func tuneLinkMemory(heapBytes int64) (restore func()) {
	if !strings.Contains(os.Getenv("GODEBUG"), "disablethp=1") {
		adviseHugePages(heapBytes)
	}
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	gc := debug.SetGCPercent(1000)
	return func() { debug.SetGCPercent(gc) }
}

// adviseHugePages makes the next n bytes of heap growth huge-page backed.
// madvise errors are ignored: without THP, the heap is what it would be.
func adviseHugePages(n int64) {
	n = (n + hugePageSize - 1) &^ (hugePageSize - 1)
	if n == 0 {
		return
	}
	// Allocating the ballast must not start a collection of its own: the
	// one that frees it is enough.
	gc := debug.SetGCPercent(-1)
	defer debug.SetGCPercent(gc)
	ballast := make([]byte, n+hugePageSize)
	// Only whole, aligned 2 MB pages can be huge.
	skip := int(-uintptr(unsafe.Pointer(unsafe.SliceData(ballast))) & (hugePageSize - 1))
	_ = unix.Madvise(ballast[skip:skip+int(n)], unix.MADV_HUGEPAGE)
	runtime.KeepAlive(ballast)
	runtime.GC()
}
