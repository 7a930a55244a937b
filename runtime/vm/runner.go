package vm

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/bpfld/bpfld/interp"
	"github.com/bpfld/bpfld/runtime"
	"github.com/bpfld/bpfld/runtime/mem"
)

// pageSize is the kernel's PAGE_SIZE, the size of a test run's packet
// buffer.
const pageSize = 4096

// runner is what one goroutine needs to run programs: a Machine and the
// memory of the context and the packet, reused from run to run. It is the
// Machine's Env, through which helpers reach the run's state.
type runner struct {
	c   *Collection
	m   *interp.Machine
	rng *rand.PCG

	skbCtx, xdpCtx *mem.Block
	// raw is the context of the other program types: a copy of the
	// input, exactly as long, so that reading past it faults.
	raw *mem.Block
	// pkt is the packet buffer of skb and xdp runs: one page, as
	// BPF_PROG_TEST_RUN allocates it, the packet after its headroom.
	pkt *mem.Block
	// sock stands in for the test run's socket, skb->sk.
	sock *mem.Block
	// kernCtx stands in for the kernel's struct behind the context
	// (bpf_cast_to_kern_ctx), made when a program first asks for it.
	kernCtx *mem.Block

	// The state of the current run.
	prog     *program
	ctx      []byte // the context block
	trace    []string
	locked   uint64 // address of the bpf_spin_lock held, or 0
	reserved int    // ring buffer records reserved and not yet released
}

// Run implements runtime.Collection: it runs the program on the input as
// BPF_PROG_TEST_RUN does, in.Repeat times on the same context and packet
// (changes carry from one run to the next), and reports the last run's
// return value, the packet and context after the runs, the mean time of a
// run, the lines the program printed and, if in.CountInstructions is set,
// the instructions the last run executed (every run is counted then, and
// slower).
func (c *Collection) Run(name string, in runtime.RunInput) (*runtime.RunResult, error) {
	switch in.Engine {
	case "", "interp":
	case "jit":
		return nil, ErrJITNotBuilt
	default:
		return nil, fmt.Errorf("unknown engine %q (want interp or jit)", in.Engine)
	}
	if c.closed.Load() {
		return nil, errClosed
	}
	p := c.program(name)
	if p == nil {
		if err := c.LoadProgram(name); err != nil {
			return nil, err
		}
		p = c.program(name)
	}
	r, err := c.pool.get(c)
	if err != nil {
		return nil, err
	}
	defer c.pool.put(r)
	res, err := r.run(p, in)
	if err != nil {
		return nil, fmt.Errorf("program %s: %w", name, err)
	}
	return res, nil
}

// run runs p on in.
func (r *runner) run(p *program, in runtime.RunInput) (*runtime.RunResult, error) {
	r.prog, r.trace, r.locked, r.reserved = p, nil, 0, 0
	var ctx uint64
	var err error
	switch p.kind {
	case runtime.ContextSKB:
		ctx, err = r.setupSKB(p, in)
	case runtime.ContextXDP:
		ctx, err = r.setupXDP(in)
	default:
		ctx, err = r.setupRaw(p, in)
	}
	if err != nil {
		return nil, err
	}
	repeat := max(in.Repeat, 1)
	var ret, insns uint64
	start := time.Now()
	for i := 0; i < repeat; i++ {
		if in.CountInstructions {
			ret, insns, err = p.code.RunCounted(r.m, ctx)
		} else {
			ret, err = p.code.Run(r.m, ctx)
		}
		if err == nil {
			err = r.leaks()
		}
		if err != nil {
			return nil, err
		}
	}
	elapsed := time.Since(start)
	res := &runtime.RunResult{Retval: uint32(ret), PerRun: elapsed / time.Duration(repeat), Trace: r.trace, Instructions: insns}
	switch p.kind {
	case runtime.ContextSKB:
		res.Output, res.Context = r.finishSKB(p, in)
	case runtime.ContextXDP:
		res.Output, res.Context = r.finishXDP(in)
	}
	return res, nil
}

// leaks checks what the kernel's verifier guarantees at a program's exit:
// no bpf_spin_lock held and every ring buffer record submitted or
// discarded. It releases what the program left.
func (r *runner) leaks() error {
	var errs []error
	if r.locked != 0 {
		unlockSpin(r.locked)
		r.locked = 0
		errs = append(errs, errors.New("the program exited holding a bpf_spin_lock"))
	}
	if r.reserved != 0 {
		errs = append(errs, fmt.Errorf("the program exited with %d ring buffer records neither submitted nor discarded", r.reserved))
		r.reserved = 0
	}
	return errors.Join(errs...)
}

// Packet implements interp.PacketSource for the legacy packet loads of
// socket and tc programs: the linear data from skb->data.
func (r *runner) Packet(ctx uint64) []byte {
	if r.prog == nil || r.prog.kind != runtime.ContextSKB {
		return nil
	}
	data := r.ptr(skbPrivData)
	return r.pktBytes(data, data+uint64(ne.Uint32(r.ctx[skbLen:])))
}

// runnerPool keeps the runners of a collection: one per goroutine running
// at a time. Unlike a sync.Pool it never drops a runner, whose memory must
// be unmapped by Close.
type runnerPool struct {
	mu   sync.Mutex
	free []*runner
	all  []*runner
}

// get returns a free runner, or a new one.
func (p *runnerPool) get(c *Collection) (*runner, error) {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		r := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return r, nil
	}
	p.mu.Unlock()
	r, err := newRunner(c)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.all = append(p.all, r)
	p.mu.Unlock()
	return r, nil
}

// put returns a runner to the pool.
func (p *runnerPool) put(r *runner) {
	r.prog, r.trace, r.ctx = nil, nil, nil
	p.mu.Lock()
	p.free = append(p.free, r)
	p.mu.Unlock()
}

// close frees every runner's memory.
func (p *runnerPool) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, r := range p.all {
		errs = append(errs, r.close())
	}
	p.all, p.free = nil, nil
	return errors.Join(errs...)
}

// newRunner allocates a runner's Machine and memory.
func newRunner(c *Collection) (*runner, error) {
	m, err := interp.NewMachine()
	if err != nil {
		return nil, err
	}
	r := &runner{c: c, m: m, rng: rand.NewPCG(rand.Uint64(), rand.Uint64())}
	m.CPU = c.opts.CPU
	m.TailCalls = c
	m.Packet = r
	m.Env = r
	for _, b := range []struct {
		dst      **mem.Block
		size     int
		writable bool
		name     string
	}{
		{&r.skbCtx, skbCtxBlockSize, true, "context (struct __sk_buff)"},
		{&r.xdpCtx, xdpCtxBlockSize, true, "context (struct xdp_md)"},
		{&r.pkt, pageSize, true, "packet"},
		{&r.sock, sockSize, false, "socket (struct bpf_sock)"},
	} {
		if *b.dst, err = mem.Alloc(b.size, b.writable, b.name); err != nil {
			r.close()
			return nil, err
		}
	}
	return r, nil
}

// close frees the runner's memory.
func (r *runner) close() error {
	errs := []error{r.m.Close()}
	for _, b := range []*mem.Block{r.skbCtx, r.xdpCtx, r.pkt, r.sock, r.raw, r.kernCtx} {
		if b != nil {
			errs = append(errs, b.Free())
		}
	}
	return errors.Join(errs...)
}
