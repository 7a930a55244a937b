package link

import (
	"io"
	"os"
	"runtime"
	"slices"
	"sync"

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
// os.ReadFile does into a new buffer. The file's size is asked for only
// when buf is empty: objects of one link are of a size, and a larger one
// grows the buffer as it is read.
func readFile(path string, buf []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return buf[:0], err
	}
	defer f.Close()
	buf = buf[:0]
	if cap(buf) == 0 {
		if fi, err := f.Stat(); err == nil && fi.Size() > 0 && int64(int(fi.Size())) == fi.Size() {
			buf = slices.Grow(buf, int(fi.Size())+1)
		}
	}
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, 4096)
		}
	}
}
