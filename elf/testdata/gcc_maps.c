// SPDX-License-Identifier: GPL-2.0
// BTF-style map definitions of every shape, built by GCC with DWARF only
// (gcc-maps-dwarf.o), whose maps the reader must take from DWARF, and with
// BTF (gcc-maps-btf.o) to compare. Built by the Makefile beside it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__uint(key_size, sizeof(__u32));
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = { [2] = &inner_a, [5] = &inner_b },
};

int tail(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int(struct xdp_md *));
} jumps SEC(".maps") = {
	.values = { [1] = (void *)&tail },
};

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__type(value, __u32);
	__uint(map_flags, BPF_F_ZERO_SEED);
	__uint(map_extra, 3);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bloom SEC(".maps");

SEC("xdp")
int tail(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	__u32 k = 0;
	void *m = bpf_map_lookup_elem(&outer, &k);

	if (m && bpf_map_push_elem(&bloom, &k, 0) == 0)
		bpf_tail_call(ctx, &jumps, 1);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
