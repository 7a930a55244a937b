// SPDX-License-Identifier: GPL-2.0
// Typed .ksyms variables: per-CPU kernel variables found by name in the
// kernel's BTF (a BPF_PSEUDO_BTF_ID ld_imm64) and read through
// bpf_this_cpu_ptr. The kernel looks their addresses up in kallsyms, so
// this loads only on kernels built with CONFIG_KALLSYMS_ALL (not this
// project's machines: "ldimm64 failed to find the address for kernel
// symbol 'runqueues'").
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct rq {
	int cpu;
} __attribute__((preserve_access_index));

extern const struct rq runqueues __ksym;
extern const int bpf_prog_active __ksym;

int rq_cpu = -1;
int prog_active = -1;

// Returns 1 when rq->cpu of this CPU's runqueue is the current CPU;
// records rq->cpu and this CPU's bpf_prog_active.
SEC("raw_tp/sys_enter")
int ksym_percpu(void *ctx)
{
	const struct rq *rq = bpf_this_cpu_ptr(&runqueues);
	const int *active = bpf_this_cpu_ptr(&bpf_prog_active);

	rq_cpu = rq->cpu;
	prog_active = *active;
	return rq_cpu == bpf_get_smp_processor_id();
}

char _license[] SEC("license") = "GPL";
