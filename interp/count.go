package interp

// Counting executed instructions without slowing down runs that do not
// count: RunCounted executes a second translation of the program, its
// counting body, which is the plain body with an opCount at the head of
// every basic block. An opCount adds the length of its block to the
// Machine's count as the block starts, so the count costs one dispatch a
// block, and Run's ops stay exactly as they are.
//
// A block ends at every op that may leave it other than by returning to
// the next op: jumps, may_goto, exit, tail calls and legacy packet loads
// (which return 0 from the program when the packet is too short). Calls
// of helpers and of BPF functions stay inside their block: control comes
// back after them, and what the callee runs is counted in the callee's
// blocks.

// RunCounted runs the program as Run does and also returns the number of
// instructions the run executed, as the kernel counts instruction slots: a
// ld_imm64 counts once, a helper call is one instruction, and the
// instructions of tail-called programs, bpf-to-bpf callees and callbacks
// count too. After a fault the count includes the rest of the block that
// faulted.
func (p *Program) RunCounted(m *Machine, ctx uint64) (ret, insns uint64, err error) {
	ret, err = p.run(m, ctx, true)
	return ret, m.insns, err
}

// countingBody returns p's counting body, making it on first use.
func (p *Program) countingBody() *body {
	p.countingOnce.Do(func() { p.counting = newCountingBody(&p.plain, blockLeaders(&p.plain)) })
	return p.counting
}

// newCountingBody returns plain with an opCount before each op that leader
// marks, counting the ops up to the next one marked, and jumps and calls
// retargeted to the opCount of their target, which must be marked.
func newCountingBody(plain *body, leader []bool) *body {
	n := plain.exitOp // the program's own ops; the ones after are exec's
	b := &body{
		code:  make([]op, 0, len(plain.code)+n/2),
		slots: make([]int32, 0, len(plain.code)+n/2),
		funcs: make(map[int32]int32, len(plain.funcs)),
	}
	// head[i] is where control enters plain op i in the new body: its
	// opCount if it leads a block, else the op itself. at[i] is the op.
	head := make([]int32, n)
	at := make([]int32, n)
	for i := 0; i < n; i++ {
		if leader[i] {
			size := 1
			for size < n-i && !leader[i+size] {
				size++
			}
			b.code = append(b.code, op{code: opCount, imm: uint64(size)})
			b.slots = append(b.slots, plain.slots[i])
		}
		head[i] = int32(len(b.code))
		if leader[i] {
			head[i]--
		}
		at[i] = int32(len(b.code))
		b.code = append(b.code, plain.code[i])
		b.slots = append(b.slots, plain.slots[i])
	}
	b.exitOp = len(b.code)
	b.code = append(b.code, plain.code[n:]...)
	b.slots = append(b.slots, plain.slots[n:]...)
	for i := 0; i < n; i++ {
		if o := &b.code[at[i]]; isTransfer(o.code) {
			o.off = (head[transferTarget(plain, i)] - at[i] - 1) * opSize
		}
	}
	for entry, first := range plain.funcs {
		b.funcs[entry] = head[first]
	}
	return b
}

// blockLeaders marks the ops of plain that start a basic block: the entry
// point, the first op of every function, every jump target and every op
// after one that may leave its block.
func blockLeaders(plain *body) []bool {
	n := plain.exitOp
	leader := make([]bool, n)
	leader[0] = true
	for _, first := range plain.funcs {
		leader[first] = true
	}
	for i := 0; i < n; i++ {
		code := plain.code[i].code
		if isTransfer(code) {
			leader[transferTarget(plain, i)] = true
		}
		if endsBlock(code) && i+1 < n {
			leader[i+1] = true
		}
	}
	return leader
}

// transferTarget returns the index of the op that jump or call op i of b
// goes to.
func transferTarget(b *body, i int) int {
	return i + 1 + int(b.code[i].off/opSize)
}

// endsBlock reports whether an op of this code may be the last one run of
// its basic block: control may go elsewhere than to the next op and not
// come back.
func endsBlock(code uint8) bool {
	switch code {
	case opExit, opTailCall, opLdAbs, opLdInd:
		return true
	}
	return isTransfer(code) && code != opCallLocal
}
