package vm

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// accessFunc checks an access of size bytes at offset off of the context
// as a program sees it and returns the access of the context block the VM
// performs instead (interp.Resolver.ContextAccess).
type accessFunc func(off int16, size int, write bool) (int16, int, error)

// Offsets in struct __sk_buff (linux/bpf.h).
const (
	skbLen           = 0
	skbPktType       = 4
	skbMark          = 8
	skbQueueMapping  = 12
	skbProtocol      = 16
	skbPriority      = 32
	skbIngressIfidx  = 36
	skbIfindex       = 40
	skbTCIndex       = 44
	skbCB            = 48 // cb[5]
	skbCBEnd         = 68
	skbTCClassid     = 72
	skbData          = 76
	skbDataEnd       = 80
	skbFamily        = 88 // family .. local_port: socket fields
	skbRemoteIP4     = 92
	skbLocalPortEnd  = 140
	skbDataMeta      = 140
	skbFlowKeys      = 144
	skbTstamp        = 152
	skbWireLen       = 160
	skbGSOSegs       = 164
	skbSk            = 168
	skbGSOSize       = 176
	skbTstampType    = 180
	skbHWTstamp      = 184
	skbSize          = 192 // sizeof(struct __sk_buff)
	skbPrivData      = 192 // the context block's 64-bit skb->data
	skbPrivDataEnd   = 200 // ... data_end
	skbPrivDataMeta  = 208 // ... data_meta
	skbCtxBlockSize  = 216
	xdpData          = 0 // struct xdp_md
	xdpDataEnd       = 4
	xdpDataMeta      = 8
	xdpIngressIfidx  = 12
	xdpRxQueueIndex  = 16
	xdpEgressIfidx   = 20
	xdpMdSize        = 24
	xdpPrivData      = 24
	xdpPrivDataEnd   = 32
	xdpPrivDataMeta  = 40
	xdpCtxBlockSize  = 48
	skbFieldSize     = 4 // the size of most __sk_buff fields
	skbLocalPortLast = 136
)

// skbFieldNames names the fields of struct __sk_buff by offset, for errors.
var skbFieldNames = map[int]string{
	0: "len", 4: "pkt_type", 8: "mark", 12: "queue_mapping", 16: "protocol",
	20: "vlan_present", 24: "vlan_tci", 28: "vlan_proto", 32: "priority",
	36: "ingress_ifindex", 40: "ifindex", 44: "tc_index", 48: "cb[0]", 52: "cb[1]",
	56: "cb[2]", 60: "cb[3]", 64: "cb[4]", 68: "hash", 72: "tc_classid", 76: "data",
	80: "data_end", 84: "napi_id", 88: "family", 92: "remote_ip4", 96: "local_ip4",
	100: "remote_ip6", 116: "local_ip6", 132: "remote_port", 136: "local_port",
	140: "data_meta", 144: "flow_keys", 152: "tstamp", 160: "wire_len", 164: "gso_segs",
	168: "sk", 176: "gso_size", 180: "tstamp_type", 184: "hwtstamp",
}

// skbFieldName names the field of struct __sk_buff that holds offset off.
func skbFieldName(off int) string {
	for o := off; o >= 0; o-- {
		if n, ok := skbFieldNames[o]; ok {
			if o == off {
				return n
			}
			return fmt.Sprintf("%s+%d", n, off-o)
		}
	}
	return fmt.Sprintf("offset %d", off)
}

// fieldRange is a range [lo, hi) of offsets in a context struct.
type fieldRange struct{ lo, hi int }

func inRanges(rs []fieldRange, off int) bool {
	for _, r := range rs {
		if off >= r.lo && off < r.hi {
			return true
		}
	}
	return false
}

// skbRules are what one program type may do with struct __sk_buff, from
// the *_is_valid_access functions of net/core/filter.c.
type skbRules struct {
	typeName string
	// hidden fields may be neither read nor written.
	hidden []fieldRange
	// writable fields may be written (4 bytes at a time, cb any size).
	writable []fieldRange
	// tstampType tells whether the program may read tstamp_type (tc).
	tstampType bool
}

