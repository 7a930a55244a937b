// SPDX-License-Identifier: GPL-2.0
// CO-RE against the running kernel's BTF, with minimal local type
// definitions instead of vmlinux.h: BPF_CORE_READ through pointers,
// bpf_core_type_size, bpf_core_type_exists and bpf_core_field_exists on a
// field that exists and on one that does not (local-only field and type).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
	int pid;
	int tgid;
	struct task_struct *real_parent;
	char comm[16];
	int bpfld_no_such_field; // not in any kernel: field_exists is 0
} __attribute__((preserve_access_index));

struct bpfld_no_such_type {
	int x;
} __attribute__((preserve_access_index));

int task_pid, parent_tgid;
__u32 task_size;
char task_comm[16];

// Returns 1 (pid field exists) + 2 (struct task_struct has a size) +
// 4 (comm read) + 0 (bpfld_no_such_field) + 0 (bpfld_no_such_type) = 7.
// Records the current task's pid and parent's tgid, the kernel's
// sizeof(struct task_struct) and the task's comm.
SEC("raw_tp/sys_enter")
int core_task(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	int ret = 0;

	task_pid = BPF_CORE_READ(t, pid);
	parent_tgid = BPF_CORE_READ(t, real_parent, tgid);
	task_size = bpf_core_type_size(struct task_struct);
	if (bpf_core_field_exists(t->pid))
		ret |= 1;
	if (task_size > 0)
		ret |= 2;
	if (BPF_CORE_READ_STR_INTO(&task_comm, t, comm) > 0)
		ret |= 4;
	if (bpf_core_field_exists(t->bpfld_no_such_field))
		ret |= 8;
	if (bpf_core_type_exists(struct bpfld_no_such_type))
		ret |= 16;
	return ret;
}

char _license[] SEC("license") = "GPL";
