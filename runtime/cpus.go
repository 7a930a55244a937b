package runtime

import (
	"os"
	"strconv"
	"strings"
	"sync"
)

// PossibleCPUs returns the number of CPUs the kernel could bring online
// (/sys/devices/system/cpu/possible): the number of copies a per-CPU map
// holds. It is 1 where the file cannot be read.
var PossibleCPUs = sync.OnceValue(func() int {
	data, err := os.ReadFile("/sys/devices/system/cpu/possible")
	if err != nil {
		return 1
	}
	n := 0
	for _, part := range strings.Split(strings.TrimSpace(string(data)), ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || b < a {
			return 1
		}
		n += b - a + 1
	}
	return max(n, 1)
})
