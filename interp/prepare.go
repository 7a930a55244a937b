package interp

import (
	"errors"
	"fmt"
	"slices"

	"github.com/bpfld/bpfld/insn"
)

// Prepare checks the structure of a program, whose entry point is its first
// instruction, and translates it into the form Run executes. env resolves
// maps, helpers, context accesses and, if it implements KfuncResolver or
// KsymResolver, kernel functions and variables. Errors name the instruction
// (*Error) where there is one.
func Prepare(insns []insn.Instruction, env Resolver) (*Program, error) {
	s, err := analyzeStructure(insns)
	if err != nil {
		return nil, err
	}
	an := analyze(s)
	depth, err := checkStack(s, an)
	if err != nil {
		return nil, err
	}
	p := &Program{
		plain: body{
			code:  make([]op, 0, s.numOps()+2),
			slots: make([]int32, 0, s.numOps()+2),
			funcs: make(map[int32]int32),
		},
		insns:      slices.Clone(insns), // for error messages, whatever the caller does with insns
		id:         programIDs.Add(1),
		stackDepth: depth,
	}
	b := &p.plain
	t := translator{s: s, an: an, env: env, p: p, helperIndex: make(map[helperKey]int)}
	for pc := 0; pc < len(insns); pc++ {
		if s.second[pc] {
			continue
		}
		o, err := t.translate(pc)
		if err != nil {
			return nil, errorAt(insns, pc, err)
		}
		b.code = append(b.code, o)
		b.slots = append(b.slots, int32(pc))
	}
	// A legacy packet load out of the packet returns 0 from its function
	// through this exit. The op after it is never run: it keeps the loop's
	// pointer to the next op inside the slice.
	b.exitOp = len(b.code)
	last := b.slots[len(b.slots)-1]
	b.code = append(b.code, op{code: opExit}, op{code: opExit})
	b.slots = append(b.slots, last, last)
	for i := range b.code {
		if o := &b.code[i]; isTransfer(o.code) {
			o.off = (o.off - int32(i) - 1) * opSize
		}
	}
	for f, cb := range s.callbacks {
		if cb {
			entry := s.opIndex[s.entries[f]]
			b.funcs[entry] = entry
		}
	}
	return p, nil
}

// isTransfer reports whether op code jumps or calls to the op its off
// names: Prepare turns that index into a displacement from the next op.
func isTransfer(code uint8) bool {
	return code == opJA || code == opMayGoto || code == opCallLocal || (code >= opJeq64K && code <= opJsle32X)
}

// helperKey identifies a helper (kfunc false) or kernel function.
type helperKey struct {
	kfunc  bool
	id     int32
	module int16
}

// translator turns instructions into ops.
type translator struct {
	s           *structure
	an          *analysis
	env         Resolver
	p           *Program
	helperIndex map[helperKey]int
}

// translate returns the op of the instruction in slot pc.
func (t *translator) translate(pc int) (op, error) {
	ins := t.s.insns[pc]
	if err := t.s.fpWrites[pc]; err != nil {
		return t.fault(err), nil
	}
	o := op{dst: ins.Dst, src: ins.Src, off: int32(ins.Off), imm: uint64(int64(ins.Imm))}
	switch ins.Class() {
	case insn.ClassALU, insn.ClassALU64:
		code, err := aluCode(ins)
		o.code = code
		return o, err
	case insn.ClassJMP, insn.ClassJMP32:
		return t.jump(pc, o)
	case insn.ClassLD:
		return t.ld(pc, o)
	case insn.ClassLDX:
		size := ins.AccessSize()
		o.code = opLdxB + uint8(sizeIndex(ins.SizeBits()))
		if ins.Mode() == insn.ModeMEMSX {
			o.code = opLdxsxB + uint8(sizeIndex(ins.SizeBits()))
		}
		return t.ctxRewrite(pc, o, size, false)
	case insn.ClassST:
		o.code = opStB + uint8(sizeIndex(ins.SizeBits()))
		return t.ctxRewrite(pc, o, ins.AccessSize(), true)
	default: // STX
		if ins.Mode() == insn.ModeMEM {
			o.code = opStxB + uint8(sizeIndex(ins.SizeBits()))
			return t.ctxRewrite(pc, o, ins.AccessSize(), true)
		}
		return t.atomic(pc, o)
	}
}

// fault returns an op that stops the run with err: a call of a function
// that fails.
func (t *translator) fault(err error) op {
	t.p.helpers = append(t.p.helpers, func(m *Machine, _, _, _, _, _ uint64) uint64 {
		m.Fail(err)
		return 0
	})
	return op{code: opCall, imm: uint64(len(t.p.helpers) - 1)}
}

