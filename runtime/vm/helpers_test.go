package vm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/runtime"
	"github.com/bpfld/bpfld/runtime/maps"
)

// onStack stores data, zero-padded to whole 8-byte words, at r10+off.
func onStack(off int16, data []byte) []insn.Instruction {
	var out []insn.Instruction
	for i := 0; i < len(data); i += 8 {
		var w [8]byte
		copy(w[:], data[i:])
		out = append(out, ldImm64(1, binary.LittleEndian.Uint64(w[:]))...)
		out = append(out, stx(insn.SizeDW, 10, 1, off+int16(i)))
	}
	return out
}

// stackPtr sets dst to r10+off.
func stackPtr(dst uint8, off int16) []insn.Instruction {
	return []insn.Instruction{movReg(dst, 10), addImm(dst, int32(off))}
}

// helperCase is one call of a helper in a hand-written program, run on
// the VM and in the kernel.
type helperCase struct {
	name  string
	typ   uint32
	body  []insn.Instruction // leaves the result in r0
	input []byte             // nil: 64 zero bytes (ctx for raw_tp)
	// callback says the body ends in its own exit and a callback
	// function follows: the last 5 instructions.
	callback bool
}

// callWithCtx calls helper with r1 the context (saved in r6) and r2..r5
// the given values.
func callWithCtx(helper int32, args ...uint64) []insn.Instruction {
	out := []insn.Instruction{movReg(6, 1)}
	for i, a := range args {
		out = append(out, ldImm64(uint8(i+2), a)...)
	}
	return append(out, movReg(1, 6), call(helper))
}

// csumDiffCall calls bpf_csum_diff on from and to stored on the stack.
func csumDiffCall(from, to []byte, fromSize, toSize uint32, seed uint64) []insn.Instruction {
	var out []insn.Instruction
	out = append(out, onStack(-256, from)...)
	out = append(out, onStack(-128, to)...)
	out = append(out, stackPtr(1, -256)...)
	out = append(out, movImm(2, int32(fromSize)))
	out = append(out, stackPtr(3, -128)...)
	out = append(out, movImm(4, int32(toSize)))
	out = append(out, ldImm64(5, seed)...)
	return append(out, call(fnCsumDiff))
}

// strArg, as an argument of printkCall, stands for a pointer to the
// string "str" on the stack.
const strArg = 0x5354525f50545221

// printkCall calls bpf_trace_printk with a format on the stack and three
// arguments.
func printkCall(format string, a1, a2, a3 uint64) []insn.Instruction {
	fb := append([]byte(format), 0)
	var out []insn.Instruction
	out = append(out, onStack(-256, fb)...)
	out = append(out, onStack(-16, []byte("str\x00"))...)
	for i, a := range []uint64{a1, a2, a3} {
		r := uint8(3 + i)
		if a == strArg {
			out = append(out, stackPtr(r, -16)...)
		} else {
			out = append(out, ldImm64(r, a)...)
		}
	}
	out = append(out, stackPtr(1, -256)...)
	out = append(out, movImm(2, int32(len(fb))))
	return append(out, call(fnTracePrintk))
}

// probeCall calls a probe_read helper into 16 bytes of stack from src.
func probeCall(helper int32, size int32, src uint64) []insn.Instruction {
	var out []insn.Instruction
	out = append(out, onStack(-16, []byte("xxxxxxxxxxxxxxx"))...)
	out = append(out, stackPtr(1, -16)...)
	out = append(out, movImm(2, size))
	out = append(out, ldImm64(3, src)...)
	return append(out, call(helper))
}

// xdpCall calls an xdp helper that takes the context and a delta.
func xdpCall(helper int32, delta int32) []insn.Instruction {
	return []insn.Instruction{movImm(2, delta), call(helper)}
}

