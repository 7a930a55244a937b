// SPDX-License-Identifier: GPL-2.0
// cpu v4 instructions (-mcpu=v4, Linux 6.6+): sign-extending loads
// (ldsx), sign-extending moves (movsx, 64 and 32 bit), signed division and
// modulo (sdiv/smod, 64 and 32 bit) and unconditional byte swaps (bswap).
// The inputs are volatile .data variables, so clang cannot fold them.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

volatile __s8 in8 = -5;
volatile __s16 in16 = -300;
volatile __s32 in32 = -70000;
volatile __s64 num = -100;
volatile __s64 den = 7;
volatile __s32 num32 = -100;
volatile __s32 den32 = 7;
volatile __u64 word = 0x0102030405060708ULL;

__s64 res_ld8, res_ld16, res_ld32;      // ldsx: -5, -300, -70000
__s64 res_mov8, res_mov16, res_mov32;   // movsx: 8, 0x0708, 0x05060708
__s32 res_mov32_w;                      // 32-bit movsx (w = (s8)w): 8
__s64 res_div, res_mod;                 // sdiv64/smod64: -14, -2
__s32 res_div32, res_mod32;             // sdiv32/smod32: -14, -2
__u64 res_swap64;                       // 0x0807060504030201
__u32 res_swap32;                       // bswap32 of the low half: 0x08070605
__u16 res_swap16;                       // bswap16 of the low 16 bits: 0x0807

// Returns res_ld8 + res_ld16 + res_ld32 + res_div + res_mod =
// -5 - 300 - 70000 - 14 - 2 = -70321 (0xfffeed4f).
SEC("xdp")
int v4_ops(struct xdp_md *ctx)
{
	__u64 w = word;
	__u32 w32 = (__u32)word;

	res_ld8 = in8;
	res_ld16 = in16;
	res_ld32 = in32;
	res_mov8 = (__s8)w;
	res_mov16 = (__s16)w;
	res_mov32 = (__s32)w;
	res_mov32_w = (__s8)w32;
	res_div = num / den;
	res_mod = num % den;
	res_div32 = num32 / den32;
	res_mod32 = num32 % den32;
	res_swap64 = __builtin_bswap64(w);
	res_swap32 = __builtin_bswap32(w32);
	res_swap16 = __builtin_bswap16((__u16)w32);
	return res_ld8 + res_ld16 + res_ld32 + res_div + res_mod;
}

// Sign-extending loads from the packet: the first byte as s8 plus the
// second 16 bits as s16. 0 on zeros; -1 + -1 = -2 on 0xff bytes.
SEC("xdp")
int v4_pkt(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + 4 > end)
		return 0;
	return (long)*(__s8 *)data + (long)*(__s16 *)(data + 2);
}

char _license[] SEC("license") = "GPL";
