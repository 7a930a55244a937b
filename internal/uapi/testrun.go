package uapi

import "golang.org/x/sys/unix"

// Context says what context a program gets in a test run.
type Context int

// Test-run contexts.
const (
	// ContextRaw: the input is the context itself (raw_tp, tracing,
	// syscall, and the VM's choice for the types the kernel cannot run).
	ContextRaw Context = iota
	// ContextSKB: a struct __sk_buff over the input packet
	// (bpf_prog_test_run_skb).
	ContextSKB
	// ContextXDP: a struct xdp_md over the input packet
	// (bpf_prog_test_run_xdp).
	ContextXDP
)

// ContextOf returns the context a program of type progType gets in a test
// run. sk_skb programs, which the kernel cannot test-run, get a
// struct __sk_buff on the VM.
func ContextOf(progType uint32) Context {
	switch progType {
	case unix.BPF_PROG_TYPE_SOCKET_FILTER, unix.BPF_PROG_TYPE_SCHED_CLS, unix.BPF_PROG_TYPE_SCHED_ACT,
		unix.BPF_PROG_TYPE_CGROUP_SKB, unix.BPF_PROG_TYPE_LWT_IN, unix.BPF_PROG_TYPE_LWT_OUT,
		unix.BPF_PROG_TYPE_LWT_XMIT, unix.BPF_PROG_TYPE_SK_SKB:
		return ContextSKB
	case unix.BPF_PROG_TYPE_XDP:
		return ContextXDP
	}
	return ContextRaw
}

// PacketFromEthernet reports whether a test run shows a program of type
// progType the packet from its Ethernet header: bpf_prog_test_run_skb
// pushes the header back only for tc programs, and the others start at the
// network header.
func PacketFromEthernet(progType uint32) bool {
	return progType == unix.BPF_PROG_TYPE_SCHED_CLS || progType == unix.BPF_PROG_TYPE_SCHED_ACT
}
