// SPDX-License-Identifier: GPL-2.0
// 33-deep tail-call chains: each program tail-calls itself through slot 0
// of its own prog array (filled by .values). Linux allows 33 tail calls, so
// a program runs 34 times and its 34th tail call falls through.
//   chain_global counts in the .bss variable chain_count: 34 after one run
//                on a fresh load, retval 34.
//   chain_pkt    counts in the first packet byte: retval 34 and the output
//                packet starts with 0x22 (on zeros). BPF_PROG_TEST_RUN's
//                repeat runs on the same, already changed packet: with
//                repeat 2 the kernel returns 68.
//   chain_sub    tail-calls from a subprogram and counts in sub_count
//                (34 after one run on a fresh load). A tail call from a
//                subprogram replaces only the subprogram's frame, so each
//                of the 34 copies returns into the copy before it, which
//                adds 1: the 34th's sub_tail falls through and returns
//                ingress_ifindex (1 in a test run: lo), so retval is 35.
//                (Were the whole stack replaced, it would be 2.)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int chain_global(struct xdp_md *ctx);
int chain_pkt(struct xdp_md *ctx);
int chain_sub(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, int(struct xdp_md *));
} global_jmp SEC(".maps") = { .values = { [0] = (void *)&chain_global } };

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, int(struct xdp_md *));
} pkt_jmp SEC(".maps") = { .values = { [0] = (void *)&chain_pkt } };

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, int(struct xdp_md *));
} sub_jmp SEC(".maps") = { .values = { [0] = (void *)&chain_sub } };

__u32 chain_count;
__u32 sub_count;

SEC("xdp")
int chain_global(struct xdp_md *ctx)
{
	chain_count++;
	bpf_tail_call(ctx, &global_jmp, 0);
	return chain_count;
}

SEC("xdp")
int chain_pkt(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;

	if (data + 1 > end)
		return 0;
	data[0]++;
	bpf_tail_call(ctx, &pkt_jmp, 0);
	return data[0];
}

static __noinline int sub_tail(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &sub_jmp, 0);
	// Not a constant for clang; a test run gives ingress_ifindex 1 (lo).
	return ctx->ingress_ifindex;
}

SEC("xdp")
int chain_sub(struct xdp_md *ctx)
{
	int r;

	sub_count++;
	r = sub_tail(ctx);
	return r + 1;
}

char _license[] SEC("license") = "GPL";
