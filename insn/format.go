package insn

import "fmt"

// Namer supplies symbolic names to Format, so that a dump can show
// "call pc+5#my_func" or "r1 = map[jmp_table]" where the kernel's plain form
// has only numbers. A method returns "" to keep the plain form.
type Namer interface {
	// CallName names the function that the call instruction insns[pc]
	// calls: a helper (Src 0), a BPF function (PseudoCall) or a kernel
	// function (PseudoKfuncCall).
	CallName(pc int, ins Instruction) string
	// Imm64Name returns the whole operand of the ld_imm64 made of lo
	// (insns[pc]) and hi (insns[pc+1]), such as "map[jmp_table]" or
	// "map[.rodata]+16".
	Imm64Name(pc int, lo, hi Instruction) string
}

// FuncNamer is a Namer made of two functions, either of which may be nil.
type FuncNamer struct {
	Call  func(pc int, ins Instruction) string
	Imm64 func(pc int, lo, hi Instruction) string
}

// CallName calls f.Call if it is set.
func (f FuncNamer) CallName(pc int, ins Instruction) string {
	if f.Call == nil {
		return ""
	}
	return f.Call(pc, ins)
}

// Imm64Name calls f.Imm64 if it is set.
func (f FuncNamer) Imm64Name(pc int, lo, hi Instruction) string {
	if f.Imm64 == nil {
		return ""
	}
	return f.Imm64(pc, lo, hi)
}

// Format returns the text of instruction insns[pc] in the form Linux's
// verifier log and `bpftool prog dump xlated` print (kernel/bpf/disasm.c),
// without the "(opcode) " prefix the two put before it:
//
//	r1 = *(u32 *)(r1 +0)
//	*(u64 *)(r10 -8) = r1
//	w1 += w2
//	if r0 == 0x0 goto pc+3
//	r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)
//	call bpf_map_lookup_elem#1
//	call pc+5
//	r1 = map[id:5]
//
// A ld_imm64 is formatted from insns[pc] and insns[pc+1]; the caller skips
// the second slot. With a nil Namer, or where it returns "", calls and
// ld_imm64 operands take the plain form: "call NAME#ID" with the helper's
// name, "call kernel-function#ID" for kfuncs, "call pc+N" for bpf-to-bpf
// calls; "map[id:N]", "map[id:N][0]+OFF" and "subprog[+N]" as bpftool prints
// ld_imm64 with the pseudo sources map fd, map value and func,
// "map[idx:N]" and "map[idx:N][0]+OFF" for the fd-array sources bpftool has
// no form for, and the 64-bit constant in hex otherwise. With a Namer, a named
// helper or kfunc call prints as "call NAME#ID", a named bpf-to-bpf call as
// "call pc+N#NAME" (as bpftool shows JITed subprograms) and a named ld_imm64
// as "rD = NAME".
//
// An instruction whose opcode names no instruction prints as
// "BUG_<class>_<opcode in hex>", as the kernel does for the load and store
// classes; so does a ld_imm64 missing its second slot. Format returns ""
// when pc is outside insns. It never panics.
func Format(insns []Instruction, pc int, names Namer) string {
	if pc < 0 || pc >= len(insns) {
		return ""
	}
	ins := insns[pc]
	switch ins.Class() {
	case ClassALU, ClassALU64:
		return formatALU(ins)
	case ClassJMP, ClassJMP32:
		return formatJump(ins, pc, names)
	case ClassLD:
		return formatLD(insns, pc, names)
	case ClassLDX:
		return formatLDX(ins)
	case ClassST:
		return formatST(ins)
	default:
		return formatSTX(ins)
	}
}

// String formats i alone with Format and no Namer. For the first slot of a
// ld_imm64 the upper half, which String cannot see, is taken as zero.
func (i Instruction) String() string {
	if i.IsLoadImm64() {
		return Format([]Instruction{i, {}}, 0, nil)
	}
	return Format([]Instruction{i}, 0, nil)
}

func bug(ins Instruction) string {
	return fmt.Sprintf("BUG_%s_%02x", ins.Class(), ins.OpCode)
}

// regPrefix is 'w' for the 32-bit classes and 'r' otherwise.
func regPrefix(ins Instruction) byte {
	if c := ins.Class(); c == ClassALU || c == ClassJMP32 {
		return 'w'
	}
	return 'r'
}

var aluOpStrings = [16]string{
	"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=",
	"neg", "%=", "^=", "=", "s>>=", "endian",
}

// sxStrings are the casts of sign-extending moves by Off/8 - 1.
var sxStrings = [4]string{"(s8)", "(s16)", "", "(s32)"}

