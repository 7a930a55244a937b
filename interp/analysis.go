package interp

import (
	"github.com/bpfld/bpfld/insn"
)

// The analysis follows, through every path of every function, which
// registers and stack slots hold the context pointer and which point into
// the function's own stack frame. It answers two questions the kernel's
// verifier answers by its full state tracking:
//
//   - which loads and stores go through the context, so that Prepare can
//     rewrite them with Resolver.ContextAccess (convert_ctx_access);
//   - how deep each function's stack is, for the verifier's limit of
//     MaxStack bytes in a chain of calls.
//
// It is a small abstract interpretation over the values below. Where it
// cannot tell whether a register holds the context (vTop) the access is
// decided at run time by comparing the register with the context pointer,
// so an imprecise answer costs speed, never correctness.

// valKind is what the analysis knows about a register or a stack slot.
type valKind uint8

const (
	vNone  valKind = iota // not reached (only in accessBase)
	vOther                // neither the context nor a pointer into the own frame
	vCtx                  // the context pointer as the program received it
	vFP                   // the frame pointer plus absVal.off
	vTop                  // unknown: any of the above
)

type absVal struct {
	kind valKind
	off  int32 // for vFP: the offset from r10
}

func join(a, b absVal) absVal {
	switch {
	case a == b || b.kind == vNone:
		return a
	case a.kind == vNone:
		return b
	}
	return absVal{kind: vTop}
}

var (
	other = absVal{kind: vOther}
	top   = absVal{kind: vTop}
)

// numSlots is the number of 8-byte slots of a frame.
const numSlots = MaxStack / 8

// absState is the abstract machine state at one point of a function.
type absState struct {
	regs [11]absVal
	// slots[i] is the 8-byte stack slot at r10 - 8*(i+1).
	slots [numSlots]absVal
}

func (s *absState) joinFrom(o *absState) (changed bool) {
	for i := range s.regs {
		if j := join(s.regs[i], o.regs[i]); j != s.regs[i] {
			s.regs[i], changed = j, true
		}
	}
	for i := range s.slots {
		if j := join(s.slots[i], o.slots[i]); j != s.slots[i] {
			s.slots[i], changed = j, true
		}
	}
	return changed
}

// entryState is the state at the start of a function whose arguments
// R1 to R5 are args.
func entryState(args [5]absVal) *absState {
	s := &absState{}
	for i := range s.regs {
		s.regs[i] = other
	}
	for i := range s.slots {
		s.slots[i] = other
	}
	copy(s.regs[1:6], args[:])
	s.regs[10] = absVal{kind: vFP}
	return s
}

// analysis is the result of analyze.
type analysis struct {
	// accessBase joins, for each load or store slot, what its base
	// register held on every path that reaches it.
	accessBase []absVal
	// depth is each function's stack depth in bytes, unrounded.
	depth []int
	// tailCalls marks the functions that call bpf_tail_call.
	tailCalls []bool
	// calls lists, for each function, the slots of its bpf-to-bpf calls
	// and function addresses (callbacks run as calls too).
	calls [][]int
}

// analyzer holds the work of analyze.
type analyzer struct {
	s      *structure
	res    *analysis
	states map[int]*absState // state at the start of each basic block
	leader []bool
	work   []int
}

// analyze runs the analysis over the program s from its entry, where R1
// holds the context.
func analyze(s *structure) *analysis {
	n := len(s.insns)
	a := &analyzer{
		s: s,
		res: &analysis{
			accessBase: make([]absVal, n),
			depth:      make([]int, len(s.entries)),
			tailCalls:  make([]bool, len(s.entries)),
			calls:      make([][]int, len(s.entries)),
		},
		states: make(map[int]*absState),
		leader: make([]bool, n),
	}
	for _, e := range s.entries {
		a.leader[e] = true
	}
	for pc, ins := range s.insns {
		switch {
		case s.second[pc]:
		case isBranch(ins):
			a.leader[target(ins, pc)] = true
			if pc+1 < n {
				a.leader[pc+1] = true
			}
		case ins.IsExit():
			if pc+1 < n {
				a.leader[pc+1] = true
			}
		case ins.IsPseudoCall() || ins.IsPseudoFunc():
			f := s.funcOf[pc]
			a.res.calls[f] = append(a.res.calls[f], pc)
		case ins.IsHelperCall() && ins.Imm == helperTailCall:
			a.res.tailCalls[s.funcOf[pc]] = true
		}
	}
	a.flow(0, entryState([5]absVal{{kind: vCtx}, other, other, other, other}))
	for f, cb := range s.callbacks {
		if cb {
			a.flow(s.entries[f], entryState([5]absVal{top, top, top, top, top}))
		}
	}
	for len(a.work) > 0 {
		pc := a.work[len(a.work)-1]
		a.work = a.work[:len(a.work)-1]
		a.block(pc)
	}
	return a.res
}

