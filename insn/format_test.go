package insn

import (
	"strings"
	"testing"
)

// ins builds one slot from its fields, to keep the tables short.
func ins(op uint8, dst, src uint8, off int16, imm int32) Instruction {
	return Instruction{OpCode: op, Dst: dst, Src: src, Off: off, Imm: imm}
}

// TestFormat checks the text of one instruction of every class, operation,
// size, mode and pseudo source against the form kernel/bpf/disasm.c prints.
func TestFormat(t *testing.T) {
	tests := []struct {
		ins  Instruction
		want string
	}{
		// ALU64 with an immediate, every operation.
		{ins(alu64|ALUAdd|k, 1, 0, 0, 5), "r1 += 5"},
		{ins(alu64|ALUAdd|k, 0, 0, 0, -1), "r0 += -1"},
		{ins(alu64|ALUSub|k, 1, 0, 0, 5), "r1 -= 5"},
		{ins(alu64|ALUMul|k, 1, 0, 0, 5), "r1 *= 5"},
		{ins(alu64|ALUDiv|k, 1, 0, 0, 5), "r1 /= 5"},
		{ins(alu64|ALUOr|k, 1, 0, 0, 5), "r1 |= 5"},
		{ins(alu64|ALUAnd|k, 1, 0, 0, 5), "r1 &= 5"},
		{ins(alu64|ALULsh|k, 1, 0, 0, 5), "r1 <<= 5"},
		{ins(alu64|ALURsh|k, 1, 0, 0, 5), "r1 >>= 5"},
		{ins(alu64|ALUNeg|k, 1, 0, 0, 0), "r1 = -r1"},
		{ins(alu64|ALUMod|k, 1, 0, 0, 5), "r1 %= 5"},
		{ins(alu64|ALUXor|k, 1, 0, 0, 5), "r1 ^= 5"},
		{ins(alu64|ALUMov|k, 0, 0, 0, 0), "r0 = 0"},
		{ins(alu64|ALUMov|k, 0, 0, 0, -2), "r0 = -2"},
		{ins(alu64|ALUArsh|k, 1, 0, 0, 3), "r1 s>>= 3"},
		{ins(alu64|ALUDiv|k, 1, 0, OffSigned, 3), "r1 s/= 3"},
		{ins(alu64|ALUMod|k, 1, 0, OffSigned, -3), "r1 s%= -3"},
		// ALU64 with a register.
		{ins(alu64|ALUAdd|x, 1, 2, 0, 0), "r1 += r2"},
		{ins(alu64|ALUSub|x, 1, 2, 0, 0), "r1 -= r2"},
		{ins(alu64|ALUMul|x, 1, 2, 0, 0), "r1 *= r2"},
		{ins(alu64|ALUDiv|x, 1, 2, 0, 0), "r1 /= r2"},
		{ins(alu64|ALUOr|x, 1, 2, 0, 0), "r1 |= r2"},
		{ins(alu64|ALUAnd|x, 1, 2, 0, 0), "r1 &= r2"},
		{ins(alu64|ALULsh|x, 1, 2, 0, 0), "r1 <<= r2"},
		{ins(alu64|ALURsh|x, 1, 2, 0, 0), "r1 >>= r2"},
		{ins(alu64|ALUMod|x, 1, 2, 0, 0), "r1 %= r2"},
		{ins(alu64|ALUXor|x, 1, 2, 0, 0), "r1 ^= r2"},
		{ins(alu64|ALUMov|x, 6, 1, 0, 0), "r6 = r1"},
		{ins(alu64|ALUMov|x, 1, 10, 0, 0), "r1 = r10"},
		{ins(alu64|ALUArsh|x, 1, 2, 0, 0), "r1 s>>= r2"},
		{ins(alu64|ALUDiv|x, 1, 2, OffSigned, 0), "r1 s/= r2"},
		{ins(alu64|ALUMod|x, 1, 2, OffSigned, 0), "r1 s%= r2"},
		{ins(alu64|ALUMov|x, 1, 2, 8, 0), "r1 = (s8)r2"},
		{ins(alu64|ALUMov|x, 1, 2, 16, 0), "r1 = (s16)r2"},
		{ins(alu64|ALUMov|x, 1, 2, 32, 0), "r1 = (s32)r2"},
		{ins(alu64|ALUMov|x, 1, 2, OffAddrSpaceCast, 1), "r1 = addr_space_cast(r2, 0, 1)"},
		{ins(alu64|ALUMov|x, 1, 2, OffAddrSpaceCast, 1<<16), "r1 = addr_space_cast(r2, 1, 0)"},
		{ins(alu64|ALUMov|x, 1, 2, -1, 0), "r1 = &(void __percpu *)(r2)"},
		// ALU (32-bit).
		{ins(alu|ALUAdd|x, 1, 2, 0, 0), "w1 += w2"},
		{ins(alu|ALUAdd|k, 1, 0, 0, 7), "w1 += 7"},
		{ins(alu|ALUMov|k, 0, 0, 0, -1), "w0 = -1"},
		{ins(alu|ALUMov|x, 0, 3, 0, 0), "w0 = w3"},
		{ins(alu|ALUMov|x, 1, 2, 8, 0), "w1 = (s8)w2"},
		{ins(alu|ALUMov|x, 1, 2, 16, 0), "w1 = (s16)w2"},
		{ins(alu|ALUNeg|k, 3, 0, 0, 0), "w3 = -w3"},
		{ins(alu|ALUArsh|k, 1, 0, 0, 31), "w1 s>>= 31"},
		{ins(alu|ALUDiv|x, 1, 2, OffSigned, 0), "w1 s/= w2"},
		{ins(alu|ALUMod|k, 1, 0, OffSigned, 7), "w1 s%= 7"},
		{ins(alu|ALULsh|x, 1, 2, 0, 0), "w1 <<= w2"},
		// Byte swaps.
		{ins(alu|ALUEnd|k, 0, 0, 0, 16), "r0 = le16 r0"},
		{ins(alu|ALUEnd|k, 0, 0, 0, 32), "r0 = le32 r0"},
		{ins(alu|ALUEnd|k, 0, 0, 0, 64), "r0 = le64 r0"},
		{ins(alu|ALUEnd|x, 0, 0, 0, 16), "r0 = be16 r0"},
		{ins(alu|ALUEnd|x, 2, 0, 0, 32), "r2 = be32 r2"},
		{ins(alu|ALUEnd|x, 0, 0, 0, 64), "r0 = be64 r0"},
		{ins(alu64|ALUEnd|k, 0, 0, 0, 16), "r0 = bswap16 r0"},
		{ins(alu64|ALUEnd|k, 0, 0, 0, 32), "r0 = bswap32 r0"},
		{ins(alu64|ALUEnd|k, 0, 0, 0, 64), "r0 = bswap64 r0"},
		// Undefined ALU operations.
		{ins(alu64|0xe0|k, 1, 0, 0, 0), "BUG_alu64_e7"},
		{ins(alu|0xf0|x, 1, 2, 0, 0), "BUG_alu_fc"},

		// Jumps: every condition, both sources, both classes.
		{ins(jmp|JmpJEQ|k, 0, 0, 3, 0), "if r0 == 0x0 goto pc+3"},
		{ins(jmp|JmpJGT|k, 1, 0, -4, 10), "if r1 > 0xa goto pc-4"},
		{ins(jmp|JmpJGE|k, 1, 0, 1, 10), "if r1 >= 0xa goto pc+1"},
		{ins(jmp|JmpJSET|k, 1, 0, 1, 8), "if r1 & 0x8 goto pc+1"},
		{ins(jmp|JmpJNE|k, 1, 0, 0, -1), "if r1 != 0xffffffff goto pc+0"},
		{ins(jmp|JmpJSGT|k, 1, 0, 1, -1), "if r1 s> 0xffffffff goto pc+1"},
		{ins(jmp|JmpJSGE|k, 1, 0, 1, 1), "if r1 s>= 0x1 goto pc+1"},
		{ins(jmp|JmpJLT|k, 1, 0, 1, 1), "if r1 < 0x1 goto pc+1"},
		{ins(jmp|JmpJLE|k, 1, 0, 1, 1), "if r1 <= 0x1 goto pc+1"},
		{ins(jmp|JmpJSLT|k, 1, 0, 1, 1), "if r1 s< 0x1 goto pc+1"},
		{ins(jmp|JmpJSLE|k, 1, 0, 1, 1), "if r1 s<= 0x1 goto pc+1"},
		{ins(jmp|JmpJEQ|x, 1, 2, 2, 0), "if r1 == r2 goto pc+2"},
		{ins(jmp|JmpJSLE|x, 1, 2, -2, 0), "if r1 s<= r2 goto pc-2"},
		{ins(jmp|JmpJSET|x, 1, 2, 2, 0), "if r1 & r2 goto pc+2"},
		{ins(jmp32|JmpJNE|k, 1, 0, 2, 0x7fffffff), "if w1 != 0x7fffffff goto pc+2"},
		{ins(jmp32|JmpJLT|x, 1, 2, 2, 0), "if w1 < w2 goto pc+2"},
		{ins(jmp32|JmpJSGE|x, 1, 2, 2, 0), "if w1 s>= w2 goto pc+2"},
		{ins(OpJA, 0, 0, 5, 0), "goto pc+5"},
		{ins(OpJA, 0, 0, -1, 0), "goto pc-1"},
		{ins(OpGotol, 0, 0, 0, 100000), "gotol pc+100000"},
		{ins(OpGotol, 0, 0, 0, -70000), "gotol pc-70000"},
		{ins(jmp|JmpJCOND, 0, 0, 7, 0), "may_goto pc+7"},
		{ins(jmp|JmpJA|x, 3, 0, 0, 0), "gotox r3"},
		{ins(OpExit, 0, 0, 0, 0), "exit"},
		// Calls: helpers, bpf-to-bpf, kfuncs.
		{ins(OpCall, 0, 0, 0, 1), "call bpf_map_lookup_elem#1"},
		{ins(OpCall, 0, 0, 0, 12), "call bpf_tail_call#12"},
		{ins(OpCall, 0, 0, 0, 0), "call bpf_unspec#0"},
		{ins(OpCall, 0, 0, 0, 100000), "call unknown#100000"},
		{ins(OpCall, 0, 0, 0, -1), "call unknown#-1"},
		{ins(OpCall, 0, PseudoCall, 0, 5), "call pc+5"},
		{ins(OpCall, 0, PseudoCall, 0, -1), "call pc-1"},
		{ins(OpCall, 0, PseudoKfuncCall, 0, 12345), "call kernel-function#12345"},
		{ins(OpCall, 0, 7, 0, 3), "call unknown#3"},
		// Jump opcodes that name no instruction.
		{ins(jmp32|JmpCall, 0, 0, 0, 1), "BUG_jmp32_86"},
		{ins(jmp32|JmpExit, 0, 0, 0, 0), "BUG_jmp32_96"},
		{ins(jmp|JmpCall|x, 1, 0, 0, 0), "BUG_jmp_8d"},
		{ins(jmp|JmpExit|x, 0, 0, 0, 0), "BUG_jmp_9d"},
		{ins(jmp32|JmpJA|x, 0, 0, 0, 0), "BUG_jmp32_0e"},
		{ins(jmp|JmpJCOND, 0, 1, 0, 0), "BUG_jmp_e5"},
		{ins(jmp32|JmpJCOND, 0, 0, 0, 0), "BUG_jmp32_e6"},
		{ins(jmp|0xf0|x, 0, 0, 0, 0), "BUG_jmp_fd"},

		// Loads from memory, every size, plain and sign-extending.
		{ins(ldx|ModeMEM|SizeW, 1, 1, 0, 0), "r1 = *(u32 *)(r1 +0)"},
		{ins(ldx|ModeMEM|SizeH, 1, 2, 12, 0), "r1 = *(u16 *)(r2 +12)"},
		{ins(ldx|ModeMEM|SizeB, 1, 2, -1, 0), "r1 = *(u8 *)(r2 -1)"},
		{ins(ldx|ModeMEM|SizeDW, 0, 10, -8, 0), "r0 = *(u64 *)(r10 -8)"},
		{ins(ldx|ModeMEMSX|SizeB, 1, 2, 4, 0), "r1 = *(s8 *)(r2 +4)"},
		{ins(ldx|ModeMEMSX|SizeH, 1, 2, 4, 0), "r1 = *(s16 *)(r2 +4)"},
		{ins(ldx|ModeMEMSX|SizeW, 1, 2, -4, 0), "r1 = *(s32 *)(r2 -4)"},
		{ins(ldx|ModeMEMSX|SizeDW, 1, 2, 0, 0), "BUG_ldx_99"},
		{ins(ldx|ModeIMM|SizeW, 1, 2, 0, 0), "BUG_ldx_01"},
		{ins(ldx|ModeATOMIC|SizeDW, 1, 2, 0, 0), "BUG_ldx_d9"},
		// Stores of registers and immediates.
		{ins(stx|ModeMEM|SizeDW, 10, 1, -8, 0), "*(u64 *)(r10 -8) = r1"},
		{ins(stx|ModeMEM|SizeW, 1, 2, 4, 0), "*(u32 *)(r1 +4) = r2"},
		{ins(stx|ModeMEM|SizeH, 1, 2, 4, 0), "*(u16 *)(r1 +4) = r2"},
		{ins(stx|ModeMEM|SizeB, 1, 2, 4, 0), "*(u8 *)(r1 +4) = r2"},
		{ins(st|ModeMEM|SizeW, 10, 0, -4, 0), "*(u32 *)(r10 -4) = 0"},
		{ins(st|ModeMEM|SizeDW, 10, 0, -16, -1), "*(u64 *)(r10 -16) = -1"},
		{ins(st|ModeMEM|SizeH, 1, 0, 2, 65535), "*(u16 *)(r1 +2) = 65535"},
		{ins(st|ModeMEM|SizeB, 1, 0, 0, 7), "*(u8 *)(r1 +0) = 7"},
		{ins(st|modeNospec, 0, 0, 0, 0), "nospec"},
		{ins(st|ModeMEMSX|SizeW, 1, 0, 0, 0), "BUG_st_82"},
		{ins(stx|ModeMEMSX|SizeW, 1, 2, 0, 0), "BUG_stx_83"},
		// Atomics.
		{ins(stx|ModeATOMIC|SizeDW, 1, 2, 0, AtomicAdd), "lock *(u64 *)(r1 +0) += r2"},
		{ins(stx|ModeATOMIC|SizeW, 1, 2, 8, AtomicAdd), "lock *(u32 *)(r1 +8) += r2"},
		{ins(stx|ModeATOMIC|SizeDW, 1, 2, 0, AtomicOr), "lock *(u64 *)(r1 +0) |= r2"},
		{ins(stx|ModeATOMIC|SizeDW, 1, 2, 0, AtomicAnd), "lock *(u64 *)(r1 +0) &= r2"},
		{ins(stx|ModeATOMIC|SizeDW, 1, 2, 0, AtomicXor), "lock *(u64 *)(r1 +0) ^= r2"},
		{ins(stx|ModeATOMIC|SizeDW, 1, 2, 0, AtomicAdd|AtomicFetch), "r2 = atomic64_fetch_add((u64 *)(r1 +0), r2)"},
		{ins(stx|ModeATOMIC|SizeW, 1, 2, -4, AtomicAdd|AtomicFetch), "r2 = atomic_fetch_add((u32 *)(r1 -4), r2)"},
		{ins(stx|ModeATOMIC|SizeDW, 1, 2, 0, AtomicOr|AtomicFetch), "r2 = atomic64_fetch_or((u64 *)(r1 +0), r2)"},
		{ins(stx|ModeATOMIC|SizeDW, 1, 2, 0, AtomicAnd|AtomicFetch), "r2 = atomic64_fetch_and((u64 *)(r1 +0), r2)"},
		{ins(stx|ModeATOMIC|SizeW, 1, 2, 0, AtomicXor|AtomicFetch), "r2 = atomic_fetch_xor((u32 *)(r1 +0), r2)"},
		{ins(stx|ModeATOMIC|SizeDW, 1, 2, 0, AtomicXchg), "r2 = atomic64_xchg((u64 *)(r1 +0), r2)"},
		{ins(stx|ModeATOMIC|SizeW, 1, 2, 0, AtomicXchg), "r2 = atomic_xchg((u32 *)(r1 +0), r2)"},
		{ins(stx|ModeATOMIC|SizeDW, 1, 2, 0, AtomicCmpXchg), "r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)"},
		{ins(stx|ModeATOMIC|SizeW, 1, 2, 0, AtomicCmpXchg), "r0 = atomic_cmpxchg((u32 *)(r1 +0), r0, r2)"},
		{ins(stx|ModeATOMIC|SizeDW, 3, 1, 8, AtomicLoadAcquire), "r3 = load_acquire((u64 *)(r1 +8))"},
		{ins(stx|ModeATOMIC|SizeB, 3, 1, 0, AtomicLoadAcquire), "r3 = load_acquire((u8 *)(r1 +0))"},
		{ins(stx|ModeATOMIC|SizeH, 1, 3, 2, AtomicStoreRelease), "store_release((u16 *)(r1 +2), r3)"},
		{ins(stx|ModeATOMIC|SizeDW, 1, 2, 0, 0x02), "BUG_stx_db"},
		{ins(stx|ModeATOMIC|SizeDW, 1, 2, 0, 0xe0), "BUG_stx_db"},
		// Legacy packet loads.
		{ins(ld|ModeABS|SizeB, 0, 0, 0, 12), "r0 = *(u8 *)skb[12]"},
		{ins(ld|ModeABS|SizeH, 0, 0, 0, 12), "r0 = *(u16 *)skb[12]"},
		{ins(ld|ModeABS|SizeW, 0, 0, 0, 26), "r0 = *(u32 *)skb[26]"},
		{ins(ld|ModeIND|SizeB, 0, 1, 0, 0), "r0 = *(u8 *)skb[r1 + 0]"},
		{ins(ld|ModeIND|SizeW, 0, 7, 0, 14), "r0 = *(u32 *)skb[r7 + 14]"},
		{ins(ld|ModeMEM|SizeW, 0, 0, 0, 0), "BUG_ld_60"},
		{ins(ld|ModeIMM|SizeW, 0, 0, 0, 0), "BUG_ld_00"},
	}
	for _, tt := range tests {
		if got := tt.ins.String(); got != tt.want {
			t.Errorf("%#02x dst %d src %d off %d imm %d: got %q, want %q",
				tt.ins.OpCode, tt.ins.Dst, tt.ins.Src, tt.ins.Off, tt.ins.Imm, got, tt.want)
		}
	}
}

