package vm

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"

	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/interp"
	"github.com/bpfld/bpfld/reloc"
	"github.com/bpfld/bpfld/runtime"
	"github.com/bpfld/bpfld/runtime/mem"
)

// StandIns is what the VM provides in place of the kernel for .ksyms
// externs. Link images for the VM with it:
//
//	link.Options{Ksyms: reloc.NewStandInResolver(vm.StandIns())}
//
// Typed kernel variables get zeroed read-only blocks that live as long as
// the process (as the kernel's variables outlive a program). A typeless
// ksym is, as in Linux, the plain address /proc/kallsyms gives (where it
// shows addresses, as to root), else such a block. __weak ones that the
// running kernel lacks (in its BTF for typed variables, in /proc/kallsyms
// for typeless ones) are NULL as in libbpf; kfuncs resolve to the VM's
// numbers for the ones it implements: bpf_cast_to_kern_ctx.
func StandIns() reloc.StandIns {
	return reloc.StandIns{Alloc: allocStandIn, Kfunc: kfuncNumber}
}

// standIns holds the stand-in blocks by symbol name and size.
var standIns struct {
	sync.Mutex
	blocks map[string]*mem.Block
}

func allocStandIn(k reloc.Ksym, size int) (uint64, error) {
	if k.Weak && !kernelHas(k) {
		return 0, nil
	}
	if typeless(k) {
		if addrs, err := kallsymsAddrs(); err == nil && addrs[k.Name] != 0 {
			return addrs[k.Name], nil
		}
	}
	standIns.Lock()
	defer standIns.Unlock()
	key := fmt.Sprintf("%s/%d", k.Name, size)
	if b, ok := standIns.blocks[key]; ok {
		return uint64(b.Addr()), nil
	}
	b, err := mem.Alloc(max(size, 1), false, "stand-in of kernel symbol "+k.Name)
	if err != nil {
		return 0, err
	}
	if standIns.blocks == nil {
		standIns.blocks = make(map[string]*mem.Block)
	}
	standIns.blocks[key] = b
	return uint64(b.Addr()), nil
}

// kernelHas reports whether the running kernel has the variable k, or
// cannot tell.
func kernelHas(k reloc.Ksym) bool {
	if typeless(k) {
		addrs, err := kallsymsAddrs()
		_, ok := addrs[k.Name]
		return err != nil || ok
	}
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		return true
	}
	types, err := spec.AnyTypesByName(k.Name)
	if err != nil {
		return false
	}
	for _, t := range types {
		if _, ok := t.(*btf.Var); ok {
			return true
		}
	}
	return false
}

// typeless reports whether k is declared `extern const void NAME __ksym`.
func typeless(k reloc.Ksym) bool {
	v, ok := k.Type.(*btf.Var)
	if !ok {
		return false
	}
	_, void := btf.UnderlyingType(v.Type).(*btf.Void)
	return void
}

// kallsymsAddrs reads the names in /proc/kallsyms and their addresses (0
// where kallsyms hides them) once; of a name listed twice, the first.
var kallsymsAddrs = sync.OnceValues(func() (map[string]uint64, error) {
	data, err := os.ReadFile("/proc/kallsyms")
	if err != nil {
		return nil, err
	}
	addrs := make(map[string]uint64, bytes.Count(data, []byte{'\n'}))
	for line := range bytes.Lines(data) {
		f := bytes.Fields(line)
		if len(f) < 3 {
			continue
		}
		if _, dup := addrs[string(f[2])]; dup {
			continue
		}
		addr, _ := strconv.ParseUint(string(f[0]), 16, 64)
		addrs[string(f[2])] = addr
	}
	return addrs, nil
})

// The VM's kfunc numbers.
const kfuncCastToKernCtx = 1

// kfuncNumber returns the VM's number of the kfunc name, if it has it.
func kfuncNumber(name string, proto *btf.FuncProto) (int32, bool) {
	switch name {
	case "bpf_cast_to_kern_ctx":
		return kfuncCastToKernCtx, len(proto.Params) == 1
	}
	return 0, false
}

// Kfunc implements interp.KfuncResolver for the kfuncs of StandIns.
func (r *resolver) Kfunc(id int32, module int16) (interp.Helper, error) {
	if module != 0 {
		return nil, fmt.Errorf("module BTF %d: the VM has only its own kfuncs (link with vm.StandIns)", module)
	}
	switch id {
	case kfuncCastToKernCtx:
		if runtime.ContextKindOf(r.prog.Type) != runtime.ContextRaw {
			if _, err := kernelLayouts(); err != nil {
				return nil, err
			}
		}
		return castToKernCtx, nil
	}
	return nil, fmt.Errorf("kfunc %d is not one of the VM's (link with vm.StandIns)", id)
}

// kernLayout locates fields of a kernel struct, from the kernel's BTF.
type kernLayout struct {
	size   int
	fields map[string]uint32
}

