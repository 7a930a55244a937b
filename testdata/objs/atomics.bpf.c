// SPDX-License-Identifier: GPL-2.0
// Atomic instructions (-mcpu=v3): add without and with fetch, xchg,
// cmpxchg, and/or/xor without and with fetch, in 64 and 32 bits, on .bss
// variables and on a map value.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 add64, xchg64, cmp64, or64, xor64;
__u64 and64 = ~0ULL;
__u32 add32, xchg32, cmp32, or32, xor32;
__u32 and32 = ~0U;
__u64 fetched[8]; // values the fetching forms returned, in program order

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counter SEC(".maps");

// On a fresh load, after one run:
//   add64 = 11, xchg64 = 6, cmp64 = 3, or64 = 0xf0, and64 = 0x0f,
//   xor64 = 0xff, add32 = 3, xchg32 = 9, cmp32 = 7, or32 = 0x11,
//   and32 = 0x1100, xor32 = 0x101,
//   fetched = {1, 0, 5, 0, 0, 0xffffffff, 0, 0}, counter[0] = 1 (+1 a run).
// Returns fetched[0] + fetched[2] + counter[0] = 1 + 5 + 1 = 7.
SEC("tc")
int atomics(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u64 *c;

	__sync_fetch_and_add(&add64, 1);                           // lock add
	fetched[0] = __sync_fetch_and_add(&add64, 10);             // fetch_add
	fetched[1] = __sync_lock_test_and_set(&xchg64, 5);         // xchg
	fetched[2] = __atomic_exchange_n(&xchg64, 6, __ATOMIC_SEQ_CST);
	fetched[3] = __sync_val_compare_and_swap(&cmp64, 0, 3);    // cmpxchg
	__sync_fetch_and_or(&or64, 0xf0);                          // lock or
	__sync_fetch_and_and(&and64, 0x0f);                        // lock and
	__sync_fetch_and_xor(&xor64, 0xff);                        // lock xor

	__sync_fetch_and_add(&add32, 3);
	fetched[4] = __sync_lock_test_and_set(&xchg32, 9);
	__sync_val_compare_and_swap(&cmp32, 0, 7);
	fetched[5] = __sync_fetch_and_and(&and32, 0x1100);         // fetch_and
	fetched[6] = __sync_fetch_and_or(&or32, 0x11);             // fetch_or
	fetched[7] = __sync_fetch_and_xor(&xor32, 0x101);          // fetch_xor

	c = bpf_map_lookup_elem(&counter, &zero);
	if (!c)
		return -1;
	__sync_fetch_and_add(c, 1);
	return fetched[0] + fetched[2] + *c;
}

char _license[] SEC("license") = "GPL";