func formatALU(ins Instruction) string {
	w := regPrefix(ins)
	op := ins.Op()
	switch {
	case op == ALUEnd && ins.Class() == ClassALU64:
		return fmt.Sprintf("r%d = bswap%d r%d", ins.Dst, ins.Imm, ins.Dst)
	case op == ALUEnd:
		order := "le"
		if ins.Source() == SourceX {
			order = "be"
		}
		return fmt.Sprintf("r%d = %s%d r%d", ins.Dst, order, ins.Imm, ins.Dst)
	case op == ALUNeg:
		return fmt.Sprintf("%c%d = -%c%d", w, ins.Dst, w, ins.Dst)
	case ins.OpCode == uint8(ClassALU64)|ALUMov|SourceX && ins.Off == OffAddrSpaceCast:
		return fmt.Sprintf("r%d = addr_space_cast(r%d, %d, %d)", ins.Dst, ins.Src, uint32(ins.Imm)>>16, uint16(ins.Imm))
	case ins.OpCode == uint8(ClassALU64)|ALUMov|SourceX && ins.Off == -1:
		// The verifier's internal per-CPU address move (BPF_ADDR_PERCPU).
		return fmt.Sprintf("r%d = &(void __percpu *)(r%d)", ins.Dst, ins.Src)
	}
	sym := aluOpStrings[op>>4]
	switch {
	case sym == "":
		return bug(ins)
	case op == ALUDiv && ins.Off == OffSigned:
		sym = "s/="
	case op == ALUMod && ins.Off == OffSigned:
		sym = "s%="
	}
	if ins.Source() == SourceK {
		return fmt.Sprintf("%c%d %s %d", w, ins.Dst, sym, ins.Imm)
	}
	cast := ""
	if op == ALUMov && (ins.Off == 8 || ins.Off == 16 || ins.Off == 32) {
		cast = sxStrings[ins.Off/8-1]
	}
	return fmt.Sprintf("%c%d %s %s%c%d", w, ins.Dst, sym, cast, w, ins.Src)
}

var jmpOpStrings = [16]string{
	JmpJEQ >> 4: "==", JmpJGT >> 4: ">", JmpJGE >> 4: ">=", JmpJSET >> 4: "&",
	JmpJNE >> 4: "!=", JmpJSGT >> 4: "s>", JmpJSGE >> 4: "s>=", JmpJLT >> 4: "<",
	JmpJLE >> 4: "<=", JmpJSLT >> 4: "s<", JmpJSLE >> 4: "s<=",
}

func formatJump(ins Instruction, pc int, names Namer) string {
	switch ins.OpCode {
	case OpCall:
		return formatCall(ins, pc, names)
	case OpJA:
		return fmt.Sprintf("goto pc%+d", ins.Off)
	case OpJA | SourceX:
		return fmt.Sprintf("gotox r%d", ins.Dst)
	case OpGotol:
		return fmt.Sprintf("gotol pc%+d", ins.Imm)
	case OpExit:
		return "exit"
	case uint8(ClassJMP) | JmpJCOND:
		if ins.Src == 0 {
			return fmt.Sprintf("may_goto pc%+d", ins.Off)
		}
		return bug(ins)
	}
	sym := jmpOpStrings[ins.Op()>>4]
	if sym == "" {
		// ja, call and exit in the forms handled above only; jcond and 0xf0 never.
		return bug(ins)
	}
	w := regPrefix(ins)
	if ins.Source() == SourceX {
		return fmt.Sprintf("if %c%d %s %c%d goto pc%+d", w, ins.Dst, sym, w, ins.Src, ins.Off)
	}
	return fmt.Sprintf("if %c%d %s %#x goto pc%+d", w, ins.Dst, sym, uint32(ins.Imm), ins.Off)
}

func formatCall(ins Instruction, pc int, names Namer) string {
	name := ""
	if names != nil {
		name = names.CallName(pc, ins)
	}
	if ins.Src == PseudoCall {
		if name != "" {
			return fmt.Sprintf("call pc%+d#%s", ins.Imm, name)
		}
		return fmt.Sprintf("call pc%+d", ins.Imm)
	}
	if name == "" {
		switch ins.Src {
		case 0:
			if name, _ = LookupHelper(ins.Imm); name == "" {
				name = "unknown"
			}
		case PseudoKfuncCall:
			name = "kernel-function"
		default:
			name = "unknown"
		}
	}
	return fmt.Sprintf("call %s#%d", name, ins.Imm)
}

var sizeStrings = [4]string{"u32", "u16", "u8", "u64"}

// sxSizeStrings are the types of sign-extending loads; size dw has none.
var sxSizeStrings = [4]string{"s32", "s16", "s8", ""}

