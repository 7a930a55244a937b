// SPDX-License-Identifier: GPL-2.0
// kind_a.bpf.c: defines shared_thing as a variable; kind_b.bpf.c calls it
// as a function. Linking the two must fail.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int shared_thing = 1;

SEC("tc")
int kind_a_prog(struct __sk_buff *skb)
{
	return shared_thing;
}

char LICENSE[] SEC("license") = "GPL";
