// SPDX-License-Identifier: GPL-2.0
// Tail calls from subprograms, in the shapes the kernel's own selftests
// use, with the things those programs lean on:
//   tsub_parse   a static subprogram reads the first packet byte with a
//                legacy load (LD_ABS, load_byte) and tail-calls slot 1 when
//                it is non-zero; the caller adds 1000 to what comes back.
//                Linux allows legacy loads in subprograms of programs with
//                BTF. On zeros: 1000 + 2 (the subprogram falls through).
//                Byte 0 = 1: 1000 + 7 (tsub_target replaces the subprogram).
//   tsub_short   the subprogram loads a word at offset 62 of a 64-byte
//                packet: out of the packet, the load returns 0 from the
//                subprogram only, so the program returns 1000.
//   tsub_hier    counts in hier_count, then calls a subprogram twice that
//                tail-calls tsub_hier through slot 0: the count of tail
//                calls is shared by the whole chain, so after one run
//                hier_count is 34 and the program returns 1.
//   tsub_strtoul parses "  0x2a" with bpf_strtoul (base 0): 42 plus 100
//                times the 6 characters consumed = 642.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

int tsub_hier(struct __sk_buff *skb);
int tsub_target(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, int(struct __sk_buff *));
} tsub_table SEC(".maps") = {
	.values = {
		[0] = (void *)&tsub_hier,
		[1] = (void *)&tsub_target,
	},
};

int hier_count;

// Slot 1.
SEC("tc")
int tsub_target(struct __sk_buff *skb)
{
	return 7;
}

static __noinline int parse(struct __sk_buff *skb)
{
	// volatile: the compiler must not assume the caller gets 2 back.
	volatile int ret = 2;

	if (load_byte(skb, 0))
		bpf_tail_call_static(skb, &tsub_table, 1);
	return ret;
}

SEC("tc")
int tsub_parse(struct __sk_buff *skb)
{
	return 1000 + parse(skb);
}

static __noinline int short_load(struct __sk_buff *skb)
{
	return load_word(skb, 62) + 5;
}

SEC("tc")
int tsub_short(struct __sk_buff *skb)
{
	return 1000 + short_load(skb);
}

static __noinline int hier_tail(struct __sk_buff *skb)
{
	bpf_tail_call_static(skb, &tsub_table, 0);
	return 0;
}

// Slot 0.
SEC("tc")
int tsub_hier(struct __sk_buff *skb)
{
	hier_count++;
	hier_tail(skb);
	hier_tail(skb);
	return 1;
}

SEC("tc")
int tsub_strtoul(struct __sk_buff *skb)
{
	char buf[8] = "  0x2a";
	unsigned long res = 0;
	long n = bpf_strtoul(buf, sizeof(buf), 0, &res);

	return res + 100 * n;
}

char LICENSE[] SEC("license") = "GPL";
