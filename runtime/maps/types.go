package maps

import (
	"fmt"
	"syscall"

	"github.com/bpfld/bpfld/internal/uapi"
)

// Type is a map type, enum bpf_map_type.
type Type uint32

// Map types, with the values of enum bpf_map_type.
const (
	TypeUnspec              Type = 0
	TypeHash                Type = 1
	TypeArray               Type = 2
	TypeProgArray           Type = 3
	TypePerfEventArray      Type = 4
	TypePerCPUHash          Type = 5
	TypePerCPUArray         Type = 6
	TypeStackTrace          Type = 7
	TypeCgroupArray         Type = 8
	TypeLRUHash             Type = 9
	TypeLRUPerCPUHash       Type = 10
	TypeLPMTrie             Type = 11
	TypeArrayOfMaps         Type = 12
	TypeHashOfMaps          Type = 13
	TypeDevMap              Type = 14
	TypeSockMap             Type = 15
	TypeCPUMap              Type = 16
	TypeXSKMap              Type = 17
	TypeSockHash            Type = 18
	TypeCgroupStorage       Type = 19
	TypeReuseportSockArray  Type = 20
	TypePerCPUCgroupStorage Type = 21
	TypeQueue               Type = 22
	TypeStack               Type = 23
	TypeSkStorage           Type = 24
	TypeDevMapHash          Type = 25
	TypeStructOps           Type = 26
	TypeRingBuf             Type = 27
	TypeInodeStorage        Type = 28
	TypeTaskStorage         Type = 29
	TypeBloomFilter         Type = 30
	TypeUserRingBuf         Type = 31
	TypeCgrpStorage         Type = 32
	TypeArena               Type = 33
)

// String returns the name bpftool uses for the type ("percpu_array").
func (t Type) String() string {
	if name, ok := uapi.MapTypeName(uint32(t)); ok {
		return name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// PerCPU reports whether maps of type t hold a value per CPU, which
// bpf(2) reads and writes as one value per possible CPU, each rounded up
// to 8 bytes.
func (t Type) PerCPU() bool {
	switch t {
	case TypePerCPUHash, TypePerCPUArray, TypeLRUPerCPUHash, TypePerCPUCgroupStorage:
		return true
	}
	return false
}

// Map creation flags (map_flags of BPF_MAP_CREATE).
const (
	FlagNoPrealloc    uint32 = 1 << 0  // BPF_F_NO_PREALLOC
	FlagNoCommonLRU   uint32 = 1 << 1  // BPF_F_NO_COMMON_LRU
	FlagNumaNode      uint32 = 1 << 2  // BPF_F_NUMA_NODE
	FlagRdonly        uint32 = 1 << 3  // BPF_F_RDONLY: read-only for user space
	FlagWronly        uint32 = 1 << 4  // BPF_F_WRONLY: write-only for user space
	FlagStackBuildID  uint32 = 1 << 5  // BPF_F_STACK_BUILD_ID
	FlagZeroSeed      uint32 = 1 << 6  // BPF_F_ZERO_SEED
	FlagRdonlyProg    uint32 = 1 << 7  // BPF_F_RDONLY_PROG: read-only for programs
	FlagWronlyProg    uint32 = 1 << 8  // BPF_F_WRONLY_PROG
	FlagClone         uint32 = 1 << 9  // BPF_F_CLONE
	FlagMmapable      uint32 = 1 << 10 // BPF_F_MMAPABLE
	FlagPreserveElems uint32 = 1 << 11 // BPF_F_PRESERVE_ELEMS
	FlagInnerMap      uint32 = 1 << 12 // BPF_F_INNER_MAP

	accessFlags = FlagRdonly | FlagWronly | FlagRdonlyProg | FlagWronlyProg // BPF_F_ACCESS_MASK
)

// Element operation flags (the flags of BPF_MAP_UPDATE_ELEM and the helpers).
const (
	UpdateAny     uint64 = 0 // BPF_ANY: create or update
	UpdateNoExist uint64 = 1 // BPF_NOEXIST: create only
	UpdateExist   uint64 = 2 // BPF_EXIST: update only; for push, overwrite the oldest when full
	UpdateLock    uint64 = 4 // BPF_F_LOCK: copy under the value's bpf_spin_lock
)

// Flags of the perf event and ring buffer helpers.
const (
	PerfIndexMask  uint64 = 0xffffffff    // BPF_F_INDEX_MASK
	PerfCurrentCPU uint64 = PerfIndexMask // BPF_F_CURRENT_CPU
	PerfCtxLenMask uint64 = 0xfffff << 32 // BPF_F_CTXLEN_MASK
	RingNoWakeup   uint64 = 1 << 0        // BPF_RB_NO_WAKEUP
	RingWakeup     uint64 = 1 << 1        // BPF_RB_FORCE_WAKEUP
)

// Queries of RingBuf.Query (bpf_ringbuf_query).
const (
	RingAvailData uint64 = 0 // BPF_RB_AVAIL_DATA
	RingSize      uint64 = 1 // BPF_RB_RING_SIZE
	RingConsPos   uint64 = 2 // BPF_RB_CONS_POS
	RingProdPos   uint64 = 3 // BPF_RB_PROD_POS
)

// Kernel constants and limits the maps reproduce (x86-64 values).
const (
	pageSize        = 4096     // PAGE_SIZE
	pcpuMinUnitSize = 32 << 10 // PCPU_MIN_UNIT_SIZE: bound on a per-CPU value
	kmallocMaxSize  = 4 << 20  // KMALLOC_MAX_SIZE
	htabElemSize    = 48       // sizeof(struct htab_elem)
	nrCPUs          = 8192     // NR_CPUS of distribution kernels: bound on a cpumap
	cpumapMaxQsize  = 16384    // sanity limit on a cpumap entry's qsize
)

// ENOTSUPP is the kernel-internal errno 524 that some map operations leak
// to user space (for example a lookup in a ring buffer); it has no name in
// package syscall.
const ENOTSUPP = syscall.Errno(524)
