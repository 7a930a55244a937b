// SPDX-License-Identifier: GPL-2.0
// Global variables in every data section: .data, .bss, .rodata (const
// volatile, settable before load), .data.custom, .rodata.custom, a static
// (local-symbol) variable, a struct and an array; string literals in
// .rodata.str1.1 (bpf_trace_printk with a literal) and a bpf_printk format
// in .rodata.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int data_var = 7;                               // .data
__u64 bss_var;                                  // .bss
__u32 bss_arr[4];                               // .bss
const volatile __u32 ro_cfg = 3;                // .rodata
int custom_data SEC(".data.custom") = 5;        // .data.custom
const volatile int custom_ro SEC(".rodata.custom") = 9; // .rodata.custom
static int static_data = 4;                     // .data, local symbol

struct pair {
	__u32 a;
	__u64 b;
};
struct pair data_pair = { .a = 1, .b = 2 };     // .data, at an offset

// Returns data_var + ro_cfg + custom_data + custom_ro + static_data +
// data_pair.a + data_pair.b = 7 + 3 + 5 + 9 + 4 + 1 + 2 = 31 with the
// defaults (on every run until globals_write runs); counts runs in
// bss_var and writes bss_arr[2] = 42.
SEC("tc")
int globals_sum(struct __sk_buff *skb)
{
	bss_var++;
	bss_arr[2] = 42;
	return data_var + ro_cfg + custom_data + custom_ro + static_data +
	       data_pair.a + data_pair.b;
}

// Prints through both kinds of format string; returns 0. The trace output
// is "literal 7\n" then "printk 3\n" (with defaults).
SEC("tc")
int globals_print(struct __sk_buff *skb)
{
	bpf_trace_printk("literal %d\n", sizeof("literal %d\n"), data_var);
	bpf_printk("printk %u", ro_cfg);
	return 0;
}

// Writes .data and .data.custom: data_var = 100 + skb->mark, custom_data
// += 1, static_data += 1; returns the new data_var.
SEC("tc")
int globals_write(struct __sk_buff *skb)
{
	data_var = 100 + skb->mark;
	custom_data += 1;
	static_data += 1;
	return data_var;
}

char _license[] SEC("license") = "GPL";
