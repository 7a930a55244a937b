package manifest

import (
	"encoding/binary"
	"math"

	"gopkg.in/yaml.v3"
)

// Ctx is the context of a step's run: the fields of struct __sk_buff (for
// socket, tc and the other skb program types) or of struct xdp_md (for xdp)
// that BPF_PROG_TEST_RUN lets user space set through ctx_in
// (net/bpf/test_run.c: convert___skb_to_skb, xdp_convert_md_to_buff). Every
// other field must stay zero there, so the manifest knows no other.
//
// The manifest does not say which of the two a step means: it sets fields by
// name, and Validate checks them against the step's program type.
type Ctx struct {
	SkBuff SkBuffCtx
	XDP    XDPCtx
	// Fields lists the fields the step sets, in manifest order.
	Fields []CtxField
	Line   int
}

// CtxField is one context field a step sets.
type CtxField struct {
	Name string
	Line int
}

// SkBuffCtx holds the settable fields of struct __sk_buff.
type SkBuffCtx struct {
	Mark, Priority, IngressIfindex, Ifindex uint32
	CB                                      [5]uint32
	Tstamp                                  uint64
	// WireLen is the length on the wire; 0 means the packet's length.
	WireLen, GSOSegs, GSOSize uint32
	HWTstamp                  uint64
}

// XDPCtx holds the settable fields of struct xdp_md.
type XDPCtx struct {
	// Data is the offset of the packet in the input: the first Data bytes
	// of the input are metadata (data_meta to data).
	Data uint32
	// IngressIfindex and RxQueueIndex name the receive queue; a queue
	// needs an interface.
	IngressIfindex, RxQueueIndex uint32
}

// Sizes and field offsets of the uapi structs (linux/bpf.h).
const (
	// SkBuffSize is sizeof(struct __sk_buff).
	SkBuffSize = 192
	// XDPMdSize is sizeof(struct xdp_md).
	XDPMdSize = 24
)

// Bytes returns c as a struct __sk_buff for ctx_in, in the host's byte order.
func (c SkBuffCtx) Bytes() []byte {
	b := make([]byte, SkBuffSize)
	ne := binary.NativeEndian
	ne.PutUint32(b[8:], c.Mark)
	ne.PutUint32(b[32:], c.Priority)
	ne.PutUint32(b[36:], c.IngressIfindex)
	ne.PutUint32(b[40:], c.Ifindex)
	for i, v := range c.CB {
		ne.PutUint32(b[48+4*i:], v)
	}
	ne.PutUint64(b[152:], c.Tstamp)
	ne.PutUint32(b[160:], c.WireLen)
	ne.PutUint32(b[164:], c.GSOSegs)
	ne.PutUint32(b[176:], c.GSOSize)
	ne.PutUint64(b[184:], c.HWTstamp)
	return b
}

// Bytes returns c as a struct xdp_md for ctx_in, for an input of inputLen
// bytes: data_meta is 0 and data_end is inputLen, as BPF_PROG_TEST_RUN
// requires.
func (c XDPCtx) Bytes(inputLen uint32) []byte {
	b := make([]byte, XDPMdSize)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], c.Data)
	ne.PutUint32(b[4:], inputLen)
	ne.PutUint32(b[12:], c.IngressIfindex)
	ne.PutUint32(b[16:], c.RxQueueIndex)
	return b
}

// Kernel limits on context fields (include/linux/netdevice.h, skbuff.h).
const (
	gsoLegacyMaxSize = 65536 // GSO_LEGACY_MAX_SIZE: the largest wire_len
	gsoMaxSegs       = 65535 // GSO_MAX_SEGS: the largest gso_segs
	xdpMetaMax       = 255   // the type max of skb_shared_info.meta_len
)

// ctxKind says which context structs have a field.
type ctxKind int

const (
	ctxSkBuff ctxKind = 1 << iota
	ctxXDP
)

// ctxFields are the settable fields by name, with the structs they are in.
var ctxFields = []struct {
	name string
	kind ctxKind
}{
	{"mark", ctxSkBuff},
	{"priority", ctxSkBuff},
	{"ingress_ifindex", ctxSkBuff | ctxXDP},
	{"ifindex", ctxSkBuff},
	{"cb", ctxSkBuff},
	{"tstamp", ctxSkBuff},
	{"wire_len", ctxSkBuff},
	{"gso_segs", ctxSkBuff},
	{"gso_size", ctxSkBuff},
	{"hwtstamp", ctxSkBuff},
	{"data", ctxXDP},
	{"rx_queue_index", ctxXDP},
}

func ctxFieldKind(name string) ctxKind {
	for _, f := range ctxFields {
		if f.name == name {
			return f.kind
		}
	}
	return 0
}

func ctxFieldNames() []string {
	names := make([]string, len(ctxFields))
	for i, f := range ctxFields {
		names[i] = f.name
	}
	return names
}

// ctx decodes a step's ctx mapping.
func (d *decoder) ctx(n *yaml.Node, where string) *Ctx {
	c := &Ctx{Line: n.Line}
	for _, f := range d.fields(n, where, ctxFieldNames()...) {
		w := where + "." + f.name
		c.Fields = append(c.Fields, CtxField{Name: f.name, Line: f.key.Line})
		u32 := func() uint32 {
			v, _ := d.unsigned(f.value, w, math.MaxUint32)
			return uint32(v)
		}
		switch f.name {
		case "mark":
			c.SkBuff.Mark = u32()
		case "priority":
			c.SkBuff.Priority = u32()
		case "ingress_ifindex":
			c.SkBuff.IngressIfindex = u32()
			c.XDP.IngressIfindex = c.SkBuff.IngressIfindex
		case "ifindex":
			c.SkBuff.Ifindex = u32()
		case "cb":
			items, ok := d.sequence(f.value, w)
			if ok && len(items) > len(c.SkBuff.CB) {
				d.errorf(f.value, "%s: %d values, but cb has %d", w, len(items), len(c.SkBuff.CB))
				items = items[:len(c.SkBuff.CB)]
			}
			for i, item := range items {
				v, _ := d.unsigned(item, w, math.MaxUint32)
				c.SkBuff.CB[i] = uint32(v)
			}
		case "tstamp":
			c.SkBuff.Tstamp, _ = d.unsigned(f.value, w, math.MaxUint64)
		case "wire_len":
			v, _ := d.unsigned(f.value, w, gsoLegacyMaxSize)
			c.SkBuff.WireLen = uint32(v)
		case "gso_segs":
			v, _ := d.unsigned(f.value, w, gsoMaxSegs)
			c.SkBuff.GSOSegs = uint32(v)
		case "gso_size":
			c.SkBuff.GSOSize = u32()
		case "hwtstamp":
			c.SkBuff.HWTstamp, _ = d.unsigned(f.value, w, math.MaxUint64)
		case "data":
			v, ok := d.unsigned(f.value, w, xdpMetaMax)
			if ok && v%4 != 0 {
				d.errorf(f.value, "%s: metadata length %d is not a multiple of 4", w, v)
			}
			c.XDP.Data = uint32(v)
		case "rx_queue_index":
			c.XDP.RxQueueIndex = u32()
		}
	}
	if c.XDP.RxQueueIndex != 0 && c.XDP.IngressIfindex == 0 {
		d.errorf(n, "%s: rx_queue_index needs ingress_ifindex", where)
	}
	return c
}