// flow joins state st into the start of the block at pc and queues the
// block if that changed what is known there.
func (a *analyzer) flow(pc int, st *absState) {
	old := a.states[pc]
	if old == nil {
		cp := *st
		a.states[pc] = &cp
		a.work = append(a.work, pc)
		return
	}
	if old.joinFrom(st) {
		a.work = append(a.work, pc)
	}
}

// block interprets the basic block at pc.
func (a *analyzer) block(pc int) {
	st := *a.states[pc]
	f := a.s.funcOf[pc]
	for {
		ins := a.s.insns[pc]
		if a.s.fpWrites[pc] != nil {
			return // a run stops there
		}
		a.step(&st, pc, f)
		next := pc + 1
		if ins.IsLoadImm64() {
			next++
		}
		switch {
		case ins.IsExit():
			return
		case isBranch(ins):
			a.flow(target(ins, pc), &st)
			if isUnconditional(ins) {
				return
			}
		}
		if next >= len(a.s.insns) {
			return // only after an exit or jump: the structure says so
		}
		if a.leader[next] {
			a.flow(next, &st)
			return
		}
		pc = next
	}
}

// useFrame records that function f uses its stack down to r10+off.
func (a *analyzer) useFrame(f int, off int32) {
	if off < 0 && int(-off) > a.res.depth[f] {
		a.res.depth[f] = int(-off)
	}
}

// store records in st a store of size bytes of value v through base+off.
func (a *analyzer) store(st *absState, f int, base absVal, off int32, size int, v absVal) {
	switch base.kind {
	case vFP:
		at := base.off + off
		a.useFrame(f, at)
		if size == 8 && at%8 == 0 {
			if i := -at/8 - 1; i >= 0 && i < numSlots {
				st.slots[i] = v
				return
			}
		}
		// A partial overwrite leaves no pointer behind.
		for i := range st.slots {
			lo := -8 * int32(i+1)
			if at < lo+8 && at+int32(size) > lo {
				st.slots[i] = other
			}
		}
	case vTop:
		// It may hit any slot.
		for i := range st.slots {
			st.slots[i] = join(st.slots[i], v)
		}
	}
}

// clobberFrom records that a call may have written anything into the own
// frame through pointer p.
func (a *analyzer) clobberFrom(st *absState, f int, p, v absVal) {
	switch p.kind {
	case vFP:
		a.useFrame(f, p.off)
		for i := range st.slots {
			if -8*int32(i+1) >= p.off-7 {
				st.slots[i] = join(st.slots[i], v)
			}
		}
	case vTop:
		for i := range st.slots {
			st.slots[i] = join(st.slots[i], v)
		}
	}
}

// load returns what a load of size bytes through base+off yields.
func (a *analyzer) load(st *absState, f int, base absVal, off int32, size int) absVal {
	switch base.kind {
	case vFP:
		at := base.off + off
		a.useFrame(f, at)
		if size == 8 && at%8 == 0 {
			if i := -at/8 - 1; i >= 0 && i < numSlots {
				return st.slots[i]
			}
		}
	case vTop:
		if size == 8 {
			return top
		}
	}
	return other
}

