package vm

import (
	"encoding/binary"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/internal/uapi"
	"github.com/bpfld/bpfld/runtime"
	"github.com/bpfld/bpfld/runtime/mem"
)

// ne is the byte order of contexts, keys and values: the host's.
var ne = binary.NativeEndian

// Constants of BPF_PROG_TEST_RUN (net/bpf/test_run.c) and the kernel.
const (
	ethHLen          = 14    // ETH_HLEN
	skbHeadroom      = 64    // NET_SKB_PAD + NET_IP_ALIGN
	skbTailroom      = 320   // SKB_DATA_ALIGN(sizeof(struct skb_shared_info))
	xdpHeadroom      = 256   // XDP_PACKET_HEADROOM
	xdpFrameSize     = 40    // sizeof(struct xdp_frame), kept at the start of the headroom
	xdpMetaMax       = 255   // the type max of skb_shared_info.meta_len
	gsoLegacyMaxSize = 65536 // GSO_LEGACY_MAX_SIZE: the largest wire_len
	gsoMaxSegs       = 65535 // GSO_MAX_SEGS
	rawTPMaxCtx      = 96    // MAX_BPF_FUNC_ARGS * sizeof(u64): the largest raw_tp context
	loopbackIfindex  = 1     // the device test runs use
)

// Packet types (skb->pkt_type) that eth_type_trans sets.
const (
	packetHost      = 0
	packetMulticast = 2
	packetOtherHost = 3
)

// ptr reads the 64-bit pointer at offset off of the context block.
func (r *runner) ptr(off int) uint64 { return ne.Uint64(r.ctx[off:]) }

// setPtr writes the 64-bit pointer at offset off of the context block.
func (r *runner) setPtr(off int, v uint64) { ne.PutUint64(r.ctx[off:], v) }

// pktBytes returns the packet buffer from address lo to hi, or nil if
// that is not inside it.
func (r *runner) pktBytes(lo, hi uint64) []byte {
	base := uint64(r.pkt.Addr())
	if lo < base || hi < lo || hi > base+uint64(r.pkt.Len()) {
		return nil
	}
	return r.pkt.Bytes()[lo-base : hi-base]
}

// Headers implements interp.HeaderSource for the legacy packet loads at
// SKF_LL_OFF and SKF_NET_OFF: the frame starts with the Ethernet header,
// and the network header follows it, where the test run puts them
// (eth_type_trans, skb_reset_network_header), whatever skb->data is.
func (r *runner) Headers(ctx uint64) (mac, network []byte) {
	if r.prog == nil || r.prog.kind != runtime.ContextSKB {
		return nil, nil
	}
	start := uint64(r.pkt.Addr()) + skbHeadroom
	end := r.ptr(skbPrivData) + uint64(ne.Uint32(r.ctx[skbLen:]))
	return r.pktBytes(start, end), r.pktBytes(start+ethHLen, end)
}

// ctxIn checks a ctx_in as bpf_ctx_init does: bytes past the struct's
// size must be zero (E2BIG); a shorter one is zero-filled.
func ctxIn(in []byte, size int) ([]byte, error) {
	out := make([]byte, size)
	copy(out, in)
	for _, b := range in[min(len(in), size):] {
		if b != 0 {
			return nil, fmt.Errorf("context of %d bytes: bytes past the first %d are not zero: %w", len(in), size, syscall.E2BIG)
		}
	}
	return out, nil
}

// settableSKB are the fields of struct __sk_buff that ctx_in may set
// (convert___skb_to_skb); the others must be zero.
var settableSKB = []fieldRange{
	rangeMark, rangePriority, {skbIngressIfidx, skbIfindex + 4}, rangeCB, rangeTstamp,
	{skbWireLen, skbGSOSegs + 4}, {skbGSOSize, skbGSOSize + 4}, rangeHWTstamp,
}

