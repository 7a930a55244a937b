package interp

import (
	"fmt"
	"math"

	"github.com/bpfld/bpfld/insn"
)

// progCase is a straight program whose result is R0: body runs, then an
// exit that the harness appends (jumps may target that exit). The same
// cases run in the interpreter (TestALU, TestJumps) and, where bpf(2) is
// available, in the kernel (TestKernelDifferential), which checks the
// expected values themselves.
type progCase struct {
	name string
	body []insn.Instruction
	want uint64
}

func (c progCase) program() []insn.Instruction {
	return append(append([]insn.Instruction{}, c.body...), exit())
}

const (
	minInt64 = uint64(1) << 63
	allOnes  = ^uint64(0)
)

// unary builds a case that loads v into R0 and applies ops to it.
func unary(name string, v uint64, want uint64, ops ...insn.Instruction) progCase {
	return progCase{name: name, body: prog(ldImm64(insn.R0, v), ops), want: want}
}

// binaryOp builds a case that loads a into R0 and b into R1 and applies ops.
func binaryOp(name string, a, b uint64, want uint64, ops ...insn.Instruction) progCase {
	return progCase{name: name, body: prog(ldImm64(insn.R0, a), ldImm64(insn.R1, b), ops), want: want}
}

// aluCases covers every ALU operation, with the edge cases where BPF's
// semantics differ from a CPU's or from Go's: division by zero, the most
// negative number divided by -1, shift counts past the width, 32-bit
// results zero-extended.
func aluCases() []progCase {
	const (
		r0, r1 = insn.R0, insn.R1
		i32min = uint64(0x80000000)
	)
	return []progCase{
		binaryOp("add64", math.MaxInt64, 1, minInt64, alu64X(insn.ALUAdd, r0, r1)),
		unary("add64 imm sign-extends", 5, 4, alu64K(insn.ALUAdd, r0, -1)),
		binaryOp("add32 wraps and zero-extends", 0xffffffff_ffffffff, 2, 1, alu32X(insn.ALUAdd, r0, r1)),
		binaryOp("sub64", 0, 1, allOnes, alu64X(insn.ALUSub, r0, r1)),
		binaryOp("sub32", 0, 1, 0xffffffff, alu32X(insn.ALUSub, r0, r1)),
		unary("sub32 imm", 0x1_00000003, 1, alu32K(insn.ALUSub, r0, 2)),
		binaryOp("mul64 overflows", 0x1_00000001, 0x1_00000001, 0x2_00000001, alu64X(insn.ALUMul, r0, r1)),
		binaryOp("mul32", 0x10000, 0x10001, 0x10000, alu32X(insn.ALUMul, r0, r1)),
		unary("mul64 imm negative", 3, uint64(math.MaxUint64-5), alu64K(insn.ALUMul, r0, -2)),
		binaryOp("div64", 100, 7, 14, alu64X(insn.ALUDiv, r0, r1)),
		binaryOp("div64 unsigned", allOnes, 2, math.MaxInt64, alu64X(insn.ALUDiv, r0, r1)),
		binaryOp("div64 by zero", 100, 0, 0, alu64X(insn.ALUDiv, r0, r1)),
		binaryOp("div32 by zero", 100, 0x1_00000000, 0, alu32X(insn.ALUDiv, r0, r1)),
		binaryOp("div32 ignores upper bits", 0x5_00000064, 0x7_0000000a, 10, alu32X(insn.ALUDiv, r0, r1)),
		unary("div64 imm is unsigned of the sign-extended imm", 100, 0, alu64K(insn.ALUDiv, r0, -1)),
		unary("div32 imm", 0xffffffff, 0x7fffffff, alu32K(insn.ALUDiv, r0, 2)),
		binaryOp("mod64", 100, 7, 2, alu64X(insn.ALUMod, r0, r1)),
		binaryOp("mod64 by zero keeps dst", 0xdead_00000064, 0, 0xdead_00000064, alu64X(insn.ALUMod, r0, r1)),
		binaryOp("mod32 by zero truncates dst", 0xdead_00000064, 0, 0x64, alu32X(insn.ALUMod, r0, r1)),
		unary("mod32 imm", 0xdead_00000064, 2, alu32K(insn.ALUMod, r0, 7)),
		binaryOp("sdiv64", uint64(math.MaxUint64-6), 2, uint64(math.MaxUint64-2), withOff(alu64X(insn.ALUDiv, r0, r1), 1)),
		binaryOp("sdiv64 min by -1", minInt64, allOnes, minInt64, withOff(alu64X(insn.ALUDiv, r0, r1), 1)),
		binaryOp("sdiv64 by zero", 5, 0, 0, withOff(alu64X(insn.ALUDiv, r0, r1), 1)),
		unary("sdiv64 imm -1", minInt64, minInt64, withOff(alu64K(insn.ALUDiv, r0, -1), 1)),
		unary("sdiv64 imm", 7, uint64(math.MaxUint64-2), withOff(alu64K(insn.ALUDiv, r0, -2), 1)),
		binaryOp("sdiv32", 0xffffffff_fffffff9, 2, 0xfffffffd, withOff(alu32X(insn.ALUDiv, r0, r1), 1)),
		binaryOp("sdiv32 min by -1", i32min, 0xffffffff, i32min, withOff(alu32X(insn.ALUDiv, r0, r1), 1)),
		binaryOp("sdiv32 by zero", 5, 0x1_00000000, 0, withOff(alu32X(insn.ALUDiv, r0, r1), 1)),
		binaryOp("smod64 negative dividend", uint64(math.MaxUint64-6), 2, allOnes, withOff(alu64X(insn.ALUMod, r0, r1), 1)),
		binaryOp("smod64 negative divisor", 7, uint64(math.MaxUint64-1), 1, withOff(alu64X(insn.ALUMod, r0, r1), 1)),
		binaryOp("smod64 min by -1", minInt64, allOnes, 0, withOff(alu64X(insn.ALUMod, r0, r1), 1)),
		binaryOp("smod64 by zero keeps dst", uint64(math.MaxUint64-6), 0, uint64(math.MaxUint64-6), withOff(alu64X(insn.ALUMod, r0, r1), 1)),
		binaryOp("smod32", 0xffffffff_fffffff9, 2, 0xffffffff, withOff(alu32X(insn.ALUMod, r0, r1), 1)),
		binaryOp("smod32 by zero truncates dst", 0xdead_fffffff9, 0, 0xfffffff9, withOff(alu32X(insn.ALUMod, r0, r1), 1)),
		unary("smod32 imm", 0xfffffff9, 0xffffffff, withOff(alu32K(insn.ALUMod, r0, -2), 1)),
		binaryOp("or64", 0xf0, 0x0f00000000, 0x0f000000f0, alu64X(insn.ALUOr, r0, r1)),
		unary("or64 imm sign-extends", 0, allOnes, alu64K(insn.ALUOr, r0, -1)),
		unary("or32 imm", 0xffff_00000000, 0xffffffff, alu32K(insn.ALUOr, r0, -1)),
		binaryOp("and64", 0xff00ff, 0x0ff0, 0xf0, alu64X(insn.ALUAnd, r0, r1)),
		unary("and32 imm clears upper", allOnes, 0xffffff00, alu32K(insn.ALUAnd, r0, -256)),
		binaryOp("xor64", 0xff, 0x0f, 0xf0, alu64X(insn.ALUXor, r0, r1)),
		unary("xor32 imm", 0x1_0000000f, 0xfffffff0, alu32K(insn.ALUXor, r0, -1)),
		unary("lsh64 imm", 1, minInt64, alu64K(insn.ALULsh, r0, 63)),
		binaryOp("lsh64 masks the count to 63", 1, 65, 2, alu64X(insn.ALULsh, r0, r1)),
		binaryOp("lsh32 masks the count to 31", 1, 33, 2, alu32X(insn.ALULsh, r0, r1)),
		unary("lsh32 imm zero-extends", 0xffffffff, 0xfffffff0, alu32K(insn.ALULsh, r0, 4)),
		unary("rsh64 imm", minInt64, 1, alu64K(insn.ALURsh, r0, 63)),
		binaryOp("rsh64 masks the count", 0x100, 72, 1, alu64X(insn.ALURsh, r0, r1)),
		unary("rsh32 uses the lower half", 0xffff_80000000, 1, alu32K(insn.ALURsh, r0, 31)),
		binaryOp("rsh32 masks the count", 0x100, 40, 1, alu32X(insn.ALURsh, r0, r1)),
		unary("arsh64", minInt64, 0xf8000000_00000000, alu64K(insn.ALUArsh, r0, 4)),
		binaryOp("arsh64 masks the count", minInt64, 127, allOnes, alu64X(insn.ALUArsh, r0, r1)),
		unary("arsh32 sign-extends within 32 bits", i32min, 0xf8000000, alu32K(insn.ALUArsh, r0, 4)),
		binaryOp("arsh32 masks the count", i32min, 63, 0xffffffff, alu32X(insn.ALUArsh, r0, r1)),
		unary("neg64", 1, allOnes, alu64K(insn.ALUNeg, r0, 0)),
		unary("neg64 min", minInt64, minInt64, alu64K(insn.ALUNeg, r0, 0)),
		unary("neg32", 1, 0xffffffff, alu32K(insn.ALUNeg, r0, 0)),
		{name: "mov64 imm sign-extends", body: prog(mov64K(r0, -2)), want: allOnes - 1},
		{name: "mov32 imm zero-extends", body: prog(alu32K(insn.ALUMov, r0, -2)), want: 0xfffffffe},
		binaryOp("mov64 reg", 0, 0x1234_56789abc, 0x1234_56789abc, mov64X(r0, r1)),
		binaryOp("mov32 reg zero-extends", 0, allOnes, 0xffffffff, alu32X(insn.ALUMov, r0, r1)),
		binaryOp("movsx64 8", 0, 0x80, 0xffffffff_ffffff80, withOff(mov64X(r0, r1), 8)),
		binaryOp("movsx64 16", 0, 0x1_7fff, 0x7fff, withOff(mov64X(r0, r1), 16)),
		binaryOp("movsx64 32", 0, 0x80000000, 0xffffffff_80000000, withOff(mov64X(r0, r1), 32)),
		binaryOp("movsx32 8", 0, 0xff, 0xffffffff, withOff(alu32X(insn.ALUMov, r0, r1), 8)),
		binaryOp("movsx32 16", 0, 0x8000, 0xffff8000, withOff(alu32X(insn.ALUMov, r0, r1), 16)),
		unary("le16", 0x11223344_55667788, 0x7788, endian(insn.ClassALU, insn.SourceK, r0, 16)),
		unary("le32", 0x11223344_55667788, 0x55667788, endian(insn.ClassALU, insn.SourceK, r0, 32)),
		unary("le64", 0x11223344_55667788, 0x11223344_55667788, endian(insn.ClassALU, insn.SourceK, r0, 64)),
		unary("be16", 0x11223344_55667788, 0x8877, endian(insn.ClassALU, insn.SourceX, r0, 16)),
		unary("be32", 0x11223344_55667788, 0x88776655, endian(insn.ClassALU, insn.SourceX, r0, 32)),
		unary("be64", 0x11223344_55667788, 0x88776655_44332211, endian(insn.ClassALU, insn.SourceX, r0, 64)),
		unary("bswap16", 0x11223344_55667788, 0x8877, endian(insn.ClassALU64, insn.SourceK, r0, 16)),
		unary("bswap32", 0x11223344_55667788, 0x88776655, endian(insn.ClassALU64, insn.SourceK, r0, 32)),
		unary("bswap64", 0x11223344_55667788, 0x88776655_44332211, endian(insn.ClassALU64, insn.SourceK, r0, 64)),
		unary("ld_imm64", 0x01234567_89abcdef, 0x01234567_89abcdef),
	}
}