// layout finds the named fields of struct name in spec.
func layout(spec *btf.Spec, name string, fields ...string) (kernLayout, error) {
	var s *btf.Struct
	if err := spec.TypeByName(name, &s); err != nil {
		return kernLayout{}, fmt.Errorf("kernel BTF: struct %s: %w", name, err)
	}
	l := kernLayout{size: int(s.Size), fields: make(map[string]uint32)}
	for _, f := range fields {
		if off, ok := memberOffset(s, f); ok {
			l.fields[f] = off
		}
	}
	return l, nil
}

// kernelLayouts are the kernel's struct sk_buff and struct xdp_buff, which
// bpf_cast_to_kern_ctx exposes.
var kernelLayouts = sync.OnceValues(func() ([2]kernLayout, error) {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		return [2]kernLayout{}, fmt.Errorf("the kernel's struct sk_buff and xdp_buff need the kernel's BTF: %w", err)
	}
	skb, err := layout(spec, "sk_buff", "len", "data_len", "mark", "priority", "protocol", "data", "head",
		"tail", "end", "skb_iif", "queue_mapping", "hash", "tc_index", "mac_header", "network_header")
	if err != nil {
		return [2]kernLayout{}, err
	}
	xdp, err := layout(spec, "xdp_buff", "data", "data_end", "data_meta", "data_hard_start", "frame_sz")
	return [2]kernLayout{skb, xdp}, err
})

// bpf_cast_to_kern_ctx(ctx): the kernel's own struct behind the context,
// here a read-only stand-in filled from the run's state when the program
// asks for it: struct sk_buff for skb programs, struct xdp_buff for xdp;
// other contexts are their own.
func castToKernCtx(m *interp.Machine, ctx, _, _, _, _ uint64) uint64 {
	const name = "bpf_cast_to_kern_ctx"
	r := env(m)
	if ctx != m.Context() {
		return fail(m, name, "%#x is not the context", ctx)
	}
	if r.prog.kind == runtime.ContextRaw {
		return ctx
	}
	layouts, _ := kernelLayouts() // checked at load
	addr, err := r.fillKernCtx(layouts)
	if err != nil {
		return fail(m, name, "%v", err)
	}
	return addr
}

// fillKernCtx fills the runner's stand-in of the kernel's context struct
// and returns its address.
func (r *runner) fillKernCtx(layouts [2]kernLayout) (uint64, error) {
	l := layouts[0]
	if r.prog.kind == runtime.ContextXDP {
		l = layouts[1]
	}
	if r.kernCtx == nil || r.kernCtx.Len() < l.size {
		if r.kernCtx != nil {
			r.kernCtx.Free()
			r.kernCtx = nil
		}
		b, err := mem.Alloc(max(layouts[0].size, layouts[1].size), false, "kernel context stand-in")
		if err != nil {
			return 0, err
		}
		r.kernCtx = b
	}
	buf := r.kernCtx.Bytes()
	clear(buf)
	put := func(field string, size int, v uint64) {
		off, ok := l.fields[field]
		if !ok || int(off)+size > len(buf) {
			return
		}
		switch size {
		case 2:
			ne.PutUint16(buf[off:], uint16(v))
		case 4:
			ne.PutUint32(buf[off:], uint32(v))
		default:
			ne.PutUint64(buf[off:], v)
		}
	}
	head := uint64(r.pkt.Addr())
	if r.prog.kind == runtime.ContextXDP {
		put("data", 8, r.ptr(xdpPrivData))
		put("data_end", 8, r.ptr(xdpPrivDataEnd))
		put("data_meta", 8, r.ptr(xdpPrivDataMeta))
		put("data_hard_start", 8, head)
		put("frame_sz", 4, pageSize)
		return uint64(r.kernCtx.Addr()), nil
	}
	ctx := r.ctx
	data := r.ptr(skbPrivData)
	length := uint64(ne.Uint32(ctx[skbLen:]))
	put("len", 4, length)
	put("mark", 4, uint64(ne.Uint32(ctx[skbMark:])))
	put("priority", 4, uint64(ne.Uint32(ctx[skbPriority:])))
	put("protocol", 2, uint64(ne.Uint32(ctx[skbProtocol:])))
	put("skb_iif", 4, uint64(ne.Uint32(ctx[skbIngressIfidx:])))
	put("queue_mapping", 2, uint64(ne.Uint32(ctx[skbQueueMapping:])))
	put("tc_index", 2, uint64(ne.Uint32(ctx[skbTCIndex:])))
	put("data", 8, data)
	put("head", 8, head)
	put("tail", 4, data+length-head)
	put("end", 4, pageSize-skbTailroom)
	put("mac_header", 2, skbHeadroom)
	put("network_header", 2, skbHeadroom+ethHLen)
	return uint64(r.kernCtx.Addr()), nil
}
