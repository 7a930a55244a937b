// SPDX-License-Identifier: GPL-2.0
// Maps defined the old way, as struct bpf_map_def in SEC("maps"), as IR
// decoders and older samples still do. libbpf 1.0 dropped this format
// (bpftool 7.1 refuses the object); cilium/ebpf loads it. Also built without
// -g as legacy.nobtf.o.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// The layout libbpf's bpf_helpers.h had before 1.0.
struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_counts = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 4,
};

struct bpf_map_def SEC("maps") legacy_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 64,
	.map_flags = BPF_F_NO_PREALLOC,
};

struct bpf_map_def SEC("maps") legacy_progs = {
	.type = BPF_MAP_TYPE_PROG_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 2,
};

// Counts packets in legacy_counts[0] and records the first byte in
// legacy_hash; tail-calls legacy_progs[0] (empty unless wired) and returns
// the new count (1 on the first run of a fresh load).
SEC("socket")
int legacy_count(struct __sk_buff *skb)
{
	__u32 zero = 0, b = 0;
	__u64 *cnt = bpf_map_lookup_elem(&legacy_counts, &zero);

	if (!cnt)
		return 0;
	__sync_fetch_and_add(cnt, 1);
	bpf_skb_load_bytes(skb, 0, &b, 1);
	bpf_map_update_elem(&legacy_hash, &zero, &b, BPF_ANY);
	bpf_tail_call(skb, &legacy_progs, 0);
	return *cnt;
}

// A slot target for legacy_progs: returns 7.
SEC("socket")
int legacy_target(struct __sk_buff *skb)
{
	return 7;
}

char _license[] SEC("license") = "GPL";
