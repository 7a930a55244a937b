package link

import (
	"os"
	"runtime"
	"slices"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/elf"
)

// ReadObjects reads the objects at paths, in that order, several at once:
// a link of many objects spends much of its time reading them. Each file
// is read whole into memory first, which spares the reader hundreds of
// small reads, into a buffer that each worker reuses for every file it
// reads (elf.ReadBytes keeps no reference to it). The first error (in
// path order) is returned.
func ReadObjects(paths []string) ([]*elf.Object, error) {
	objs := make([]*elf.Object, len(paths))
	errs := make([]error, len(paths))
	workers := min(runtime.GOMAXPROCS(0), len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for i := range next {
				var err error
				buf, err = readFile(paths[i], buf)
				if err != nil {
					errs[i] = err
					continue
				}
				objs[i], errs[i] = elf.ReadBytes(buf, paths[i])
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	// Every error names its file already: os.Open's and the reader's.
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return objs, nil
}

// readFile reads the file at path into buf, grown as needed, as
// os.ReadFile does into a new buffer, with the system calls alone: open,
// reads until end of file, close. (os.Open adds an fstat and a
// finalizer, a tenth of the CPU time of reading 100 small objects.) The
// buffer is sized by the first file a worker reads; a larger one grows
// it as it is read. Errors are os.PathErrors, as os.ReadFile's.
func readFile(path string, buf []byte) ([]byte, error) {
	fd, err := ignoringEINTR(func() (int, error) { return unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0) })
	if err != nil {
		return buf[:0], &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	buf = buf[:0]
	if cap(buf) == 0 {
		var st unix.Stat_t
		if unix.Fstat(fd, &st) == nil && st.Size > 0 && int64(int(st.Size)) == st.Size {
			buf = slices.Grow(buf, int(st.Size)+1)
		}
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, 4096)
		}
		n, err := ignoringEINTR(func() (int, error) { return unix.Read(fd, buf[len(buf):cap(buf)]) })
		if err != nil {
			return buf, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// ignoringEINTR calls f until it is not interrupted by a signal.
func ignoringEINTR(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if err != unix.EINTR {
			return n, err
		}
	}
}