// aluCode returns the op of an ALU or ALU64 instruction.
func aluCode(ins insn.Instruction) (uint8, error) {
	is64 := ins.Class() == insn.ClassALU64
	x := ins.Source() == insn.SourceX
	switch ins.Op() {
	case insn.ALUNeg:
		if is64 {
			return opNeg64, nil
		}
		return opNeg32, nil
	case insn.ALUEnd:
		if is64 || x { // bswap, or to big endian: a swap on this host
			return defined(swapCodes[ins.Imm])
		}
		return defined(toLECodes[ins.Imm]) // this host's order already
	case insn.ALUMov:
		switch {
		case !x || ins.Off == 0:
		case is64 && ins.Off == insn.OffAddrSpaceCast:
			return 0, errors.New("arena pointers (addr_space_cast) are not supported")
		case is64:
			return defined(movsx64Codes[ins.Off])
		default:
			return defined(movsx32Codes[ins.Off])
		}
	}
	code := aluCodes[b2i(is64)][b2i(x)][ins.Op()>>4]
	if ins.Off == insn.OffSigned && (ins.Op() == insn.ALUDiv || ins.Op() == insn.ALUMod) {
		code = signedCodes[code]
	}
	return defined(code)
}

var (
	swapCodes    = map[int32]uint8{16: opSwap16, 32: opSwap32, 64: opSwap64}
	toLECodes    = map[int32]uint8{16: opZext16, 32: opZext32, 64: opNop}
	movsx64Codes = map[int16]uint8{8: opMovsx64B, 16: opMovsx64H, 32: opMovsx64W}
	movsx32Codes = map[int16]uint8{8: opMovsx32B, 16: opMovsx32H}
)

