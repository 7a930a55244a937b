// SPDX-License-Identifier: GPL-2.0
// lib.bpf.c: the library half of a linkable pair (main.bpf.c calls it).
// Global functions, maps and variables that main.bpf.c declares extern; a
// static helper whose name main.bpf.c uses too; a strong definition that
// overrides main's __weak one; a __weak one that loses to main's; a
// __hidden function, and one the verifier accepts only as static; a
// bpf_loop callback; an unreachable global.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

int lib_data = 5;
int lib_bss;
const volatile int lib_ro = 7;
static int counter = 100;

static __noinline int helper(int x)
{
	return x * 3 + lib_ro;
}

__noinline int lib_add(int a, int b)
{
	lib_bss += 1;
	counter += 1;
	return helper(a) + b + lib_data;
}

__noinline int weak_fn(int x)
{
	return x + 1000;
}

__weak __noinline int both_weak(int x)
{
	return x + 2000;
}

__hidden __noinline int hidden_fn(int x)
{
	return x * 7;
}

// Valid only as a static function: as a global one the verifier checks it
// alone, where p may be NULL.
__hidden __noinline int hidden_deref(int *p)
{
	return *p * 7;
}

__noinline int unused_global(int x)
{
	return helper(x) - 3;
}

__noinline int lib_count(__u32 key)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &key);

	if (!v)
		return -1;
	*v += 1;
	return (int)*v;
}

static int loop_cb(__u32 idx, void *ctx)
{
	*(int *)ctx += idx;
	return 0;
}

__noinline int lib_loop(int n)
{
	int sum = 0;

	bpf_loop(n, loop_cb, &sum, 0);
	return sum;
}

SEC("tc")
int lib_prog(struct __sk_buff *skb)
{
	return lib_add(1, 2) + counter;
}

char LICENSE[] SEC("license") = "GPL";
