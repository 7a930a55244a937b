// SPDX-License-Identifier: GPL-2.0
// Queue and stack maps: bpf_map_push_elem, bpf_map_pop_elem and
// bpf_map_peek_elem, including pushing into a full map with and without
// BPF_EXIST, and popping an empty one.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 3);
	__type(value, __u32);
} fifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 3);
	__type(value, __u32);
} lifo SEC(".maps");

// Pushes 1, 2, 3 into both; a 4th push fails with -E2BIG (-7) unless
// BPF_EXIST, which drops the oldest (queue: 1; stack: the bottom, 1).
// Then peeks and pops: queue gives 2 (peek), 2, 3, 4; stack gives 4
// (peek), 4, 3, 2; a pop of the empty map fails with -ENOENT (-2).
// Returns 0 when all that held, else the number of the first check that
// failed. The maps are empty again after a run.
SEC("tc")
int queue_ops(struct __sk_buff *skb)
{
	__u32 v, i;

	for (i = 1; i <= 3; i++) {
		if (bpf_map_push_elem(&fifo, &i, 0) || bpf_map_push_elem(&lifo, &i, 0))
			return 1;
	}
	v = 4;
	if (bpf_map_push_elem(&fifo, &v, 0) != -7 || bpf_map_push_elem(&lifo, &v, 0) != -7)
		return 2;
	if (bpf_map_push_elem(&fifo, &v, BPF_EXIST) || bpf_map_push_elem(&lifo, &v, BPF_EXIST))
		return 3;

	if (bpf_map_peek_elem(&fifo, &v) || v != 2)
		return 4;
	if (bpf_map_pop_elem(&fifo, &v) || v != 2)
		return 5;
	if (bpf_map_pop_elem(&fifo, &v) || v != 3)
		return 6;
	if (bpf_map_pop_elem(&fifo, &v) || v != 4)
		return 7;
	if (bpf_map_pop_elem(&fifo, &v) != -2)
		return 8;

	if (bpf_map_peek_elem(&lifo, &v) || v != 4)
		return 9;
	if (bpf_map_pop_elem(&lifo, &v) || v != 4)
		return 10;
	if (bpf_map_pop_elem(&lifo, &v) || v != 3)
		return 11;
	if (bpf_map_pop_elem(&lifo, &v) || v != 2)
		return 12;
	if (bpf_map_pop_elem(&lifo, &v) != -2)
		return 13;
	return 0;
}

char _license[] SEC("license") = "GPL";
