package insn

// Short names of the classes and sources for the instruction tables of
// the tests.
const (
	alu   = uint8(ClassALU)
	alu64 = uint8(ClassALU64)
	jmp   = uint8(ClassJMP)
	jmp32 = uint8(ClassJMP32)
	ld    = uint8(ClassLD)
	ldx   = uint8(ClassLDX)
	st    = uint8(ClassST)
	stx   = uint8(ClassSTX)
	k     = SourceK
	x     = SourceX
)