func helperCases() []helperCase {
	w := func(vals ...uint32) []byte {
		var b []byte
		for _, v := range vals {
			b = binary.BigEndian.AppendUint32(b, v)
		}
		return b
	}
	cases := []helperCase{
		{name: "redirect", typ: typeTC, body: []insn.Instruction{movImm(1, 3), movImm(2, 0), call(fnRedirect)}},
		{name: "redirect ingress", typ: typeTC, body: []insn.Instruction{movImm(1, 3), movImm(2, 1), call(fnRedirect)}},
		{name: "redirect bad flags", typ: typeTC, body: []insn.Instruction{movImm(1, 3), movImm(2, 2), call(fnRedirect)}},
		{name: "xdp redirect", typ: typeXDP, body: []insn.Instruction{movImm(1, 3), movImm(2, 0), call(fnRedirect)}},
		{name: "xdp redirect flags", typ: typeXDP, body: []insn.Instruction{movImm(1, 3), movImm(2, 1), call(fnRedirect)}},
		{name: "csum_update", typ: typeTC, body: callWithCtx(fnCsumUpdate, 5)},
		{name: "pull_data 0", typ: typeTC, body: callWithCtx(fnSkbPullData, 0)},
		{name: "pull_data all", typ: typeTC, body: callWithCtx(fnSkbPullData, 64)},
		{name: "pull_data more", typ: typeTC, body: callWithCtx(fnSkbPullData, 65)},
	}
	// bpf_current_task_under_cgroup on an empty cgroup array, in range
	// and past max_entries.
	for _, index := range []int32{0, 2} {
		body := append(ldMap(1, cgroupMap), movImm(2, index), call(fnCurrentTaskUnderCg))
		cases = append(cases, helperCase{name: fmt.Sprintf("current_task_under_cgroup %d", index), typ: unix.BPF_PROG_TYPE_RAW_TRACEPOINT, body: body})
	}
	// bpf_perf_event_output from packet programs: bad flags, more packet
	// bytes (BPF_F_CTXLEN_MASK) than the packet has, and a valid call to a
	// CPU with no reader.
	const currentCPU = uint64(maps.PerfIndexMask)
	for _, typ := range []uint32{typeTC, typeXDP} {
		for _, c := range []struct {
			name  string
			flags uint64
		}{
			{"bad flags", 1<<62 | currentCPU},
			{"ctxlen past the packet", 65<<32 | currentCPU},
			{"ctxlen, no reader", 64<<32 | currentCPU},
		} {
			cases = append(cases, helperCase{name: fmt.Sprintf("perf output %d %s", typ, c.name), typ: typ, body: perfOutputCall(c.flags)})
		}
	}
	for _, c := range []struct {
		name         string
		from, to     []byte
		fsize, tsize uint32
		seed         uint64
	}{
		{"both", w(0x0a000001, 0xc0a80001), w(0x01020304, 0xffffffff), 8, 8, 0},
		{"to only", nil, w(0xdeadbeef, 0xdeadbeef), 0, 8, 0},
		{"to seeded", nil, w(0xdeadbeef), 0, 4, 0x12345678},
		{"from only", w(0xdeadbeef, 1), nil, 8, 0, 0},
		{"from seeded", w(0xdeadbeef), nil, 4, 0, 0xffff0000},
		{"none", nil, nil, 0, 0, 0x1234abcd},
		{"none high seed", nil, nil, 0, 0, 0xffffffff12345678},
		{"zeros", w(0, 0), w(0, 0), 8, 8, 0},
		{"unaligned", w(1, 2), w(3, 4), 6, 8, 0},
		{"odd", w(1, 2), w(3, 4), 5, 7, 0},
		{"max", make([]byte, 96), make([]byte, 96), 96, 96, 7},
	} {
		cases = append(cases, helperCase{name: "csum_diff " + c.name, typ: typeTC, body: csumDiffCall(c.from, c.to, c.fsize, c.tsize, c.seed)})
	}
	big := onStack(-512, seq(512))
	big = append(big, stackPtr(1, -512)...)
	big = append(big, movImm(2, 260))
	big = append(big, stackPtr(3, -260)...)
	big = append(big, movImm(4, 260), movImm(5, 0), call(fnCsumDiff))
	cases = append(cases, helperCase{name: "csum_diff over 512 bytes", typ: typeTC, body: big})
	for _, c := range []struct {
		name            string
		off, from, to   uint64
		flags           uint64
		helper          int32
		onlyChecksumSet bool
	}{
		{"l3 4", 24, 0x0200000a, 0x0100000a, 4, fnL3CsumReplace, false},
		{"l3 2", 24, 0x0002, 0x3500, 2, fnL3CsumReplace, false},
		{"l3 diff", 24, 0, 0x1234, 0, fnL3CsumReplace, false},
		{"l3 diff from", 24, 1, 0x1234, 0, fnL3CsumReplace, false},
		{"l3 size 3", 24, 1, 2, 3, fnL3CsumReplace, false},
		{"l3 flags", 24, 1, 2, 0x14, fnL3CsumReplace, false},
		{"l3 odd", 25, 1, 2, 4, fnL3CsumReplace, false},
		{"l3 past", 64, 1, 2, 4, fnL3CsumReplace, false},
		{"l3 last", 62, 1, 2, 4, fnL3CsumReplace, false},
		{"l3 far", 0x10000, 1, 2, 4, fnL3CsumReplace, false},
		{"l4 4", 40, 0x0200000a, 0x0100000a, 4, fnL4CsumReplace, false},
		{"l4 pseudo", 40, 0x0200000a, 0x0100000a, 4 | fPseudoHdr, fnL4CsumReplace, false},
		{"l4 2", 40, 0x0f27, 0x3500, 2, fnL4CsumReplace, false},
		{"l4 2 high", 40, 0xffff0f27, 0x12343500, 2, fnL4CsumReplace, false},
		{"l4 diff", 40, 0, 0xfffe, fPseudoHdr, fnL4CsumReplace, false},
		{"l4 mangled zero", 50, 1, 2, 4 | fMarkMangled0, fnL4CsumReplace, false},
		{"l4 mangled enforce", 50, 1, 2, 4 | fMarkMangled0 | fMarkEnforce, fnL4CsumReplace, false},
		{"l4 mangled result", 40, 0, 0x5a05, fMarkMangled0, fnL4CsumReplace, false},
		{"l4 ipv6", 40, 0, 0x1234, fIPv6 | fPseudoHdr, fnL4CsumReplace, false},
		{"l4 bad flags", 40, 1, 2, 1 << 8, fnL4CsumReplace, false},
	} {
		cases = append(cases, helperCase{name: c.name, typ: typeTC, body: callWithCtx(c.helper, c.off, c.from, c.to, c.flags), input: udpPacket})
	}
	for _, c := range []struct {
		name             string
		off, size, flags uint64
	}{
		{"store", 10, 8, 0}, {"store recompute", 10, 8, fRecomputeCsum | fInvalidateHash},
		{"store bad flags", 10, 8, 4}, {"store end", 56, 8, 0}, {"store past", 57, 8, 0},
		{"store huge offset", 0x80000000, 8, 0},
	} {
		body := append([]insn.Instruction{movReg(6, 1)}, onStack(-8, []byte("ABCDEFGH"))...)
		body = append(body, ldImm64(2, c.off)...)
		body = append(body, stackPtr(3, -8)...)
		body = append(body, movImm(4, int32(c.size)))
		body = append(body, ldImm64(5, c.flags)...)
		body = append(body, movReg(1, 6), call(fnSkbStoreBytes))
		cases = append(cases, helperCase{name: c.name, typ: typeTC, body: body})
	}
	for _, c := range []struct {
		name string
		typ  uint32
		off  uint64
	}{{"load tc end", typeTC, 56}, {"load tc past", typeTC, 57}, {"load socket end", typeSocket, 42}, {"load socket past", typeSocket, 43}} {
		body := []insn.Instruction{movReg(6, 1)}
		body = append(body, ldImm64(2, c.off)...)
		body = append(body, stackPtr(3, -8)...)
		body = append(body, movImm(4, 8), movReg(1, 6), call(fnSkbLoadBytes))
		cases = append(cases, helperCase{name: c.name, typ: c.typ, body: body, input: seq(64)})
	}
	for _, c := range []struct {
		name string
		typ  uint32
		ins  insn.Instruction
	}{
		{"ld_abs socket", typeSocket, insn.Instruction{OpCode: uint8(insn.ClassLD) | insn.ModeABS | insn.SizeW, Imm: 2}},
		{"ld_abs tc", typeTC, insn.Instruction{OpCode: uint8(insn.ClassLD) | insn.ModeABS | insn.SizeH, Imm: 12}},
		{"ld_abs past", typeSocket, insn.Instruction{OpCode: uint8(insn.ClassLD) | insn.ModeABS | insn.SizeB, Imm: 50}},
		{"ld_ind", typeSocket, insn.Instruction{OpCode: uint8(insn.ClassLD) | insn.ModeIND | insn.SizeB, Src: 7, Imm: 3}},
	} {
		body := []insn.Instruction{movReg(6, 1), movImm(7, 40), movImm(0, 99), c.ins}
		cases = append(cases, helperCase{name: c.name, typ: c.typ, body: body, input: seq(64)})
	}
	for _, start := range []uint64{hdrStartMAC, hdrStartNet, 2} {
		for _, off := range []uint64{0, 42, 50, 56} {
			body := []insn.Instruction{movReg(6, 1)}
			body = append(body, ldImm64(2, off)...)
			body = append(body, stackPtr(3, -8)...)
			body = append(body, movImm(4, 8), movImm(5, int32(start)), movReg(1, 6), call(fnSkbLoadBytesRel),
				jeqImm(0, 0, 1), exit(), ldx(insn.SizeDW, 0, 10, -8))
			cases = append(cases, helperCase{name: fmt.Sprintf("load relative %d+%d", start, off), typ: typeSocket, body: body, input: seq(64)})
		}
	}
	for _, d := range []int32{-216, -217, -256, 50, 51, -4} {
		cases = append(cases, helperCase{name: fmt.Sprintf("adjust_head %d", d), typ: typeXDP, body: xdpCall(fnXDPAdjustHead, d), input: seq(64)})
	}
	for _, d := range []int32{3456, 3457, -50, -51, 16} {
		cases = append(cases, helperCase{name: fmt.Sprintf("adjust_tail %d", d), typ: typeXDP, body: xdpCall(fnXDPAdjustTail, d), input: seq(64)})
	}
	for _, d := range []int32{-4, -8, -3, 4, -216, -220, -256} {
		cases = append(cases, helperCase{name: fmt.Sprintf("adjust_meta %d", d), typ: typeXDP, body: xdpCall(fnXDPAdjustMeta, d), input: seq(64)})
	}
	metaThenHead := append(xdpCall(fnXDPAdjustMeta, -8)[:0:0], movReg(6, 1))
	metaThenHead = append(metaThenHead, xdpCall(fnXDPAdjustMeta, -8)...)
	metaThenHead = append(metaThenHead, movReg(1, 6), movImm(2, -200), call(fnXDPAdjustHead))
	cases = append(cases, helperCase{name: "adjust_meta then head", typ: typeXDP, body: metaThenHead, input: seq(64)})
	cases = append(cases, helperCase{name: "xdp_get_buff_len", typ: typeXDP, body: []insn.Instruction{call(fnXDPGetBuffLen)}, input: seq(100)})
	for _, c := range []struct {
		name   string
		helper int32
		size   int32
		src    uint64
	}{
		{"kernel null", fnProbeReadKernel, 8, 0},
		{"kernel low", fnProbeReadKernel, 8, 0x1000},
		{"kernel str null", fnProbeReadKernelStr, 8, 0},
		{"user null", fnProbeReadUser, 8, 0},
		{"user str null", fnProbeReadUserStr, 8, 0},
		{"legacy null", fnProbeRead, 8, 0},
		{"legacy str null", fnProbeReadStr, 8, 0},
		{"kernel zero size", fnProbeReadKernel, 0, 0},
	} {
		cases = append(cases, helperCase{name: "probe_read " + c.name, typ: unix.BPF_PROG_TYPE_RAW_TRACEPOINT, body: probeCall(c.helper, c.size, c.src)})
	}
	for _, c := range []struct {
		name         string
		helper, mi   int32
		key          uint32
		value, flags uint64
	}{
		{"arr update", fnMapUpdateElem, mapArr, 0, 7, 0},
		{"arr update noexist", fnMapUpdateElem, mapArr, 0, 7, 1},
		{"arr update exist", fnMapUpdateElem, mapArr, 1, 7, 2},
		{"arr update bad flags", fnMapUpdateElem, mapArr, 0, 7, 3},
		{"arr update lock", fnMapUpdateElem, mapArr, 0, 7, 4},
		{"arr update past", fnMapUpdateElem, mapArr, 2, 7, 0},
		{"arr delete", fnMapDeleteElem, mapArr, 0, 0, 0},
		{"arr lookup past", fnMapLookupElem, mapArr, 2, 0, 0},
		{"hash update exist", fnMapUpdateElem, mapHash, 0, 1, 2},
		{"hash update", fnMapUpdateElem, mapHash, 0, 1, 0},
		{"hash update 2", fnMapUpdateElem, mapHash, 1, 1, 0},
		{"hash update full", fnMapUpdateElem, mapHash, 2, 1, 0},
		{"hash update full existing", fnMapUpdateElem, mapHash, 1, 2, 0},
		{"hash update noexist", fnMapUpdateElem, mapHash, 1, 2, 1},
		{"hash lookup", fnMapLookupElem, mapHash, 1, 0, 0},
		{"hash delete", fnMapDeleteElem, mapHash, 1, 0, 0},
		{"hash delete again", fnMapDeleteElem, mapHash, 1, 0, 0},
		{"hash lookup deleted", fnMapLookupElem, mapHash, 1, 0, 0},
		{"queue pop empty", fnMapPopElem, mapQueue, 0, 0, 0},
		{"queue peek empty", fnMapPeekElem, mapQueue, 0, 0, 0},
		{"queue push", fnMapPushElem, mapQueue, 0, 1, 0},
		{"queue push 2", fnMapPushElem, mapQueue, 0, 2, 0},
		{"queue push full", fnMapPushElem, mapQueue, 0, 3, 0},
		{"queue push exist", fnMapPushElem, mapQueue, 0, 3, 2},
		{"queue push noexist", fnMapPushElem, mapQueue, 0, 3, 1},
		{"queue pop", fnMapPopElem, mapQueue, 0, 0, 0},
		{"queue peek", fnMapPeekElem, mapQueue, 0, 0, 0},
		{"pcpu lookup cpu 0", fnMapLookupPercpuElem, mapPCPU, 0, 0, 0},
		{"pcpu lookup cpu 9999", fnMapLookupPercpuElem, mapPCPU, 0, 0, 9999},
		{"pcpu lookup key 1", fnMapLookupPercpuElem, mapPCPU, 1, 0, 0},
	} {
		cases = append(cases, helperCase{name: c.name, typ: typeTC, body: mapCall(c.helper, c.mi, c.key, c.value, c.flags)})
	}
	for _, c := range []struct {
		nr, flags uint64
		stop      int32
	}{{10, 0, -1}, {10, 0, 3}, {0, 0, -1}, {10, 1, -1}, {1<<23 + 1, 0, -1}, {1 << 32, 0, -1}} {
		cases = append(cases, helperCase{name: fmt.Sprintf("loop %d flags %d stop %d", c.nr, c.flags, c.stop), typ: typeTC, body: loopCall(c.nr, c.flags, c.stop), callback: true})
	}
	for _, c := range []struct {
		s1, s2 string
		size   int32
	}{{"abc", "abc", 4}, {"abd", "abc", 4}, {"abb", "abc", 4}, {"ab", "abc", 3}, {"abc", "ab", 4}, {"abc", "abd", 2}} {
		body := onStack(-32, []byte(c.s1+"\x00"))
		body = append(body, stackPtr(1, -32)...)
		body = append(body, movImm(2, c.size))
		body = append(body, ldMapValue(3, 0, int32(bytes.Index(helperStrings, []byte(c.s2+"\x00"))))...)
		body = append(body, call(fnStrncmp))
		cases = append(cases, helperCase{name: fmt.Sprintf("strncmp %q %q %d", c.s1, c.s2, c.size), typ: typeTC, body: body})
	}
	// Legacy packet loads at the classic negative offsets SKF_LL_OFF
	// (-0x200000) and SKF_NET_OFF (-0x100000), on an IPv4 packet: tc
	// programs see it from the Ethernet header, socket filters from the
	// IP header, and both headers are where the test run put them.
	ipv4 := append(make([]byte, 12), 0x08, 0x00, 0x45, 0, 0, 0x28, 0, 0, 0, 0, 64, 6, 0x12, 0x34, 192, 168, 0, 1, 192, 168, 0, 2)
	for _, typ := range []uint32{typeTC, typeSocket} {
		for _, l := range []struct {
			name string
			size uint8
			off  int32
		}{
			{"ll+12 h", insn.SizeH, -0x200000 + 12}, {"net+9 b", insn.SizeB, -0x100000 + 9}, {"net+16 w", insn.SizeW, -0x100000 + 16},
			{"net+18 w past the end", insn.SizeW, -0x100000 + 18}, {"ll-1", insn.SizeB, -0x200000 - 1}, {"-1", insn.SizeB, -1},
			{"0 w", insn.SizeW, 0},
		} {
			body := []insn.Instruction{movReg(6, 1), movImm(0, 7), {OpCode: uint8(insn.ClassLD) | insn.ModeABS | l.size, Imm: l.off}, addImm(0, 0x100)}
			cases = append(cases, helperCase{name: fmt.Sprintf("ld_abs %s (%s)", l.name, progTypeName(typ)), typ: typ, body: body, input: ipv4})
		}
	}
	for _, c := range strtoxCases {
		for _, h := range []struct {
			name string
			id   int32
		}{{"strtol", fnStrtol}, {"strtoul", fnStrtoul}} {
			cases = append(cases,
				helperCase{name: fmt.Sprintf("%s %q %d flags %d", h.name, c.s, c.size, c.flags), typ: typeTC, body: strtoxCall(h.id, c.s, c.size, c.flags, false)},
				helperCase{name: fmt.Sprintf("%s %q %d flags %d: *res", h.name, c.s, c.size, c.flags), typ: typeTC, body: strtoxCall(h.id, c.s, c.size, c.flags, true)})
		}
	}
	for _, c := range []struct {
		format     string
		a1, a2, a3 uint64
	}{
		{"hello\n", 0, 0, 0},
		{"%d %u %x", 0xffffffff, 0xffffffff, 0xffffffff},
		{"%ld %lu %lx", 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff},
		{"%lld %llu %llx", 1 << 63, 1 << 63, 1 << 63},
		{"%i %X %%", 42, 0xabc, 0},
		{"%5d|%-5d|%05d", 42, 42, 42},
		{"%+d % d %+u", 42, 42, 42},
		{"%c%c%c", 'a', 'b', 'c'},
		{"%s|%10s|%-5s|", strArg, strArg, strArg},
		{"%s", 0, 0, 0},
		{"%d %d %d %d", 1, 2, 3},
		{"%q", 1, 0, 0},
		{"%sx", strArg, 0, 0},
		{"%pK %px", 0x1234, 0x5678, 0},
		{"%p", 0x1234, 0, 0},
		{"%pI4 %pi4", strArg, strArg, 0},
		{"%pks.", strArg, 0, 0},
		{"tab\there", 0, 0, 0},
		{"bell\a", 0, 0, 0},
		{"%08x %-08x", 0xbeef, 0xbeef, 0},
		{"%hd", 1, 0, 0},
		{"%5%", 1, 0, 0},
	} {
		cases = append(cases, helperCase{name: fmt.Sprintf("trace_printk %q", c.format), typ: typeTC, body: printkCall(c.format, c.a1, c.a2, c.a3)})
	}
	return cases
}

