package interp

import "github.com/bpfld/bpfld/insn"

// op is one pre-decoded instruction. Run's switch dispatches on code; the
// other fields are what that operation needs, already in the form it uses
// them.
type op struct {
	code uint8 // the operation, one of the op* constants
	dst  uint8 // destination register
	src  uint8 // source register
	// size is the access width in bytes of the generic memory operations
	// (opLdxCtx, opStxCtx, opStCtx, opLdAbs, opLdInd), ORed with sxFlag for
	// sign-extending loads.
	size uint8
	// off is the memory offset of a load or store, or the target of a jump
	// or bpf-to-bpf call as a displacement in bytes from the next op.
	off int32
	// imm is the immediate operand sign-extended to 64 bits, the constant
	// of a ld_imm64, the index into Program.helpers of a helper call, or
	// the rewritten access (ctxAccess) of a context load or store.
	imm uint64
}

// sxFlag in op.size marks a sign-extending load.
const sxFlag = 0x80

// The operations of the internal form. Their numbers are dense so that Go
// compiles Run's switch into a jump table. Names follow the kernel's: K
// takes the immediate operand, X the source register; 64 and 32 are the
// operand widths.
const (
	opInvalid uint8 = iota

	opAdd64K
	opSub64K
	opMul64K
	opDiv64K
	opSdiv64K
	opOr64K
	opAnd64K
	opLsh64K
	opRsh64K
	opMod64K
	opSmod64K
	opXor64K
	opMov64K // also ld_imm64, with the whole 64-bit constant
	opArsh64K

	opAdd64X
	opSub64X
	opMul64X
	opDiv64X
	opSdiv64X
	opOr64X
	opAnd64X
	opLsh64X
	opRsh64X
	opMod64X
	opSmod64X
	opXor64X
	opMov64X
	opArsh64X

	opNeg64
	opMovsx64B
	opMovsx64H
	opMovsx64W

	opAdd32K
	opSub32K
	opMul32K
	opDiv32K
	opSdiv32K
	opOr32K
	opAnd32K
	opLsh32K
	opRsh32K
	opMod32K
	opSmod32K
	opXor32K
	opMov32K
	opArsh32K

	opAdd32X
	opSub32X
	opMul32X
	opDiv32X
	opSdiv32X
	opOr32X
	opAnd32X
	opLsh32X
	opRsh32X
	opMod32X
	opSmod32X
	opXor32X
	opMov32X
	opArsh32X

	opNeg32
	opMovsx32B
	opMovsx32H

	// Byte order: on a little-endian host "to le" only truncates.
	opZext16
	opZext32
	opSwap16
	opSwap32
	opSwap64
	opNop

	opJA
	opMayGoto

	opJeq64K
	opJgt64K
	opJge64K
	opJset64K
	opJne64K
	opJsgt64K
	opJsge64K
	opJlt64K
	opJle64K
	opJslt64K
	opJsle64K

	opJeq64X
	opJgt64X
	opJge64X
	opJset64X
	opJne64X
	opJsgt64X
	opJsge64X
	opJlt64X
	opJle64X
	opJslt64X
	opJsle64X

	opJeq32K
	opJgt32K
	opJge32K
	opJset32K
	opJne32K
	opJsgt32K
	opJsge32K
	opJlt32K
	opJle32K
	opJslt32K
	opJsle32K

	opJeq32X
	opJgt32X
	opJge32X
	opJset32X
	opJne32X
	opJsgt32X
	opJsge32X
	opJlt32X
	opJle32X
	opJslt32X
	opJsle32X

	opLdxB
	opLdxH
	opLdxW
	opLdxDW
	opLdxsxB
	opLdxsxH
	opLdxsxW

	opStxB
	opStxH
	opStxW
	opStxDW

	opStB
	opStH
	opStW
	opStDW

	opAtomicAdd32
	opAtomicOr32
	opAtomicAnd32
	opAtomicXor32
	opAtomicFetchAdd32
	opAtomicFetchOr32
	opAtomicFetchAnd32
	opAtomicFetchXor32
	opAtomicXchg32
	opAtomicCmpXchg32

	opAtomicAdd64
	opAtomicOr64
	opAtomicAnd64
	opAtomicXor64
	opAtomicFetchAdd64
	opAtomicFetchOr64
	opAtomicFetchAnd64
	opAtomicFetchXor64
	opAtomicXchg64
	opAtomicCmpXchg64

	opLoadAcqB
	opLoadAcqH
	opLoadAcqW
	opLoadAcqDW
	opStoreRelB
	opStoreRelH
	opStoreRelW
	opStoreRelDW

	opCall      // helper or kfunc: imm indexes Program.helpers
	opCallLocal // bpf-to-bpf call: off is the callee's first op
	opTailCall
	opExit

	opLdAbs // legacy packet load at imm
	opLdInd // legacy packet load at src + imm

	// Accesses through a register that may or may not hold the context:
	// the rewritten access applies when it does (see ctxAccess).
	opLdxCtx
	opStxCtx
	opStCtx

	// opCount heads every basic block in a counting body (count.go): imm
	// is the number of instructions in the block, which it adds to the
	// Machine's count.
	opCount
)

