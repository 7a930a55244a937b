// SPDX-License-Identifier: GPL-2.0
/*
 * .ksyms externs of every kind bpfld resolves: typeless kernel symbols
 * (addresses from kallsyms), a typed kernel variable (a BTF id), kfuncs
 * (called by BTF id), and __weak ones the kernel lacks, which resolve to 0
 * (variables, kfunc addresses) or to a poisoned call (kfunc calls),
 * including a kfunc whose local prototype does not match the kernel's.
 *
 * Build: clang-19 --target=bpf -O2 -g -I/usr/include/x86_64-linux-gnu -c ksyms.bpf.c -o ksyms.bpf.o
 */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

extern const void __start_BTF __ksym;
extern const void bpfld_no_such_symbol __ksym __weak;
extern const int bpf_prog_active __ksym;
extern const int bpfld_no_such_int __ksym __weak;

extern void bpf_rcu_read_lock(void) __ksym;
/* __weak although the kernel has it, so that clang keeps the test of its
 * address. */
extern void bpf_rcu_read_unlock(void) __ksym __weak;
extern void bpfld_no_such_kfunc(void) __ksym __weak;
/* A flavor of bpf_rcu_read_lock with a prototype the kernel's lacks. */
extern void bpf_rcu_read_lock___bpfld_bad(int x) __ksym __weak;

/* Returns 1 (__start_BTF has an address) + 2 (bpfld_no_such_symbol is 0)
 * + 4 (bpfld_no_such_int is 0) = 7. */
SEC("raw_tp/sys_enter")
int ksym_typeless(void *ctx)
{
	__u64 start = (__u64)&__start_BTF;
	int ret = 0;

	asm volatile("" : "+r"(start));
	if (start)
		ret |= 1;
	if (!&bpfld_no_such_symbol)
		ret |= 2;
	if (!&bpfld_no_such_int)
		ret |= 4;
	return ret;
}

/* Calls two kfuncs; the calls of the missing and the mismatched one are
 * dead once their addresses resolve to 0. Returns 7. */
SEC("raw_tp/sys_enter")
int ksym_kfuncs(void *ctx)
{
	int ret = 0;

	bpf_rcu_read_lock();
	if (bpf_rcu_read_unlock) {
		bpf_rcu_read_unlock();
		ret |= 4;
	}
	if (bpfld_no_such_kfunc)
		bpfld_no_such_kfunc();
	else
		ret |= 1;
	if (bpf_rcu_read_lock___bpfld_bad)
		bpf_rcu_read_lock___bpfld_bad(1);
	else
		ret |= 2;
	return ret;
}

/* Reads this CPU's bpf_prog_active, a typed per-CPU kernel variable. */
SEC("raw_tp/sys_enter")
int ksym_typed(void *ctx)
{
	return *(const int *)bpf_this_cpu_ptr(&bpf_prog_active);
}

char LICENSE[] SEC("license") = "GPL";
