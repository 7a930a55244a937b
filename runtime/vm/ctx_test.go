package vm

import (
	"bytes"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/runtime"
)

const (
	typeSocket = unix.BPF_PROG_TYPE_SOCKET_FILTER
	typeTC     = unix.BPF_PROG_TYPE_SCHED_CLS
	typeXDP    = unix.BPF_PROG_TYPE_XDP
)

// ctxPrograms returns programs that return context fields, and ones that
// write some, for each skb program type and xdp.
func ctxPrograms() []*link.Program {
	var progs []*link.Program
	skbFields := []struct {
		off  int16
		size uint8
	}{
		{skbLen, insn.SizeW}, {skbPktType, insn.SizeW}, {skbMark, insn.SizeW}, {skbQueueMapping, insn.SizeW},
		{skbProtocol, insn.SizeW}, {skbProtocol + 1, insn.SizeB}, {skbProtocol, insn.SizeH}, {20, insn.SizeW},
		{24, insn.SizeW}, {28, insn.SizeW}, {skbPriority, insn.SizeW}, {skbIngressIfidx, insn.SizeW},
		{skbIfindex, insn.SizeW}, {skbTCIndex, insn.SizeW}, {skbCB, insn.SizeW}, {skbCB + 16, insn.SizeW},
		{skbCB + 8, insn.SizeDW}, {68, insn.SizeW}, {skbTCClassid, insn.SizeW}, {84, insn.SizeW},
		{skbTstamp, insn.SizeDW}, {skbWireLen, insn.SizeW}, {skbGSOSegs, insn.SizeW}, {skbGSOSize, insn.SizeW},
		{skbHWTstamp, insn.SizeDW},
	}
	for _, typ := range []uint32{typeTC, typeSocket} {
		for _, f := range skbFields {
			if _, _, err := contextAccess(typ)(f.off, sizeBytes(f.size), false); err != nil {
				continue
			}
			progs = append(progs, asmProgram(fmt.Sprintf("%s_%d_%d", progTypeName(typ), f.off, sizeBytes(f.size)), typ,
				ldx(f.size, 0, 1, f.off), exit()))
		}
	}
	// Fields of struct bpf_sock through skb->sk, which may be NULL.
	for _, typ := range []uint32{typeTC, typeSocket} {
		for _, off := range []int16{sockBoundDevIf, sockFamily, sockSrcIP4, sockSrcIP6, sockSrcIP6 + 12, 44, 48, sockDstIP4, sockDstIP6, sockDstIP6 + 12, sockState, sockRxQueueMap} {
			progs = append(progs, asmProgram(fmt.Sprintf("%s_sk_%d", progTypeName(typ), off), typ,
				ldx(insn.SizeDW, 2, 1, skbSk), movImm(0, 0xdead), jeqImm(2, 0, 1), ldx(insn.SizeW, 0, 2, off), exit()))
		}
	}
	// data_end - data and data - data_meta of tc programs.
	progs = append(progs,
		asmProgram("tc_pktlen", typeTC, ldx(insn.SizeW, 2, 1, skbData), ldx(insn.SizeW, 0, 1, skbDataEnd), subReg(0, 2), exit()),
		asmProgram("tc_metalen", typeTC, ldx(insn.SizeW, 2, 1, skbDataMeta), ldx(insn.SizeW, 0, 1, skbData), subReg(0, 2), exit()),
		// Writes of every field tc programs may write; ctx_out shows which
		// come back.
		asmProgram("tc_write", typeTC,
			st(insn.SizeW, 1, skbMark, 0x11), st(insn.SizeW, 1, skbPriority, 0x22), st(insn.SizeW, 1, skbTCIndex, 0x33),
			st(insn.SizeW, 1, skbCB, 0x44), st(insn.SizeW, 1, skbCB+16, 0x55), st(insn.SizeW, 1, skbTCClassid, 0x66),
			st(insn.SizeDW, 1, skbTstamp, 0x77), st(insn.SizeW, 1, skbQueueMapping, 0x88),
			ldx(insn.SizeW, 0, 1, skbMark), exit()),
		asmProgram("socket_write", typeSocket, st(insn.SizeW, 1, skbCB+4, 0x99), ldx(insn.SizeW, 0, 1, skbCB+4), exit()),
		asmProgram("tc_sk_null", typeTC, ldx(insn.SizeDW, 2, 1, skbSk), movImm(0, 1), jeqImm(2, 0, 1), movImm(0, 2), exit()),
		asmProgram("xdp_pktlen", typeXDP, ldx(insn.SizeW, 2, 1, xdpData), ldx(insn.SizeW, 0, 1, xdpDataEnd), subReg(0, 2), exit()),
		asmProgram("xdp_metalen", typeXDP, ldx(insn.SizeW, 2, 1, xdpDataMeta), ldx(insn.SizeW, 0, 1, xdpData), subReg(0, 2), exit()),
		asmProgram("xdp_ingress", typeXDP, ldx(insn.SizeW, 0, 1, xdpIngressIfidx), exit()),
		asmProgram("xdp_rxq", typeXDP, ldx(insn.SizeW, 0, 1, xdpRxQueueIndex), exit()),
	)
	return progs
}

