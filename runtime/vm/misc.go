package vm

import (
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/interp"
	"github.com/bpfld/bpfld/runtime/maps"
)

// clockBase relates Go's monotonic clock to the kernel's clocks, read once:
// helpers then read the time without a system call.
type clockBase struct {
	start           time.Time
	mono, boot, tai int64
}

var clocks = sync.OnceValue(func() clockBase {
	read := func(id int32) int64 {
		var ts unix.Timespec
		if unix.ClockGettime(id, &ts) != nil {
			return 0
		}
		return ts.Nano()
	}
	return clockBase{start: time.Now(), mono: read(unix.CLOCK_MONOTONIC), boot: read(unix.CLOCK_BOOTTIME), tai: read(unix.CLOCK_TAI)}
})

// since returns the nanoseconds since the clocks were read.
func (c clockBase) since() int64 { return int64(time.Since(c.start)) }

// bpf_ktime_get_ns (and bpf_ktime_get_coarse_ns): CLOCK_MONOTONIC.
func ktimeGetNs(*interp.Machine, uint64, uint64, uint64, uint64, uint64) uint64 {
	c := clocks()
	return uint64(c.mono + c.since())
}

// bpf_ktime_get_boot_ns: CLOCK_BOOTTIME.
func ktimeGetBootNs(*interp.Machine, uint64, uint64, uint64, uint64, uint64) uint64 {
	c := clocks()
	return uint64(c.boot + c.since())
}

// bpf_ktime_get_tai_ns: CLOCK_TAI.
func ktimeGetTaiNs(*interp.Machine, uint64, uint64, uint64, uint64, uint64) uint64 {
	c := clocks()
	return uint64(c.tai + c.since())
}

// bpf_get_prandom_u32: a pseudo-random number from the runner's
// generator.
func getPrandomU32(m *interp.Machine, _, _, _, _, _ uint64) uint64 {
	return uint64(uint32(env(m).rng.Uint64()))
}

// bpf_get_smp_processor_id: the CPU the collection runs programs on.
func getSmpProcessorID(m *interp.Machine, _, _, _, _, _ uint64) uint64 { return uint64(m.CPU) }

// bpf_get_numa_node_id: node 0.
func getNumaNodeID(*interp.Machine, uint64, uint64, uint64, uint64, uint64) uint64 { return 0 }

// bpf_get_current_pid_tgid: the process id (the kernel's tgid) in the
// upper half, the calling thread's id in the lower, as for a test run
// in the kernel, where current is the thread that asked for it.
func getCurrentPidTgid(*interp.Machine, uint64, uint64, uint64, uint64, uint64) uint64 {
	return uint64(os.Getpid())<<32 | uint64(uint32(unix.Gettid()))
}

// bpf_get_current_uid_gid: gid in the upper half, uid in the lower.
func getCurrentUIDGid(*interp.Machine, uint64, uint64, uint64, uint64, uint64) uint64 {
	return uint64(uint32(os.Getgid()))<<32 | uint64(uint32(os.Getuid()))
}

// comm is the process's name as the kernel keeps it (task->comm).
var comm = sync.OnceValue(func() string {
	data, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		return "bpfld"
	}
	return strings.TrimSuffix(string(data), "\n")
})

// bpf_get_current_comm(buf, size): the name, NUL-padded (strscpy_pad).
func getCurrentComm(m *interp.Machine, pbuf, size, _, _, _ uint64) uint64 {
	buf, ok := argBytes(m, "bpf_get_current_comm", pbuf, int(uint32(size)), true)
	if !ok || len(buf) == 0 {
		return 0
	}
	clear(buf)
	copy(buf[:len(buf)-1], comm())
	return 0
}

// bpf_strncmp(s1, s1_sz, s2): the kernel's strncmp of s1 (s1_sz bytes)
// and the string s2: -1, 0 or 1.
func strncmp(m *interp.Machine, ps1, size, ps2, _, _ uint64) uint64 {
	const name = "bpf_strncmp"
	s1, ok := argBytes(m, name, ps1, int(uint32(size)), false)
	if !ok {
		return 0
	}
	s2, err := cString(m, ps2, len(s1))
	if err != nil {
		return fail(m, name, "s2: %v", err)
	}
	for i, c1 := range s1 {
		var c2 byte
		if i < len(s2) {
			c2 = s2[i]
		}
		switch {
		case c1 < c2:
			return uint64(1<<64 - 1)
		case c1 > c2:
			return 1
		case c1 == 0:
			return 0
		}
	}
	return 0
}

// bpf_per_cpu_ptr(percpu_ptr, cpu): the VM's stand-ins of per-CPU kernel
// variables have one copy, which every possible CPU shares.
func perCPUPtr(m *interp.Machine, p, cpu, _, _, _ uint64) uint64 {
	if uint32(cpu) >= uint32(maps.PossibleCPUs()) {
		return 0
	}
	return p
}

// bpf_this_cpu_ptr(percpu_ptr): the one copy of a stand-in.
func thisCPUPtr(m *interp.Machine, p, _, _, _, _ uint64) uint64 { return p }

// bpf_current_task_under_cgroup(map, index): whether the current task is
// in the cgroup in slot index of a cgroup array. The VM has no cgroups to
// store there, so every slot is empty, which the kernel answers with
// -EAGAIN (-E2BIG past max_entries).
func currentTaskUnderCgroup(m *interp.Machine, pmap, index, _, _, _ uint64) uint64 {
	const name = "bpf_current_task_under_cgroup"
	mp, ok := mapArg(m, name, pmap)
	if !ok {
		return 0
	}
	if mp.Type() != maps.TypeCgroupArray {
		return fail(m, name, "map %s is a %s, not a cgroup_array", mp.Name(), mp.Type())
	}
	if uint32(index) >= mp.MaxEntries() {
		return negErrno(unix.E2BIG)
	}
	return negErrno(unix.EAGAIN)
}
