package vm

import (
	"syscall"

	"github.com/bpfld/bpfld/interp"
	"github.com/bpfld/bpfld/runtime/maps"
)

// ringArg returns the ring buffer a program passed to helper name.
func ringArg(m *interp.Machine, name string, pmap uint64) (*maps.RingBuf, bool) {
	mp, ok := mapArg(m, name, pmap)
	if !ok {
		return nil, false
	}
	rb, ok := mp.(*maps.RingBuf)
	if !ok {
		fail(m, name, "map %s is a %s, not a ringbuf", mp.Name(), mp.Type())
	}
	return rb, ok
}

// bpf_ringbuf_output(ringbuf, data, size, flags): a record holding a copy
// of data; -EAGAIN when the ring is full.
func ringbufOutput(m *interp.Machine, pmap, pdata, size, flags, _ uint64) uint64 {
	const name = "bpf_ringbuf_output"
	rb, ok := ringArg(m, name, pmap)
	if !ok {
		return 0
	}
	data, ok := argBytes(m, name, pdata, int(size), false)
	if !ok {
		return 0
	}
	return errno(rb.Output(data, flags))
}

// bpf_ringbuf_reserve(ringbuf, size, flags): the address of a record for
// the program to fill, or NULL. The run counts the record until it is
// submitted or discarded.
func ringbufReserve(m *interp.Machine, pmap, size, flags, _, _ uint64) uint64 {
	rb, ok := ringArg(m, "bpf_ringbuf_reserve", pmap)
	if !ok {
		return 0
	}
	addr := rb.Reserve(size, flags)
	if addr != 0 {
		env(m).reserved++
	}
	return addr
}

// bpf_ringbuf_submit(data, flags).
func ringbufSubmit(m *interp.Machine, addr, flags, _, _, _ uint64) uint64 {
	return commitRecord(m, "bpf_ringbuf_submit", addr, flags, false)
}

// bpf_ringbuf_discard(data, flags).
func ringbufDiscard(m *interp.Machine, addr, flags, _, _, _ uint64) uint64 {
	return commitRecord(m, "bpf_ringbuf_discard", addr, flags, true)
}

// commitRecord submits or discards the record at addr in whichever ring
// buffer of the collection holds it.
func commitRecord(m *interp.Machine, name string, addr, flags uint64, discard bool) uint64 {
	r := env(m)
	for _, rb := range r.c.ringBufs {
		var err error
		if discard {
			err = rb.Discard(addr, flags)
		} else {
			err = rb.Submit(addr, flags)
		}
		if err == nil {
			r.reserved--
			return 0
		}
	}
	return fail(m, name, "%#x is not a reserved ring buffer record", addr)
}

// bpf_ringbuf_query(ringbuf, flags).
func ringbufQuery(m *interp.Machine, pmap, flags, _, _, _ uint64) uint64 {
	rb, ok := ringArg(m, "bpf_ringbuf_query", pmap)
	if !ok {
		return 0
	}
	return rb.Query(flags)
}

// perfOutput writes a perf event record of data and ctxData (the packet
// bytes flags asked for) to the perf event array at pmap.
func perfOutput(m *interp.Machine, name string, pmap, flags uint64, data, ctxData []byte) uint64 {
	mp, ok := mapArg(m, name, pmap)
	if !ok {
		return 0
	}
	pe, ok := mp.(*maps.PerfEventArray)
	if !ok {
		return fail(m, name, "map %s is a %s, not a perf_event_array", mp.Name(), mp.Type())
	}
	rec := make([]byte, 0, len(data)+len(ctxData))
	rec = append(append(rec, data...), ctxData...)
	return errno(pe.Output(flags, int(m.CPU), rec))
}

// bpf_perf_event_output(ctx, map, flags, data, size) of the tracing
// program types.
func perfEventOutput(m *interp.Machine, _, pmap, flags, pdata, size uint64) uint64 {
	const name = "bpf_perf_event_output"
	data, ok := argBytes(m, name, pdata, int(size), false)
	if !ok {
		return 0
	}
	if flags&^maps.PerfIndexMask != 0 {
		return negErrno(syscall.EINVAL)
	}
	return perfOutput(m, name, pmap, flags, data, nil)
}

// bpf_perf_event_output(skb, map, flags, data, size) of skb programs
// (bpf_skb_event_output).
func skbEventOutput(m *interp.Machine, pctx, pmap, flags, pdata, size uint64) uint64 {
	const name = "bpf_perf_event_output"
	pkt, ok := skbArg(m, name, pctx)
	if !ok {
		return 0
	}
	data, ok := argBytes(m, name, pdata, int(size), false)
	if !ok {
		return 0
	}
	return packetEventOutput(m, pmap, flags, data, pkt)
}

// bpf_perf_event_output(xdp, map, flags, data, size) of xdp programs
// (bpf_xdp_event_output).
func xdpEventOutput(m *interp.Machine, pctx, pmap, flags, pdata, size uint64) uint64 {
	const name = "bpf_perf_event_output"
	x, ok := xdpArg(m, name, pctx)
	if !ok {
		return 0
	}
	data, ok := argBytes(m, name, pdata, int(size), false)
	if !ok {
		return 0
	}
	return packetEventOutput(m, pmap, flags, data, x.r.pktBytes(x.data, x.end))
}

// packetEventOutput is bpf_perf_event_output of skb and xdp programs: the
// BPF_F_CTXLEN_MASK bits of flags ask for that many bytes of the packet
// after data.
func packetEventOutput(m *interp.Machine, pmap, flags uint64, data, pkt []byte) uint64 {
	ctxLen := (flags & maps.PerfCtxLenMask) >> 32
	switch {
	case flags&^(maps.PerfCtxLenMask|maps.PerfIndexMask) != 0:
		return negErrno(syscall.EINVAL)
	case ctxLen > uint64(len(pkt)):
		return negErrno(syscall.EFAULT)
	}
	return perfOutput(m, "bpf_perf_event_output", pmap, flags, data, pkt[:ctxLen])
}