// ipv6 returns a 64-byte Ethernet frame with an IPv6 header.
func ipv6() []byte {
	p := seq(64)
	p[12], p[13] = 0x86, 0xdd
	return p
}

func sizeBytes(size uint8) int {
	return map[uint8]int{insn.SizeB: 1, insn.SizeH: 2, insn.SizeW: 4, insn.SizeDW: 8}[size]
}

// skbCtxWith returns a struct __sk_buff for ctx_in with the u32 fields at
// the given offsets set (8-byte fields take their low half).
func skbCtxWith(fields map[int]uint32) []byte {
	b := zeros(skbSize)
	for off, v := range fields {
		ne.PutUint32(b[off:], v)
	}
	return b
}

func xdpMd(data, dataEnd, ingress, rxq uint32) []byte {
	b := zeros(xdpMdSize)
	ne.PutUint32(b[xdpData:], data)
	ne.PutUint32(b[xdpDataEnd:], dataEnd)
	ne.PutUint32(b[xdpIngressIfidx:], ingress)
	ne.PutUint32(b[xdpRxQueueIndex:], rxq)
	return b
}

// ctxInputs are the packets and contexts every context program runs on.
func ctxInputs(kind runtime.ContextKind) map[string]runtime.RunInput {
	broadcast := zeros(64)
	copy(broadcast, filled(6, 0xff))
	multicast := zeros(64)
	multicast[0] = 1
	unicast := zeros(64)
	unicast[0] = 2
	raw8023 := zeros(64)
	raw8023[14], raw8023[15] = 0xff, 0xff
	ins := map[string]runtime.RunInput{
		"zeros":     {Data: zeros(64)},
		"broadcast": {Data: broadcast},
		"multicast": {Data: multicast},
		"unicast":   {Data: unicast},
		"ipv4":      {Data: ipv4(6)},
		"ipv6":      {Data: ipv6()},
		"udp":       {Data: udpPacket},
		"802.3":     {Data: raw8023},
		"short":     {Data: zeros(13)},
		"eth only":  {Data: zeros(14)},
		"eth+1":     {Data: zeros(15)},
		"long":      {Data: filled(1500, 0xab)},
	}
	if kind == runtime.ContextSKB {
		ins["ctx empty"] = runtime.RunInput{Data: zeros(64), Context: zeros(skbSize)}
		ins["ctx fields"] = runtime.RunInput{Data: zeros(64), Context: skbCtxWith(map[int]uint32{
			skbMark: 7, skbPriority: 3, skbIngressIfidx: 5, skbCB: 1, skbCB + 16: 5, skbTstamp: 1000,
			skbWireLen: 100, skbGSOSegs: 2, skbGSOSize: 1400, skbHWTstamp: 2000})}
		ins["ctx eth only"] = runtime.RunInput{Data: zeros(14), Context: zeros(skbSize)}
		ins["ctx long"] = runtime.RunInput{Data: zeros(64), Context: zeros(skbSize + 8)}
		ins["ctx long dirty"] = runtime.RunInput{Data: zeros(64), Context: append(zeros(skbSize), 1)}
		ins["ctx pkt_type"] = runtime.RunInput{Data: zeros(64), Context: skbCtxWith(map[int]uint32{skbPktType: 1})}
		ins["ctx wire_len short"] = runtime.RunInput{Data: zeros(64), Context: skbCtxWith(map[int]uint32{skbWireLen: 10})}
		ins["ctx wire_len big"] = runtime.RunInput{Data: zeros(64), Context: skbCtxWith(map[int]uint32{skbWireLen: 70000})}
		ins["ctx gso_segs big"] = runtime.RunInput{Data: zeros(64), Context: skbCtxWith(map[int]uint32{skbGSOSegs: 70000})}
		ins["ctx ifindex 1"] = runtime.RunInput{Data: zeros(64), Context: skbCtxWith(map[int]uint32{skbIfindex: 1})}
	} else {
		ins["ctx empty"] = runtime.RunInput{Data: zeros(64), Context: xdpMd(0, 64, 0, 0)}
		ins["ctx meta"] = runtime.RunInput{Data: seq(64), Context: xdpMd(8, 64, 0, 0)}
		ins["ctx meta odd"] = runtime.RunInput{Data: seq(64), Context: xdpMd(6, 64, 0, 0)}
		ins["ctx data_end big"] = runtime.RunInput{Data: zeros(64), Context: xdpMd(0, 65, 0, 0)}
		ins["ctx loopback"] = runtime.RunInput{Data: zeros(64), Context: xdpMd(0, 64, 1, 0)}
		ins["ctx rxq alone"] = runtime.RunInput{Data: zeros(64), Context: xdpMd(0, 64, 0, 1)}
		ins["ctx long"] = runtime.RunInput{Data: zeros(64), Context: append(xdpMd(0, 64, 0, 0), zeros(8)...)}
	}
	return ins
}

