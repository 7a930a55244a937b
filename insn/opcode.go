package insn

// Class is the low three bits of an opcode: what kind of instruction it is.
type Class uint8

// Instruction classes.
const (
	ClassLD    Class = 0x00
	ClassLDX   Class = 0x01
	ClassST    Class = 0x02
	ClassSTX   Class = 0x03
	ClassALU   Class = 0x04
	ClassJMP   Class = 0x05
	ClassJMP32 Class = 0x06
	ClassALU64 Class = 0x07
)

// Source bit of ALU and JMP opcodes: whether the second operand is Imm or Src.
const (
	SourceK uint8 = 0x00 // immediate operand
	SourceX uint8 = 0x08 // register operand
)

// ALU operations (the high four bits of an ALU or ALU64 opcode).
const (
	ALUAdd  uint8 = 0x00
	ALUSub  uint8 = 0x10
	ALUMul  uint8 = 0x20
	ALUDiv  uint8 = 0x30
	ALUOr   uint8 = 0x40
	ALUAnd  uint8 = 0x50
	ALULsh  uint8 = 0x60
	ALURsh  uint8 = 0x70
	ALUNeg  uint8 = 0x80
	ALUMod  uint8 = 0x90
	ALUXor  uint8 = 0xa0
	ALUMov  uint8 = 0xb0
	ALUArsh uint8 = 0xc0
	ALUEnd  uint8 = 0xd0 // byte swap; SourceX means "to big endian" in ALU, unconditional in ALU64
)

// Jump operations (the high four bits of a JMP or JMP32 opcode).
const (
	JmpJA   uint8 = 0x00
	JmpJEQ  uint8 = 0x10
	JmpJGT  uint8 = 0x20
	JmpJGE  uint8 = 0x30
	JmpJSET uint8 = 0x40
	JmpJNE  uint8 = 0x50
	JmpJSGT uint8 = 0x60
	JmpJSGE uint8 = 0x70
	JmpCall uint8 = 0x80
	JmpExit uint8 = 0x90
	JmpJLT  uint8 = 0xa0
	JmpJLE  uint8 = 0xb0
	JmpJSLT uint8 = 0xc0
	JmpJSLE uint8 = 0xd0
	// JmpJCOND is a pseudo jump the kernel decides at run time; its only
	// form is may_goto (Src 0), which falls through until a loop budget is
	// spent (kernel 6.9).
	JmpJCOND uint8 = 0xe0
)

// Values of the Off field that select a variant of an ALU operation.
const (
	// OffSigned turns div and mod into sdiv and smod (ISA v4).
	OffSigned int16 = 1
	// OffAddrSpaceCast turns an alu64 mov x into addr_space_cast, which
	// converts a pointer between address spaces (arena programs); Imm holds
	// the destination space in its upper and the source space in its lower
	// 16 bits.
	OffAddrSpaceCast int16 = 1
)

// Size field of load and store opcodes.
const (
	SizeW  uint8 = 0x00 // 32 bits
	SizeH  uint8 = 0x08 // 16 bits
	SizeB  uint8 = 0x10 // 8 bits
	SizeDW uint8 = 0x18 // 64 bits
)

// Mode field of load and store opcodes.
const (
	ModeIMM    uint8 = 0x00 // ld_imm64
	ModeABS    uint8 = 0x20 // legacy packet access
	ModeIND    uint8 = 0x40 // legacy packet access
	ModeMEM    uint8 = 0x60 // regular memory access
	ModeMEMSX  uint8 = 0x80 // sign-extending load (v4)
	ModeATOMIC uint8 = 0xc0 // atomic read-modify-write
)

// Atomic operations, in the Imm field of an STX|ATOMIC instruction.
const (
	AtomicAdd     int32 = 0x00
	AtomicOr      int32 = 0x40
	AtomicAnd     int32 = 0x50
	AtomicXor     int32 = 0xa0
	AtomicFetch   int32 = 0x01 // flag: return the old value in Src
	AtomicXchg    int32 = 0xe0 | AtomicFetch
	AtomicCmpXchg int32 = 0xf0 | AtomicFetch
	// Load-acquire and store-release (kernel 6.15, -mcpu=v4 with clang 21).
	AtomicLoadAcquire  int32 = 0x100
	AtomicStoreRelease int32 = 0x110
)

// Pseudo sources of special instructions, in the Src field.
const (
	// ld_imm64 pseudo sources.
	PseudoMapFD       uint8 = 1 // Imm is a map file descriptor
	PseudoMapValue    uint8 = 2 // Imm is a map fd, the next Imm an offset into its value
	PseudoBTFID       uint8 = 3 // Imm is a BTF id of a kernel variable (ksym)
	PseudoFunc        uint8 = 4 // Imm is a pc-relative offset of a BPF function
	PseudoMapIdx      uint8 = 5 // Imm is an index into the program's fd array
	PseudoMapIdxValue uint8 = 6 // as PseudoMapValue, through the fd array

	// call pseudo sources.
	PseudoCall      uint8 = 1 // bpf-to-bpf call: Imm is a pc-relative offset
	PseudoKfuncCall uint8 = 2 // Imm is the BTF id of a kernel function
)

// Whole opcodes that recur across bpfld.
const (
	OpLdImm64 uint8 = uint8(ClassLD) | SizeDW | ModeIMM // 0x18
	OpCall    uint8 = uint8(ClassJMP) | JmpCall         // 0x85
	OpExit    uint8 = uint8(ClassJMP) | JmpExit         // 0x95
	OpJA      uint8 = uint8(ClassJMP) | JmpJA           // 0x05
	OpGotol   uint8 = uint8(ClassJMP32) | JmpJA         // 0x06: ja with a 32-bit offset in Imm
)
