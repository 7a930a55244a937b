package interp

import (
	"errors"
	"fmt"
	"testing"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/runtime/mem"
)

// A small assembler for hand-written test programs. Each function returns
// one instruction (or two for ld_imm64); prog flattens them.

func alu64K(op, dst uint8, imm int32) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassALU64) | op | insn.SourceK, Dst: dst, Imm: imm}
}

func alu64X(op, dst, src uint8) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassALU64) | op | insn.SourceX, Dst: dst, Src: src}
}

func alu32K(op, dst uint8, imm int32) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassALU) | op | insn.SourceK, Dst: dst, Imm: imm}
}

func alu32X(op, dst, src uint8) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassALU) | op | insn.SourceX, Dst: dst, Src: src}
}

// withOff sets the Off field (sdiv, smod, movsx).
func withOff(i insn.Instruction, off int16) insn.Instruction {
	i.Off = off
	return i
}

func mov64K(dst uint8, imm int32) insn.Instruction { return alu64K(insn.ALUMov, dst, imm) }
func mov64X(dst, src uint8) insn.Instruction       { return alu64X(insn.ALUMov, dst, src) }

func ldImm64(dst uint8, v uint64) []insn.Instruction {
	return []insn.Instruction{
		{OpCode: insn.OpLdImm64, Dst: dst, Imm: int32(uint32(v))},
		{Imm: int32(uint32(v >> 32))},
	}
}

func ldPseudo(dst, src uint8, imm, imm2 int32) []insn.Instruction {
	return []insn.Instruction{{OpCode: insn.OpLdImm64, Dst: dst, Src: src, Imm: imm}, {Imm: imm2}}
}

func jmpK(op, dst uint8, imm int32, off int16) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassJMP) | op | insn.SourceK, Dst: dst, Imm: imm, Off: off}
}

func jmpX(op, dst, src uint8, off int16) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassJMP) | op | insn.SourceX, Dst: dst, Src: src, Off: off}
}

func jmp32K(op, dst uint8, imm int32, off int16) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassJMP32) | op | insn.SourceK, Dst: dst, Imm: imm, Off: off}
}

func jmp32X(op, dst, src uint8, off int16) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassJMP32) | op | insn.SourceX, Dst: dst, Src: src, Off: off}
}

func ja(off int16) insn.Instruction    { return insn.Instruction{OpCode: insn.OpJA, Off: off} }
func gotol(off int32) insn.Instruction { return insn.Instruction{OpCode: insn.OpGotol, Imm: off} }
func mayGoto(off int16) insn.Instruction {
	return insn.Instruction{OpCode: insn.OpJA | insn.JmpJCOND, Off: off}
}
func exit() insn.Instruction         { return insn.Instruction{OpCode: insn.OpExit} }
func call(id int32) insn.Instruction { return insn.Instruction{OpCode: insn.OpCall, Imm: id} }
func callLocal(off int32) insn.Instruction {
	return insn.Instruction{OpCode: insn.OpCall, Src: insn.PseudoCall, Imm: off}
}

func ldx(size, dst, src uint8, off int16) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassLDX) | insn.ModeMEM | size, Dst: dst, Src: src, Off: off}
}

func ldxsx(size, dst, src uint8, off int16) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassLDX) | insn.ModeMEMSX | size, Dst: dst, Src: src, Off: off}
}

func stx(size, dst, src uint8, off int16) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassSTX) | insn.ModeMEM | size, Dst: dst, Src: src, Off: off}
}

func st(size, dst uint8, off int16, imm int32) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassST) | insn.ModeMEM | size, Dst: dst, Off: off, Imm: imm}
}

func atomicOp(size, dst, src uint8, off int16, op int32) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassSTX) | insn.ModeATOMIC | size, Dst: dst, Src: src, Off: off, Imm: op}
}

func ldAbs(size uint8, imm int32) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassLD) | insn.ModeABS | size, Imm: imm}
}

func ldInd(size, src uint8, imm int32) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassLD) | insn.ModeIND | size, Src: src, Imm: imm}
}

