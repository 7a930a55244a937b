package vm

import (
	"syscall"

	"github.com/bpfld/bpfld/interp"
	"github.com/bpfld/bpfld/runtime"
	"github.com/bpfld/bpfld/runtime/maps"
)

// XDP actions.
const (
	xdpActAborted  = 0 // XDP_ABORTED
	xdpActRedirect = 4 // XDP_REDIRECT
	// xdpActionMask are the actions bpf_redirect_map's flags may hold
	// for a failed lookup (XDP_ABORTED to XDP_TX).
	xdpActionMask = 3
)

// Flags of bpf_redirect_map for devmaps.
const (
	fBroadcast      = 1 << 3 // BPF_F_BROADCAST
	fExcludeIngress = 1 << 4 // BPF_F_EXCLUDE_INGRESS
)

// xdpBuf is the state of an xdp_buff: the context block's pointers.
type xdpBuf struct {
	r                            *runner
	hard, meta, data, end, limit uint64
}

// xdpArg checks that a helper's xdp argument is the run's context.
func xdpArg(m *interp.Machine, name string, pctx uint64) (*xdpBuf, bool) {
	r := env(m)
	if pctx != m.Context() || r.prog.kind != runtime.ContextXDP {
		fail(m, name, "%#x is not the xdp context", pctx)
		return nil, false
	}
	hard := uint64(r.pkt.Addr())
	return &xdpBuf{r: r, hard: hard, meta: r.ptr(xdpPrivDataMeta), data: r.ptr(xdpPrivData), end: r.ptr(xdpPrivDataEnd),
		limit: hard + pageSize - skbTailroom}, true
}

// save writes the buffer's pointers back to the context block.
func (x *xdpBuf) save() {
	x.r.setPtr(xdpPrivDataMeta, x.meta)
	x.r.setPtr(xdpPrivData, x.data)
	x.r.setPtr(xdpPrivDataEnd, x.end)
}

// metaLen is xdp_get_metalen.
func (x *xdpBuf) metaLen() uint64 {
	if x.meta > x.data {
		return 0
	}
	return x.data - x.meta
}

// bpf_xdp_adjust_head(xdp, delta): moves data (and the metadata with
// it) by delta; the headroom keeps room for struct xdp_frame, the packet
// at least an Ethernet header.
func xdpAdjustHead(m *interp.Machine, pctx, delta, _, _, _ uint64) uint64 {
	x, ok := xdpArg(m, "bpf_xdp_adjust_head", pctx)
	if !ok {
		return 0
	}
	d := int64(int32(delta))
	metaLen := x.metaLen()
	data := x.data + uint64(d)
	if int64(data) < int64(x.hard+xdpFrameSize+metaLen) || int64(data) > int64(x.end)-ethHLen {
		return negErrno(syscall.EINVAL)
	}
	if metaLen > 0 {
		copy(x.r.pktBytes(x.meta+uint64(d), x.meta+uint64(d)+metaLen), x.r.pktBytes(x.meta, x.meta+metaLen))
	}
	x.meta += uint64(d)
	x.data = data
	x.save()
	return 0
}

// bpf_xdp_adjust_meta(xdp, delta): moves data_meta by delta.
func xdpAdjustMeta(m *interp.Machine, pctx, delta, _, _, _ uint64) uint64 {
	x, ok := xdpArg(m, "bpf_xdp_adjust_meta", pctx)
	if !ok {
		return 0
	}
	if x.meta > x.data {
		return negErrno(errnoNotSupp)
	}
	meta := x.meta + uint64(int64(int32(delta)))
	if int64(meta) < int64(x.hard+xdpFrameSize) || meta > x.data {
		return negErrno(syscall.EINVAL)
	}
	if n := x.data - meta; n%4 != 0 || n > xdpMetaMax {
		return negErrno(syscall.EACCES)
	}
	x.meta = meta
	x.save()
	return 0
}

