// SPDX-License-Identifier: GPL-2.0
// Built with GCC's BPF backend (bpf-gcc 12, no BTF): legacy SEC("maps")
// definitions, helpers declared with GCC's kernel_helper attribute (GCC 12
// cannot call libbpf's helper pointers), a static subprogram, and global
// data. GCC names relocation sections ".rel" + section name without a dot
// (".relxdp"). Each map has its own "maps/NAME" section and each data
// section one variable, so that every symbol sits at offset 0 (see
// gcc_quirks.gcc.c for why). libbpf 1.x refuses legacy maps; cilium/ebpf
// loads it.
#include <linux/types.h>
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))
#define __noinline __attribute__((noinline))

void *bpf_map_lookup_elem(void *map, const void *key) __attribute__((kernel_helper(1)));
long bpf_map_update_elem(void *map, const void *key, const void *value,
			 __u64 flags) __attribute__((kernel_helper(2)));

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps/gcc_counts") gcc_counts = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 2,
};

struct bpf_map_def SEC("maps/gcc_last") gcc_last = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 16,
};

int gcc_bias = 5;              // .data
int gcc_runs;                  // .bss
const int gcc_scale = 9;       // .rodata

static __noinline int scaled(int x)
{
	return x + gcc_scale + gcc_bias;
}

// Counts runs in gcc_counts[0] and gcc_runs; returns the packet length
// + 9 + 5: 78 on 64 bytes.
SEC("xdp")
int gcc_xdp(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *cnt = bpf_map_lookup_elem(&gcc_counts, &zero);

	if (!cnt)
		return 0;
	__sync_fetch_and_add(cnt, 1);
	gcc_runs++;
	return scaled(ctx->data_end - ctx->data);
}

// Records skb->len in gcc_last[1] and returns scaled(skb->len): 50 + 14 =
// 64 for a socket test run of 64 bytes (the socket program sees 50).
SEC("socket")
int gcc_sock(struct __sk_buff *skb)
{
	__u32 key = 1, len = skb->len;

	bpf_map_update_elem(&gcc_last, &key, &len, BPF_ANY);
	return scaled(len);
}

char _license[] SEC("license") = "GPL";