var (
	rangeCB        = fieldRange{skbCB, skbCBEnd}
	rangeTCClassid = fieldRange{skbTCClassid, skbTCClassid + 4}
	rangeData      = fieldRange{skbData, skbData + 4}
	rangeDataEnd   = fieldRange{skbDataEnd, skbDataEnd + 4}
	rangeDataMeta  = fieldRange{skbDataMeta, skbDataMeta + 4}
	rangeSock      = fieldRange{skbFamily, skbLocalPortEnd}
	rangeTstamp    = fieldRange{skbTstamp, skbTstamp + 8}
	rangeWireLen   = fieldRange{skbWireLen, skbWireLen + 4}
	rangeHWTstamp  = fieldRange{skbHWTstamp, skbHWTstamp + 8}
	rangeMark      = fieldRange{skbMark, skbMark + 4}
	rangePriority  = fieldRange{skbPriority, skbPriority + 4}
	rangeTCIndex   = fieldRange{skbTCIndex, skbTCIndex + 4}
	rangeQueueMap  = fieldRange{skbQueueMapping, skbQueueMapping + 4}
)

// The rules of each program type that gets a struct __sk_buff.
var (
	// sk_filter_is_valid_access
	socketRules = &skbRules{
		typeName: "socket_filter",
		hidden:   []fieldRange{rangeTCClassid, rangeData, rangeDataMeta, rangeDataEnd, rangeSock, rangeTstamp, rangeWireLen, rangeHWTstamp},
		writable: []fieldRange{rangeCB},
	}
	// tc_cls_act_is_valid_access
	tcRules = &skbRules{
		typeName:   "sched_cls",
		hidden:     []fieldRange{rangeSock},
		writable:   []fieldRange{rangeMark, rangeTCIndex, rangePriority, rangeTCClassid, rangeCB, rangeTstamp, rangeQueueMap},
		tstampType: true,
	}
	// cg_skb_is_valid_access, for a program loaded with CAP_BPF
	cgroupSKBRules = &skbRules{
		typeName: "cgroup_skb",
		hidden:   []fieldRange{rangeTCClassid, rangeDataMeta, rangeWireLen},
		writable: []fieldRange{rangeMark, rangePriority, rangeCB, rangeTstamp},
	}
	// lwt_is_valid_access
	lwtRules = &skbRules{
		typeName: "lwt",
		hidden:   []fieldRange{rangeTCClassid, rangeSock, rangeDataMeta, rangeTstamp, rangeWireLen, rangeHWTstamp},
		writable: []fieldRange{rangeMark, rangePriority, rangeCB},
	}
	// sk_skb_is_valid_access
	skSKBRules = &skbRules{
		typeName: "sk_skb",
		hidden:   []fieldRange{rangeTCClassid, rangeDataMeta, rangeTstamp, rangeWireLen, rangeHWTstamp, rangeMark},
		writable: []fieldRange{rangeTCIndex, rangePriority},
	}
)

// contextAccess returns the context access rules of a program type.
func contextAccess(progType uint32) accessFunc {
	switch progType {
	case unix.BPF_PROG_TYPE_SOCKET_FILTER:
		return socketRules.access
	case unix.BPF_PROG_TYPE_SCHED_CLS, unix.BPF_PROG_TYPE_SCHED_ACT:
		return tcRules.access
	case unix.BPF_PROG_TYPE_CGROUP_SKB:
		return cgroupSKBRules.access
	case unix.BPF_PROG_TYPE_LWT_IN, unix.BPF_PROG_TYPE_LWT_OUT, unix.BPF_PROG_TYPE_LWT_XMIT:
		return lwtRules.access
	case unix.BPF_PROG_TYPE_SK_SKB:
		return skSKBRules.access
	case unix.BPF_PROG_TYPE_XDP:
		return xdpAccess
	}
	return rawAccess
}