// bpf_xdp_adjust_tail(xdp, delta): moves data_end by delta, zeroing what
// the packet grows by; the tailroom keeps room for skb_shared_info.
func xdpAdjustTail(m *interp.Machine, pctx, delta, _, _, _ uint64) uint64 {
	x, ok := xdpArg(m, "bpf_xdp_adjust_tail", pctx)
	if !ok {
		return 0
	}
	d := int64(int32(delta))
	end := x.end + uint64(d)
	if int64(end) > int64(x.limit) || int64(end) < int64(x.data+ethHLen) {
		return negErrno(syscall.EINVAL)
	}
	if d > 0 {
		clear(x.r.pktBytes(x.end, end))
	}
	x.end = end
	x.save()
	return 0
}

// bpf_xdp_get_buff_len(xdp): the packet's length.
func xdpGetBuffLen(m *interp.Machine, pctx, _, _, _, _ uint64) uint64 {
	x, ok := xdpArg(m, "bpf_xdp_get_buff_len", pctx)
	if !ok {
		return 0
	}
	return x.end - x.data
}

// xdpBytes returns the packet bytes of bpf_xdp_load_bytes and
// bpf_xdp_store_bytes, or the errno (bpf_xdp_pointer).
func (x *xdpBuf) bytes(offset, n uint64) ([]byte, uint64) {
	off, size := uint64(uint32(offset)), uint64(uint32(n))
	if off > 0xffff || size > 0xffff {
		return nil, negErrno(syscall.EFAULT)
	}
	if off+size > x.end-x.data {
		return nil, negErrno(syscall.EINVAL)
	}
	return x.r.pktBytes(x.data+off, x.data+off+size), 0
}

// bpf_xdp_load_bytes(xdp, offset, buf, len).
func xdpLoadBytes(m *interp.Machine, pctx, offset, pbuf, n, _ uint64) uint64 {
	const name = "bpf_xdp_load_bytes"
	x, ok := xdpArg(m, name, pctx)
	if !ok {
		return 0
	}
	buf, ok := argBytes(m, name, pbuf, int(uint32(n)), true)
	if !ok {
		return 0
	}
	pkt, e := x.bytes(offset, n)
	if e != 0 {
		return e
	}
	copy(buf, pkt)
	return 0
}

// bpf_xdp_store_bytes(xdp, offset, buf, len).
func xdpStoreBytes(m *interp.Machine, pctx, offset, pbuf, n, _ uint64) uint64 {
	const name = "bpf_xdp_store_bytes"
	x, ok := xdpArg(m, name, pctx)
	if !ok {
		return 0
	}
	buf, ok := argBytes(m, name, pbuf, int(uint32(n)), false)
	if !ok {
		return 0
	}
	pkt, e := x.bytes(offset, n)
	if e != 0 {
		return e
	}
	copy(pkt, buf)
	return 0
}

// bpf_redirect(ifindex, flags) of xdp programs: XDP_REDIRECT, or
// XDP_ABORTED for any flag.
func xdpRedirect(m *interp.Machine, ifindex, flags, _, _, _ uint64) uint64 {
	if flags != 0 {
		return xdpActAborted
	}
	return xdpActRedirect
}

// bpf_redirect_map(map, key, flags) of xdp programs, as
// __bpf_xdp_redirect_map: XDP_REDIRECT when the entry exists (or for a
// devmap broadcast); otherwise the action in flags' low bits.
func xdpRedirectMap(m *interp.Machine, pmap, key, flags, _, _ uint64) uint64 {
	const name = "bpf_redirect_map"
	mp, ok := mapArg(m, name, pmap)
	if !ok {
		return 0
	}
	rm, ok := mp.(*maps.RedirectMap)
	if !ok {
		return fail(m, name, "map %s is a %s, not a devmap, cpumap or xskmap", mp.Name(), mp.Type())
	}
	var allowed uint64 = xdpActionMask
	if mp.Type() == maps.TypeDevMap {
		allowed |= fBroadcast | fExcludeIngress
	}
	if flags&^allowed != 0 {
		return xdpActAborted
	}
	if _, found := rm.Redirect(uint32(key)); !found && flags&fBroadcast == 0 {
		return flags & xdpActionMask
	}
	return xdpActRedirect
}
