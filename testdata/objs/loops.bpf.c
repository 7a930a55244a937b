// SPDX-License-Identifier: GPL-2.0
// Bounded loops the verifier must follow: a constant-bound loop kept as a
// real back edge, a loop bounded by packet length, and bpf_loop with a
// callback (a BPF_PSEUDO_FUNC ld_imm64). Built with -mcpu=v3.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// Sum over i < 32 of (packet[i] ^ i): 496 on zeros.
SEC("xdp")
int loop_const(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;
	__u32 sum = 0;

	if (data + 32 > end)
		return -1;
#pragma clang loop unroll(disable)
	for (int i = 0; i < 32; i++)
		sum += data[i] ^ i;
	return sum;
}

// Counts the bytes up to the first non-zero one, at most 256: the whole
// packet (64) on zeros.
SEC("xdp")
int loop_scan(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;
	int n;

	for (n = 0; n < 256; n++) {
		if (data + n + 1 > end || data[n])
			break;
	}
	return n;
}

struct loop_state {
	__u64 sum;
	__u32 stop_at;
};

static int add_index(__u32 index, void *arg)
{
	struct loop_state *st = arg;

	if (index == st->stop_at)
		return 1; // stop
	st->sum += index;
	return 0;
}

// bpf_loop(10, add_index): 0 + ... + 9 = 45, plus 1000 * the number of
// iterations bpf_loop reports (10): 10045.
SEC("xdp")
int loop_callback(struct xdp_md *ctx)
{
	struct loop_state st = { .sum = 0, .stop_at = 100 };
	long n = bpf_loop(10, add_index, &st, 0);

	return st.sum + 1000 * n;
}

// bpf_loop(10, add_index) stopped by the callback at index 5: sum
// 0 + ... + 4 = 10, and bpf_loop counts the stopping call too (6): 6010.
SEC("xdp")
int loop_early(struct xdp_md *ctx)
{
	struct loop_state st = { .sum = 0, .stop_at = 5 };
	long n = bpf_loop(10, add_index, &st, 0);

	return st.sum + 1000 * n;
}

char _license[] SEC("license") = "GPL";