// access checks an access of struct __sk_buff as the program type's
// is_valid_access and bpf_skb_is_valid_access do, and maps the packet
// pointers to the context block's 64-bit copies.
func (r *skbRules) access(off16 int16, size int, write bool) (int16, int, error) {
	off := int(off16)
	name := skbFieldName(off)
	switch {
	case off < 0 || off >= skbSize:
		return 0, 0, fmt.Errorf("offset %d is outside struct __sk_buff (%d bytes)", off, skbSize)
	case off%size != 0:
		return 0, 0, fmt.Errorf("access of %d bytes at __sk_buff.%s is misaligned", size, name)
	case inRanges(r.hidden, off):
		return 0, 0, fmt.Errorf("%s programs may not access __sk_buff.%s", r.typeName, name)
	case write && !inRanges(r.writable, off):
		return 0, 0, fmt.Errorf("%s programs may not write __sk_buff.%s", r.typeName, name)
	}
	bad := func() (int16, int, error) {
		kind := "read"
		if write {
			kind = "write"
		}
		return 0, 0, fmt.Errorf("invalid %s of %d bytes at __sk_buff.%s", kind, size, name)
	}
	switch {
	case off >= skbCB && off < skbCBEnd:
		if off+size > skbCBEnd {
			return bad()
		}
	case off == skbData || off == skbDataEnd || off == skbDataMeta:
		if size != skbFieldSize {
			return bad()
		}
		return map[int]int16{skbData: skbPrivData, skbDataEnd: skbPrivDataEnd, skbDataMeta: skbPrivDataMeta}[off], 8, nil
	case off >= skbRemoteIP4 && off < skbLocalPortLast:
		if size != skbFieldSize {
			return bad()
		}
	case off >= skbFlowKeys && off < skbFlowKeys+8:
		return bad()
	case off == skbHWTstamp:
		if write || size != 8 {
			return bad()
		}
	case off == skbTstamp:
		if size != 8 {
			return bad()
		}
	case off == skbSk:
		if write || size != 8 {
			return bad()
		}
	case off == skbTstampType:
		if !r.tstampType || size != 1 {
			return bad()
		}
	case off > skbTstampType && off < skbHWTstamp:
		return bad() // padding
	default:
		// Whole u32 writes; narrow reads of 1, 2 or 4 bytes.
		if size > skbFieldSize || (write && size != skbFieldSize) {
			return bad()
		}
		if write && (off == skbTCIndex || off == skbTCClassid || off == skbQueueMapping) {
			// These are u16 in the kernel's skb: a write keeps the low
			// half. (The kernel also ignores queue_mapping writes of
			// 0xffff and more, which the VM does not.)
			return off16, 2, nil
		}
	}
	return off16, size, nil
}

// xdpAccess checks an access of struct xdp_md as xdp_is_valid_access
// does: 4-byte reads only, egress_ifindex only for devmap programs.
func xdpAccess(off16 int16, size int, write bool) (int16, int, error) {
	off := int(off16)
	switch {
	case off < 0 || off >= xdpMdSize:
		return 0, 0, fmt.Errorf("offset %d is outside struct xdp_md (%d bytes)", off, xdpMdSize)
	case off == xdpEgressIfidx:
		return 0, 0, fmt.Errorf("xdp_md.egress_ifindex is only for devmap programs")
	case write:
		return 0, 0, fmt.Errorf("xdp programs may not write struct xdp_md")
	case off%size != 0 || size != 4:
		return 0, 0, fmt.Errorf("invalid read of %d bytes at offset %d of struct xdp_md", size, off)
	case off == xdpData:
		return xdpPrivData, 8, nil
	case off == xdpDataEnd:
		return xdpPrivDataEnd, 8, nil
	case off == xdpDataMeta:
		return xdpPrivDataMeta, 8, nil
	}
	return off16, size, nil
}

// rawAccess leaves accesses of a context that is plain memory alone; the
// run checks them against the input's size.
func rawAccess(off int16, size int, write bool) (int16, int, error) { return off, size, nil }
