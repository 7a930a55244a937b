// SPDX-License-Identifier: GPL-2.0
// Linkable set, with link_main.bpf.c: the definitions link_main's externs
// resolve to, a strong pick() that overrides link_main's weak one, its own
// weak first_weak(), a static helper() named like link_main's, and a
// program that calls link_main's main_fn. Does not load on its own.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} shared_map SEC(".maps");

int lib_data = 42;
int lib_counter;
const volatile int lib_ro = 3;
__hidden int lib_hidden_var = 5;
int weak_var = 2;                 // strong: overrides link_main's weak one

extern int main_fn(int x);        // defined in link_main

static __noinline int helper(int x)
{
	return x * 3;
}

// Strong: overrides link_main's weak pick.
__noinline int pick(int x)
{
	return 2000 + x;
}

__weak int first_weak(void)
{
	return 2;
}

__noinline int lib_add(int a, int b)
{
	return helper(a) + b;
}

__hidden __noinline int lib_hidden_fn(int x)
{
	return x + 1000;
}

// shared_map[key], or -1 when it is not there.
__noinline int lib_read_map(__u32 key)
{
	__u64 *v = bpf_map_lookup_elem(&shared_map, &key);

	return v ? *v : -1;
}

// main_fn(6) + helper(1) = 42 + 3 = 45.
SEC("tc")
int lib_prog(struct __sk_buff *skb)
{
	return main_fn(6) + helper(1);
}

char _license[] SEC("license") = "GPL";