// The maps of the helper cases, after .rodata.
const (
	mapArr = iota + 1
	mapHash
	mapQueue
	mapPCPU
)

var helperMaps = []*link.MapSpec{
	{Name: "arr", Type: uint32(maps.TypeArray), KeySize: 4, ValueSize: 8, MaxEntries: 2},
	{Name: "hash", Type: uint32(maps.TypeHash), KeySize: 4, ValueSize: 8, MaxEntries: 2},
	{Name: "queue", Type: uint32(maps.TypeQueue), ValueSize: 8, MaxEntries: 2},
	{Name: "pcpu", Type: uint32(maps.TypePerCPUArray), KeySize: 4, ValueSize: 8, MaxEntries: 1},
	{Name: "perf", Type: uint32(maps.TypePerfEventArray), KeySize: 4, ValueSize: 4, MaxEntries: uint32(maps.PossibleCPUs())},
	{Name: "cgroups", Type: uint32(maps.TypeCgroupArray), KeySize: 4, ValueSize: 4, MaxEntries: 2},
}

// cgroupMap is the index of "cgroups" in a test image.
const cgroupMap = 6

// perfMap is the index of "perf" in a test image: after .rodata and the
// other helperMaps.
const perfMap = 5

// perfOutputCall calls bpf_perf_event_output(ctx, perf, flags, data, 8)
// with 8 bytes of data on the stack.
func perfOutputCall(flags uint64) []insn.Instruction {
	out := []insn.Instruction{movReg(6, 1), st(insn.SizeDW, 10, -8, 0x1234)}
	out = append(out, ldMap(2, perfMap)...)
	out = append(out, ldImm64(3, flags)...)
	out = append(out, stackPtr(4, -8)...)
	return append(out, movImm(5, 8), movReg(1, 6), call(fnPerfEventOutput))
}

