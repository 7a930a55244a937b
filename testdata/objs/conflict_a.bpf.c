// SPDX-License-Identifier: GPL-2.0
// DELIBERATELY CONFLICTING with conflict_b.bpf.c: both define the global
// function dup_fn (strong). Linking the two must fail, naming both files.
// Alone, conflict_a_prog returns dup_fn(1) = 2.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__noinline int dup_fn(int x)
{
	return x + 1;
}

SEC("tc")
int conflict_a_prog(struct __sk_buff *skb)
{
	return dup_fn(1);
}

char _license[] SEC("license") = "GPL";
