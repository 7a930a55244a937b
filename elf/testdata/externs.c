// SPDX-License-Identifier: GPL-2.0
// Every kind of extern the reader classifies, and static, global and entry
// functions. Built by the Makefile beside it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int ext_var;
extern int ext_weak __weak;
extern const int CONFIG_HZ __kconfig;
extern unsigned int LINUX_KERNEL_VERSION __kconfig __weak;
extern const int bpf_prog_active __ksym;
extern const void bpf_link_fops __ksym __weak;
extern int bpf_kfunc_call_test1(int a) __ksym;
extern int ext_func(int x);
extern int ext_func_weak(int x) __weak;

extern struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, int);
	__type(value, long);
} ext_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, int);
	__type(value, long);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} hmap SEC(".maps");

int g1 = 3;
const volatile int ro = 5;
int zero;
char strbuf[] = "hello";

static __noinline int helper(int x)
{
	return x + ext_var + ext_weak;
}

__noinline __attribute__((visibility("hidden"))) int gfunc(int x)
{
	return helper(x) * 2;
}

SEC("xdp")
int prog1(struct xdp_md *ctx)
{
	int k = 0;
	long *v = bpf_map_lookup_elem(&hmap, &k);

	if (v)
		return *v;
	v = bpf_map_lookup_elem(&ext_map, &k);
	if (v)
		return 1;
	bpf_printk("hz %d", CONFIG_HZ);
	return gfunc(ro) + ext_func(g1) + ext_func_weak(zero) + LINUX_KERNEL_VERSION +
	       bpf_kfunc_call_test1(2) + (long)&bpf_link_fops + bpf_prog_active;
}

SEC("xdp")
int prog2(struct xdp_md *ctx)
{
	return helper(strbuf[1]);
}

static __noinline int static_entry_helper(void) { return 7; }

SEC("tc")
static int static_prog(struct __sk_buff *skb)
{
	return static_entry_helper();
}

char LICENSE[] SEC("license") = "GPL";
__u32 _version SEC("version") = 0x050a00;
