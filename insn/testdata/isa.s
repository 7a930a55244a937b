# isa.s holds one of every instruction form of the eBPF instruction set up
# to v4 and the kernel's later additions, for insn's decoding tests. Forms
# that llvm-mc 19 cannot assemble are written as raw slots with .quad:
# imm<<32 | off<<16 | src<<12 | dst<<8 | opcode.
# Build with `make` (llvm-mc-19 -mcpu=v4); the object is committed.

	.section "alu", "ax"
	.globl alu_fn
alu_fn:
	r1 += 5
	r1 -= r2
	r1 *= -3
	r1 /= r2
	r1 |= 0x10
	r1 &= r2
	r1 <<= 3
	r1 >>= r2
	r1 = -r1
	r1 %= 7
	r1 ^= r2
	r1 = r2
	r1 = 0
	r1 = -1
	r1 s>>= 63
	r1 s/= r2
	r1 s%= -3
	r1 = (s8)r2
	r1 = (s16)r2
	r1 = (s32)r2
	w1 += w2
	w1 -= 5
	w1 *= w2
	w1 /= 3
	w1 |= w2
	w1 &= 0xff
	w1 <<= w2
	w1 >>= 31
	w1 = -w1
	w1 %= w2
	w1 ^= -1
	w1 = w2
	w1 = 0x7fffffff
	w1 s>>= w2
	w1 s/= 3
	w1 s%= w2
	w1 = (s8)w2
	w1 = (s16)w2
	r1 = le16 r1
	r1 = le32 r1
	r1 = le64 r1
	r1 = be16 r1
	r1 = be32 r1
	r1 = be64 r1
	r1 = bswap16 r1
	r1 = bswap32 r1
	r1 = bswap64 r1
	r1 = addr_space_cast(r2, 0, 1)
	r1 = addr_space_cast(r2, 1, 0)
	exit

	.section "mem", "ax"
	.globl mem_fn
mem_fn:
	r1 = *(u8 *)(r2 + 1)
	r1 = *(u16 *)(r2 - 2)
	r1 = *(u32 *)(r2 + 4)
	r1 = *(u64 *)(r10 - 8)
	r1 = *(s8 *)(r2 + 1)
	r1 = *(s16 *)(r2 + 2)
	r1 = *(s32 *)(r2 - 4)
	*(u8 *)(r10 - 1) = r1
	*(u16 *)(r10 - 2) = r1
	*(u32 *)(r10 - 4) = r1
	*(u64 *)(r10 - 8) = r1
	*(u8 *)(r10 - 1) = 255
	*(u16 *)(r10 - 2) = -1
	*(u32 *)(r10 - 4) = 0x12345
	*(u64 *)(r10 - 8) = -7
	r0 = *(u8 *)skb[12]
	r0 = *(u16 *)skb[12]
	r0 = *(u32 *)skb[26]
	r0 = *(u8 *)skb[r1]
	r0 = *(u16 *)skb[r6]
	r0 = *(u32 *)skb[r7]
	r1 = 0x123456789abcdef0 ll
	r2 = -1 ll
	# ld_imm64 with every pseudo source: map fd, map value, BTF id, func,
	# map index, map index value.
	.quad 0x0000000500001118
	.quad 0x0000000000000000
	.quad 0x0000000500002118
	.quad 0x0000001000000000
	.quad 0x0000002a00003118
	.quad 0x0000000000000000
	.quad 0x0000000100004118
	.quad 0x0000000000000000
	.quad 0x0000000200005118
	.quad 0x0000000000000000
	.quad 0x0000000200006118
	.quad 0x0000000800000000
	exit

	.section "atomic", "ax"
	.globl atomic_fn
atomic_fn:
	lock *(u64 *)(r1 + 0) += r2
	lock *(u64 *)(r1 + 8) |= r2
	lock *(u64 *)(r1 + 8) &= r2
	lock *(u64 *)(r1 + 8) ^= r2
	lock *(u32 *)(r1 + 0) += w2
	lock *(u32 *)(r1 + 4) |= w2
	lock *(u32 *)(r1 + 4) &= w2
	lock *(u32 *)(r1 + 4) ^= w2
	r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)
	r2 = atomic_fetch_or((u64 *)(r1 + 0), r2)
	r2 = atomic_fetch_and((u64 *)(r1 + 0), r2)
	r2 = atomic_fetch_xor((u64 *)(r1 + 0), r2)
	w2 = atomic_fetch_add((u32 *)(r1 + 0), w2)
	w2 = atomic_fetch_or((u32 *)(r1 + 0), w2)
	w2 = atomic_fetch_and((u32 *)(r1 + 0), w2)
	w2 = atomic_fetch_xor((u32 *)(r1 + 0), w2)
	r2 = xchg_64(r1 + 0, r2)
	w2 = xchg32_32(r1 + 0, w2)
	r0 = cmpxchg_64(r1 + 0, r0, r2)
	w0 = cmpxchg32_32(r1 + 0, w0, w2)
	# load-acquire u8/u16/u32/u64 into r3 from r1+8, store-release of r3
	# to r1+8, each size (kernel 6.15, beyond what llvm-mc 19 assembles).
	.quad 0x00000100000813d3
	.quad 0x00000100000813cb
	.quad 0x00000100000813c3
	.quad 0x00000100000813db
	.quad 0x00000110000831d3
	.quad 0x00000110000831cb
	.quad 0x00000110000831c3
	.quad 0x00000110000831db
	exit

	.section "jump", "ax"
	.globl jump_fn
jump_fn:
	if r1 == 0 goto +1
	if r1 > 1 goto +1
	if r1 >= 2 goto +1
	if r1 & 3 goto +1
	if r1 != -1 goto +1
	if r1 s> 5 goto +1
	if r1 s>= 6 goto +1
	if r1 < 7 goto +1
	if r1 <= 8 goto +1
	if r1 s< 9 goto +1
	if r1 s<= 10 goto +1
	if r1 == r2 goto +1
	if r1 > r2 goto +1
	if r1 >= r2 goto +1
	if r1 & r2 goto +1
	if r1 != r2 goto +1
	if r1 s> r2 goto +1
	if r1 s>= r2 goto +1
	if r1 < r2 goto +1
	if r1 <= r2 goto +1
	if r1 s< r2 goto +1
	if r1 s<= r2 goto +1
	if w1 == 0 goto +1
	if w1 > 1 goto +1
	if w1 >= 2 goto +1
	if w1 & 3 goto +1
	if w1 != -1 goto +1
	if w1 s> 5 goto +1
	if w1 s>= 6 goto +1
	if w1 < 7 goto +1
	if w1 <= 8 goto +1
	if w1 s< 9 goto +1
	if w1 s<= 10 goto +1
	if w1 == w2 goto +1
	if w1 > w2 goto +1
	if w1 >= w2 goto +1
	if w1 & w2 goto +1
	if w1 != w2 goto +1
	if w1 s> w2 goto +1
	if w1 s>= w2 goto +1
	if w1 < w2 goto +1
	if w1 <= w2 goto +1
	if w1 s< w2 goto +1
	if w1 s<= w2 goto +1
	goto +1
	goto -1
	gotol +1
	gotol -2
	may_goto +1
	call 1
	call 12
	# bpf-to-bpf call to the next slot, kfunc call by BTF id 77
	.quad 0x0000000000001085
	.quad 0x0000004d00002085
	exit