// mapCall calls a map helper with map index mi, the key (if the helper
// takes one) at r10-8 and the value at r10-16, then flags or cpu in the
// next argument; a lookup's result is 1 for found, 0 for not.
func mapCall(helper int32, mi int32, key uint32, value uint64, flags uint64) []insn.Instruction {
	out := []insn.Instruction{st(insn.SizeW, 10, -8, int32(key))}
	out = append(out, ldImm64(1, value)...)
	out = append(out, stx(insn.SizeDW, 10, 1, -16))
	out = append(out, ldMap(1, mi)...)
	switch helper {
	case fnMapUpdateElem:
		out = append(out, stackPtr(2, -8)...)
		out = append(out, stackPtr(3, -16)...)
		out = append(out, ldImm64(4, flags)...)
	case fnMapDeleteElem, fnMapLookupElem:
		out = append(out, stackPtr(2, -8)...)
	case fnMapLookupPercpuElem:
		out = append(out, stackPtr(2, -8)...)
		out = append(out, ldImm64(3, flags)...)
	case fnMapPushElem:
		out = append(out, stackPtr(2, -16)...)
		out = append(out, ldImm64(3, flags)...)
	default: // pop, peek
		out = append(out, stackPtr(2, -16)...)
	}
	out = append(out, call(helper))
	if helper == fnMapLookupElem || helper == fnMapLookupPercpuElem {
		out = append(out, jeqImm(0, 0, 1), movImm(0, 1))
	}
	return out
}

