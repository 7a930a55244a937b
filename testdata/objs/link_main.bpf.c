// SPDX-License-Identifier: GPL-2.0
// Linkable set, with link_lib.bpf.c: link_main.bpf.o link_lib.bpf.o (in
// that order unless a test says otherwise). This half uses the other's
// functions, map and variables through externs, has weak definitions that
// the other overrides (or not), a static function whose name the other
// file uses too, and a function the other file calls. It does not load on
// its own: its externs are unresolved.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int lib_add(int a, int b);                 // global in link_lib
extern int lib_hidden_fn(int x) __hidden;         // __hidden in link_lib
extern int lib_read_map(__u32 key);               // global in link_lib

extern struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} shared_map SEC(".maps");                        // defined in link_lib

extern int lib_data;                              // .data of link_lib, 42
extern int lib_counter;                           // .bss of link_lib
extern const volatile int lib_ro;                 // .rodata of link_lib, 3
extern int lib_hidden_var __hidden;               // hidden, .data, 5

// Weak here, strong in link_lib: link_lib's wins (2000 + x).
__weak int pick(int x)
{
	return 1000 + x;
}

// Weak in both files: the first in link order wins (1 here, 2 there).
__weak int first_weak(void)
{
	return 1;
}

// Weak variable here (1), strong in link_lib (2): link_lib's wins.
__weak int weak_var = 1;

// Same name as link_lib's static helper (x * 3); each file keeps its own.
static __noinline int helper(int x)
{
	return x + 1;
}

// Called from link_lib's lib_prog.
__noinline int main_fn(int x)
{
	return x * 7;
}

// pick(0) + 100 * first_weak() + helper(1) + lib_add(10, 20)
// = 2000 + 100 + 2 + (10 * 3 + 20) = 2152 linked main then lib;
// 2252 linked lib then main (first_weak from link_lib).
SEC("tc")
int link_entry(struct __sk_buff *skb)
{
	return pick(0) + 100 * first_weak() + helper(1) + lib_add(10, 20);
}

// lib_counter += 1, then lib_data + lib_ro + lib_hidden_var +
// 10 * weak_var + 1000 * lib_counter = 42 + 3 + 5 + 20 + 1000 = 1070 on
// the first run of a fresh load (+1000 each further run).
SEC("tc")
int link_vars(struct __sk_buff *skb)
{
	lib_counter++;
	return lib_data + lib_ro + lib_hidden_var + 10 * weak_var + 1000 * lib_counter;
}

// shared_map[1] = 77 here, read back in link_lib: 77 + lib_hidden_fn(0)
// = 77 + 1000 = 1077.
SEC("tc")
int link_map(struct __sk_buff *skb)
{
	__u32 key = 1;
	__u64 val = 77;

	bpf_map_update_elem(&shared_map, &key, &val, BPF_ANY);
	return lib_read_map(key) + lib_hidden_fn(0);
}

char _license[] SEC("license") = "GPL";
