package insn

import "fmt"

// String returns the kernel's name of the class: "ld", "ldx", "st", "stx",
// "alu", "jmp", "jmp32" or "alu64".
func (c Class) String() string {
	switch c & 0x07 {
	case ClassLD:
		return "ld"
	case ClassLDX:
		return "ldx"
	case ClassST:
		return "st"
	case ClassSTX:
		return "stx"
	case ClassALU:
		return "alu"
	case ClassJMP:
		return "jmp"
	case ClassJMP32:
		return "jmp32"
	default:
		return "alu64"
	}
}

// IsALU reports whether c is ClassALU or ClassALU64.
func (c Class) IsALU() bool { return c == ClassALU || c == ClassALU64 }

// IsJump reports whether c is ClassJMP or ClassJMP32.
func (c Class) IsJump() bool { return c == ClassJMP || c == ClassJMP32 }

// IsLoadStore reports whether c is one of the load and store classes.
func (c Class) IsLoadStore() bool { return c <= ClassSTX }

var aluOpNames = [16]string{
	"add", "sub", "mul", "div", "or", "and", "lsh", "rsh",
	"neg", "mod", "xor", "mov", "arsh", "end",
}

var jmpOpNames = [16]string{
	"ja", "jeq", "jgt", "jge", "jset", "jne", "jsgt", "jsge",
	"call", "exit", "jlt", "jle", "jslt", "jsle", "jcond",
}

var sizeNames = [4]string{"w", "h", "b", "dw"}

var modeNames = [8]string{"imm", "abs", "ind", "mem", "memsx", "", "atomic", ""}

// OpName describes an opcode by its fields in the kernel's terms, such as
// "alu64 mov x" for 0xbf, "ldx mem w" for 0x61 or "stx atomic dw" for 0xdb.
// Fields without a name are shown in hex ("alu op 0xe0 k").
func OpName(op uint8) string {
	c := Class(op & 0x07)
	if c.IsLoadStore() {
		mode := modeNames[op>>5]
		if mode == "" {
			mode = fmt.Sprintf("mode %#02x", op&0xe0)
		}
		return c.String() + " " + mode + " " + sizeNames[(op>>3)&3]
	}
	names := &aluOpNames
	if c.IsJump() {
		names = &jmpOpNames
	}
	name := names[op>>4]
	if name == "" {
		name = fmt.Sprintf("op %#02x", op&0xf0)
	}
	src := "k"
	if op&SourceX != 0 {
		src = "x"
	}
	return c.String() + " " + name + " " + src
}
