// SPDX-License-Identifier: GPL-2.0
// .kconfig externs and a kfunc, resolved by the loader from the running
// kernel: LINUX_KERNEL_VERSION (from uname), CONFIG_* values (from
// /proc/config.gz; weak ones are 0 when unknown), and a call of the kfunc
// bpf_cast_to_kern_ctx (a BPF_PSEUDO_KFUNC_CALL, declared in .ksyms).
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int LINUX_KERNEL_VERSION __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig __weak;
extern int CONFIG_HZ __kconfig __weak;
extern bool CONFIG_BPFLD_NO_SUCH_OPTION __kconfig __weak;

struct sk_buff {
	unsigned int len;
} __attribute__((preserve_access_index));
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

__u32 kernel_version;
int hz;

// Returns 1 (kernel >= 5.0) + 2 (CONFIG_BPF_SYSCALL) + 4 (CONFIG_HZ is
// set) + 0 (CONFIG_BPFLD_NO_SUCH_OPTION) = 7. Records LINUX_KERNEL_VERSION
// (KERNEL_VERSION(a, b, c) = a << 16 | b << 8 | min(c, 255)) and CONFIG_HZ.
SEC("raw_tp/sys_enter")
int kconfig_values(void *ctx)
{
	int ret = 0;

	kernel_version = LINUX_KERNEL_VERSION;
	hz = CONFIG_HZ;
	if (LINUX_KERNEL_VERSION >= (5 << 16))
		ret |= 1;
	if (CONFIG_BPF_SYSCALL)
		ret |= 2;
	if (hz > 0)
		ret |= 4;
	if (CONFIG_BPFLD_NO_SUCH_OPTION)
		ret |= 8;
	return ret;
}

// Reads the length from the kernel's own struct sk_buff through the kfunc:
// 64 for a 64-byte tc test run.
SEC("tc")
int kfunc_len(struct __sk_buff *skb)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);

	return kskb->len;
}

char _license[] SEC("license") = "GPL";
