package manifest

import (
	"sort"
	"strconv"
	"strings"
)

// progTypes maps the names a manifest may give in `programs: {P: {type: T}}`
// to enum bpf_prog_type. The first name of each type is the one messages
// use; the others are the kernel's names and libbpf's SEC() prefixes.
var progTypes = []struct {
	typ   uint32
	names []string
}{
	{1, []string{"socket", "socket_filter"}},
	{2, []string{"kprobe"}},
	{3, []string{"tc", "classifier", "sched_cls"}},
	{4, []string{"action", "sched_act"}},
	{5, []string{"tracepoint", "tp"}},
	{6, []string{"xdp"}},
	{7, []string{"perf_event"}},
	{8, []string{"cgroup_skb"}},
	{9, []string{"cgroup_sock"}},
	{10, []string{"lwt_in"}},
	{11, []string{"lwt_out"}},
	{12, []string{"lwt_xmit"}},
	{13, []string{"sock_ops", "sockops"}},
	{14, []string{"sk_skb"}},
	{15, []string{"cgroup_device"}},
	{16, []string{"sk_msg"}},
	{17, []string{"raw_tp", "raw_tracepoint"}},
	{18, []string{"cgroup_sock_addr"}},
	{19, []string{"lwt_seg6local"}},
	{20, []string{"lirc_mode2"}},
	{21, []string{"sk_reuseport"}},
	{22, []string{"flow_dissector"}},
	{23, []string{"cgroup_sysctl"}},
	{24, []string{"raw_tp_writable", "raw_tracepoint_writable"}},
	{25, []string{"cgroup_sockopt"}},
	{26, []string{"tracing"}},
	{27, []string{"struct_ops"}},
	{28, []string{"ext", "freplace"}},
	{29, []string{"lsm"}},
	{30, []string{"sk_lookup"}},
	{31, []string{"syscall"}},
	{32, []string{"netfilter"}},
}

// ParseProgramType returns the enum bpf_prog_type for a type name of the
// manifest ("tc", "xdp", "raw_tp", ... or the kernel's "sched_cls").
func ParseProgramType(name string) (uint32, bool) {
	for _, t := range progTypes {
		for _, n := range t.names {
			if n == name {
				return t.typ, true
			}
		}
	}
	return 0, false
}

// ProgramTypeName returns the manifest's name for a program type, or its
// number when it has none.
func ProgramTypeName(typ uint32) string {
	for _, t := range progTypes {
		if t.typ == typ {
			return t.names[0]
		}
	}
	return "type " + strconv.FormatUint(uint64(typ), 10)
}

// programTypeNames lists every accepted name, for messages.
func programTypeNames() string {
	var names []string
	for _, t := range progTypes {
		names = append(names, t.names...)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
