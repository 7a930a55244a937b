// SPDX-License-Identifier: GPL-2.0
// A dispatcher in the style of an IP-protocol jump table: parse Ethernet
// and IPv4, then tail-call proto_table[ip->protocol]. The table has no
// static initializer: a manifest wires 1 -> proto_icmp, 6 -> proto_tcp,
// 17 -> proto_udp. Each protocol program counts its packet in proto_hits
// and returns the protocol number.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u32);
} proto_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_hits SEC(".maps");

// Returns 98 for a packet that is not IPv4, 97 for one too short, and 99
// when the protocol's slot is empty.
SEC("tc")
int dispatch(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);

	if ((void *)(ip + 1) > end)
		return 97;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return 98;
	bpf_tail_call(skb, &proto_table, ip->protocol);
	return 99;
}

static __always_inline int count(__u32 proto)
{
	__u64 *hits = bpf_map_lookup_elem(&proto_hits, &proto);

	if (hits)
		__sync_fetch_and_add(hits, 1);
	return proto;
}

SEC("tc")
int proto_icmp(struct __sk_buff *skb)
{
	return count(IPPROTO_ICMP);
}

SEC("tc")
int proto_tcp(struct __sk_buff *skb)
{
	return count(IPPROTO_TCP);
}

SEC("tc")
int proto_udp(struct __sk_buff *skb)
{
	return count(IPPROTO_UDP);
}

char _license[] SEC("license") = "GPL";
