// SPDX-License-Identifier: GPL-2.0
// bpf-to-bpf calls: static and global (non-static, __noinline) functions
// nested several deep, a chain that uses all 8 call frames the kernel
// allows, a global function taking the context, and functions called from
// two programs. Also built without -g as calls.nobtf.o.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __noinline int level4(int x)
{
	return x * 2 + 1;
}

__noinline int level3(int x)
{
	return level4(x) + 3;
}

static __noinline int level2(int x)
{
	return level3(x) * 2;
}

// level1(x) = level2(x) + level4(x) = 6x + 9
__noinline int level1(int x)
{
	return level2(x) + level4(x);
}

// A chain of seven calls: with the entry program that is eight frames, the
// kernel's maximum (MAX_CALL_FRAMES). depth1(x) = x + 7.
static __noinline int depth7(int x) { return x + 1; }
static __noinline int depth6(int x) { return depth7(x) + 1; }
static __noinline int depth5(int x) { return depth6(x) + 1; }
static __noinline int depth4(int x) { return depth5(x) + 1; }
static __noinline int depth3(int x) { return depth4(x) + 1; }
static __noinline int depth2(int x) { return depth3(x) + 1; }
static __noinline int depth1(int x) { return depth2(x) + 1; }

// A global function with a context argument: the kernel verifies it on
// its own, with R1 typed as the program's context.
__noinline int skb_len(struct __sk_buff *skb)
{
	if (!skb)
		return 0;
	return skb->len;
}

// tc: level1(skb->len); 393 on a 64-byte packet.
SEC("tc")
int calls_tc(struct __sk_buff *skb)
{
	return level1(skb_len(skb));
}

// xdp: level1(first packet byte) + depth1(0); 9 + 7 = 16 on zeros.
SEC("xdp")
int calls_xdp(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;

	if (data + 1 > end)
		return -1;
	return level1(data[0]) + depth1(0);
}

// socket: depth1(skb->len); the kernel's socket test run sees the packet
// from the network header on (64 - 14 = 50 bytes), so 57.
SEC("socket")
int calls_deep(struct __sk_buff *skb)
{
	return depth1(skb->len);
}

char _license[] SEC("license") = "GPL";
