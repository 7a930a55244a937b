// SPDX-License-Identifier: GPL-2.0
// Several programs in one object, two of them in the same section, one of
// each common program type, and a static subprogram shared by two programs.
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>

// Called from tc_len and cls_len: the linker appends it to both.
static __noinline int classify(__u32 len)
{
	return len >= 60 ? 2 : 1;
}

// First of two programs in section "xdp".
SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

// Second program in section "xdp": XDP_DROP for packets shorter than 60
// bytes, XDP_PASS otherwise.
SEC("xdp")
int xdp_short_drop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 60 > end)
		return XDP_DROP;
	return XDP_PASS;
}

SEC("tc")
int tc_len(struct __sk_buff *skb)
{
	return classify(skb->len) * 10;
}

SEC("classifier")
int cls_len(struct __sk_buff *skb)
{
	return classify(skb->len) + 100;
}

// Socket filter: returns how many bytes to keep (the whole packet).
SEC("socket")
int sock_keep(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("raw_tp/sys_enter")
int raw_args(struct bpf_raw_tracepoint_args *ctx)
{
	return (int)ctx->args[1] + 7;
}

SEC("kprobe/do_nanosleep")
int kprobe_nanosleep(struct pt_regs *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_nanosleep")
int tp_nanosleep(void *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
