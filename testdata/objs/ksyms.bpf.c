// SPDX-License-Identifier: GPL-2.0
// .ksyms variables. Typeless ksyms (`extern const void NAME __ksym`) get
// the symbol's address from /proc/kallsyms as a plain ld_imm64. The
// classic example, bpf_prog_active, is a data symbol that kallsyms lists
// only with CONFIG_KALLSYMS_ALL, so this uses symbols every kernel lists:
// __start_BTF and a function. Weak ksyms the kernel lacks, typeless and
// typed, resolve to 0. libbpf loads this; cilium/ebpf v0.22 does not
// support ksym variables (only kfuncs). Typed ksyms that exist are in
// ksym_typed.bpf.c.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern const void __start_BTF __ksym;
extern const void do_nanosleep __ksym;
extern const void bpfld_no_such_symbol __ksym __weak;
extern const int bpfld_no_such_int __ksym __weak;

__u64 btf_addr, func_addr;

// Returns 1 (__start_BTF has an address) + 2 (do_nanosleep has one) +
// 4 (bpfld_no_such_symbol is 0) + 8 (bpfld_no_such_int is 0) = 15, and
// records both addresses.
SEC("raw_tp/sys_enter")
int ksym_addrs(void *ctx)
{
	int ret = 0;

	btf_addr = (__u64)&__start_BTF;
	func_addr = (__u64)&do_nanosleep;
	if (btf_addr)
		ret |= 1;
	if (func_addr)
		ret |= 2;
	if (&bpfld_no_such_symbol == 0)
		ret |= 4;
	if (&bpfld_no_such_int == 0)
		ret |= 8;
	return ret;
}

char _license[] SEC("license") = "GPL";
