// SPDX-License-Identifier: GPL-2.0
// DELIBERATELY WRONG for link tests: declares link_lib's `int lib_data` as
// a __u64. Linked with link_main.bpf.o and link_lib.bpf.o, the link must
// fail on lib_data's type.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern __u64 lib_data;

SEC("tc")
int mismatch_var_prog(struct __sk_buff *skb)
{
	return lib_data;
}

char _license[] SEC("license") = "GPL";