// strtoxCases are the inputs of bpf_strtol and bpf_strtoul: the string
// (stored on the stack, zero-padded), the length passed and the flags.
var strtoxCases = []struct {
	s     string
	size  int32
	flags uint64
}{
	{"123", 3, 0}, {"  -42xyz", 8, 0}, {"\t+7", 3, 0}, {"0x1F", 4, 0}, {"0x1F", 4, 16}, {"1F", 2, 16},
	{"0X", 2, 0}, {"0xg", 3, 0}, {"017", 3, 0}, {"089", 3, 0}, {"017", 3, 10}, {"12345", 3, 10},
	{"   ", 3, 0}, {"-", 1, 0}, {"abc", 3, 10}, {"1", 1, 2}, {"1", 1, 0x20},
	{"18446744073709551615", 20, 0}, {"18446744073709551616", 20, 0},
	{"9223372036854775807", 19, 0}, {"9223372036854775808", 19, 0}, {"-9223372036854775808", 20, 0},
	{"-9223372036854775809", 20, 0}, {"0xffffffffffffffff", 18, 0}, {"12\x0034", 5, 0},
	{"000000000000000000000000000000000000000000000000000000000000000000000009", 72, 0},
}

// strtoxCall calls helper (bpf_strtol or bpf_strtoul) on s stored at
// r10-96 with *res at r10-104 set to 0x5555 first; the program returns
// the helper's result, or with res the two halves of *res XORed.
func strtoxCall(helper int32, s string, size int32, flags uint64, res bool) []insn.Instruction {
	out := onStack(-96, []byte(s))
	out = append(out, ldImm64(1, 0x5555)...)
	out = append(out, stx(insn.SizeDW, 10, 1, -104))
	out = append(out, stackPtr(1, -96)...)
	out = append(out, movImm(2, size))
	out = append(out, ldImm64(3, flags)...)
	out = append(out, stackPtr(4, -104)...)
	out = append(out, call(helper))
	if res {
		out = append(out, ldx(insn.SizeDW, 0, 10, -104), movReg(1, 0),
			insn.Instruction{OpCode: uint8(insn.ClassALU64) | insn.ALURsh | insn.SourceK, Dst: 1, Imm: 32},
			insn.Instruction{OpCode: uint8(insn.ClassALU64) | insn.ALUXor | insn.SourceX, Dst: 0, Src: 1})
	}
	return out
}

