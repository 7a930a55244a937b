// SPDX-License-Identifier: GPL-2.0
// Built with GCC's BPF backend, no BTF and no maps: two programs in one
// section, bpf-to-bpf calls three deep, a loop, and .data/.bss/.rodata.
// Both libbpf and cilium/ebpf load it.
#include <linux/types.h>
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))
#define __noinline __attribute__((noinline))

int gp_data = 3;               // .data
__u64 gp_bss;                  // .bss
const int gp_ro[4] = { 1, 2, 3, 4 }; // .rodata

static __noinline int inner(int x)
{
	return x * gp_data;
}

static __noinline int middle(int x)
{
	return inner(x) + 1;
}

static __noinline int outer(int x)
{
	return middle(x) + middle(x + 1);
}

// outer(skb->len) = 3 * 64 + 1 + 3 * 65 + 1 = 389 on 64 bytes.
SEC("tc")
int gp_first(struct __sk_buff *skb)
{
	gp_bss++;
	return outer(skb->len);
}

// Sums gp_ro[i] * (first 4 packet bytes + 1): 1 + 2 + 3 + 4 = 10 on
// zeros.
SEC("tc")
int gp_second(struct __sk_buff *skb)
{
	__u8 *data = (void *)(long)skb->data;
	__u8 *end = (void *)(long)skb->data_end;
	int sum = 0;

	if (data + 4 > end)
		return -1;
	for (int i = 0; i < 4; i++)
		sum += gp_ro[i] * (data[i] + 1);
	return sum;
}

char _license[] SEC("license") = "GPL";
