package vm

import (
	"math"
	"syscall"

	"github.com/bpfld/bpfld/interp"
	"github.com/bpfld/bpfld/runtime"
)

// Flags of the skb helpers (linux/bpf.h).
const (
	fRecomputeCsum  = 1 << 0 // BPF_F_RECOMPUTE_CSUM
	fInvalidateHash = 1 << 1 // BPF_F_INVALIDATE_HASH
	fHdrFieldMask   = 0xf    // BPF_F_HDR_FIELD_MASK
	fPseudoHdr      = 1 << 4 // BPF_F_PSEUDO_HDR
	fMarkMangled0   = 1 << 5 // BPF_F_MARK_MANGLED_0
	fMarkEnforce    = 1 << 6 // BPF_F_MARK_ENFORCE
	fIPv6           = 1 << 7 // BPF_F_IPV6
	fIngress        = 1 << 0 // BPF_F_INGRESS
	hdrStartMAC     = 0      // BPF_HDR_START_MAC
	hdrStartNet     = 1      // BPF_HDR_START_NET
	csumMangled0    = 0xffff // CSUM_MANGLED_0
	errnoNotSupp    = 524    // the kernel's internal ENOTSUPP
)

// tc actions.
const (
	tcActShot     = 2 // TC_ACT_SHOT
	tcActRedirect = 7 // TC_ACT_REDIRECT
)

// skbArg checks that a helper's skb argument is the run's context and
// returns the linear packet data from skb->data.
func skbArg(m *interp.Machine, name string, pctx uint64) ([]byte, bool) {
	r := env(m)
	if pctx != m.Context() || r.prog.kind != runtime.ContextSKB {
		fail(m, name, "%#x is not the skb context", pctx)
		return nil, false
	}
	data := r.ptr(skbPrivData)
	return r.pktBytes(data, data+uint64(ne.Uint32(r.ctx[skbLen:]))), true
}

// bpf_skb_load_bytes(skb, offset, to, len): -EFAULT, with to zeroed,
// when the bytes are not all in the packet.
func skbLoadBytes(m *interp.Machine, pctx, offset, pto, n, _ uint64) uint64 {
	const name = "bpf_skb_load_bytes"
	pkt, ok := skbArg(m, name, pctx)
	if !ok {
		return 0
	}
	to, ok := argBytes(m, name, pto, int(uint32(n)), true)
	if !ok {
		return 0
	}
	off := uint64(uint32(offset))
	if off > math.MaxInt32 || off+uint64(len(to)) > uint64(len(pkt)) {
		clear(to)
		return negErrno(syscall.EFAULT)
	}
	copy(to, pkt[off:])
	return 0
}

// bpf_skb_load_bytes_relative(skb, offset, to, len, start_header): from
// the MAC or the network header.
func skbLoadBytesRelative(m *interp.Machine, pctx, offset, pto, n, start uint64) uint64 {
	const name = "bpf_skb_load_bytes_relative"
	if _, ok := skbArg(m, name, pctx); !ok {
		return 0
	}
	to, ok := argBytes(m, name, pto, int(uint32(n)), true)
	if !ok {
		return 0
	}
	r := env(m)
	frame := uint64(r.pkt.Addr()) + skbHeadroom
	end := r.ptr(skbPrivData) + uint64(ne.Uint32(r.ctx[skbLen:]))
	off := uint64(uint32(offset))
	var from uint64
	switch uint32(start) {
	case hdrStartMAC:
		from = frame
	case hdrStartNet:
		from = frame + ethHLen
	}
	if off > 0xffff || from == 0 || from+off+uint64(len(to)) > end {
		clear(to)
		return negErrno(syscall.EFAULT)
	}
	copy(to, r.pktBytes(from+off, end))
	return 0
}

// bpf_skb_store_bytes(skb, offset, from, len, flags). The test run's skb
// has no checksum to recompute (CHECKSUM_NONE) and no hash to clear.
func skbStoreBytes(m *interp.Machine, pctx, offset, pfrom, n, flags uint64) uint64 {
	const name = "bpf_skb_store_bytes"
	pkt, ok := skbArg(m, name, pctx)
	if !ok {
		return 0
	}
	from, ok := argBytes(m, name, pfrom, int(uint32(n)), false)
	if !ok {
		return 0
	}
	off := uint64(uint32(offset))
	switch {
	case flags&^(fRecomputeCsum|fInvalidateHash) != 0:
		return negErrno(syscall.EINVAL)
	case off > math.MaxInt32 || off+uint64(len(from)) > uint64(len(pkt)):
		return negErrno(syscall.EFAULT)
	}
	copy(pkt[off:], from)
	return 0
}

// bpf_skb_pull_data(skb, len): the test run's skb is all linear, so this
// only fails (-ENOMEM, as pskb_may_pull) for more than the packet holds.
func skbPullData(m *interp.Machine, pctx, n, _, _, _ uint64) uint64 {
	pkt, ok := skbArg(m, "bpf_skb_pull_data", pctx)
	if !ok {
		return 0
	}
	if uint32(n) > uint32(len(pkt)) {
		return negErrno(syscall.ENOMEM)
	}
	return 0
}

