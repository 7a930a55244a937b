// SPDX-License-Identifier: GPL-2.0
/*
 * .kconfig externs of every type libbpf accepts, strong and weak, present
 * and missing, to compare bpfld's .kconfig map value with the one libbpf
 * (bpftool prog loadall) builds for the running kernel.
 *
 * Build: clang-19 --target=bpf -O2 -g -I/usr/include/x86_64-linux-gnu -c kconfig.bpf.c -o kconfig.bpf.o
 */
#include <stdbool.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

extern int LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_BPF_COOKIE __kconfig;
extern int LINUX_BPFLD_UNKNOWN __kconfig __weak;

extern bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig __weak;
extern char CONFIG_BPF_EVENTS __kconfig __weak;
extern int CONFIG_HZ __kconfig;
extern __u16 CONFIG_NR_CPUS __kconfig __weak;
extern __u8 CONFIG_LOG_BUF_SHIFT __kconfig __weak;
extern __u64 CONFIG_ILLEGAL_POINTER_VALUE __kconfig __weak;
extern __s64 CONFIG_PHYSICAL_ALIGN __kconfig __weak;
extern char CONFIG_DEFAULT_HOSTNAME[16] __kconfig __weak;
extern char CONFIG_CC_VERSION_TEXT[4] __kconfig __weak;
extern bool CONFIG_BPFLD_NO_SUCH_OPTION __kconfig __weak;
extern enum libbpf_tristate CONFIG_BPFLD_NO_SUCH_TRISTATE __kconfig __weak;

__u64 out[16];

SEC("raw_tp/sys_enter")
int kconfig_all(void *ctx)
{
	out[0] = LINUX_KERNEL_VERSION;
	out[1] = LINUX_HAS_BPF_COOKIE;
	out[2] = LINUX_BPFLD_UNKNOWN;
	out[3] = CONFIG_BPF_SYSCALL;
	out[4] = CONFIG_BPF_JIT;
	out[5] = CONFIG_BPF_EVENTS;
	out[6] = CONFIG_HZ;
	out[7] = CONFIG_NR_CPUS;
	out[8] = CONFIG_LOG_BUF_SHIFT;
	out[9] = CONFIG_ILLEGAL_POINTER_VALUE;
	out[10] = CONFIG_PHYSICAL_ALIGN;
	out[11] = CONFIG_DEFAULT_HOSTNAME[0];
	out[12] = CONFIG_CC_VERSION_TEXT[0];
	out[13] = CONFIG_BPFLD_NO_SUCH_OPTION;
	out[14] = CONFIG_BPFLD_NO_SUCH_TRISTATE;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
