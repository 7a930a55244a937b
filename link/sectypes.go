package link

import (
	"strings"

	"golang.org/x/sys/unix"
)

// secDef is one SEC() name pattern and the program type it implies, after
// libbpf's section_defs table.
type secDef struct {
	prefix     string
	progType   uint32
	attachType uint32
}

// Attach types that golang.org/x/sys/unix does not name yet.
const (
	attachNetkitPrimary     = 0x32 // BPF_NETKIT_PRIMARY
	attachNetkitPeer        = 0x33 // BPF_NETKIT_PEER
	attachCgroupUnixConnect = 0x2f // BPF_CGROUP_UNIX_CONNECT
)

// secDefs lists the SEC() names libbpf knows, more specific ones before
// the names they extend (xdp/devmap before xdp).
var secDefs = []secDef{
	{"socket", unix.BPF_PROG_TYPE_SOCKET_FILTER, 0},
	{"sk_reuseport/migrate", unix.BPF_PROG_TYPE_SK_REUSEPORT, unix.BPF_SK_REUSEPORT_SELECT_OR_MIGRATE},
	{"sk_reuseport", unix.BPF_PROG_TYPE_SK_REUSEPORT, unix.BPF_SK_REUSEPORT_SELECT},
	{"kprobe.multi", unix.BPF_PROG_TYPE_KPROBE, unix.BPF_TRACE_KPROBE_MULTI},
	{"kretprobe.multi", unix.BPF_PROG_TYPE_KPROBE, unix.BPF_TRACE_KPROBE_MULTI},
	{"uprobe.multi", unix.BPF_PROG_TYPE_KPROBE, unix.BPF_TRACE_UPROBE_MULTI},
	{"uretprobe.multi", unix.BPF_PROG_TYPE_KPROBE, unix.BPF_TRACE_UPROBE_MULTI},
	{"uprobe.multi.s", unix.BPF_PROG_TYPE_KPROBE, unix.BPF_TRACE_UPROBE_MULTI},
	{"uretprobe.multi.s", unix.BPF_PROG_TYPE_KPROBE, unix.BPF_TRACE_UPROBE_MULTI},
	{"kprobe", unix.BPF_PROG_TYPE_KPROBE, 0},
	{"kretprobe", unix.BPF_PROG_TYPE_KPROBE, 0},
	{"uprobe", unix.BPF_PROG_TYPE_KPROBE, 0},
	{"uretprobe", unix.BPF_PROG_TYPE_KPROBE, 0},
	{"uprobe.s", unix.BPF_PROG_TYPE_KPROBE, 0},
	{"uretprobe.s", unix.BPF_PROG_TYPE_KPROBE, 0},
	{"ksyscall", unix.BPF_PROG_TYPE_KPROBE, 0},
	{"kretsyscall", unix.BPF_PROG_TYPE_KPROBE, 0},
	{"usdt", unix.BPF_PROG_TYPE_KPROBE, 0},
	{"usdt.s", unix.BPF_PROG_TYPE_KPROBE, 0},
	{"tc/ingress", unix.BPF_PROG_TYPE_SCHED_CLS, unix.BPF_TCX_INGRESS},
	{"tc/egress", unix.BPF_PROG_TYPE_SCHED_CLS, unix.BPF_TCX_EGRESS},
	{"tcx/ingress", unix.BPF_PROG_TYPE_SCHED_CLS, unix.BPF_TCX_INGRESS},
	{"tcx/egress", unix.BPF_PROG_TYPE_SCHED_CLS, unix.BPF_TCX_EGRESS},
	{"netkit/primary", unix.BPF_PROG_TYPE_SCHED_CLS, attachNetkitPrimary},
	{"netkit/peer", unix.BPF_PROG_TYPE_SCHED_CLS, attachNetkitPeer},
	{"tc", unix.BPF_PROG_TYPE_SCHED_CLS, 0},
	{"classifier", unix.BPF_PROG_TYPE_SCHED_CLS, 0},
	{"action", unix.BPF_PROG_TYPE_SCHED_ACT, 0},
	{"tracepoint", unix.BPF_PROG_TYPE_TRACEPOINT, 0},
	{"tp", unix.BPF_PROG_TYPE_TRACEPOINT, 0},
	{"raw_tracepoint.w", unix.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0},
	{"raw_tp.w", unix.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0},
	{"raw_tracepoint", unix.BPF_PROG_TYPE_RAW_TRACEPOINT, 0},
	{"raw_tp", unix.BPF_PROG_TYPE_RAW_TRACEPOINT, 0},
	{"tp_btf", unix.BPF_PROG_TYPE_TRACING, unix.BPF_TRACE_RAW_TP},
	{"fentry.s", unix.BPF_PROG_TYPE_TRACING, unix.BPF_TRACE_FENTRY},
	{"fmod_ret.s", unix.BPF_PROG_TYPE_TRACING, unix.BPF_MODIFY_RETURN},
	{"fexit.s", unix.BPF_PROG_TYPE_TRACING, unix.BPF_TRACE_FEXIT},
	{"fentry", unix.BPF_PROG_TYPE_TRACING, unix.BPF_TRACE_FENTRY},
	{"fmod_ret", unix.BPF_PROG_TYPE_TRACING, unix.BPF_MODIFY_RETURN},
	{"fexit", unix.BPF_PROG_TYPE_TRACING, unix.BPF_TRACE_FEXIT},
	{"freplace", unix.BPF_PROG_TYPE_EXT, 0},
	{"lsm.s", unix.BPF_PROG_TYPE_LSM, unix.BPF_LSM_MAC},
	{"lsm_cgroup", unix.BPF_PROG_TYPE_LSM, unix.BPF_LSM_CGROUP},
	{"lsm", unix.BPF_PROG_TYPE_LSM, unix.BPF_LSM_MAC},
	{"iter.s", unix.BPF_PROG_TYPE_TRACING, unix.BPF_TRACE_ITER},
	{"iter", unix.BPF_PROG_TYPE_TRACING, unix.BPF_TRACE_ITER},
	{"syscall", unix.BPF_PROG_TYPE_SYSCALL, 0},
	{"xdp.frags/devmap", unix.BPF_PROG_TYPE_XDP, unix.BPF_XDP_DEVMAP},
	{"xdp/devmap", unix.BPF_PROG_TYPE_XDP, unix.BPF_XDP_DEVMAP},
	{"xdp.frags/cpumap", unix.BPF_PROG_TYPE_XDP, unix.BPF_XDP_CPUMAP},
	{"xdp/cpumap", unix.BPF_PROG_TYPE_XDP, unix.BPF_XDP_CPUMAP},
	{"xdp.frags", unix.BPF_PROG_TYPE_XDP, unix.BPF_XDP},
	{"xdp", unix.BPF_PROG_TYPE_XDP, unix.BPF_XDP},
	{"perf_event", unix.BPF_PROG_TYPE_PERF_EVENT, 0},
	{"lwt_in", unix.BPF_PROG_TYPE_LWT_IN, 0},
	{"lwt_out", unix.BPF_PROG_TYPE_LWT_OUT, 0},
	{"lwt_xmit", unix.BPF_PROG_TYPE_LWT_XMIT, 0},
	{"lwt_seg6local", unix.BPF_PROG_TYPE_LWT_SEG6LOCAL, 0},
	{"sockops", unix.BPF_PROG_TYPE_SOCK_OPS, unix.BPF_CGROUP_SOCK_OPS},
	{"sk_skb/stream_parser", unix.BPF_PROG_TYPE_SK_SKB, unix.BPF_SK_SKB_STREAM_PARSER},
	{"sk_skb/stream_verdict", unix.BPF_PROG_TYPE_SK_SKB, unix.BPF_SK_SKB_STREAM_VERDICT},
	{"sk_skb/verdict", unix.BPF_PROG_TYPE_SK_SKB, unix.BPF_SK_SKB_VERDICT},
	{"sk_skb", unix.BPF_PROG_TYPE_SK_SKB, 0},
	{"sk_msg", unix.BPF_PROG_TYPE_SK_MSG, unix.BPF_SK_MSG_VERDICT},
	{"lirc_mode2", unix.BPF_PROG_TYPE_LIRC_MODE2, unix.BPF_LIRC_MODE2},
	{"flow_dissector", unix.BPF_PROG_TYPE_FLOW_DISSECTOR, unix.BPF_FLOW_DISSECTOR},
	{"cgroup_skb/ingress", unix.BPF_PROG_TYPE_CGROUP_SKB, unix.BPF_CGROUP_INET_INGRESS},
	{"cgroup_skb/egress", unix.BPF_PROG_TYPE_CGROUP_SKB, unix.BPF_CGROUP_INET_EGRESS},
	{"cgroup/skb", unix.BPF_PROG_TYPE_CGROUP_SKB, 0},
	{"cgroup/sock_create", unix.BPF_PROG_TYPE_CGROUP_SOCK, unix.BPF_CGROUP_INET_SOCK_CREATE},
	{"cgroup/sock_release", unix.BPF_PROG_TYPE_CGROUP_SOCK, unix.BPF_CGROUP_INET_SOCK_RELEASE},
	{"cgroup/sock", unix.BPF_PROG_TYPE_CGROUP_SOCK, unix.BPF_CGROUP_INET_SOCK_CREATE},
	{"cgroup/post_bind4", unix.BPF_PROG_TYPE_CGROUP_SOCK, unix.BPF_CGROUP_INET4_POST_BIND},
	{"cgroup/post_bind6", unix.BPF_PROG_TYPE_CGROUP_SOCK, unix.BPF_CGROUP_INET6_POST_BIND},
	{"cgroup/bind4", unix.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, unix.BPF_CGROUP_INET4_BIND},
	{"cgroup/bind6", unix.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, unix.BPF_CGROUP_INET6_BIND},
	{"cgroup/connect4", unix.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, unix.BPF_CGROUP_INET4_CONNECT},
	{"cgroup/connect6", unix.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, unix.BPF_CGROUP_INET6_CONNECT},
	{"cgroup/connect_unix", unix.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, attachCgroupUnixConnect},
	{"cgroup/sendmsg4", unix.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, unix.BPF_CGROUP_UDP4_SENDMSG},
	{"cgroup/sendmsg6", unix.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, unix.BPF_CGROUP_UDP6_SENDMSG},
	{"cgroup/recvmsg4", unix.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, unix.BPF_CGROUP_UDP4_RECVMSG},
	{"cgroup/recvmsg6", unix.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, unix.BPF_CGROUP_UDP6_RECVMSG},
	{"cgroup/getpeername4", unix.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, unix.BPF_CGROUP_INET4_GETPEERNAME},
	{"cgroup/getpeername6", unix.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, unix.BPF_CGROUP_INET6_GETPEERNAME},
	{"cgroup/getsockname4", unix.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, unix.BPF_CGROUP_INET4_GETSOCKNAME},
	{"cgroup/getsockname6", unix.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, unix.BPF_CGROUP_INET6_GETSOCKNAME},
	{"cgroup/sysctl", unix.BPF_PROG_TYPE_CGROUP_SYSCTL, unix.BPF_CGROUP_SYSCTL},
	{"cgroup/getsockopt", unix.BPF_PROG_TYPE_CGROUP_SOCKOPT, unix.BPF_CGROUP_GETSOCKOPT},
	{"cgroup/setsockopt", unix.BPF_PROG_TYPE_CGROUP_SOCKOPT, unix.BPF_CGROUP_SETSOCKOPT},
	{"cgroup/dev", unix.BPF_PROG_TYPE_CGROUP_DEVICE, unix.BPF_CGROUP_DEVICE},
	{"struct_ops.s", unix.BPF_PROG_TYPE_STRUCT_OPS, 0},
	{"struct_ops", unix.BPF_PROG_TYPE_STRUCT_OPS, 0},
	{"sk_lookup", unix.BPF_PROG_TYPE_SK_LOOKUP, unix.BPF_SK_LOOKUP},
	{"netfilter", unix.BPF_PROG_TYPE_NETFILTER, unix.BPF_NETFILTER},
}

// sectionType returns the program type, expected attach type and attach
// target that a SEC() name implies: the name is a known pattern, or a
// pattern followed by "/" and the target ("kprobe/do_sys_open",
// "tp/syscalls/sys_enter_openat"). Unknown names give type 0 (unspec).
// A leading '?' (libbpf: do not load by default) is not part of the
// pattern.
func sectionType(sec string) (progType, attachType uint32, attachTo string) {
	sec = strings.TrimPrefix(sec, "?")
	for _, d := range secDefs {
		if sec == d.prefix {
			return d.progType, d.attachType, ""
		}
		if rest, ok := strings.CutPrefix(sec, d.prefix+"/"); ok {
			return d.progType, d.attachType, rest
		}
	}
	return 0, 0, ""
}
