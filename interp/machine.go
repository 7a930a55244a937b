package interp

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/bpfld/bpfld/runtime/mem"
)

// TailCaller resolves bpf_tail_call for a Machine: a prog array as the
// program holds it (the value of its map's ld_imm64) and an index.
type TailCaller interface {
	// TailCallTarget returns the program in slot index of progArray, or
	// nil if the slot is empty or index is not below its max_entries;
	// then the tail call falls through and does not count.
	TailCallTarget(progArray uint64, index uint32) *Program
}

// PacketSource gives the legacy packet loads (LD_ABS, LD_IND) of socket
// filter and tc programs their packet.
type PacketSource interface {
	// Packet returns the linear packet data of the skb context ctx.
	Packet(ctx uint64) []byte
}

// HeaderSource is a PacketSource that also locates the headers of the
// packet, for the legacy loads at the negative offsets of classic BPF:
// SKF_LL_OFF + k loads byte k of mac, SKF_NET_OFF + k byte k of network.
// Without it, such loads are out of the packet.
type HeaderSource interface {
	PacketSource
	// Headers returns the packet of the skb context ctx from its
	// link-layer header and from its network header to its end.
	Headers(ctx uint64) (mac, network []byte)
}

// The negative offsets of legacy packet loads (SKF_NET_OFF, SKF_LL_OFF
// of linux/filter.h).
const (
	skfNetOff = -0x100000
	skfLLOff  = -0x200000
)

// frameSize is the stride of frames in the Machine's stack: every frame
// gets room for MaxStack bytes, so that a frame is never too small for a
// function at run time, whatever Prepare computed of its depth.
const frameSize = MaxStack

// maxFrames is the deepest a run's frames can go. Prepare holds each
// program to MaxCallFrames, but a tail call from a subprogram replaces only
// that frame, and the target may call MaxCallFrames-1 deeper again, as on
// Linux, where the JIT's native stack grows the same way (which is why the
// verifier limits the frames below a tail call to 256 bytes).
const maxFrames = 1 + (MaxTailCalls+1)*(MaxCallFrames-1)

// stackSize is the size of a Machine's stack block: about 120 KiB of
// address space, of which a run touches only the frames it uses.
const stackSize = maxFrames * frameSize

// Machine is the state of runs on one goroutine: registers, call frames and
// the stack. It is reused from run to run and is not safe for concurrent
// use; use one Machine per goroutine.
type Machine struct {
	// CPU is the processor number helpers such as
	// bpf_get_smp_processor_id report for runs on this Machine.
	CPU uint32
	// TailCalls resolves tail calls; with nil every tail call falls
	// through.
	TailCalls TailCaller
	// Packet serves LD_ABS and LD_IND; with nil they stop the run with an
	// error.
	Packet PacketSource
	// Env is the embedder's state for the current run, for its helpers.
	Env any

	stack    *mem.Block
	stackLo  uint64 // first byte of the stack
	stackTop uint64 // r10 of the first frame: the end of the stack
	// The last blocks a load (read*) and a store (write*) touched: the
	// fast path checks accesses against them before searching.
	readLo, readSpan   uint64
	writeLo, writeSpan uint64

	ip        unsafe.Pointer // exec's next op, while exec calls out
	ctx       uint64         // the context of the current run
	cur       *Program       // the program running now, for Callback
	depth     int            // frames pushed below the run's first
	budget    uint64         // may_goto budget of the running function
	tailCalls int            // tail calls taken in this run
	err       error          // set by Fail
	// counting is set during RunCounted: programs run their counting
	// bodies, whose opCounts add to insns.
	counting bool
	insns    uint64
	frames   [maxFrames]frame
}

// frame is what a bpf-to-bpf call saves to return to its caller.
type frame struct {
	prog   *Program
	ret    unsafe.Pointer // the op to return to, in prog.code
	saved  [4]uint64      // R6 to R9
	budget uint64         // the caller's may_goto budget
}

