// SPDX-License-Identifier: GPL-2.0
// DELIBERATELY WRONG for link tests: declares link_lib's lib_add(int, int)
// with one parameter. Linked with link_main.bpf.o and link_lib.bpf.o, the
// link must fail on lib_add's function signature.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int lib_add(int a);

SEC("tc")
int mismatch_fn_prog(struct __sk_buff *skb)
{
	return lib_add(1);
}

char _license[] SEC("license") = "GPL";
