// Package reloc rewrites BPF instructions: map and data references, calls,
// CO-RE relocations against a target BTF, .kconfig and .ksyms externs.
//
// Everything here works on instruction slots (insn.Instruction, a 64-bit
// immediate load taking two slots) and mirrors what libbpf's loader does to
// the same instructions, so that a program bpfld prepares reaches the
// kernel's verifier (or bpfld's own) in the form libbpf would give it.
//
// BTF work (CO-RE, type compatibility) is cilium/ebpf's btf package; this
// package only decides which instruction a result goes into and how.
//
// Invalid helper-call numbers mark instructions that a relocation could not
// satisfy and that must never run; a verifier meets them only on a path it
// cannot prove dead, and should then name the cause (PoisonReason gives it)
// rather than report an unknown helper:
//
//   - COREPoison (0xbad2310): an unresolved CO-RE relocation;
//   - KfuncPoison (0xdedc0de): a call to a __weak kfunc the target lacks;
//   - ExternPoison (0xe7e4a1): a call to an extern function that a partial
//     link left undefined.
package reloc
