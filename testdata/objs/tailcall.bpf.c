// SPDX-License-Identifier: GPL-2.0
// Tail calls of every shape through one prog array whose slots 1 and 2 are
// filled by a static .values initializer: a constant key, a key from the
// context (skb->mark), a key from a packet byte, a tail call from a
// subprogram, a tail call into an empty slot and one past max_entries.
// Every caller returns 100 or more when its tail call falls through.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int target_one(struct __sk_buff *skb);
int target_two(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, int(struct __sk_buff *));
} jmp_table SEC(".maps") = {
	.values = {
		[1] = (void *)&target_one,
		[2] = (void *)&target_two,
	},
};

// Slot 1.
SEC("tc")
int target_one(struct __sk_buff *skb)
{
	return 1;
}

// Slot 2.
SEC("tc")
int target_two(struct __sk_buff *skb)
{
	return 2;
}

// Constant key 1: returns 1.
SEC("tc")
int tail_const(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &jmp_table, 1);
	return 100;
}

// Key skb->mark: 100 for mark 0 (empty slot) or mark >= 8; 1 or 2 for
// marks 1 and 2.
SEC("tc")
int tail_mark(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &jmp_table, skb->mark);
	return 100;
}

// Key = first packet byte: 101 on zeros, 1 or 2 when it is 1 or 2.
SEC("tc")
int tail_byte(struct __sk_buff *skb)
{
	__u8 *data = (void *)(long)skb->data;
	__u8 *end = (void *)(long)skb->data_end;

	if (data + 1 > end)
		return 0;
	bpf_tail_call(skb, &jmp_table, data[0]);
	return 101;
}

static __noinline int tail_in_sub(struct __sk_buff *skb, __u32 key)
{
	bpf_tail_call(skb, &jmp_table, key);
	// Not a constant, so that clang cannot fold the fall-through value
	// into the caller (priority is 0 in a test run).
	return 5 + skb->priority;
}

// Tail call from a subprogram: the target replaces the subprogram only, and
// its return value becomes the subprogram's, so this returns 2 + 100 = 102
// (and 5 + 100 = 105 when slot 2 is empty).
SEC("tc")
int tail_from_sub(struct __sk_buff *skb)
{
	return tail_in_sub(skb, 2) + 100;
}

// Slot 5 is empty: falls through, returns 105.
SEC("tc")
int tail_empty(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &jmp_table, 5);
	return 105;
}

// Index 8 is past max_entries: falls through, returns 108.
SEC("tc")
int tail_oob(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &jmp_table, 8);
	return 108;
}

char _license[] SEC("license") = "GPL";