// csumField returns the 16-bit checksum at offset of the packet for the
// csum_replace helpers, or the errno: -EFAULT for an odd offset, one past
// 0xffff or past the packet.
func csumField(pkt []byte, offset uint64) ([]byte, uint64) {
	off := uint64(uint32(offset))
	if off > 0xffff || off&1 != 0 || off+2 > uint64(len(pkt)) {
		return nil, negErrno(syscall.EFAULT)
	}
	return pkt[off : off+2], 0
}

// bpf_l3_csum_replace(skb, offset, from, to, flags): fix an IP header
// checksum after a 2- or 4-byte field changed (flags' size), or by a
// bpf_csum_diff difference (size 0, from 0).
func l3CsumReplace(m *interp.Machine, pctx, offset, from, to, flags uint64) uint64 {
	pkt, ok := skbArg(m, "bpf_l3_csum_replace", pctx)
	if !ok {
		return 0
	}
	if flags&^fHdrFieldMask != 0 {
		return negErrno(syscall.EINVAL)
	}
	field, e := csumField(pkt, offset)
	if e != 0 {
		return e
	}
	sum := ne.Uint16(field)
	switch flags & fHdrFieldMask {
	case 0:
		if from != 0 {
			return negErrno(syscall.EINVAL)
		}
		sum = csumReplaceByDiff(sum, uint32(to))
	case 2:
		sum = csumReplace2(sum, uint16(from), uint16(to))
	case 4:
		sum = csumReplace4(sum, uint32(from), uint32(to))
	default:
		return negErrno(syscall.EINVAL)
	}
	ne.PutUint16(field, sum)
	return 0
}

// bpf_l4_csum_replace(skb, offset, from, to, flags): the same for a TCP
// or UDP checksum. With BPF_F_MARK_MANGLED_0 a zero checksum (UDP: none)
// stays zero, and a result of zero becomes 0xffff. BPF_F_PSEUDO_HDR
// changes nothing for the test run's CHECKSUM_NONE skb.
func l4CsumReplace(m *interp.Machine, pctx, offset, from, to, flags uint64) uint64 {
	pkt, ok := skbArg(m, "bpf_l4_csum_replace", pctx)
	if !ok {
		return 0
	}
	if flags&^(fMarkMangled0|fMarkEnforce|fPseudoHdr|fHdrFieldMask|fIPv6) != 0 {
		return negErrno(syscall.EINVAL)
	}
	field, e := csumField(pkt, offset)
	if e != 0 {
		return e
	}
	sum := ne.Uint16(field)
	mangled0 := flags&fMarkMangled0 != 0
	if mangled0 && flags&fMarkEnforce == 0 && sum == 0 {
		return 0
	}
	switch flags & fHdrFieldMask {
	case 0:
		if from != 0 {
			return negErrno(syscall.EINVAL)
		}
		sum = csumReplaceByDiff(sum, uint32(to))
	case 2:
		sum = csumReplace4(sum, uint32(uint16(from)), uint32(uint16(to)))
	case 4:
		sum = csumReplace4(sum, uint32(from), uint32(to))
	default:
		return negErrno(syscall.EINVAL)
	}
	if mangled0 && sum == 0 {
		sum = csumMangled0
	}
	ne.PutUint16(field, sum)
	return 0
}

// bpf_csum_update(skb, csum): -ENOTSUPP, as the test run's skb carries no
// CHECKSUM_COMPLETE checksum.
func csumUpdate(m *interp.Machine, pctx, _, _, _, _ uint64) uint64 {
	if _, ok := skbArg(m, "bpf_csum_update", pctx); !ok {
		return 0
	}
	return negErrno(errnoNotSupp)
}

// bpf_csum_diff(from, from_size, to, to_size, seed): the one's complement
// difference of two buffers, folded to 16 bits.
func csumDiff(m *interp.Machine, pfrom, fromSize, pto, toSize, seed uint64) uint64 {
	const name = "bpf_csum_diff"
	fs, ts := uint32(fromSize), uint32(toSize)
	from, ok := argBytes(m, name, pfrom, int(fs), false)
	if !ok {
		return 0
	}
	to, ok := argBytes(m, name, pto, int(ts), false)
	if !ok {
		return 0
	}
	ret := uint32(seed)
	switch {
	case fs != 0 && ts != 0:
		ret = csumSub(csumPartial(to, ret), csumPartial(from, 0))
	case ts != 0:
		ret = csumPartial(to, ret)
	case fs != 0:
		ret = ^csumPartial(from, ^ret)
	}
	return uint64(csumFrom32To16(ret))
}

// bpf_redirect(ifindex, flags) of tc programs: TC_ACT_REDIRECT, or
// TC_ACT_SHOT for flags other than BPF_F_INGRESS.
func skbRedirect(m *interp.Machine, ifindex, flags, _, _, _ uint64) uint64 {
	if flags&^fIngress != 0 {
		return tcActShot
	}
	return tcActRedirect
}
