package link

import (
	"os"
	"runtime"
	"sync"

	"github.com/bpfld/bpfld/elf"
)

// ReadObjects reads the objects at paths, in that order, several at once:
// a link of many objects spends most of its time reading them. Each file
// is read whole into memory first, which spares the reader hundreds of
// small reads. The first error (in path order) is returned.
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
			for i := range next {
				data, err := os.ReadFile(paths[i])
				if err != nil {
					errs[i] = err
					continue
				}
				objs[i], errs[i] = elf.ReadBytes(data, paths[i])
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	// Every error names its file already: os.ReadFile's and the reader's.
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return objs, nil
}