// NewMachine allocates a Machine and its stack.
func NewMachine() (*Machine, error) {
	stack, err := mem.Alloc(stackSize, true, "stack")
	if err != nil {
		return nil, fmt.Errorf("allocate stack: %w", err)
	}
	m := &Machine{stack: stack, stackLo: uint64(stack.Addr())}
	m.stackTop = m.stackLo + stackSize
	m.resetCache()
	return m, nil
}

// Close frees the Machine's stack. The Machine must not run again.
func (m *Machine) Close() error {
	if m.stack == nil {
		return nil
	}
	err := m.stack.Free()
	m.stack = nil
	return err
}

// resetCache points the block caches at the stack, which always exists,
// forgetting blocks that may be freed between runs.
func (m *Machine) resetCache() {
	m.readLo, m.readSpan = m.stackLo, stackSize
	m.writeLo, m.writeSpan = m.stackLo, stackSize
}

// Context returns the context of the current run.
func (m *Machine) Context() uint64 { return m.ctx }

// Fail stops the current run with err once the helper calling it returns;
// the run's error names the call instruction.
func (m *Machine) Fail(err error) {
	if m.err == nil {
		m.err = err
	}
}

// Bytes returns the n bytes at addr as a slice, after checking that the
// program may read them, or write them if write is set. Helpers use it for
// their pointer arguments. The slice is valid during the helper call.
func (m *Machine) Bytes(addr uint64, n int, write bool) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("negative size %d", n)
	}
	if n == 0 {
		return nil, nil
	}
	if err := m.check(addr, n, write); err != nil {
		return nil, err
	}
	return bytesAt(addr, n), nil
}

// Callback runs the function whose callback value (the result of a
// ld_imm64 with BPF_PSEUDO_FUNC in the running program) is fn, with R1 to
// R5 set to r1 to r5, as a nested bpf-to-bpf call, and returns its R0.
// Helpers such as bpf_loop call it. An error also stops the current run
// once the helper returns.
func (m *Machine) Callback(fn uint64, r1, r2, r3, r4, r5 uint64) (uint64, error) {
	p := m.cur
	if p == nil {
		return 0, errors.New("callback outside a run")
	}
	b := m.body(p)
	entry, ok := b.funcs[int32(fn&0xffffff)]
	if fn&^0xffffffffffffff != callbackTag || (fn>>24)&0xffffffff != p.id&0xffffffff || !ok {
		err := fmt.Errorf("%#x is not a callback function of the running program", fn)
		m.Fail(err)
		return 0, err
	}
	if m.depth+1 >= maxFrames {
		err := fmt.Errorf("callback: the call stack of %d frames is too deep", m.depth+2)
		m.Fail(err)
		return 0, err
	}
	budget, ip := m.budget, m.ip
	m.depth++
	ret, err := m.exec(p, unsafe.Pointer(&b.code[entry]), r1, r2, r3, r4, r5)
	m.depth--
	m.cur, m.budget, m.ip = p, budget, ip
	if err != nil {
		m.Fail(err)
	}
	return ret, err
}

// Run runs the program on m with ctx, the address of its context, in R1
// and returns R0 when the program exits.
func (p *Program) Run(m *Machine, ctx uint64) (uint64, error) {
	return p.run(m, ctx, false)
}

// run is Run, counting executed instructions in m.insns if counting is
// set.
func (p *Program) run(m *Machine, ctx uint64, counting bool) (uint64, error) {
	if m.stack == nil {
		return 0, errors.New("run on a closed machine")
	}
	m.ctx = ctx
	m.depth = 0
	m.tailCalls = 0
	m.err = nil
	m.counting = counting
	m.insns = 0
	m.resetCache()
	ret, err := m.exec(p, m.entry(p), ctx, 0, 0, 0, 0)
	m.cur = nil
	return ret, err
}

// body returns the translation of p that runs on m: the counting one
// during RunCounted.
func (m *Machine) body(p *Program) *body {
	if m.counting {
		return p.countingBody()
	}
	return &p.plain
}

// entry returns the first op of p in the translation that runs on m.
func (m *Machine) entry(p *Program) unsafe.Pointer {
	return unsafe.Pointer(&m.body(p).code[0])
}
