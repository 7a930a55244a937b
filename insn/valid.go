package insn

import "fmt"

// InvalidError reports an instruction whose opcode, or whose opcode together
// with its other fields, the eBPF instruction set does not define.
type InvalidError struct {
	OpCode uint8
	Reason string // what is wrong, such as "reserved field imm is 5, must be 0"
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("opcode %#02x (%s): %s", e.OpCode, OpName(e.OpCode), e.Reason)
}

// Valid reports whether i is an instruction the kernel accepts, judged by its
// encoding alone: the instruction set up to v4 (sign-extending loads and
// moves, sdiv and smod, bswap, gotol, 32-bit atomics), atomics up to
// load-acquire and store-release, may_goto, addr_space_cast, bpf-to-bpf,
// helper and kfunc calls, the legacy packet loads and every ld_imm64 pseudo
// source. Fields the kernel reserves must be zero, registers must exist and
// the frame pointer r10 must not be written.
//
// Valid checks one slot; rules that involve other slots (the second half of a
// ld_imm64, jump targets) are Check's.
func (i Instruction) Valid() error {
	var reason string
	switch i.Class() {
	case ClassALU, ClassALU64:
		reason = i.aluProblem()
	case ClassJMP, ClassJMP32:
		reason = i.jumpProblem()
	case ClassLD:
		reason = i.ldProblem()
	case ClassLDX:
		reason = i.ldxProblem()
	case ClassST:
		reason = i.stProblem()
	case ClassSTX:
		reason = i.stxProblem()
	}
	if reason == "" {
		return nil
	}
	return &InvalidError{OpCode: i.OpCode, Reason: reason}
}

// Check reports the first instruction of insns that is not Valid, a ld_imm64
// without a proper second slot, and a jump whose target lies outside insns or
// in the second slot of a ld_imm64. Errors name the instruction by its slot
// index.
//
// Check suits the instructions of an object's section, where the targets of
// bpf-to-bpf calls and function addresses are not yet known: clang encodes a
// call into another section as -1, and one into .text relative to a section
// symbol, both resolved through relocations. CheckLinked also checks those.
func Check(insns []Instruction) error {
	return check(insns, false)
}

// CheckLinked is Check for a linked program, whose bpf-to-bpf calls and
// ld_imm64 function addresses must also reach an instruction of insns.
func CheckLinked(insns []Instruction) error {
	return check(insns, true)
}

func check(insns []Instruction, linked bool) error {
	second := make(map[int]bool) // slots holding the upper half of a ld_imm64
	for pc := 0; pc < len(insns); pc++ {
		ins := insns[pc]
		if err := ins.Valid(); err != nil {
			return fmt.Errorf("instruction %d: %w", pc, err)
		}
		if !ins.IsLoadImm64() {
			continue
		}
		if pc+1 == len(insns) {
			return fmt.Errorf("instruction %d: ld_imm64 lacks its second slot", pc)
		}
		if reason := secondSlotProblem(ins, insns[pc+1]); reason != "" {
			return fmt.Errorf("instruction %d: second slot of ld_imm64: %s", pc+1, reason)
		}
		pc++
		second[pc] = true
	}
	for pc, ins := range insns {
		var rel int64
		switch {
		case second[pc]:
			continue
		case ins.IsJump():
			rel = ins.JumpOffset()
		case linked && (ins.IsPseudoCall() || ins.IsPseudoFunc()):
			rel = int64(ins.Imm)
		default:
			continue
		}
		target := int64(pc) + 1 + rel
		if target < 0 || target >= int64(len(insns)) {
			return fmt.Errorf("instruction %d: target %d out of range 0 to %d", pc, target, len(insns)-1)
		}
		if second[int(target)] {
			return fmt.Errorf("instruction %d: target %d is the second slot of a ld_imm64", pc, target)
		}
	}
	return nil
}

// secondSlotProblem checks the upper half hi of a ld_imm64 whose first slot is lo.
func secondSlotProblem(lo, hi Instruction) string {
	if hi.OpCode != 0 || hi.Dst != 0 || hi.Src != 0 || hi.Off != 0 {
		return fmt.Sprintf("only imm may be set, has opcode %#02x, dst %d, src %d, off %d",
			hi.OpCode, hi.Dst, hi.Src, hi.Off)
	}
	if (lo.Src == PseudoMapFD || lo.Src == PseudoMapIdx) && hi.Imm != 0 {
		return fmt.Sprintf("imm is %d, must be 0 with pseudo source %d (%s)", hi.Imm, lo.Src, pseudoLoadName(lo.Src))
	}
	return ""
}

