// SPDX-License-Identifier: GPL-2.0
// DELIBERATELY WRONG for link tests: declares link_lib's shared_map (a
// hash of 16 entries) with max_entries 32. Linked with link_main.bpf.o and
// link_lib.bpf.o, the link must fail on shared_map's max_entries.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} shared_map SEC(".maps");

SEC("tc")
int mismatch_map_prog(struct __sk_buff *skb)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&shared_map, &key) != 0;
}

char _license[] SEC("license") = "GPL";