// prog flattens instructions and slices of instructions into a program.
func prog(parts ...any) []insn.Instruction {
	var out []insn.Instruction
	for _, p := range parts {
		switch p := p.(type) {
		case insn.Instruction:
			out = append(out, p)
		case []insn.Instruction:
			out = append(out, p...)
		default:
			panic(fmt.Sprintf("prog: %T", p))
		}
	}
	return out
}

// testEnv is a Resolver over made-up maps, helpers and an xdp_md-like
// context (see xdpAccess).
type testEnv struct {
	maps    map[int32]uint64 // map index -> value of its ld_imm64
	values  map[int32]*mem.Block
	helpers map[int32]Helper
}

func (e *testEnv) MapPointer(index int32) (uint64, error) {
	if v, ok := e.maps[index]; ok {
		return v, nil
	}
	return 0, fmt.Errorf("no map %d", index)
}

func (e *testEnv) MapValue(index int32, offset uint32) (uint64, error) {
	b, ok := e.values[index]
	if !ok {
		return 0, fmt.Errorf("no map %d with a value", index)
	}
	if int(offset) >= b.Len() {
		return 0, fmt.Errorf("offset %d past the value's %d bytes", offset, b.Len())
	}
	return uint64(b.Addr()) + uint64(offset), nil
}

func (e *testEnv) Helper(id int32) (Helper, error) {
	if h, ok := e.helpers[id]; ok {
		return h, nil
	}
	return nil, errors.New("not supported by the test")
}

func (e *testEnv) ContextAccess(off int16, size int, write bool) (int16, int, error) {
	return xdpAccess(off, size, write)
}

// The test context: struct xdp_md as programs see it (u32 data, data_end,
// data_meta, ingress_ifindex, rx_queue_index, egress_ifindex) over a
// private layout with 64-bit pointers: data at 0, data_end at 8, data_meta
// at 16, then the u32 fields from 24.
const xdpPrivateSize = 40

func xdpAccess(off int16, size int, write bool) (int16, int, error) {
	switch {
	case off < 0 || off >= 24 || off%4 != 0:
		return 0, 0, fmt.Errorf("no field at offset %d", off)
	case size != 4:
		return 0, 0, fmt.Errorf("field at offset %d has 4 bytes, not %d", off, size)
	case write:
		return 0, 0, fmt.Errorf("field at offset %d is read-only", off)
	case off < 12:
		return off * 2, 8, nil
	}
	return off + 12, 4, nil
}

// xdpContext is a context block over a packet block for test runs.
type xdpContext struct {
	ctx, pkt *mem.Block
}

func newXDPContext(t testing.TB, packet []byte) *xdpContext {
	t.Helper()
	pkt, err := mem.Alloc(len(packet), true, "packet")
	if err != nil {
		t.Fatal(err)
	}
	copy(pkt.Bytes(), packet)
	ctx, err := mem.Alloc(xdpPrivateSize, true, "context")
	if err != nil {
		t.Fatal(err)
	}
	b := ctx.Bytes()
	putU64(b[0:], uint64(pkt.Addr()))
	putU64(b[8:], uint64(pkt.Addr())+uint64(len(packet)))
	putU64(b[16:], uint64(pkt.Addr()))
	x := &xdpContext{ctx: ctx, pkt: pkt}
	t.Cleanup(func() {
		x.ctx.Free()
		x.pkt.Free()
	})
	return x
}

func (x *xdpContext) addr() uint64 { return uint64(x.ctx.Addr()) }

func putU64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

// newTestMachine returns a Machine freed when the test ends.
func newTestMachine(t testing.TB) *Machine {
	t.Helper()
	m, err := NewMachine()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// progArrays is a TailCaller over prog arrays addressed by made-up map
// pointers.
type progArrays map[uint64][]*Program

func (pa progArrays) TailCallTarget(array uint64, index uint32) *Program {
	slots := pa[array]
	if int(index) >= len(slots) {
		return nil
	}
	return slots[index]
}