// defined returns code, or an error if it is opInvalid.
func defined(code uint8) (uint8, error) {
	if code == opInvalid {
		return 0, errors.New("undefined operation")
	}
	return code, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// jump translates a JMP or JMP32 instruction, o holding its fields.
func (t *translator) jump(pc int, o op) (op, error) {
	ins := t.s.insns[pc]
	switch {
	case ins.IsExit():
		o.code = opExit
	case ins.IsPseudoCall():
		o.code = opCallLocal
		o.off = t.s.opIndex[target(ins, pc)]
	case ins.IsHelperCall() && ins.Imm == helperTailCall:
		o.code = opTailCall
	case ins.IsHelperCall():
		i, err := t.helper(helperKey{id: ins.Imm}, func() (Helper, error) { return t.env.Helper(ins.Imm) })
		if err != nil {
			return o, fmt.Errorf("helper %s#%d: %w", insn.HelperName(ins.Imm), ins.Imm, err)
		}
		o.code, o.imm = opCall, uint64(i)
	case ins.IsKfuncCall():
		kr, ok := t.env.(KfuncResolver)
		if !ok {
			return o, fmt.Errorf("kernel function calls are not supported (BTF id %d)", ins.Imm)
		}
		i, err := t.helper(helperKey{kfunc: true, id: ins.Imm, module: ins.Off}, func() (Helper, error) { return kr.Kfunc(ins.Imm, ins.Off) })
		if err != nil {
			return o, fmt.Errorf("kernel function with BTF id %d: %w", ins.Imm, err)
		}
		o.code, o.imm = opCall, uint64(i)
	case isJCond(ins):
		o.code = opMayGoto
		o.off = t.s.opIndex[target(ins, pc)]
	case ins.Op() == insn.JmpJA:
		o.code = opJA
		o.off = t.s.opIndex[target(ins, pc)]
	default:
		o.off = t.s.opIndex[target(ins, pc)]
		var err error
		o.code, err = defined(jumpCodes[b2i(ins.Class() == insn.ClassJMP32)][b2i(ins.Source() == insn.SourceX)][ins.Op()>>4])
		return o, err
	}
	return o, nil
}

// helper returns the index into Program.helpers of the function key,
// resolving it with resolve the first time.
func (t *translator) helper(key helperKey, resolve func() (Helper, error)) (int, error) {
	if i, ok := t.helperIndex[key]; ok {
		return i, nil
	}
	h, err := resolve()
	if err != nil {
		return 0, err
	}
	if h == nil {
		return 0, errors.New("not supported")
	}
	t.p.helpers = append(t.p.helpers, h)
	t.helperIndex[key] = len(t.p.helpers) - 1
	return len(t.p.helpers) - 1, nil
}

// ld translates a ld_imm64 or a legacy packet load, o holding its fields.
func (t *translator) ld(pc int, o op) (op, error) {
	ins := t.s.insns[pc]
	if !ins.IsLoadImm64() {
		// Linux allows these in subprograms too (given BTF func_info):
		// out of the packet, they return 0 from the current function.
		o.code, o.size = opLdAbs, uint8(ins.AccessSize())
		if ins.Mode() == insn.ModeIND {
			o.code = opLdInd
		}
		return o, nil
	}
	hi := t.s.insns[pc+1]
	o.code = opMov64K
	var err error
	switch ins.Src {
	case 0:
		o.imm = insn.Imm64(ins, hi)
	case insn.PseudoMapFD, insn.PseudoMapIdx:
		o.imm, err = t.env.MapPointer(ins.Imm)
		if err != nil {
			err = fmt.Errorf("map %d: %w", ins.Imm, err)
		}
	case insn.PseudoMapValue, insn.PseudoMapIdxValue:
		o.imm, err = t.env.MapValue(ins.Imm, uint32(hi.Imm))
		if err != nil {
			err = fmt.Errorf("value of map %d at offset %d: %w", ins.Imm, uint32(hi.Imm), err)
		}
	case insn.PseudoBTFID:
		kr, ok := t.env.(KsymResolver)
		if !ok {
			return o, fmt.Errorf("kernel variables (ksyms) are not supported (BTF id %d)", ins.Imm)
		}
		o.imm, err = kr.Ksym(ins.Imm, hi.Imm)
		if err != nil {
			err = fmt.Errorf("kernel variable with BTF id %d: %w", ins.Imm, err)
		}
	case insn.PseudoFunc:
		o.imm = callbackValue(t.p.id, t.s.opIndex[target(ins, pc)])
	default:
		err = fmt.Errorf("unknown ld_imm64 pseudo source %d", ins.Src)
	}
	return o, err
}

// atomic translates an atomic STX instruction, o holding its fields.
func (t *translator) atomic(pc int, o op) (op, error) {
	ins := t.s.insns[pc]
	if t.an.accessBase[pc].kind == vCtx {
		return o, errors.New("atomic operation on the context")
	}
	size := sizeIndex(ins.SizeBits())
	switch ins.Imm {
	case insn.AtomicLoadAcquire:
		o.code = opLoadAcqB + uint8(size)
	case insn.AtomicStoreRelease:
		o.code = opStoreRelB + uint8(size)
	default:
		codes, ok := atomicCodes[ins.Imm]
		if !ok {
			return o, fmt.Errorf("unknown atomic operation %#x", uint32(ins.Imm))
		}
		o.code = codes[size-2] // w or dw: Valid checked
	}
	return o, nil
}

// ctxRewrite applies Resolver.ContextAccess to the load or store o of size
// bytes in slot pc if its base register holds, or may hold, the context.
func (t *translator) ctxRewrite(pc int, o op, size int, write bool) (op, error) {
	base := t.an.accessBase[pc]
	if base.kind != vCtx && base.kind != vTop {
		return o, nil
	}
	ins := t.s.insns[pc]
	newOff, newSize, err := t.env.ContextAccess(ins.Off, size, write)
	if base.kind == vTop {
		// Decided at run time, unless the access would be invalid on the
		// context (then the base cannot be it) or stays the same.
		if err != nil || (newOff == ins.Off && newSize == size) {
			return o, nil
		}
		return dynamicCtxOp(o, ins, size, newOff, newSize)
	}
	if err != nil {
		return o, fmt.Errorf("context access of %d bytes at offset %d: %w", size, ins.Off, err)
	}
	newCode, err := resized(o.code, newSize)
	if err != nil {
		return o, fmt.Errorf("context access of %d bytes at offset %d: %w", size, ins.Off, err)
	}
	o.code, o.off = newCode, int32(newOff)
	return o, nil
}

// resized returns the op code of the same load or store as code with
// accesses of size bytes.
func resized(code uint8, size int) (uint8, error) {
	idx, ok := map[int]int{1: 0, 2: 1, 4: 2, 8: 3}[size]
	if !ok {
		return 0, fmt.Errorf("rewritten access of %d bytes", size)
	}
	for _, first := range []uint8{opLdxB, opStxB, opStB} {
		if code >= first && code <= first+3 {
			return first + uint8(idx), nil
		}
	}
	if code >= opLdxsxB && code <= opLdxsxW && idx < 3 {
		return opLdxsxB + uint8(idx), nil
	}
	return 0, fmt.Errorf("rewritten access of %d bytes cannot sign-extend", size)
}

// dynamicCtxOp turns o into an access that uses the rewritten offset and
// size when its base register holds the context, and its own otherwise.
func dynamicCtxOp(o op, ins insn.Instruction, size int, newOff int16, newSize int) (op, error) {
	if _, err := resized(o.code, newSize); err != nil {
		return o, err
	}
	o.size = uint8(size)
	switch {
	case o.code >= opLdxB && o.code <= opLdxDW:
		o.code = opLdxCtx
	case o.code >= opLdxsxB && o.code <= opLdxsxW:
		o.code = opLdxCtx
		o.size |= sxFlag
	case o.code >= opStxB && o.code <= opStxDW:
		o.code = opStxCtx
	default:
		o.code = opStCtx
	}
	// The lower half keeps the immediate a store writes (sign-extended
	// when used), the upper half the rewritten access.
	o.imm = uint64(uint32(ins.Imm)) | ctxAccess(newOff, newSize)<<32
	return o, nil
}

// ctxAccess packs a rewritten context access into 32 bits.
func ctxAccess(off int16, size int) uint64 {
	return uint64(uint16(off)) | uint64(size)<<16
}

// callbackTag marks the values of ld_imm64 with BPF_PSEUDO_FUNC.
const callbackTag = 0xbf << 56

// callbackValue is what a ld_imm64 loads for the function at op index entry
// of program id: a value Machine.Callback decodes, never a valid address.
func callbackValue(id uint64, entry int32) uint64 {
	return callbackTag | (id&0xffffffff)<<24 | uint64(entry)&0xffffff
}