// TestContextKernel runs programs that read and write every context
// field on the VM and in the kernel, on many packets and contexts, and
// compares what they return and what comes back.
func TestContextKernel(t *testing.T) {
	img := &link.Image{Programs: ctxPrograms()}
	k := newKernel(t, img)
	vm := newVM(t, img)
	for _, p := range img.Programs {
		kind := runtime.ContextKindOf(p.Type)
		for name, in := range ctxInputs(kind) {
			want, kerr := k.Run(p.Name, in)
			got, err := vm.Run(p.Name, in)
			where := p.Name + " on " + name
			switch {
			case (err != nil) != (kerr != nil):
				t.Errorf("%s: vm error %v, kernel error %v", where, err, kerr)
			case err != nil:
			case got.Retval != want.Retval:
				t.Errorf("%s: retval vm %#x, kernel %#x", where, got.Retval, want.Retval)
			case !bytes.Equal(got.Output, want.Output):
				t.Errorf("%s: output\nvm     %x\nkernel %x", where, got.Output, want.Output)
			case !bytes.Equal(got.Context, want.Context):
				t.Errorf("%s: ctx_out\nvm     %x\nkernel %x", where, got.Context, want.Context)
			}
		}
	}
}

// TestContextAccessRejected checks that the VM rejects at load the
// context accesses the kernel's verifier refuses.
func TestContextAccessRejected(t *testing.T) {
	cases := []struct {
		name string
		typ  uint32
		ins  insn.Instruction
		want string
	}{
		{"socket reads data", typeSocket, ldx(insn.SizeW, 0, 1, skbData), "may not access __sk_buff.data"},
		{"socket writes mark", typeSocket, st(insn.SizeW, 1, skbMark, 1), "may not write __sk_buff.mark"},
		{"tc writes len", typeTC, st(insn.SizeW, 1, skbLen, 1), "may not write __sk_buff.len"},
		{"tc narrow data", typeTC, ldx(insn.SizeH, 0, 1, skbData), "invalid read of 2 bytes at __sk_buff.data"},
		{"tc 8 bytes of len", typeTC, ldx(insn.SizeDW, 0, 1, skbLen), "invalid read of 8 bytes"},
		{"tc past the struct", typeTC, ldx(insn.SizeW, 0, 1, skbSize), "outside struct __sk_buff"},
		{"tc misaligned", typeTC, ldx(insn.SizeW, 0, 1, 2), "misaligned"},
		{"tc family", typeTC, ldx(insn.SizeW, 0, 1, skbFamily), "may not access __sk_buff.family"},
		{"tc cb overflow", typeTC, ldx(insn.SizeDW, 0, 1, skbCB+16), "invalid read of 8 bytes at __sk_buff.cb[4]"},
		{"xdp write", typeXDP, st(insn.SizeW, 1, xdpData, 0), "may not write"},
		{"xdp narrow", typeXDP, ldx(insn.SizeH, 0, 1, xdpIngressIfidx), "invalid read of 2 bytes"},
		{"xdp egress", typeXDP, ldx(insn.SizeW, 0, 1, xdpEgressIfidx), "egress_ifindex"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := &link.Image{Programs: []*link.Program{asmProgram("p", tc.typ, tc.ins, movImm(0, 0), exit())}}
			err := newVM(t, img).LoadProgram("p")
			if !runtime.IsRejected(err) || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Fatalf("LoadProgram = %v, want a rejection saying %q", err, tc.want)
			}
		})
	}
}
