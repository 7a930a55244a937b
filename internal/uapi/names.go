package uapi

// mapTypeNames names enum bpf_map_type by value, as bpftool prints the
// types (BPF_MAP_TYPE_ stripped, lower case).
var mapTypeNames = [...]string{
	"unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
	"percpu_array", "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash",
	"lpm_trie", "array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap",
	"xskmap", "sockhash", "cgroup_storage", "reuseport_sockarray",
	"percpu_cgroup_storage", "queue", "stack", "sk_storage", "devmap_hash",
	"struct_ops", "ringbuf", "inode_storage", "task_storage", "bloom_filter",
	"user_ringbuf", "cgrp_storage", "arena",
}

// MapTypeName returns bpftool's name of a map type ("percpu_array"), and
// false for a number it does not know.
func MapTypeName(typ uint32) (string, bool) {
	if int(typ) < len(mapTypeNames) {
		return mapTypeNames[typ], true
	}
	return "", false
}

// progTypeNames names enum bpf_prog_type by value, as bpftool prints the
// types (BPF_PROG_TYPE_ stripped, lower case).
var progTypeNames = [...]string{
	"unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint",
	"xdp", "perf_event", "cgroup_skb", "cgroup_sock", "lwt_in",
	"lwt_out", "lwt_xmit", "sock_ops", "sk_skb", "cgroup_device",
	"sk_msg", "raw_tracepoint", "cgroup_sock_addr", "lwt_seg6local",
	"lirc_mode2", "sk_reuseport", "flow_dissector", "cgroup_sysctl",
	"raw_tracepoint_writable", "cgroup_sockopt", "tracing", "struct_ops",
	"ext", "lsm", "sk_lookup", "syscall", "netfilter",
}

// ProgTypeName returns bpftool's name of a program type ("sched_cls"), and
// false for a number it does not know. Type 0 (unspec) counts as unknown:
// no program has it.
func ProgTypeName(typ uint32) (string, bool) {
	if typ != 0 && int(typ) < len(progTypeNames) {
		return progTypeNames[typ], true
	}
	return "", false
}