func formatLD(insns []Instruction, pc int, names Namer) string {
	ins := insns[pc]
	size := sizeStrings[ins.SizeBits()>>3]
	switch ins.Mode() {
	case ModeABS:
		return fmt.Sprintf("r0 = *(%s *)skb[%d]", size, ins.Imm)
	case ModeIND:
		return fmt.Sprintf("r0 = *(%s *)skb[r%d + %d]", size, ins.Src, ins.Imm)
	case ModeIMM:
		if ins.SizeBits() != SizeDW {
			return bug(ins)
		}
	default:
		return bug(ins)
	}
	if pc+1 >= len(insns) {
		return bug(ins) + " (ld_imm64 without its second slot)"
	}
	hi := insns[pc+1]
	if names != nil {
		if name := names.Imm64Name(pc, ins, hi); name != "" {
			return fmt.Sprintf("r%d = %s", ins.Dst, name)
		}
	}
	var operand string
	switch ins.Src {
	case PseudoMapFD:
		operand = fmt.Sprintf("map[id:%d]", uint32(ins.Imm))
	case PseudoMapValue:
		operand = fmt.Sprintf("map[id:%d][0]+%d", uint32(ins.Imm), uint32(hi.Imm))
	case PseudoFunc:
		operand = fmt.Sprintf("subprog[%+d]", ins.Imm)
	case PseudoMapIdx:
		operand = fmt.Sprintf("map[idx:%d]", uint32(ins.Imm))
	case PseudoMapIdxValue:
		operand = fmt.Sprintf("map[idx:%d][0]+%d", uint32(ins.Imm), uint32(hi.Imm))
	default:
		operand = fmt.Sprintf("%#x", Imm64(ins, hi))
	}
	return fmt.Sprintf("r%d = %s", ins.Dst, operand)
}

func formatLDX(ins Instruction) string {
	var size string
	switch ins.Mode() {
	case ModeMEM:
		size = sizeStrings[ins.SizeBits()>>3]
	case ModeMEMSX:
		size = sxSizeStrings[ins.SizeBits()>>3]
	}
	if size == "" {
		return bug(ins)
	}
	return fmt.Sprintf("r%d = *(%s *)(r%d %+d)", ins.Dst, size, ins.Src, ins.Off)
}

// modeNospec is the verifier's internal speculation barrier (BPF_NOSPEC), an
// st instruction with mode 0xc0 that appears only in translated programs.
const modeNospec = 0xc0

func formatST(ins Instruction) string {
	switch ins.Mode() {
	case ModeMEM:
		return fmt.Sprintf("*(%s *)(r%d %+d) = %d", sizeStrings[ins.SizeBits()>>3], ins.Dst, ins.Off, ins.Imm)
	case modeNospec:
		return "nospec"
	}
	return bug(ins)
}

var atomicOpNames = map[int32]string{AtomicAdd: "add", AtomicAnd: "and", AtomicOr: "or", AtomicXor: "xor"}

func formatSTX(ins Instruction) string {
	size := sizeStrings[ins.SizeBits()>>3]
	switch ins.Mode() {
	case ModeMEM:
		return fmt.Sprintf("*(%s *)(r%d %+d) = r%d", size, ins.Dst, ins.Off, ins.Src)
	case ModeATOMIC:
	default:
		return bug(ins)
	}
	bits := ""
	if ins.SizeBits() == SizeDW {
		bits = "64"
	}
	switch imm := ins.Imm; {
	case imm == AtomicAdd || imm == AtomicAnd || imm == AtomicOr || imm == AtomicXor:
		return fmt.Sprintf("lock *(%s *)(r%d %+d) %s r%d", size, ins.Dst, ins.Off, aluOpStrings[imm>>4], ins.Src)
	case imm&AtomicFetch != 0 && atomicOpNames[imm&^AtomicFetch] != "":
		return fmt.Sprintf("r%d = atomic%s_fetch_%s((%s *)(r%d %+d), r%d)",
			ins.Src, bits, atomicOpNames[imm&^AtomicFetch], size, ins.Dst, ins.Off, ins.Src)
	case imm == AtomicCmpXchg:
		return fmt.Sprintf("r0 = atomic%s_cmpxchg((%s *)(r%d %+d), r0, r%d)", bits, size, ins.Dst, ins.Off, ins.Src)
	case imm == AtomicXchg:
		return fmt.Sprintf("r%d = atomic%s_xchg((%s *)(r%d %+d), r%d)", ins.Src, bits, size, ins.Dst, ins.Off, ins.Src)
	case imm == AtomicLoadAcquire:
		return fmt.Sprintf("r%d = load_acquire((%s *)(r%d %+d))", ins.Dst, size, ins.Src, ins.Off)
	case imm == AtomicStoreRelease:
		return fmt.Sprintf("store_release((%s *)(r%d %+d), r%d)", size, ins.Dst, ins.Off, ins.Src)
	}
	return bug(ins)
}
