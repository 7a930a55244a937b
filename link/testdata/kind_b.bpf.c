// SPDX-License-Identifier: GPL-2.0
// kind_b.bpf.c: calls shared_thing, which kind_a.bpf.c defines as a
// variable.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int shared_thing(int x);

SEC("tc")
int kind_b_prog(struct __sk_buff *skb)
{
	return shared_thing(1);
}

char LICENSE[] SEC("license") = "GPL";
