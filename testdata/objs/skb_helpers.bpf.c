// SPDX-License-Identifier: GPL-2.0
// Packet helpers of tc programs: bpf_skb_load_bytes/store_bytes, checksum
// updates with bpf_l3_csum_replace/bpf_l4_csum_replace (direct and through
// bpf_csum_diff), and bpf_redirect.
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define IP_OFF    ETH_HLEN
#define IP_CSUM   (IP_OFF + offsetof(struct iphdr, check))   // 24
#define IP_SRC    (IP_OFF + offsetof(struct iphdr, saddr))   // 26
#define IP_DST    (IP_OFF + offsetof(struct iphdr, daddr))   // 30
#define UDP_OFF   (IP_OFF + sizeof(struct iphdr))            // 34
#define UDP_DPORT (UDP_OFF + offsetof(struct udphdr, dest))  // 36
#define UDP_CSUM  (UDP_OFF + offsetof(struct udphdr, check)) // 40

// Adds 0x04030201 to the first 4 bytes (read as a little-endian u32) and
// returns them read back: 0x04030201 on zeros, output starts 01 02 03 04.
SEC("tc")
int skb_rw(struct __sk_buff *skb)
{
	__u32 v, back;

	if (bpf_skb_load_bytes(skb, 0, &v, sizeof(v)))
		return -1;
	v += 0x04030201;
	if (bpf_skb_store_bytes(skb, 0, &v, sizeof(v), 0))
		return -2;
	if (bpf_skb_load_bytes(skb, 0, &back, sizeof(back)))
		return -3;
	return back;
}

// A load that ends past the packet fails with -EFAULT: returns -14 on a
// 64-byte packet.
SEC("tc")
int skb_load_oob(struct __sk_buff *skb)
{
	__u32 v;

	return bpf_skb_load_bytes(skb, skb->len - 2, &v, sizeof(v));
}

__s64 diff_raw; // what bpf_csum_diff returned

// NAT of an Ethernet/IPv4/UDP packet: destination address to 10.0.0.1 and
// port to 53 with bpf_l3/l4_csum_replace given old and new values, then
// source address to 192.168.0.1 with a bpf_csum_diff delta. Checksums that
// were valid stay valid. Returns the new IP checksum (host order of the
// two bytes as they are on the wire); on 64 zero bytes that is 0x3555.
SEC("tc")
int skb_nat(struct __sk_buff *skb)
{
	__be32 old_ip, new_ip = bpf_htonl(0x0a000001);
	__be32 old_src, new_src = bpf_htonl(0xc0a80001);
	__be16 old_port, new_port = bpf_htons(53), csum;
	__s64 diff;

	if (bpf_skb_load_bytes(skb, IP_DST, &old_ip, 4) ||
	    bpf_skb_load_bytes(skb, UDP_DPORT, &old_port, 2) ||
	    bpf_skb_load_bytes(skb, IP_SRC, &old_src, 4))
		return -1;

	bpf_l3_csum_replace(skb, IP_CSUM, old_ip, new_ip, 4);
	bpf_l4_csum_replace(skb, UDP_CSUM, old_ip, new_ip, BPF_F_PSEUDO_HDR | 4);
	bpf_skb_store_bytes(skb, IP_DST, &new_ip, 4, 0);

	bpf_l4_csum_replace(skb, UDP_CSUM, old_port, new_port, 2);
	bpf_skb_store_bytes(skb, UDP_DPORT, &new_port, 2, 0);

	diff = bpf_csum_diff(&old_src, 4, &new_src, 4, 0);
	diff_raw = diff;
	bpf_l3_csum_replace(skb, IP_CSUM, 0, diff, 0);
	bpf_l4_csum_replace(skb, UDP_CSUM, 0, diff, BPF_F_PSEUDO_HDR);
	bpf_skb_store_bytes(skb, IP_SRC, &new_src, 4, 0);

	if (bpf_skb_load_bytes(skb, IP_CSUM, &csum, 2))
		return -2;
	return bpf_ntohs(csum);
}

// bpf_csum_diff over the first 20 bytes (as removed) and the 4-byte word
// 0x01020304 (as added), folded to 16 bits in the program: 0x0604 (the
// sum of the 16-bit words as little-endian loads, as x86 adds them) on
// zeros. The raw 32-bit value is kept in diff_raw.
SEC("tc")
int skb_csum_diff(struct __sk_buff *skb)
{
	__u32 from[5], to = bpf_htonl(0x01020304);
	__s64 sum;
	__u32 s;

	if (bpf_skb_load_bytes(skb, 0, from, sizeof(from)))
		return -1;
	sum = bpf_csum_diff(from, sizeof(from), &to, sizeof(to), 0);
	diff_raw = sum;
	if (sum < 0)
		return sum;
	s = (__u32)sum;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

// Redirects to ifindex 1: returns TC_ACT_REDIRECT (7).
SEC("tc")
int skb_redirect(struct __sk_buff *skb)
{
	return bpf_redirect(1, 0);
}

char _license[] SEC("license") = "GPL";
