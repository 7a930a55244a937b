// SPDX-License-Identifier: GPL-2.0
// Helpers whose results vary from run to run: bpf_get_prandom_u32,
// bpf_ktime_get_ns, bpf_ktime_get_boot_ns, bpf_get_smp_processor_id,
// bpf_get_current_pid_tgid and bpf_trace_printk (through bpf_printk). The
// programs keep the raw values in globals and return only facts that hold
// on every run.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 t_first, t_second, t_boot;
__u32 rand_a, rand_b, cpu;
__u64 pid_tgid;

// Returns 1 (ktime does not go backwards) + 2 (boot time >= monotonic
// time) + 4 (CPU number below 4096) = 7. Prints "cpu N".
SEC("tc")
int misc_tc(struct __sk_buff *skb)
{
	int ret = 0;

	t_first = bpf_ktime_get_ns();
	rand_a = bpf_get_prandom_u32();
	rand_b = bpf_get_prandom_u32();
	cpu = bpf_get_smp_processor_id();
	t_second = bpf_ktime_get_ns();
	t_boot = bpf_ktime_get_boot_ns();
	bpf_printk("cpu %u", cpu);
	if (t_second >= t_first)
		ret |= 1;
	if (t_boot >= t_first)
		ret |= 2;
	if (cpu < 4096)
		ret |= 4;
	return ret;
}

// Returns 1 when the thread group id (upper half) and the thread id (lower
// half) are both non-zero, as they are for any user thread.
SEC("raw_tp/sys_enter")
int misc_pid(void *ctx)
{
	pid_tgid = bpf_get_current_pid_tgid();
	return (pid_tgid >> 32) != 0 && (__u32)pid_tgid != 0;
}

char _license[] SEC("license") = "GPL";
