// Package insn defines the eBPF instruction set as bpfld sees it: the raw
// 8-byte instruction, its opcode fields, decoding from and encoding to the
// little-endian wire form, and the text form that Linux's verifier log and
// `bpftool prog dump xlated` print.
//
// An instruction stream is kept in wire slots: a 64-bit immediate load
// (ld_imm64) occupies two consecutive Instructions, the second holding the
// upper 32 bits of the constant in its Imm field. Jump and call offsets are
// therefore counted in slots, exactly as the kernel counts them.
//
// Format and Instruction.String print the kernel's text (kernel/bpf/disasm.c);
// a Namer puts symbol names into calls and ld_imm64 operands. HelperName
// names helper functions by number from a table generated from the kernel's
// UAPI header (helpers_gen.go). Instruction.Valid, Check and CheckLinked tell
// whether an encoding is one the kernel accepts, and say what is wrong if not.
package insn