// helperStrings is the .rodata of the helper cases: constant strings.
var helperStrings = []byte("abc\x00\x00\x00\x00\x00ab\x00\x00\x00\x00\x00\x00abd\x00\x00\x00\x00\x00")

// loopCall calls bpf_loop(nr, callback, NULL, flags) with a callback that
// stops the loop at index stop: the program returns bpf_loop's result.
func loopCall(nr, flags uint64, stop int32) []insn.Instruction {
	out := ldImm64(1, nr)
	// The callback starts 7 slots after the ld_imm64's first: past its
	// second slot and the rest of the caller (r3, r4 (2 slots), call,
	// exit).
	out = append(out, insn.Instruction{OpCode: insn.OpLdImm64, Dst: 2, Src: insn.PseudoFunc, Imm: 6}, insn.Instruction{})
	out = append(out, movImm(3, 0))
	out = append(out, ldImm64(4, flags)...)
	out = append(out, call(fnLoop), exit())
	// callback(index, ctx): 1 (stop) at index stop, else 0.
	return append(out, movImm(0, 0), jeqImm(1, stop, 1), exit(), movImm(0, 1), exit())
}

// callbackFuncInfos is the BTF func_info of a program whose callback
// function starts at slot cb, which the kernel needs to tell callbacks.
func callbackFuncInfos(name string, cb int) btf.FuncOffsets {
	i32 := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	i64 := &btf.Int{Name: "long", Size: 8, Encoding: btf.Signed}
	u64 := &btf.Int{Name: "u64", Size: 8}
	ptr := &btf.Pointer{Target: &btf.Void{}}
	return btf.FuncOffsets{
		{Offset: 0, Func: &btf.Func{Name: name, Linkage: btf.GlobalFunc,
			Type: &btf.FuncProto{Return: i32, Params: []btf.FuncParam{{Name: "ctx", Type: ptr}}}}},
		{Offset: asm.RawInstructionOffset(cb), Func: &btf.Func{Name: "cb", Linkage: btf.StaticFunc,
			Type: &btf.FuncProto{Return: i64, Params: []btf.FuncParam{{Name: "index", Type: u64}, {Name: "ctx", Type: ptr}}}}},
	}
}

