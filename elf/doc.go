// Package elf reads relocatable BPF ELF objects as clang (14 to 19) and
// GCC's BPF backend write them: code sections and their functions, symbols,
// relocations, BTF and legacy maps, global data and its variables, externs,
// license and version, .BTF and .BTF.ext.
//
// The reader is liberal in what it accepts from real compilers and strict
// about what is malformed: every error names the file and, where there is
// one, the section, symbol and byte offset at fault.
//
// Open, Read and ReadBytes return an Object. Its rules, which the linker
// relies on:
//
//   - Functions: STT_FUNC symbols of any binding (and global STT_NOTYPE
//     ones, as LLVM before 8 wrote) in code sections (SHT_PROGBITS with
//     SHF_EXECINSTR). Entry programs are the functions of every code
//     section but .text, static ones included (libbpf's rule); functions
//     of .text are subprograms. A code section without function symbols is
//     one program named after the section.
//   - Relocations of debug sections, .BTF and .BTF.ext are not kept. The
//     others are checked: symbol in range, offset inside the section and,
//     in code, on an instruction of the right kind (R_BPF_64_64 on
//     ld_imm64; R_BPF_64_32 on a call or ld_imm64).
//   - BTF maps (.maps) follow libbpf's parse_btf_map_def; the inner map of
//     a map of maps is named "<outer>.inner"; MapInitValue.Name is the name
//     of the symbol a `.values` slot refers to (a program or a map). An
//     object without BTF (GCC 12 with -g but not -gbtf) has its map
//     definitions read from DWARF instead, with the same rules; their
//     Key, Value and BTF are nil.
//   - Legacy maps: sections "maps", "maps/*" and "*/maps"; one
//     definition's size is its symbol's size, else the section size over
//     the number of map symbols; bytes past struct bpf_map_def are in
//     Map.Extra, and Pinning is read where iproute2 has it (offset 24).
//   - Externs are classified by BTF (DATASEC .kconfig, .ksyms, .maps, then
//     FUNC or VAR with extern linkage), else by symbol type and call
//     relocations; see loadExterns.
//   - BTF that cannot be parsed fails the read when the object needs it
//     (.maps, externs); otherwise the object is read without it and
//     Object.BTFError says why. A bad .BTF.ext only drops ExtInfos.
//
// GCC 12 (with binutils before 2.41, Debian 12's gcc-bpf) writes
// relocation addends unlike LLVM: the immediate of a relocated instruction
// already holds the symbol's value, in bytes, even against a named symbol.
// A call to a global function at byte V of .text has imm V-1 (LLVM: -1),
// and a load of a global variable at byte V of .data has imm V (LLVM: 0).
// The reader keeps instructions as written; Object.Comment tells GCC's
// objects apart.
//
// Object.BTF is cilium/ebpf's Spec of the object. Looking a DATASEC up in
// it runs cilium/ebpf's ELF fixups, which fail for typed .ksyms variables
// and extern maps; the reader never does, and hands out the VAR and FUNC
// types of DATASEC members through Variable.Type, Extern.Type and Map.BTF.
package elf
