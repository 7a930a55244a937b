package insn

import (
	"encoding/binary"
	"fmt"
)

// Size is the size of one instruction slot in bytes.
const Size = 8

// Register numbers R0 to R10; R10 is the read-only frame pointer.
const (
	R0  uint8 = 0
	R1  uint8 = 1
	R2  uint8 = 2
	R3  uint8 = 3
	R4  uint8 = 4
	R5  uint8 = 5
	R6  uint8 = 6
	R7  uint8 = 7
	R8  uint8 = 8
	R9  uint8 = 9
	R10 uint8 = 10
)

// Instruction is one 8-byte instruction slot.
type Instruction struct {
	OpCode uint8
	Dst    uint8 // destination register, 0 to 15 as encoded
	Src    uint8 // source register or pseudo source, 0 to 15 as encoded
	Off    int16
	Imm    int32
}

// Class returns the instruction class.
func (i Instruction) Class() Class { return Class(i.OpCode & 0x07) }

// Op returns the operation bits of an ALU or JMP opcode.
func (i Instruction) Op() uint8 { return i.OpCode & 0xf0 }

// Source returns SourceK or SourceX.
func (i Instruction) Source() uint8 { return i.OpCode & 0x08 }

// SizeBits returns the size field of a load or store opcode.
func (i Instruction) SizeBits() uint8 { return i.OpCode & 0x18 }

// Mode returns the mode field of a load or store opcode.
func (i Instruction) Mode() uint8 { return i.OpCode & 0xe0 }

// AccessSize returns the width in bytes of a load or store.
func (i Instruction) AccessSize() int {
	switch i.SizeBits() {
	case SizeB:
		return 1
	case SizeH:
		return 2
	case SizeW:
		return 4
	default:
		return 8
	}
}

// IsLoadImm64 reports whether i is the first slot of a 64-bit immediate load.
func (i Instruction) IsLoadImm64() bool { return i.OpCode == OpLdImm64 }

// IsPseudoCall reports whether i is a bpf-to-bpf call.
func (i Instruction) IsPseudoCall() bool { return i.OpCode == OpCall && i.Src == PseudoCall }

// IsKfuncCall reports whether i calls a kernel function by BTF id.
func (i Instruction) IsKfuncCall() bool { return i.OpCode == OpCall && i.Src == PseudoKfuncCall }

// IsHelperCall reports whether i calls a helper function by number.
func (i Instruction) IsHelperCall() bool { return i.OpCode == OpCall && i.Src == 0 }

// IsPseudoFunc reports whether i loads the address of a BPF function (ld_imm64, BPF_PSEUDO_FUNC).
func (i Instruction) IsPseudoFunc() bool { return i.OpCode == OpLdImm64 && i.Src == PseudoFunc }

// IsExit reports whether i returns from the current function.
func (i Instruction) IsExit() bool { return i.OpCode == OpExit }

// IsJump reports whether i is a (conditional or unconditional) jump, not a call or exit.
func (i Instruction) IsJump() bool {
	c := i.Class()
	if c != ClassJMP && c != ClassJMP32 {
		return false
	}
	op := i.Op()
	return op != JmpCall && op != JmpExit
}

// JumpOffset returns the slot offset of a jump relative to the next instruction:
// Imm for gotol, Off otherwise.
func (i Instruction) JumpOffset() int64 {
	if i.OpCode == OpGotol {
		return int64(i.Imm)
	}
	return int64(i.Off)
}

// Imm64 returns the constant of a ld_imm64 from its two slots.
func Imm64(lo, hi Instruction) uint64 {
	return uint64(uint32(lo.Imm)) | uint64(uint32(hi.Imm))<<32
}

// Decode decodes a little-endian instruction stream. The length of b must be
// a multiple of Size.
func Decode(b []byte) ([]Instruction, error) {
	if len(b)%Size != 0 {
		return nil, fmt.Errorf("instruction stream of %d bytes is not a multiple of %d", len(b), Size)
	}
	insns := make([]Instruction, len(b)/Size)
	for n := range insns {
		insns[n] = DecodeOne(b[n*Size:])
	}
	return insns, nil
}

// DecodeOne decodes the instruction in the first Size bytes of b.
func DecodeOne(b []byte) Instruction {
	_ = b[7]
	return Instruction{
		OpCode: b[0],
		Dst:    b[1] & 0x0f,
		Src:    b[1] >> 4,
		Off:    int16(binary.LittleEndian.Uint16(b[2:])),
		Imm:    int32(binary.LittleEndian.Uint32(b[4:])),
	}
}

// Encode writes i in wire form into the first Size bytes of b.
func (i Instruction) Encode(b []byte) {
	_ = b[7]
	b[0] = i.OpCode
	b[1] = i.Dst&0x0f | i.Src<<4
	binary.LittleEndian.PutUint16(b[2:], uint16(i.Off))
	binary.LittleEndian.PutUint32(b[4:], uint32(i.Imm))
}

// Encode encodes an instruction stream in wire form.
func Encode(insns []Instruction) []byte {
	b := make([]byte, len(insns)*Size)
	for n, i := range insns {
		i.Encode(b[n*Size:])
	}
	return b
}
