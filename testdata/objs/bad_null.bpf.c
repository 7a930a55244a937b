// SPDX-License-Identifier: GPL-2.0
// DELIBERATELY UNSAFE: dereferences the result of bpf_map_lookup_elem
// without checking it for NULL. Every verifier must reject it; Linux says
// "R0 invalid mem access 'map_value_or_null'".
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} vals SEC(".maps");

SEC("tc")
int bad_null_deref(struct __sk_buff *skb)
{
	__u32 key = skb->mark;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);

	return *v;
}

char _license[] SEC("license") = "GPL";
