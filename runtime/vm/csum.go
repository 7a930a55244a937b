package vm

// Internet checksum arithmetic as the kernel does it (include/net/checksum.h),
// on values as they sit in memory on this little-endian host: the one's
// complement sum is the same in either byte order, swapped.

// csumAdd is csum_add: 32-bit one's complement addition.
func csumAdd(a, b uint32) uint32 {
	s := a + b
	if s < b {
		s++
	}
	return s
}

// csumSub is csum_sub.
func csumSub(a, b uint32) uint32 { return csumAdd(a, ^b) }

// csumFold is csum_fold: a 32-bit sum folded to 16 bits and inverted.
func csumFold(s uint32) uint16 {
	s = s&0xffff + s>>16
	s = s&0xffff + s>>16
	return ^uint16(s)
}

// csum16Add is csum16_add.
func csum16Add(c, a uint16) uint16 {
	s := c + a
	if s < a {
		s++
	}
	return s
}

// csumReplace4 is csum_replace4: the checksum *sum after a 32-bit field
// changed from from to to.
func csumReplace4(sum uint16, from, to uint32) uint16 {
	return csumFold(csumAdd(csumSub(^uint32(sum), from), to))
}

// csumReplace2 is csum_replace2, for a 16-bit field.
func csumReplace2(sum, from, to uint16) uint16 {
	return ^csum16Add(csum16Add(^sum, ^from), to)
}

// csumReplaceByDiff is csum_replace_by_diff: the checksum after adding a
// precomputed difference (from bpf_csum_diff).
func csumReplaceByDiff(sum uint16, diff uint32) uint16 {
	return csumFold(csumAdd(diff, ^uint32(sum)))
}

// csumPartial is csum_partial: the 32-bit one's complement sum of b,
// starting from seed.
func csumPartial(b []byte, seed uint32) uint32 {
	sum := uint64(seed)
	for ; len(b) >= 4; b = b[4:] {
		sum += uint64(ne.Uint32(b))
	}
	if len(b) >= 2 {
		sum += uint64(ne.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint64(b[0])
	}
	for sum>>32 != 0 {
		sum = sum&0xffffffff + sum>>32
	}
	return uint32(sum)
}

// csumFrom32To16 is csum_from32to16: a 32-bit sum folded to 16 bits, not
// inverted.
func csumFrom32To16(s uint32) uint16 {
	s = s&0xffff + s>>16
	s = s&0xffff + s>>16
	return uint16(s)
}