// TestHelpersKernel runs every helper case on the VM and in the kernel
// and compares return values and output packets.
func TestHelpersKernel(t *testing.T) {
	cases := helperCases()
	var progs []*link.Program
	for i, c := range cases {
		p := asmProgram(fmt.Sprintf("h%d", i), c.typ, c.body, exit())
		if c.callback {
			p = asmProgram(p.Name, c.typ, c.body)
			n := len(p.Insns)
			p.Functions = []link.FunctionRange{{Name: p.Name, Len: n - 5}, {Name: "cb", Start: n - 5, Len: 5}}
			p.FuncInfos = callbackFuncInfos(p.Name, n-5)
		}
		progs = append(progs, p)
	}
	img := &link.Image{Programs: progs, Maps: []*link.MapSpec{{Name: ".rodata", Type: uint32(maps.TypeArray),
		KeySize: 4, ValueSize: uint32(len(helperStrings)), MaxEntries: 1, Data: helperStrings, Frozen: true}}}
	img.Maps = append(img.Maps, helperMaps...)
	k := newKernel(t, img)
	vm := newVM(t, img)
	for i, c := range cases {
		name := fmt.Sprintf("h%d", i)
		in := runtime.RunInput{Data: c.input}
		if c.typ == unix.BPF_PROG_TYPE_RAW_TRACEPOINT {
			in = runtime.RunInput{Context: zeros(64)}
		} else if in.Data == nil {
			in.Data = zeros(64)
		}
		want, kerr := k.Run(name, in)
		got, err := vm.Run(name, in)
		switch {
		case kerr != nil && runtime.IsRejected(kerr):
			t.Errorf("%s: the kernel rejects the test program: %v", c.name, kerr)
		case (err != nil) != (kerr != nil):
			t.Errorf("%s: vm error %v, kernel error %v", c.name, err, kerr)
		case err != nil:
		case got.Retval != want.Retval:
			t.Errorf("%s: retval vm %#x (%d), kernel %#x (%d); trace %q", c.name, got.Retval, int32(got.Retval), want.Retval, int32(want.Retval), got.Trace)
		case !bytes.Equal(got.Output, want.Output):
			t.Errorf("%s: output\nvm     %x\nkernel %x", c.name, got.Output, want.Output)
		}
	}
	compareMaps(t, img, vm, k, nil)
}
