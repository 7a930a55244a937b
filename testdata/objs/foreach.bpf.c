// SPDX-License-Identifier: GPL-2.0
// bpf_for_each_map_elem over an array and a hash map, with callbacks
// (BPF_PSEUDO_FUNC ld_imm64) that continue and that stop early.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} nums SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} table SEC(".maps");

struct walk {
	__u64 sum;
	__u32 seen;
	__u32 stop_key;
};

static long add_value(void *map, __u32 *key, __u64 *val, struct walk *w)
{
	w->sum += *val;
	w->seen++;
	return 0;
}

static long stop_at_key(void *map, __u32 *key, __u64 *val, struct walk *w)
{
	w->seen++;
	return *key == w->stop_key; // 1 stops the walk
}

static __always_inline void put(void *map, __u32 key, __u64 val)
{
	bpf_map_update_elem(map, &key, &val, BPF_ANY);
}

// Sets nums[i] = 10 * i (i < 4) and sums them with a callback: 60, with 4
// elements visited and bpf_for_each_map_elem returning 4. Returns
// sum + 100 * visited + 1000 * returned = 60 + 400 + 4000 = 4460.
SEC("tc")
int each_array(struct __sk_buff *skb)
{
	struct walk w = { .sum = 0, .seen = 0, .stop_key = 0 };
	long n;

	put(&nums, 0, 0);
	put(&nums, 1, 10);
	put(&nums, 2, 20);
	put(&nums, 3, 30);
	n = bpf_for_each_map_elem(&nums, add_value, &w, 0);
	return w.sum + 100 * w.seen + 1000 * n;
}

// Stops the array walk at key 1: two elements visited, and the helper
// counts the stopping one too. Returns 100 * 2 + 1000 * 2 = 2200.
SEC("tc")
int each_stop(struct __sk_buff *skb)
{
	struct walk w = { .sum = 0, .seen = 0, .stop_key = 1 };
	long n = bpf_for_each_map_elem(&nums, stop_at_key, &w, 0);

	return 100 * w.seen + 1000 * n;
}

// Puts keys 1..3 with values 100, 200, 300 into the hash map and sums
// them: 600 + 100 * 3 + 1000 * 3 = 3900 (on every run).
SEC("tc")
int each_hash(struct __sk_buff *skb)
{
	struct walk w = { .sum = 0, .seen = 0, .stop_key = 0 };
	long n;

	put(&table, 1, 100);
	put(&table, 2, 200);
	put(&table, 3, 300);
	n = bpf_for_each_map_elem(&table, add_value, &w, 0);
	return w.sum + 100 * w.seen + 1000 * n;
}

char _license[] SEC("license") = "GPL";
