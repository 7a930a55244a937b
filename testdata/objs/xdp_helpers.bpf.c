// SPDX-License-Identifier: GPL-2.0
// Packet helpers of XDP programs: bpf_xdp_adjust_head/tail (shrink and
// grow), bpf_redirect, and bpf_redirect_map on a DEVMAP and an XSKMAP.
// Lengths below are for a 64-byte input.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

static __always_inline int pkt_len(struct xdp_md *ctx)
{
	return (long)ctx->data_end - (long)ctx->data;
}

// Drops the 14-byte Ethernet header: returns the new length, 50; the
// output is the input from byte 14 on.
SEC("xdp")
int xdp_head_shrink(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, 14))
		return -1;
	return pkt_len(ctx);
}

// Prepends 4 bytes de ad be ef: returns 68, the output is de ad be ef and
// then the input.
SEC("xdp")
int xdp_head_grow(struct xdp_md *ctx)
{
	__u8 *data, *end;

	if (bpf_xdp_adjust_head(ctx, -4))
		return -1;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + 4 > end)
		return -2;
	data[0] = 0xde;
	data[1] = 0xad;
	data[2] = 0xbe;
	data[3] = 0xef;
	return pkt_len(ctx);
}

// Cuts 4 bytes off the end: returns 60.
SEC("xdp")
int xdp_tail_shrink(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_tail(ctx, -4))
		return -1;
	return pkt_len(ctx);
}

// Adds 16 bytes at the end and sets the last one to 0x55: returns 80; the
// output is the input, 15 zero bytes and 0x55.
SEC("xdp")
int xdp_tail_grow(struct xdp_md *ctx)
{
	__u8 *data, *end;

	if (bpf_xdp_adjust_tail(ctx, 16))
		return -1;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + 80 > end)
		return -2;
	data[79] = 0x55;
	return pkt_len(ctx);
}

// Returns XDP_REDIRECT (4).
SEC("xdp")
int xdp_redirect_if(struct xdp_md *ctx)
{
	return bpf_redirect(1, 0);
}

// devs[0] is empty: the lower bits of flags are returned, XDP_PASS (2).
SEC("xdp")
int xdp_redirect_dev(struct xdp_md *ctx)
{
	return bpf_redirect_map(&devs, 0, XDP_PASS);
}

// xsks[ctx->rx_queue_index] is empty: returns XDP_DROP (1).
SEC("xdp")
int xdp_redirect_xsk(struct xdp_md *ctx)
{
	return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_DROP);
}

char _license[] SEC("license") = "GPL";