// pseudoLoadName is the kernel's name of a ld_imm64 pseudo source.
func pseudoLoadName(src uint8) string {
	switch src {
	case 0:
		return "constant"
	case PseudoMapFD:
		return "BPF_PSEUDO_MAP_FD"
	case PseudoMapValue:
		return "BPF_PSEUDO_MAP_VALUE"
	case PseudoBTFID:
		return "BPF_PSEUDO_BTF_ID"
	case PseudoFunc:
		return "BPF_PSEUDO_FUNC"
	case PseudoMapIdx:
		return "BPF_PSEUDO_MAP_IDX"
	case PseudoMapIdxValue:
		return "BPF_PSEUDO_MAP_IDX_VALUE"
	default:
		return "unknown"
	}
}

func reserved(field string, v int64) string {
	return fmt.Sprintf("reserved field %s is %d, must be 0", field, v)
}

// regProblem checks that register r, named by its field, exists.
func regProblem(field string, r uint8) string {
	if r > R10 {
		return fmt.Sprintf("%s register %d does not exist (r0 to r10)", field, r)
	}
	return ""
}

// writtenRegProblem checks that register r, which the instruction writes, exists
// and is not the read-only frame pointer.
func writtenRegProblem(field string, r uint8) string {
	if r == R10 {
		return fmt.Sprintf("%s register r10 is the read-only frame pointer", field)
	}
	return regProblem(field, r)
}

// firstProblem returns the first non-empty reason.
func firstProblem(reasons ...string) string {
	for _, r := range reasons {
		if r != "" {
			return r
		}
	}
	return ""
}

func (i Instruction) aluProblem() string {
	is64 := i.Class() == ClassALU64
	x := i.Source() == SourceX
	switch op := i.Op(); op {
	case ALUNeg:
		switch {
		case x:
			return "neg takes no source operand, source bit must be k"
		case i.Src != 0:
			return reserved("src", int64(i.Src))
		case i.Off != 0:
			return reserved("off", int64(i.Off))
		case i.Imm != 0:
			return reserved("imm", int64(i.Imm))
		}
	case ALUEnd:
		switch {
		case is64 && x:
			return "alu64 byte swap (bswap) must use source bit k"
		case i.Src != 0:
			return reserved("src", int64(i.Src))
		case i.Off != 0:
			return reserved("off", int64(i.Off))
		case i.Imm != 16 && i.Imm != 32 && i.Imm != 64:
			return fmt.Sprintf("byte swap width %d is not 16, 32 or 64", i.Imm)
		}
	case ALUMov:
		if !x {
			return firstProblem(nonzero("src", int64(i.Src)), nonzero("off", int64(i.Off)), writtenRegProblem("dst", i.Dst))
		}
		switch {
		case is64 && i.Off == OffAddrSpaceCast:
			if i.Imm != 1 && i.Imm != 1<<16 {
				return fmt.Sprintf("addr_space_cast imm %#x does not convert between address spaces 0 and 1", uint32(i.Imm))
			}
		case is64 && i.Off != 0 && i.Off != 8 && i.Off != 16 && i.Off != 32:
			return fmt.Sprintf("off %d is not 0, 1 (addr_space_cast) or a sign-extension width 8, 16 or 32", i.Off)
		case !is64 && i.Off != 0 && i.Off != 8 && i.Off != 16:
			return fmt.Sprintf("off %d is not 0 or a sign-extension width 8 or 16", i.Off)
		case i.Imm != 0:
			return reserved("imm", int64(i.Imm))
		}
		return firstProblem(regProblem("src", i.Src), writtenRegProblem("dst", i.Dst))
	case ALUAdd, ALUSub, ALUMul, ALUDiv, ALUOr, ALUAnd, ALULsh, ALURsh, ALUMod, ALUXor, ALUArsh:
		if i.Off != 0 && !(i.Off == OffSigned && (op == ALUDiv || op == ALUMod)) {
			return fmt.Sprintf("off is %d, must be 0 (or 1 for sdiv and smod)", i.Off)
		}
		if x {
			return firstProblem(nonzero("imm", int64(i.Imm)), regProblem("src", i.Src), writtenRegProblem("dst", i.Dst))
		}
		if i.Src != 0 {
			return reserved("src", int64(i.Src))
		}
		width := int32(32)
		if is64 {
			width = 64
		}
		switch {
		case (op == ALUDiv || op == ALUMod) && i.Imm == 0:
			return "division by zero"
		case (op == ALULsh || op == ALURsh || op == ALUArsh) && (i.Imm < 0 || i.Imm >= width):
			return fmt.Sprintf("shift by %d is out of range 0 to %d", i.Imm, width-1)
		}
	default:
		return "undefined operation"
	}
	return writtenRegProblem("dst", i.Dst)
}

// nonzero is reserved for a field that must be zero, or "" when it is.
func nonzero(field string, v int64) string {
	if v != 0 {
		return reserved(field, v)
	}
	return ""
}

