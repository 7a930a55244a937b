package vm

import "github.com/bpfld/bpfld/runtime/mem"

// Offsets in struct bpf_sock (linux/bpf.h), what __sk_buff.sk points to.
const (
	sockBoundDevIf    = 0
	sockFamily        = 4
	sockSrcIP4        = 24
	sockSrcIP6        = 28
	sockDstIP4        = 52
	sockDstIP6        = 56
	sockState         = 72
	sockRxQueueMap    = 76
	sockSize          = 80 // sizeof(struct bpf_sock)
	afInet            = 2  // AF_INET
	afInet6           = 10 // AF_INET6
	tcpClose          = 7  // TCP_CLOSE, the state sock_init_data gives
	ethPIP            = 0x0800
	ethPIPv6          = 0x86dd
	ipv4HeaderLen     = 20
	ipv6HeaderLen     = 40
	ipv4SaddrOff      = 12
	ipv6SaddrOff      = 8
	noQueueMappingVal = 0xffffffff // sk_rx_queue_get's -1
)

// fillSock fills the stand-in of the dummy socket BPF_PROG_TEST_RUN hangs
// on a test skb (sk_alloc + sock_init_data), as struct bpf_sock shows it:
// an IPv4 or IPv6 packet gives it its family and addresses
// (bpf_prog_test_run_skb), anything else leaves it AF_UNSPEC. Programs
// read it through skb->sk; the VM does not rewrite those reads, so the
// stand-in holds the uapi layout itself.
func fillSock(b *mem.Block, frame []byte) {
	s := b.Bytes()
	clear(s)
	ne.PutUint32(s[sockState:], tcpClose)
	ne.PutUint32(s[sockRxQueueMap:], noQueueMappingVal)
	net := frame[ethHLen:]
	switch uint16(frame[12])<<8 | uint16(frame[13]) {
	case ethPIP:
		ne.PutUint32(s[sockFamily:], afInet)
		if len(net) >= ipv4HeaderLen {
			copy(s[sockSrcIP4:sockSrcIP4+4], net[ipv4SaddrOff:])
			copy(s[sockDstIP4:sockDstIP4+4], net[ipv4SaddrOff+4:])
		}
	case ethPIPv6:
		ne.PutUint32(s[sockFamily:], afInet6)
		if len(net) >= ipv6HeaderLen {
			copy(s[sockSrcIP6:sockSrcIP6+16], net[ipv6SaddrOff:])
			copy(s[sockDstIP6:sockDstIP6+16], net[ipv6SaddrOff+16:])
		}
	}
}