// aluCodes maps [alu64][source x][operation>>4] to an op, 0 where the
// combination is not a plain binary operation. Division and modulo are the
// unsigned forms; Off 1 selects the signed ones (signedCodes).
var aluCodes = [2][2][16]uint8{
	{ // alu (32-bit)
		{opAdd32K, opSub32K, opMul32K, opDiv32K, opOr32K, opAnd32K, opLsh32K, opRsh32K, 0, opMod32K, opXor32K, opMov32K, opArsh32K},
		{opAdd32X, opSub32X, opMul32X, opDiv32X, opOr32X, opAnd32X, opLsh32X, opRsh32X, 0, opMod32X, opXor32X, opMov32X, opArsh32X},
	},
	{ // alu64
		{opAdd64K, opSub64K, opMul64K, opDiv64K, opOr64K, opAnd64K, opLsh64K, opRsh64K, 0, opMod64K, opXor64K, opMov64K, opArsh64K},
		{opAdd64X, opSub64X, opMul64X, opDiv64X, opOr64X, opAnd64X, opLsh64X, opRsh64X, 0, opMod64X, opXor64X, opMov64X, opArsh64X},
	},
}

// signedCodes maps an unsigned division or modulo op to its signed form.
var signedCodes = map[uint8]uint8{
	opDiv32K: opSdiv32K, opDiv32X: opSdiv32X, opMod32K: opSmod32K, opMod32X: opSmod32X,
	opDiv64K: opSdiv64K, opDiv64X: opSdiv64X, opMod64K: opSmod64K, opMod64X: opSmod64X,
}

// jumpCodes maps [jmp32][source x][operation>>4] to a conditional jump op,
// 0 for ja, call, exit and may_goto, which are not comparisons.
var jumpCodes = [2][2][16]uint8{
	{ // jmp (64-bit)
		{0, opJeq64K, opJgt64K, opJge64K, opJset64K, opJne64K, opJsgt64K, opJsge64K, 0, 0, opJlt64K, opJle64K, opJslt64K, opJsle64K},
		{0, opJeq64X, opJgt64X, opJge64X, opJset64X, opJne64X, opJsgt64X, opJsge64X, 0, 0, opJlt64X, opJle64X, opJslt64X, opJsle64X},
	},
	{ // jmp32
		{0, opJeq32K, opJgt32K, opJge32K, opJset32K, opJne32K, opJsgt32K, opJsge32K, 0, 0, opJlt32K, opJle32K, opJslt32K, opJsle32K},
		{0, opJeq32X, opJgt32X, opJge32X, opJset32X, opJne32X, opJsgt32X, opJsge32X, 0, 0, opJlt32X, opJle32X, opJslt32X, opJsle32X},
	},
}

// sizeIndex maps the size field of a load or store to 0 (b), 1 (h), 2 (w)
// or 3 (dw), the order of the sized op groups.
func sizeIndex(sizeBits uint8) int {
	switch sizeBits {
	case insn.SizeB:
		return 0
	case insn.SizeH:
		return 1
	case insn.SizeW:
		return 2
	default:
		return 3
	}
}

// atomicCodes maps an atomic read-modify-write Imm to its op for 32-bit
// (index 0) and 64-bit (index 1) operands.
var atomicCodes = map[int32][2]uint8{
	insn.AtomicAdd:                    {opAtomicAdd32, opAtomicAdd64},
	insn.AtomicOr:                     {opAtomicOr32, opAtomicOr64},
	insn.AtomicAnd:                    {opAtomicAnd32, opAtomicAnd64},
	insn.AtomicXor:                    {opAtomicXor32, opAtomicXor64},
	insn.AtomicAdd | insn.AtomicFetch: {opAtomicFetchAdd32, opAtomicFetchAdd64},
	insn.AtomicOr | insn.AtomicFetch:  {opAtomicFetchOr32, opAtomicFetchOr64},
	insn.AtomicAnd | insn.AtomicFetch: {opAtomicFetchAnd32, opAtomicFetchAnd64},
	insn.AtomicXor | insn.AtomicFetch: {opAtomicFetchXor32, opAtomicFetchXor64},
	insn.AtomicXchg:                   {opAtomicXchg32, opAtomicXchg64},
	insn.AtomicCmpXchg:                {opAtomicCmpXchg32, opAtomicCmpXchg64},
}
