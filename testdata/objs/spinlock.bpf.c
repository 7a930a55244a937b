// SPDX-License-Identifier: GPL-2.0
// bpf_spin_lock/bpf_spin_unlock around an update of a map value that holds
// a struct bpf_spin_lock (the map needs BTF for the kernel to find it).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct locked {
	struct bpf_spin_lock lock;
	__u32 count;
	__u64 total;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} locked_map SEC(".maps");

// Under the lock: count += 1, total += skb->len. Returns the new count:
// 1 on the first run of a fresh load, N after N runs.
SEC("tc")
int spin_count(struct __sk_buff *skb)
{
	__u32 zero = 0, count;
	struct locked *v = bpf_map_lookup_elem(&locked_map, &zero);

	if (!v)
		return -1;
	bpf_spin_lock(&v->lock);
	count = ++v->count;
	v->total += skb->len;
	bpf_spin_unlock(&v->lock);
	return count;
}

char _license[] SEC("license") = "GPL";
