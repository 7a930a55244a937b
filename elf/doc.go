// Package elf reads relocatable BPF ELF objects as clang (14 to 19) and
// GCC's BPF backend write them: code sections and their functions, symbols,
// relocations, BTF and legacy maps, global data and its variables, externs,
// license and version, .BTF and .BTF.ext.
//
// The reader is liberal in what it accepts from real compilers and strict
// about what is malformed: every error names the file and, where there is
// one, the section, symbol and byte offset at fault.
package elf
