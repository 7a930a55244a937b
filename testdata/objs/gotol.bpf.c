// SPDX-License-Identifier: GPL-2.0
// A jump too far for a 16-bit offset: the branch around a body of 40000
// instructions becomes a `gotol` (BPF_JMP32 | BPF_JA with a 32-bit
// immediate offset, -mcpu=v4, Linux 6.6+).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define X4(s) s s s s
#define X10(s) s s s s s s s s s s
#define ADD1 asm volatile("%0 += 1" : "+r"(acc));
#define BODY X4(X10(X10(X10(X10(ADD1)))))

// 1 when the first packet byte is 0 (the body is jumped over), else
// 40001 (40000 additions, then +1).
SEC("xdp")
int gotol_far(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;
	__u64 acc = 0;

	if (data + 1 > end)
		return 0;
	if (data[0] != 0) {
		BODY
	}
	return acc + 1;
}

char _license[] SEC("license") = "GPL";