// TestFormatImm64 checks ld_imm64 with every pseudo source, plain and named.
func TestFormatImm64(t *testing.T) {
	ld := func(src uint8, lo, hi int32) []Instruction {
		return []Instruction{{OpCode: OpLdImm64, Dst: 1, Src: src, Imm: lo}, {Imm: hi}}
	}
	tests := []struct {
		name  string
		insns []Instruction
		want  string
	}{
		{"constant", ld(0, 0x12345678, 0x1abcdef0), "r1 = 0x1abcdef012345678"},
		{"zero", ld(0, 0, 0), "r1 = 0x0"},
		{"all ones", ld(0, -1, -1), "r1 = 0xffffffffffffffff"},
		{"map fd", ld(PseudoMapFD, 5, 0), "r1 = map[id:5]"},
		{"map value", ld(PseudoMapValue, 5, 16), "r1 = map[id:5][0]+16"},
		{"btf id", ld(PseudoBTFID, 42, 0), "r1 = 0x2a"},
		{"func", ld(PseudoFunc, 7, 0), "r1 = subprog[+7]"},
		{"func backwards", ld(PseudoFunc, -3, 0), "r1 = subprog[-3]"},
		{"map idx", ld(PseudoMapIdx, 2, 0), "r1 = map[idx:2]"},
		{"map idx value", ld(PseudoMapIdxValue, 2, 8), "r1 = map[idx:2][0]+8"},
		{"unknown source", ld(9, 1, 0), "r1 = 0x1"},
		{"truncated", ld(0, 1, 0)[:1], "BUG_ld_18 (ld_imm64 without its second slot)"},
	}
	for _, tt := range tests {
		if got := Format(tt.insns, 0, nil); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// testNamer names everything it is asked about after its pc.
var testNamer = FuncNamer{
	Call: func(pc int, ins Instruction) string {
		if ins.IsHelperCall() {
			return ""
		}
		return "fn" + strings.Repeat("_", pc)
	},
	Imm64: func(pc int, lo, hi Instruction) string {
		if lo.Src == 0 {
			return ""
		}
		return "map[jmp_table]"
	},
}

// TestFormatNamer checks the named forms of calls and ld_imm64.
func TestFormatNamer(t *testing.T) {
	insns := []Instruction{
		{OpCode: OpCall, Src: PseudoCall, Imm: 5},
		{OpCode: OpCall, Src: PseudoKfuncCall, Imm: 77},
		{OpCode: OpCall, Imm: 1},
		{OpCode: OpLdImm64, Dst: 2, Src: PseudoMapFD}, {},
		{OpCode: OpLdImm64, Dst: 3, Imm: 9}, {},
	}
	tests := []struct {
		pc    int
		names Namer
		want  string
	}{
		{0, testNamer, "call pc+5#fn"},
		{1, testNamer, "call fn_#77"},
		{2, testNamer, "call bpf_map_lookup_elem#1"},
		{3, testNamer, "r2 = map[jmp_table]"},
		{5, testNamer, "r3 = 0x9"},
		{0, FuncNamer{}, "call pc+5"},
		{3, FuncNamer{}, "r2 = map[id:0]"},
		{-1, nil, ""},
		{7, nil, ""},
	}
	for _, tt := range tests {
		if got := Format(insns, tt.pc, tt.names); got != tt.want {
			t.Errorf("pc %d: got %q, want %q", tt.pc, got, tt.want)
		}
	}
}

// TestStringImm64 checks that String takes a missing upper half as zero.
func TestStringImm64(t *testing.T) {
	i := Instruction{OpCode: OpLdImm64, Dst: 4, Imm: 0x10}
	if got, want := i.String(), "r4 = 0x10"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
