package maps

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// PossibleCPUs returns the number of CPUs per-CPU maps hold a value for:
// the kernel's possible CPUs, read from /sys/devices/system/cpu/possible as
// libbpf and cilium/ebpf do, so that per-CPU values have the layout the
// bpf(2) syscall gives them on this machine. Without that file it falls back
// to runtime.NumCPU(). Programs run on a CPU index in [0, PossibleCPUs()).
func PossibleCPUs() int { return possibleCPUs() }

var possibleCPUs = sync.OnceValue(func() int {
	data, err := os.ReadFile("/sys/devices/system/cpu/possible")
	if err != nil {
		return runtime.NumCPU()
	}
	n, err := parseCPUList(string(data))
	if err != nil {
		return runtime.NumCPU()
	}
	return n
})

// parseCPUList parses a kernel CPU list ("0-3", "0", "0-1,4-5") and returns
// the highest CPU number plus one: per-CPU data is indexed by CPU number.
func parseCPUList(s string) (int, error) {
	s = strings.TrimSpace(s)
	highest := -1
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		first, err1 := strconv.Atoi(lo)
		last, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || first < 0 || last < first {
			return 0, fmt.Errorf("invalid CPU list %q", s)
		}
		highest = max(highest, last)
	}
	return highest + 1, nil
}
