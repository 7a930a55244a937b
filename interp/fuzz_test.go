package interp

import (
	"errors"
	"slices"
	"testing"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/runtime/mem"
)

// FuzzRun prepares and runs arbitrary instruction streams: whatever they
// do, Prepare and Run must return, with an error or without, and never
// crash; and RunCounted must count by blocks what counting every op on
// its own counts. Jumps are made to go forward (and the program to end in an exit)
// so that every program terminates: the interpreter, like the kernel's,
// relies on the verifier for that.
func FuzzRun(f *testing.F) {
	f.Add(insn.Encode(prog(mov64K(insn.R0, 1), exit())))
	f.Add(insn.Encode(prog(ldx(insn.SizeDW, insn.R0, insn.R1, 0), stx(insn.SizeW, insn.R10, insn.R0, -8), exit())))
	f.Add(insn.Encode(prog(mov64K(insn.R1, 0), ldx(insn.SizeW, insn.R0, insn.R1, 0), exit())))
	f.Add(insn.Encode(prog(callLocal(1), exit(), mov64X(insn.R0, insn.R10), alu64K(insn.ALUAdd, insn.R0, -600), st(insn.SizeB, insn.R0, 0, 1), exit())))
	f.Add(insn.Encode(prog(value(insn.R1, 0), mov64K(insn.R2, 1), atomicOp(insn.SizeDW, insn.R1, insn.R2, 0, insn.AtomicXchg), exit())))
	f.Fuzz(func(t *testing.T, code []byte) {
		insns, err := insn.Decode(code[:len(code)/insn.Size*insn.Size])
		if err != nil || len(insns) == 0 || len(insns) > 256 {
			return
		}
		for pc := range insns {
			ins := &insns[pc]
			switch {
			case ins.IsJump() && ins.OpCode == insn.OpGotol:
				ins.Imm = int32(uint32(ins.Imm) % 8)
			case ins.IsJump() || isJCond(*ins):
				ins.Off = int16(uint16(ins.Off) % 8)
			case ins.IsPseudoCall():
				ins.Imm = int32(uint32(ins.Imm) % 8)
			}
		}
		insns = append(insns, exit())
		env, _ := valueEnv(t, nil)
		env.maps = map[int32]uint64{0: 0x1000}
		env.helpers = map[int32]Helper{181: func(m *Machine, nr, fn, ctx, _, _ uint64) uint64 {
			return loopHelper(m, nr%4, fn, ctx, 0, 0)
		}}
		p, err := Prepare(insns, env)
		if err != nil {
			var ie *Error
			if !errors.As(err, &ie) && err.Error() != "program has no instructions" {
				t.Fatalf("Prepare error %T without an instruction: %v", err, err)
			}
			return
		}
		m := newTestMachine(t)
		m.TailCalls = progArrays{0x1000: {p}}
		x := newXDPContext(t, make([]byte, 64))
		if _, err := p.Run(m, x.addr()); err != nil {
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("Run error %T without an instruction: %v", err, err)
			}
		}
		checkCount(t, p, m, x, env.values[0])
	})
}

// checkCount runs p counted by blocks and then counted op by op, each time
// on the same memory made the same, and compares the runs.
func checkCount(t *testing.T, p *Program, m *Machine, x *xdpContext, values *mem.Block) {
	step := &Program{plain: p.plain, insns: p.insns, helpers: p.helpers, id: p.id, stackDepth: p.stackDepth}
	stepCounting(step)
	ctx := slices.Clone(x.ctx.Bytes())
	type result struct {
		ret, insns uint64
		err        string
	}
	var res [2]result
	for i, q := range []*Program{p, step} {
		clear(m.stack.Bytes())
		clear(x.pkt.Bytes())
		clear(values.Bytes())
		copy(x.ctx.Bytes(), ctx)
		m.TailCalls = progArrays{0x1000: {q}}
		ret, insns, err := q.RunCounted(m, x.addr())
		res[i] = result{ret: ret, insns: insns}
		if err != nil {
			res[i] = result{err: err.Error()} // the count of a fault is approximate
		}
	}
	if res[0] != res[1] {
		t.Fatalf("counted by blocks: %+v, op by op: %+v", res[0], res[1])
	}
}
