package manifest

import "strconv"

// Map types (enum bpf_map_type in linux/bpf.h) that Validate treats
// specially.
const (
	mapTypeArray       uint32 = 2
	mapTypeProgArray   uint32 = 3
	mapTypePercpuArray uint32 = 6
	mapTypeRingbuf     uint32 = 27
	mapTypeUserRingbuf uint32 = 31
)

// mapTypeNames names enum bpf_map_type by value, for messages.
var mapTypeNames = []string{
	"unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
	"percpu_array", "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash",
	"lpm_trie", "array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap",
	"xskmap", "sockhash", "cgroup_storage", "reuseport_sockarray",
	"percpu_cgroup_storage", "queue", "stack", "sk_storage", "devmap_hash",
	"struct_ops", "ringbuf", "inode_storage", "task_storage", "bloom_filter",
	"user_ringbuf", "cgrp_storage", "arena",
}

// mapTypeName returns the kernel's name of a map type, without BPF_MAP_TYPE_.
func mapTypeName(typ uint32) string {
	if int(typ) < len(mapTypeNames) {
		return mapTypeNames[typ]
	}
	return "type " + strconv.FormatUint(uint64(typ), 10)
}
