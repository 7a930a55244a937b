// SPDX-License-Identifier: GPL-2.0
// What GCC 12 with binutils 2.40 (Debian's gcc-bpf) writes for references
// to symbols that do not start their section, for readers to cope with.
// For an ld_imm64 or call relocated against a named (non-section) symbol,
// the instruction's immediate already holds the symbol's offset in its
// section (st_value), where clang writes 0 (or -1 for calls):
//   r1 = 0x14 ll   R_BPF_64_64 quirk_array  (quirk_array at maps+0x14)
//   r0 = 0x8 ll    R_BPF_64_64 quirk_b      (quirk_b at .data+8: GCC lays
//                                            data and maps out in reverse)
//   call 0x1f      R_BPF_64_32 quirk_add    (quirk_add at .text+0x20)
// Adding the immediate to st_value, as libbpf does for data, doubles the
// offset (libbpf 1.1: "invalid access to map value pointer"); libbpf also
// refuses the legacy maps, and cilium/ebpf v0.22 says "unsatisfied map
// reference". Read as symbol + 0, the programs mean what the comments say.
// GCC also names the constant-propagated clone of quirk_static
// "quirk_static.constprop.0", a function symbol with dots.
#include <linux/types.h>
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))
#define __noinline __attribute__((noinline))

void *bpf_map_lookup_elem(void *map, const void *key) __attribute__((kernel_helper(1)));

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") quirk_array = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 1,
};

struct bpf_map_def SEC("maps") quirk_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 4,
};

int quirk_a = 1, quirk_b = 2, quirk_c = 3, quirk_d = 4;

__noinline int quirk_add(int x)
{
	return x + quirk_c;
}

static __noinline int quirk_static(int x)
{
	return x * quirk_d;
}

// quirk_add(quirk_b * 10) + quirk_static(1) = 23 + 4 = 27 when both maps
// are empty; + 100 when quirk_hash[0] exists, + 1000 when quirk_array[0]
// is non-zero.
SEC("tc")
int quirk_prog(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u64 *h = bpf_map_lookup_elem(&quirk_hash, &zero);
	__u64 *a = bpf_map_lookup_elem(&quirk_array, &zero);
	int ret = quirk_add(quirk_b * 10) + quirk_static(1);

	if (h)
		ret += 100;
	if (a && *a)
		ret += 1000;
	return ret;
}

char _license[] SEC("license") = "GPL";