// directAccess tells the program types for which the test run computes
// the packet pointers (bpf_compute_data_pointers); for the others data_end
// and data_meta read 0.
func directAccess(progType uint32) bool {
	switch progType {
	case unix.BPF_PROG_TYPE_SCHED_CLS, unix.BPF_PROG_TYPE_SCHED_ACT,
		unix.BPF_PROG_TYPE_LWT_IN, unix.BPF_PROG_TYPE_LWT_OUT, unix.BPF_PROG_TYPE_LWT_XMIT:
		return true
	}
	return false
}

// setupSKB builds the packet and the struct __sk_buff of a run, as
// bpf_prog_test_run_skb does, and returns the context's address.
func (r *runner) setupSKB(p *program, in runtime.RunInput) (uint64, error) {
	data := in.Data
	if len(data) < ethHLen || len(data) > pageSize-skbHeadroom-skbTailroom {
		return 0, fmt.Errorf("packet of %d bytes: want %d to %d: %w", len(data), ethHLen, pageSize-skbHeadroom-skbTailroom, syscall.EINVAL)
	}
	var user []byte
	if in.Context != nil {
		var err error
		if user, err = ctxIn(in.Context, skbSize); err != nil {
			return 0, err
		}
		for off := 0; off < skbSize; off++ {
			if user[off] != 0 && !inRanges(settableSKB, off) {
				return 0, fmt.Errorf("context: __sk_buff.%s cannot be set: %w", skbFieldName(off), syscall.EINVAL)
			}
		}
	}
	pkt := r.pkt.Bytes()
	clear(pkt)
	copy(pkt[skbHeadroom:], data)
	start := uint64(r.pkt.Addr()) + skbHeadroom
	dataPtr := start
	if !uapi.PacketFromEthernet(p.typ) {
		dataPtr += ethHLen
	}
	length := uint32(start + uint64(len(data)) - dataPtr)

	ctx := r.skbCtx.Bytes()
	clear(ctx)
	r.ctx = ctx
	ne.PutUint32(ctx[skbLen:], length)
	ne.PutUint32(ctx[skbPktType:], pktType(data))
	ne.PutUint32(ctx[skbProtocol:], uint32(ethProtocol(data)))
	ne.PutUint32(ctx[skbIfindex:], loopbackIfindex)
	if user != nil {
		for _, off := range []int{skbMark, skbPriority, skbIngressIfidx, skbGSOSize} {
			copy(ctx[off:off+4], user[off:])
		}
		copy(ctx[skbCB:skbCBEnd], user[skbCB:])
		copy(ctx[skbTstamp:skbTstamp+8], user[skbTstamp:])
		copy(ctx[skbHWTstamp:skbHWTstamp+8], user[skbHWTstamp:])
		if ifindex := ne.Uint32(user[skbIfindex:]); ifindex > loopbackIfindex {
			ne.PutUint32(ctx[skbIfindex:], ifindex)
		}
		wireLen := ne.Uint32(user[skbWireLen:])
		if wireLen == 0 {
			wireLen = length
		} else if wireLen < length || wireLen > gsoLegacyMaxSize {
			return 0, fmt.Errorf("context: wire_len %d: want %d to %d: %w", wireLen, length, gsoLegacyMaxSize, syscall.EINVAL)
		}
		ne.PutUint32(ctx[skbWireLen:], wireLen)
		segs := ne.Uint32(user[skbGSOSegs:])
		if segs > gsoMaxSegs {
			return 0, fmt.Errorf("context: gso_segs %d is more than %d: %w", segs, gsoMaxSegs, syscall.EINVAL)
		}
		ne.PutUint32(ctx[skbGSOSegs:], segs)
	}
	fillSock(r.sock, data)
	r.setPtr(skbSk, uint64(r.sock.Addr()))
	r.setPtr(skbPrivData, dataPtr)
	if directAccess(p.typ) {
		r.setPtr(skbPrivDataEnd, dataPtr+uint64(length))
		r.setPtr(skbPrivDataMeta, dataPtr)
	}
	return uint64(r.skbCtx.Addr()), nil
}

