// SPDX-License-Identifier: GPL-2.0
// Built with GCC's BPF backend and -gbtf: BTF-defined maps (GCC writes
// the same __uint/__type pointer-to-array encoding), two static
// subprograms, .data and .bss. GCC 12's BTF differs from clang's: DATASEC
// sizes are 0, helpers appear as FUNCs, every function is static in BTF,
// and .BTF.ext has empty func_info/line_info sections. libbpf loads it;
// cilium/ebpf v0.22 rejects its .BTF.ext.
#include <linux/types.h>
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))
#define __noinline __attribute__((noinline))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

void *bpf_map_lookup_elem(void *map, const void *key) __attribute__((kernel_helper(1)));
long bpf_map_update_elem(void *map, const void *key, const void *value,
			 __u64 flags) __attribute__((kernel_helper(2)));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} gcc_lens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} gcc_total SEC(".maps");

int gcc_offset = 5;            // .data
__u32 gcc_calls;               // .bss

static __noinline int twice(int x)
{
	return 2 * x + gcc_offset;
}

// Static: GCC 12 calls of global functions do not load (gcc_quirks.gcc.c).
static __noinline int gcc_add_total(__u32 n)
{
	__u32 zero = 0;
	__u32 *t = bpf_map_lookup_elem(&gcc_total, &zero);

	if (!t)
		return 0;
	*t += n;
	return *t;
}

// First run for a length: stores 1 in gcc_lens[len] and returns
// twice(len) = 2 * 64 + 5 = 133 on 64 bytes; later runs for the same
// length count up and return the count (2, 3, ...).
SEC("tc")
int gcc_tc(struct __sk_buff *skb)
{
	__u32 len = skb->len;
	__u64 one = 1, *v;

	gcc_calls++;
	gcc_add_total(len);
	v = bpf_map_lookup_elem(&gcc_lens, &len);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return *v;
	}
	bpf_map_update_elem(&gcc_lens, &len, &one, BPF_ANY);
	return twice(len);
}

char _license[] SEC("license") = "GPL";