func endian(class insn.Class, src, dst uint8, width int32) insn.Instruction {
	return insn.Instruction{OpCode: uint8(class) | insn.ALUEnd | src, Dst: dst, Imm: width}
}

// jumpConds are the conditional jumps with what they compute.
var jumpConds = []struct {
	op   uint8
	name string
	u    func(a, b uint64) bool
	s    func(a, b int64) bool
}{
	{insn.JmpJEQ, "jeq", func(a, b uint64) bool { return a == b }, nil},
	{insn.JmpJNE, "jne", func(a, b uint64) bool { return a != b }, nil},
	{insn.JmpJGT, "jgt", func(a, b uint64) bool { return a > b }, nil},
	{insn.JmpJGE, "jge", func(a, b uint64) bool { return a >= b }, nil},
	{insn.JmpJLT, "jlt", func(a, b uint64) bool { return a < b }, nil},
	{insn.JmpJLE, "jle", func(a, b uint64) bool { return a <= b }, nil},
	{insn.JmpJSET, "jset", func(a, b uint64) bool { return a&b != 0 }, nil},
	{insn.JmpJSGT, "jsgt", nil, func(a, b int64) bool { return a > b }},
	{insn.JmpJSGE, "jsge", nil, func(a, b int64) bool { return a >= b }},
	{insn.JmpJSLT, "jslt", nil, func(a, b int64) bool { return a < b }},
	{insn.JmpJSLE, "jsle", nil, func(a, b int64) bool { return a <= b }},
}