func (i Instruction) jumpProblem() string {
	is32 := i.Class() == ClassJMP32
	x := i.Source() == SourceX
	switch i.Op() {
	case JmpJA:
		switch {
		case x:
			return "indirect jump (gotox) is not part of the instruction set up to v4"
		case !is32 && i.Imm != 0:
			return reserved("imm", int64(i.Imm))
		case is32 && i.Off != 0:
			return reserved("off", int64(i.Off))
		}
		return firstProblem(nonzero("src", int64(i.Src)), nonzero("dst", int64(i.Dst)))
	case JmpCall:
		switch {
		case is32:
			return "jmp32 has no call"
		case x:
			return "call through a register (callx) is not part of the instruction set"
		case i.Src > PseudoKfuncCall:
			return fmt.Sprintf("unknown call pseudo source %d", i.Src)
		case i.Off != 0 && i.Src != PseudoKfuncCall:
			return reserved("off", int64(i.Off))
		}
		return nonzero("dst", int64(i.Dst))
	case JmpExit:
		switch {
		case is32:
			return "jmp32 has no exit"
		case x:
			return "exit takes no source operand, source bit must be k"
		}
		return firstProblem(nonzero("imm", int64(i.Imm)), nonzero("src", int64(i.Src)), nonzero("dst", int64(i.Dst)))
	case JmpJCOND:
		switch {
		case is32 || x:
			return "undefined operation"
		case i.Src != 0:
			return fmt.Sprintf("unknown conditional pseudo jump %d (only may_goto, 0)", i.Src)
		}
		return firstProblem(nonzero("imm", int64(i.Imm)), nonzero("dst", int64(i.Dst)))
	case 0xf0:
		return "undefined operation"
	}
	if x {
		return firstProblem(nonzero("imm", int64(i.Imm)), regProblem("dst", i.Dst), regProblem("src", i.Src))
	}
	return firstProblem(nonzero("src", int64(i.Src)), regProblem("dst", i.Dst))
}

func (i Instruction) ldProblem() string {
	switch i.Mode() {
	case ModeIMM:
		switch {
		case i.SizeBits() != SizeDW:
			return "undefined: ld imm exists only with size dw (ld_imm64)"
		case i.Off != 0:
			return reserved("off", int64(i.Off))
		case i.Src > PseudoMapIdxValue:
			return fmt.Sprintf("unknown ld_imm64 pseudo source %d", i.Src)
		}
		return writtenRegProblem("dst", i.Dst)
	case ModeABS, ModeIND:
		switch {
		case i.SizeBits() == SizeDW:
			return "legacy packet loads have no size dw"
		case i.Dst != 0:
			return reserved("dst", int64(i.Dst))
		case i.Off != 0:
			return reserved("off", int64(i.Off))
		case i.Mode() == ModeABS:
			return nonzero("src", int64(i.Src))
		}
		return regProblem("src", i.Src)
	}
	return "undefined mode for class ld"
}

func (i Instruction) ldxProblem() string {
	switch i.Mode() {
	case ModeMEM:
	case ModeMEMSX:
		if i.SizeBits() == SizeDW {
			return "sign-extending loads have no size dw"
		}
	default:
		return "undefined mode for class ldx"
	}
	return firstProblem(nonzero("imm", int64(i.Imm)), regProblem("src", i.Src), writtenRegProblem("dst", i.Dst))
}

func (i Instruction) stProblem() string {
	if i.Mode() != ModeMEM {
		return "undefined mode for class st"
	}
	return firstProblem(nonzero("src", int64(i.Src)), regProblem("dst", i.Dst))
}

func (i Instruction) stxProblem() string {
	switch i.Mode() {
	case ModeMEM:
		return firstProblem(nonzero("imm", int64(i.Imm)), regProblem("dst", i.Dst), regProblem("src", i.Src))
	case ModeATOMIC:
	default:
		return "undefined mode for class stx"
	}
	wordSized := i.SizeBits() == SizeW || i.SizeBits() == SizeDW
	switch i.Imm {
	case AtomicAdd, AtomicOr, AtomicAnd, AtomicXor:
		if !wordSized {
			return "atomic read-modify-write needs size w or dw"
		}
		return firstProblem(regProblem("dst", i.Dst), regProblem("src", i.Src))
	case AtomicAdd | AtomicFetch, AtomicOr | AtomicFetch, AtomicAnd | AtomicFetch, AtomicXor | AtomicFetch, AtomicXchg:
		if !wordSized {
			return "atomic read-modify-write needs size w or dw"
		}
		// The old value is loaded into src.
		return firstProblem(regProblem("dst", i.Dst), writtenRegProblem("src", i.Src))
	case AtomicCmpXchg:
		if !wordSized {
			return "atomic compare-and-exchange needs size w or dw"
		}
		return firstProblem(regProblem("dst", i.Dst), regProblem("src", i.Src))
	case AtomicLoadAcquire:
		// dst = load_acquire(src + off)
		return firstProblem(regProblem("src", i.Src), writtenRegProblem("dst", i.Dst))
	case AtomicStoreRelease:
		return firstProblem(regProblem("dst", i.Dst), regProblem("src", i.Src))
	}
	return fmt.Sprintf("unknown atomic operation imm %#x", uint32(i.Imm))
}
