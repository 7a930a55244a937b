// SPDX-License-Identifier: GPL-2.0
// Legacy map definitions larger than struct bpf_map_def: iproute2's
// struct bpf_elf_map in "maps", and samples/bpf's struct bpf_load_map_def
// in "lirc_mode2/maps", where v4l-utils' IR decoders keep theirs. Built
// without BTF by the Makefile beside it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_elf_map {
	__u32 type, size_key, size_value, max_elem, flags, id, pinning, inner_id, inner_idx;
};

struct bpf_load_map_def {
	__u32 type, key_size, value_size, max_entries, map_flags, inner_map_idx, numa_node;
};

struct bpf_elf_map SEC("maps") tc_counts = {
	.type = BPF_MAP_TYPE_HASH, .size_key = 4, .size_value = 8, .max_elem = 32,
	.id = 7, .pinning = 2, /* PIN_GLOBAL_NS */
};

struct bpf_elf_map SEC("maps") tc_flags = {
	.type = BPF_MAP_TYPE_ARRAY, .size_key = 4, .size_value = 4, .max_elem = 1,
	.flags = BPF_F_RDONLY_PROG,
};

struct bpf_load_map_def SEC("lirc_mode2/maps") decoder_state = {
	.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 16, .max_entries = 1,
	.numa_node = 0,
};

int margin = 200;

SEC("lirc_mode2/decoder")
int bpf_decoder(unsigned int *sample)
{
	__u32 k = 0;
	__u64 *c = bpf_map_lookup_elem(&tc_counts, &k);
	__u32 *f = bpf_map_lookup_elem(&tc_flags, &k);
	void *s = bpf_map_lookup_elem(&decoder_state, &k);

	return (c ? *c : 0) + (f ? *f : 0) + (s ? 1 : 0) + margin;
}

char _license[] SEC("license") = "GPL";