// jumpValues are operands where signed, unsigned and 32-bit comparisons
// disagree.
var jumpValues = []uint64{0, 1, allOnes, 0x7fffffff, 0x80000000, 0xffffffff, 0x1_00000000, minInt64, 0x1_00000005, 5}

// jumpCases compares every pair of jumpValues with every condition, 64 and
// 32 bits, register and immediate (the immediate is the second value
// truncated to 32 bits, sign-extended for 64-bit comparisons). R0 collects
// a bit per condition that jumped.
func jumpCases() []progCase {
	var cases []progCase
	for _, a := range jumpValues {
		for _, b := range jumpValues {
			for _, is32 := range []bool{false, true} {
				for _, imm := range []bool{false, true} {
					cases = append(cases, jumpCase(a, b, is32, imm))
				}
			}
		}
	}
	return cases
}

func jumpCase(a, b uint64, is32, imm bool) progCase {
	body := prog(mov64K(insn.R0, 0), ldImm64(insn.R1, a), ldImm64(insn.R2, b))
	if imm {
		b = uint64(int64(int32(b)))
	}
	x, y := a, b
	if is32 {
		x, y = uint64(uint32(a)), uint64(uint32(b))
	}
	var want uint64
	for i, c := range jumpConds {
		var taken bool
		switch {
		case c.u != nil:
			taken = c.u(x, y)
		case is32:
			taken = c.s(int64(int32(x)), int64(int32(y)))
		default:
			taken = c.s(int64(x), int64(y))
		}
		if taken {
			want |= 1 << i
		}
		var j insn.Instruction
		switch {
		case is32 && imm:
			j = jmp32K(c.op, insn.R1, int32(b), 1)
		case is32:
			j = jmp32X(c.op, insn.R1, insn.R2, 1)
		case imm:
			j = jmpK(c.op, insn.R1, int32(b), 1)
		default:
			j = jmpX(c.op, insn.R1, insn.R2, 1)
		}
		body = append(body, j, ja(1), alu64K(insn.ALUOr, insn.R0, 1<<i))
	}
	name := fmt.Sprintf("%#x vs %#x", a, b)
	if is32 {
		name += " jmp32"
	}
	if imm {
		name += " imm"
	}
	return progCase{name: name, body: body, want: want}
}
