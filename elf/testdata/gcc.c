// SPDX-License-Identifier: GPL-2.0
// A program as GCC's BPF backend (bpf-gcc 12) compiles it: legacy and
// BTF-defined maps, globals, static and global functions. Built by the
// Makefile beside it, with BTF (gcc-btf.o) and with DWARF only, without the
// BTF map (gcc-dwarf.o).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
	unsigned int type, key_size, value_size, max_entries, map_flags;
};

struct bpf_map_def SEC("maps") legacy = {
	.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 2,
};

#ifdef WITH_BTF_MAPS
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, int);
	__type(value, long);
} hmap SEC(".maps");
#endif

int g1 = 3;
static int s1 = 4;
int zero;

static __attribute__((noinline)) int helper(int x)
{
	return x + s1;
}

__attribute__((noinline)) int gfunc(int x)
{
	s1++;
	return helper(x) * 2;
}

SEC("xdp")
int prog1(struct xdp_md *ctx)
{
	int k = 0;
	long *v;

#ifdef WITH_BTF_MAPS
	v = bpf_map_lookup_elem(&hmap, &k);
	if (v)
		return *v;
#endif
	v = bpf_map_lookup_elem(&legacy, &k);
	if (v)
		return 1;
	return gfunc(g1) + zero;
}

char LICENSE[] SEC("license") = "GPL";
