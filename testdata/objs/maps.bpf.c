// SPDX-License-Identifier: GPL-2.0
// BTF-defined maps of every common type, with flags, pinning, inner maps
// and .values initializers, and programs that use them.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

// Key and value sizes instead of types.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, __u32);
} hash_noprealloc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} lru_pcpu SEC(".maps");

// Pinned by name under the loader's pin root (libbpf: /sys/fs/bpf/pinned).
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned SEC(".maps");

// Inner map type of the maps of maps below; inner_a and inner_b are maps of
// their own, referred to by the .values initializers.
struct inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer_arr SEC(".maps") = {
	.values = { [0] = &inner_a, [1] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer_hash SEC(".maps") = {
	.values = { [3] = &inner_b },
};

// A map of maps with an inner map definition but no initial contents.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_HASH);
		__uint(max_entries, 8);
		__type(key, __u32);
		__type(value, __u64);
	});
} outer_empty SEC(".maps");

int prog_a(struct __sk_buff *skb);
int prog_b(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int(struct __sk_buff *));
} progs SEC(".maps") = {
	.values = { [0] = (void *)&prog_a, [3] = (void *)&prog_b },
};

// A prog array without initializer, declared with key and value types.
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} progs_empty SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 8);
	__type(value, __u32);
} queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 8);
	__type(value, __u32);
} stack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

SEC("tc")
int prog_a(struct __sk_buff *skb)
{
	return 10;
}

SEC("tc")
int prog_b(struct __sk_buff *skb)
{
	return 13;
}

// Tail-calls progs[skb->mark]: 10 for mark 0, 13 for mark 3, else 0.
SEC("tc")
int use_progs(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &progs, skb->mark);
	bpf_tail_call(skb, &progs_empty, 0);
	return 0;
}

// Writes key 1 of every hash and array map, then reads each back:
// arr[1] = 1, hash[1] = 2, hash_noprealloc[1] = 3, pcpu_arr[1] = 4,
// pcpu_hash[1] = 5, lru[1] = 6, lru_pcpu[1] = 7, pinned[0] = 8.
// Returns the sum, 36, on every run.
SEC("tc")
int use_basic(struct __sk_buff *skb)
{
	__u32 k = 1, zero = 0, v32 = 3;
	__u64 k64 = 1, v, sum = 0;
	__u64 *p;
	__u32 *p32;

	v = 1; bpf_map_update_elem(&arr, &k, &v, BPF_ANY);
	v = 2; bpf_map_update_elem(&hash, &k, &v, BPF_ANY);
	bpf_map_update_elem(&hash_noprealloc, &k64, &v32, BPF_ANY);
	v = 4; bpf_map_update_elem(&pcpu_arr, &k, &v, BPF_ANY);
	v = 5; bpf_map_update_elem(&pcpu_hash, &k, &v, BPF_ANY);
	v = 6; bpf_map_update_elem(&lru, &k, &v, BPF_ANY);
	v = 7; bpf_map_update_elem(&lru_pcpu, &k, &v, BPF_ANY);
	v = 8; bpf_map_update_elem(&pinned, &zero, &v, BPF_ANY);

	if ((p = bpf_map_lookup_elem(&arr, &k))) sum += *p;
	if ((p = bpf_map_lookup_elem(&hash, &k))) sum += *p;
	if ((p32 = bpf_map_lookup_elem(&hash_noprealloc, &k64))) sum += *p32;
	if ((p = bpf_map_lookup_elem(&pcpu_arr, &k))) sum += *p;
	if ((p = bpf_map_lookup_elem(&pcpu_hash, &k))) sum += *p;
	if ((p = bpf_map_lookup_elem(&lru, &k))) sum += *p;
	if ((p = bpf_map_lookup_elem(&lru_pcpu, &k))) sum += *p;
	if ((p = bpf_map_lookup_elem(&pinned, &zero))) sum += *p;
	return sum;
}

// Through the maps of maps: writes inner_a[0] = 11 via outer_arr[0] and
// inner_b[2] = 22 via outer_arr[1], then reads inner_b[2] back through
// outer_hash[3]. Returns 11 + 22 = 33; -1 if a slot is empty, -2 if
// outer_empty[0] is not.
SEC("tc")
int use_nested(struct __sk_buff *skb)
{
	__u32 k0 = 0, k1 = 1, k2 = 2, k3 = 3, v;
	__u32 *a, *b;
	void *inner;

	if (bpf_map_lookup_elem(&outer_empty, &k0))
		return -2;
	inner = bpf_map_lookup_elem(&outer_arr, &k0);
	if (!inner)
		return -1;
	v = 11;
	bpf_map_update_elem(inner, &k0, &v, BPF_ANY);
	inner = bpf_map_lookup_elem(&outer_arr, &k1);
	if (!inner)
		return -1;
	v = 22;
	bpf_map_update_elem(inner, &k2, &v, BPF_ANY);

	a = bpf_map_lookup_elem(&inner_a, &k0);
	inner = bpf_map_lookup_elem(&outer_hash, &k3);
	if (!a || !inner)
		return -1;
	b = bpf_map_lookup_elem(inner, &k2);
	if (!b)
		return -1;
	return *a + *b;
}

// One record into each of rb, queue, stack and events. Returns 0 when the
// ringbuf output, push and pop succeeded; the perf event output has no
// reader in a test run and fails with -ENOENT (-2), so the retval is -2.
SEC("tc")
int use_streams(struct __sk_buff *skb)
{
	__u32 v = 42, out = 0;
	long err;

	if (bpf_ringbuf_output(&rb, &v, sizeof(v), 0))
		return -100;
	if (bpf_map_push_elem(&queue, &v, BPF_ANY) || bpf_map_pop_elem(&queue, &out) || out != 42)
		return -101;
	if (bpf_map_push_elem(&stack, &v, BPF_ANY) || bpf_map_pop_elem(&stack, &out) || out != 42)
		return -102;
	err = bpf_perf_event_output(skb, &events, BPF_F_CURRENT_CPU, &v, sizeof(v));
	return err;
}

char _license[] SEC("license") = "GPL";
