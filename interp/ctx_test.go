package interp

import (
	"encoding/binary"
	"testing"

	"github.com/bpfld/bpfld/insn"
)

// TestContextAccess checks that loads through the context are rewritten
// wherever the context travels: moved, spilled to the stack, passed to a
// subprogram, kept across helper calls, and decided at run time where a
// register may or may not hold it. The test context's rx_queue_index (at
// offset 16 as the program sees it) holds 7, its packet 64 bytes.
func TestContextAccess(t *testing.T) {
	const r0, r1, r2, r6, r10 = insn.R0, insn.R1, insn.R2, insn.R6, insn.R10
	queue := func(dst, base uint8) insn.Instruction { return ldx(insn.SizeW, dst, base, 16) }
	tests := []struct {
		name  string
		insns []insn.Instruction
		want  uint64
	}{
		{"through r1", prog(queue(r0, r1), exit()), 7},
		{"moved, across a helper call", prog(mov64X(r6, r1), call(1000), queue(r0, r6), exit()), 7},
		{"spilled and filled", prog(
			stx(insn.SizeDW, r10, r1, -16),
			mov64K(r1, 0),
			ldx(insn.SizeDW, r2, r10, -16),
			queue(r0, r2),
			exit()), 7},
		{"spilled through a stack pointer", prog(
			mov64X(r2, r10),
			alu64K(insn.ALUAdd, r2, -24),
			stx(insn.SizeDW, r2, r1, 8),
			ldx(insn.SizeDW, r6, r10, -16),
			queue(r0, r6),
			exit()), 7},
		{"passed to a subprogram", prog(
			callLocal(1),
			exit(),
			queue(r0, r1),
			exit()), 7},
		{"data and data_end are pointers", prog(
			ldx(insn.SizeW, r2, r1, 0),
			ldx(insn.SizeW, r0, r1, 4),
			alu64X(insn.ALUSub, r0, r2),
			exit()), 64},
		{"maybe the context: it is", prog(
			mov64K(r0, 0),
			jmpK(insn.JmpJEQ, r0, 0, 2),
			ldPseudo(r1, insn.PseudoMapIdxValue, 0, 0),
			queue(r0, r1),
			exit()), 7},
		{"maybe the context: it is not", prog(
			mov64K(r0, 1),
			jmpK(insn.JmpJEQ, r0, 0, 2),
			ldPseudo(r1, insn.PseudoMapIdxValue, 0, 0),
			queue(r0, r1),
			exit()), 0x13121110},
		{"a spill slot overwritten with a number", prog(
			stx(insn.SizeDW, r10, r1, -8),
			ldPseudo(r2, insn.PseudoMapIdxValue, 0, 0),
			stx(insn.SizeDW, r10, r2, -8),
			ldx(insn.SizeDW, r2, r10, -8),
			queue(r0, r2),
			exit()), 0x13121110},
	}
	init := make([]byte, 64)
	for i := range init {
		init[i] = byte(i)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := valueEnv(t, init)
			env.helpers = map[int32]Helper{1000: func(*Machine, uint64, uint64, uint64, uint64, uint64) uint64 { return 0 }}
			p, err := Prepare(tt.insns, env)
			if err != nil {
				t.Fatal(err)
			}
			x := newXDPContext(t, make([]byte, 64))
			binary.LittleEndian.PutUint32(x.ctx.Bytes()[28:], 7) // rx_queue_index
			got, err := p.Run(newTestMachine(t), x.addr())
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("r0 = %#x, want %#x", got, tt.want)
			}
		})
	}
}

// writableEnv lets programs write egress_ifindex (offset 20).
type writableEnv struct{ testEnv }

func (e *writableEnv) ContextAccess(off int16, size int, write bool) (int16, int, error) {
	if write && off == 20 && size == 4 {
		return 32, 4, nil
	}
	return xdpAccess(off, size, write)
}

// TestContextStores checks stores through a register that may hold the
// context, decided at run time, with an immediate and a register.
func TestContextStores(t *testing.T) {
	const r0, r1, r2 = insn.R0, insn.R1, insn.R2
	for _, tt := range []struct {
		name     string
		ctx      uint64 // R0 before the branch: 0 takes the context
		store    insn.Instruction
		ctxWant  uint32 // egress_ifindex afterwards
		valWant  uint32 // the map value's bytes 20 to 23 afterwards
		register bool
	}{
		{"immediate into the context", 0, st(insn.SizeW, r1, 20, -3), 0xfffffffd, 0x17161514, false},
		{"immediate into the value", 1, st(insn.SizeW, r1, 20, -3), 0, 0xfffffffd, false},
		{"register into the context", 0, stx(insn.SizeW, r1, r2, 20), 0xabcd, 0x17161514, true},
		{"register into the value", 1, stx(insn.SizeW, r1, r2, 20), 0, 0xabcd, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			init := make([]byte, 64)
			for i := range init {
				init[i] = byte(i)
			}
			base, blk := valueEnv(t, init)
			env := &writableEnv{*base}
			p, err := Prepare(prog(
				mov64K(r0, int32(tt.ctx)),
				mov64K(r2, 0xabcd),
				jmpK(insn.JmpJEQ, r0, 0, 2),
				ldPseudo(r1, insn.PseudoMapIdxValue, 0, 0),
				tt.store,
				exit()), env)
			if err != nil {
				t.Fatal(err)
			}
			if code := p.plain.code[4].code; code != opStCtx && code != opStxCtx {
				t.Fatalf("the store is op %d, not one decided at run time", code)
			}
			x := newXDPContext(t, make([]byte, 64))
			if _, err := p.Run(newTestMachine(t), x.addr()); err != nil {
				t.Fatal(err)
			}
			if got := binary.LittleEndian.Uint32(x.ctx.Bytes()[32:]); got != tt.ctxWant {
				t.Errorf("egress_ifindex = %#x, want %#x", got, tt.ctxWant)
			}
			if got := binary.LittleEndian.Uint32(blk.Bytes()[20:]); got != tt.valWant {
				t.Errorf("value bytes = %#x, want %#x", got, tt.valWant)
			}
		})
	}
}
