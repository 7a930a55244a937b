// SPDX-License-Identifier: GPL-2.0
// main.bpf.c: programs calling into lib.bpf.c through extern functions,
// an extern map and an extern variable; the same static helper name as
// lib.bpf.c; weak definitions; a prog array with .values; several code
// sections; a typeless (`const void`) ksym.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int lib_add(int a, int b);
extern int lib_count(__u32 key);
extern int lib_loop(int n);
extern int hidden_fn(int x);
extern int hidden_deref(int *p);
extern int lib_data;
extern const void do_nanosleep __ksym;

extern struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

int main_data = 10;
static int counter = 1;
static const char digits[] = "0123456789";

static __noinline int helper(int x)
{
	return x - 1;
}

__weak __noinline int weak_fn(int x)
{
	return x + 1;
}

__weak __noinline int both_weak(int x)
{
	return x + 3000;
}

SEC("tc")
int prog_calls(struct __sk_buff *skb)
{
	return lib_add(helper(skb->len), 5);
}

SEC("tc")
int prog_weak(struct __sk_buff *skb)
{
	return weak_fn(1) + both_weak(1);
}

SEC("tc")
int prog_hidden(struct __sk_buff *skb)
{
	int x = 6;

	return hidden_fn(6) + hidden_deref(&x);
}

SEC("tc")
int prog_map(struct __sk_buff *skb)
{
	__u32 key = 1;
	__u64 *v;

	lib_count(0);
	v = bpf_map_lookup_elem(&counters, &key);
	if (v)
		*v = 40;
	return lib_count(0) + lib_count(1);
}

SEC("tc")
int prog_loop(struct __sk_buff *skb)
{
	return lib_loop(5);
}

SEC("xdp")
int prog_data(struct xdp_md *ctx)
{
	lib_data += 1;
	counter += 2;
	return lib_data + main_data + counter + (digits[3] - '0');
}

__u64 ksym_addr;

SEC("tc")
int prog_ksym(struct __sk_buff *skb)
{
	ksym_addr = (__u64)&do_nanosleep;
	return ksym_addr >> 63;
}

SEC("tc")
int tail_target(struct __sk_buff *skb)
{
	return 55;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jmp SEC(".maps") = {
	.values = { [2] = (void *)&tail_target },
};

SEC("tc")
int prog_tail(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &jmp, 2);
	return 99;
}

char LICENSE[] SEC("license") = "GPL";
