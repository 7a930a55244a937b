// SPDX-License-Identifier: GPL-2.0
/*
 * CO-RE relocations of every kind bpfld applies, written against local
 * definitions of kernel types, the way a vmlinux.h gives them. Each program
 * loads as a raw tracepoint once relocated against the running kernel.
 *
 * Build: clang-19 --target=bpf -O2 -g -I/usr/include/x86_64-linux-gnu -c core.bpf.c -o core.bpf.o
 */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* Kernel types, trimmed to what the programs touch; the kernel's own
 * layout is found by CO-RE at load time. */
struct task_struct {
	int pid;
	int tgid;
	struct task_struct *real_parent;
	char comm[16];
} __attribute__((preserve_access_index));

/* A flavor of task_struct with a field no kernel has. */
struct task_struct___bpfld_missing {
	int bpfld_no_such_field;
} __attribute__((preserve_access_index));

/* A type no kernel has. */
struct bpfld_no_such_type {
	int x;
};

/* A flavor of the kernel's enum bpf_map_type with a wrong local value. */
enum bpf_map_type___bpfld {
	BPF_MAP_TYPE_RINGBUF___bpfld = 1,
	BPF_MAP_TYPE_BPFLD_NO_SUCH_TYPE___bpfld = 2,
};

/* BPF_CORE_READ: field offsets along a pointer chain. */
SEC("raw_tp/sys_enter")
int core_read(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	char comm[16];

	bpf_core_read_str(comm, sizeof(comm), &task->comm);
	return BPF_CORE_READ(task, real_parent, tgid) + BPF_CORE_READ(task, pid);
}

/* Sizes and existence: constants moved into registers. */
SEC("raw_tp/sys_enter")
int core_sizes(void *ctx)
{
	long r = 0;

	r += bpf_core_type_size(struct task_struct);
	r += bpf_core_field_size(struct task_struct, comm);
	if (bpf_core_field_exists(struct task_struct, real_parent))
		r += 1000;
	if (bpf_core_type_exists(struct task_struct))
		r += 2000;
	if (!bpf_core_type_exists(struct bpfld_no_such_type))
		r += 4000;
	return r;
}

/* A field the kernel lacks: its read is poisoned, and dead once the
 * existence check is relocated to 0. */
SEC("raw_tp/sys_enter")
int core_missing(void *ctx)
{
	struct task_struct___bpfld_missing *t = (void *)bpf_get_current_task();

	if (bpf_core_field_exists(t->bpfld_no_such_field))
		return BPF_CORE_READ(t, bpfld_no_such_field);
	return 7;
}

/* Enum values: the local value 1 becomes the kernel's 27. */
SEC("raw_tp/sys_enter")
int core_enum(void *ctx)
{
	long r = bpf_core_enum_value(enum bpf_map_type___bpfld, BPF_MAP_TYPE_RINGBUF___bpfld);

	if (bpf_core_enum_value_exists(enum bpf_map_type___bpfld, BPF_MAP_TYPE_BPFLD_NO_SUCH_TYPE___bpfld))
		r += bpf_core_enum_value(enum bpf_map_type___bpfld, BPF_MAP_TYPE_BPFLD_NO_SUCH_TYPE___bpfld);
	return r;
}

/* Type ids: 64-bit immediate loads, in the kernel's and the local BTF. */
SEC("raw_tp/sys_enter")
int core_type_ids(void *ctx)
{
	return bpf_core_type_id_kernel(struct task_struct) != 0 &&
	       bpf_core_type_id_local(struct task_struct) != 0;
}

char LICENSE[] SEC("license") = "GPL";