// step applies the instruction at pc of function f to st.
func (a *analyzer) step(st *absState, pc, f int) {
	ins := a.s.insns[pc]
	r := &st.regs
	switch ins.Class() {
	case insn.ClassALU64:
		a.alu64(st, f, ins)
	case insn.ClassALU:
		r[ins.Dst] = other
	case insn.ClassLD:
		switch {
		case ins.IsLoadImm64():
			r[ins.Dst] = other
		default: // LD_ABS, LD_IND: a call in disguise
			for i := 0; i <= 5; i++ {
				r[i] = other
			}
		}
	case insn.ClassLDX:
		base := r[ins.Src]
		a.res.accessBase[pc] = join(a.res.accessBase[pc], base)
		r[ins.Dst] = a.load(st, f, base, int32(ins.Off), ins.AccessSize())
		if ins.Mode() == insn.ModeMEMSX {
			r[ins.Dst] = other
		}
	case insn.ClassST:
		base := r[ins.Dst]
		a.res.accessBase[pc] = join(a.res.accessBase[pc], base)
		a.store(st, f, base, int32(ins.Off), ins.AccessSize(), other)
	case insn.ClassSTX:
		size := ins.AccessSize()
		if ins.Mode() == insn.ModeATOMIC && ins.Imm == insn.AtomicLoadAcquire {
			// dst = load_acquire(src + off)
			base := r[ins.Src]
			a.res.accessBase[pc] = join(a.res.accessBase[pc], base)
			r[ins.Dst] = a.load(st, f, base, int32(ins.Off), size)
			return
		}
		base := r[ins.Dst]
		a.res.accessBase[pc] = join(a.res.accessBase[pc], base)
		if ins.Mode() == insn.ModeMEM {
			a.store(st, f, base, int32(ins.Off), size, r[ins.Src])
			return
		}
		switch ins.Imm {
		case insn.AtomicStoreRelease:
			a.store(st, f, base, int32(ins.Off), size, r[ins.Src])
		case insn.AtomicCmpXchg:
			a.store(st, f, base, int32(ins.Off), size, other)
			r[0] = other
		default:
			a.store(st, f, base, int32(ins.Off), size, other)
			if ins.Imm&insn.AtomicFetch != 0 {
				r[ins.Src] = other
			}
		}
	case insn.ClassJMP:
		if ins.OpCode != insn.OpCall {
			return
		}
		if ins.IsPseudoCall() {
			a.call(st, f, pc)
			return
		}
		// A helper or kfunc may write through its pointer arguments.
		for i := 1; i <= 5; i++ {
			a.clobberFrom(st, f, r[i], other)
		}
		for i := 0; i <= 5; i++ {
			r[i] = other
		}
	}
}

// call applies the bpf-to-bpf call at pc of function f to st, and passes
// the arguments on to the callee.
func (a *analyzer) call(st *absState, f, pc int) {
	r := &st.regs
	var args [5]absVal
	for i := range args {
		args[i] = r[i+1]
		if args[i].kind == vFP {
			// A pointer into the caller's frame, not the callee's.
			args[i] = other
		}
	}
	a.flow(target(a.s.insns[pc], pc), entryState(args))
	// The callee may store anything, the context too, through pointers
	// into this frame.
	for i := 1; i <= 5; i++ {
		a.clobberFrom(st, f, r[i], top)
	}
	r[0] = top // it may return the context
	for i := 1; i <= 5; i++ {
		r[i] = other
	}
}

// alu64 applies a 64-bit ALU instruction to st.
func (a *analyzer) alu64(st *absState, f int, ins insn.Instruction) {
	r := &st.regs
	d := r[ins.Dst]
	src := other
	if ins.Source() == insn.SourceX {
		src = r[ins.Src]
	}
	switch op := ins.Op(); {
	case op == insn.ALUMov && ins.Source() == insn.SourceX && ins.Off == 0:
		r[ins.Dst] = src
	case op == insn.ALUMov:
		r[ins.Dst] = other
	case (op == insn.ALUAdd || op == insn.ALUSub) && ins.Source() == insn.SourceK && d.kind == vFP:
		delta := ins.Imm
		if op == insn.ALUSub {
			delta = -delta
		}
		off := int64(d.off) + int64(delta)
		if off < -MaxStack*MaxCallFrames || off > MaxStack*MaxCallFrames {
			r[ins.Dst] = top // far outside any frame: leave it to the run-time checks
			return
		}
		// Forming a pointer uses no stack yet: as for the verifier,
		// only accesses through it count.
		r[ins.Dst] = absVal{kind: vFP, off: int32(off)}
	case d.kind == vOther && src.kind == vOther:
		// Arithmetic on numbers.
	default:
		// Pointer arithmetic the analysis does not follow.
		r[ins.Dst] = top
	}
}