// pktType is the skb->pkt_type that eth_type_trans gives a frame on the
// loopback device, whose address and broadcast address are all zeros.
func pktType(frame []byte) uint32 {
	dest := frame[:6]
	switch {
	case allZero(dest):
		return packetHost
	case dest[0]&1 != 0:
		return packetMulticast
	}
	return packetOtherHost
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// ethProtocol is the skb->protocol that eth_type_trans gives a frame, as
// the u16 in memory reads on this host: the EtherType if it is one,
// else ETH_P_802_3 for raw 802.3 (0xffff after the header), else ETH_P_802_2.
func ethProtocol(frame []byte) uint16 {
	proto := ne.Uint16(frame[12:])
	if frame[12] >= 0x06 { // ntohs(proto) >= ETH_P_802_3_MIN
		return proto
	}
	if len(frame) >= ethHLen+2 && frame[14] == 0xff && frame[15] == 0xff {
		return htons(0x0001) // ETH_P_802_3
	}
	return htons(0x0004) // ETH_P_802_2
}

// htons returns the u16 whose bytes in memory are v in network order.
func htons(v uint16) uint16 { return ne.Uint16(binary.BigEndian.AppendUint16(nil, v)) }

// finishSKB returns the packet and ctx_out after a run, as
// bpf_prog_test_run_skb does: programs that do not see the Ethernet
// header get a zeroed one in front of their packet.
func (r *runner) finishSKB(p *program, in runtime.RunInput) (out, ctxOut []byte) {
	ctx := r.ctx
	data := r.ptr(skbPrivData)
	pkt := r.pktBytes(data, data+uint64(ne.Uint32(ctx[skbLen:])))
	if uapi.PacketFromEthernet(p.typ) {
		out = append([]byte(nil), pkt...)
	} else {
		out = make([]byte, ethHLen+len(pkt))
		copy(out[ethHLen:], pkt)
	}
	if in.Context == nil {
		return out, nil
	}
	// convert_skb_to___skb writes these fields back; the rest of ctx_out
	// is ctx_in.
	ctxOut, _ = ctxIn(in.Context, skbSize)
	for _, f := range []fieldRange{rangeMark, rangePriority, {skbIngressIfidx, skbIfindex + 4}, rangeTstamp, rangeCB, rangeWireLen, {skbGSOSegs, skbGSOSegs + 4}, rangeHWTstamp} {
		copy(ctxOut[f.lo:f.hi], ctx[f.lo:f.hi])
	}
	return out, ctxOut
}

// setupXDP builds the packet buffer and the struct xdp_md of a run, as
// bpf_prog_test_run_xdp does: the packet after XDP_PACKET_HEADROOM bytes of
// headroom in a page, metadata (ctx_in's data) in front of it.
func (r *runner) setupXDP(in runtime.RunInput) (uint64, error) {
	size := len(in.Data)
	var user []byte
	metaLen := 0
	if in.Context != nil {
		var err error
		if user, err = ctxIn(in.Context, xdpMdSize); err != nil {
			return 0, err
		}
		dataOff, dataEnd, dataMeta := ne.Uint32(user[xdpData:]), ne.Uint32(user[xdpDataEnd:]), ne.Uint32(user[xdpDataMeta:])
		ingress, rxq := ne.Uint32(user[xdpIngressIfidx:]), ne.Uint32(user[xdpRxQueueIndex:])
		switch {
		case dataEnd < uint32(size) && dataMeta == 0 && dataOff <= dataEnd:
			return 0, fmt.Errorf("context: data_end %d leaves %d bytes of the packet in fragments: the VM has no multi-buffer XDP", dataEnd, uint32(size)-dataEnd)
		case dataMeta != 0 || dataEnd > uint32(size) || dataOff > dataEnd:
			return 0, fmt.Errorf("context: data %d, data_end %d, data_meta %d do not fit a packet of %d bytes: %w", dataOff, dataEnd, dataMeta, size, syscall.EINVAL)
		case dataOff%4 != 0 || dataOff > xdpMetaMax:
			return 0, fmt.Errorf("context: metadata of %d bytes: %w", dataOff, syscall.EINVAL)
		case ne.Uint32(user[xdpEgressIfidx:]) != 0:
			return 0, fmt.Errorf("context: egress_ifindex cannot be set: %w", syscall.EINVAL)
		case ingress == 0 && rxq != 0:
			return 0, fmt.Errorf("context: rx_queue_index needs ingress_ifindex: %w", syscall.EINVAL)
		}
		metaLen = int(dataOff)
	}
	headroom := xdpHeadroom - metaLen
	if maxSize := pageSize - headroom - skbTailroom; size > maxSize {
		return 0, fmt.Errorf("packet of %d bytes: the VM has no multi-buffer (fragmented) XDP, at most %d bytes", size, maxSize)
	}
	if size < ethHLen {
		return 0, fmt.Errorf("packet of %d bytes is shorter than an Ethernet header: %w", size, syscall.EINVAL)
	}
	pkt := r.pkt.Bytes()
	clear(pkt)
	copy(pkt[headroom:], in.Data)
	meta := uint64(r.pkt.Addr()) + uint64(headroom)

	ctx := r.xdpCtx.Bytes()
	clear(ctx)
	r.ctx = ctx
	r.setPtr(xdpPrivDataMeta, meta)
	r.setPtr(xdpPrivData, meta+uint64(metaLen))
	r.setPtr(xdpPrivDataEnd, meta+uint64(size))
	ne.PutUint32(ctx[xdpIngressIfidx:], loopbackIfindex)
	if user != nil {
		if ingress := ne.Uint32(user[xdpIngressIfidx:]); ingress != 0 {
			ne.PutUint32(ctx[xdpIngressIfidx:], ingress)
			copy(ctx[xdpRxQueueIndex:xdpRxQueueIndex+4], user[xdpRxQueueIndex:])
		}
	}
	return uint64(r.xdpCtx.Addr()), nil
}

// finishXDP returns the packet from data_meta to data_end and ctx_out
// (xdp_convert_buff_to_md: data and data_end relative to data_meta).
func (r *runner) finishXDP(in runtime.RunInput) (out, ctxOut []byte) {
	meta, data, end := r.ptr(xdpPrivDataMeta), r.ptr(xdpPrivData), r.ptr(xdpPrivDataEnd)
	out = append([]byte(nil), r.pktBytes(meta, end)...)
	if in.Context == nil {
		return out, nil
	}
	ctxOut, _ = ctxIn(in.Context, xdpMdSize)
	ne.PutUint32(ctxOut[xdpData:], uint32(data-meta))
	ne.PutUint32(ctxOut[xdpDataEnd:], uint32(end-meta))
	return out, ctxOut
}

// setupRaw copies the context of the other program types, which is the
// input itself, into a block exactly its size, so that reading past it
// faults. Only syscall programs may write their context.
func (r *runner) setupRaw(p *program, in runtime.RunInput) (uint64, error) {
	n := len(in.Context)
	if len(in.Data) > 0 {
		return 0, fmt.Errorf("%s programs take their input as the context, not as a packet: %w", progTypeName(p.typ), syscall.EINVAL)
	}
	if p.typ == unix.BPF_PROG_TYPE_RAW_TRACEPOINT && n > rawTPMaxCtx {
		return 0, fmt.Errorf("context of %d bytes: raw_tracepoint programs take at most %d: %w", n, rawTPMaxCtx, syscall.EINVAL)
	}
	r.ctx = nil
	if n == 0 {
		return 0, nil
	}
	if r.raw == nil || r.raw.Len() != n {
		if r.raw != nil {
			r.raw.Free()
			r.raw = nil
		}
		b, err := mem.Alloc(n, false, "context")
		if err != nil {
			return 0, err
		}
		r.raw = b
	}
	copy(r.raw.Bytes(), in.Context)
	if w := p.typ == unix.BPF_PROG_TYPE_SYSCALL; r.raw.Writable() != w {
		r.raw.SetWritable(w)
	}
	return uint64(r.raw.Addr()), nil
}
