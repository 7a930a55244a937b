// SPDX-License-Identifier: GPL-2.0
// DELIBERATELY UNSAFE: reads 8 bytes at r10 - 520, below the 512-byte
// stack. Every verifier must reject it; Linux says
// "invalid read from stack R10 off=-520 size=8".
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bad_stack_read(struct xdp_md *ctx)
{
	__u64 v;

	asm volatile("%0 = *(u64 *)(r10 - 520)" : "=r"(v));
	return v;
}

char _license[] SEC("license") = "GPL";
