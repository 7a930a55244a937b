// Package link resolves several BPF objects into one Image: symbols across
// objects with libbpf's rules (strong, weak, extern, hidden), bpf-to-bpf
// calls (each entry program gets the subprograms it reaches appended),
// maps and global data merged, and the image written back as one
// relocatable ELF object, as `bpftool gen object` does.
//
// The shape follows Go's cmd/link/internal/loader and libbpf's static
// linker (tools/lib/bpf/linker.c) and loader (libbpf.c):
//
//   - resolve.go binds every name to one definition: a dense symbol table
//     (symbols.go) with a per-object table from ELF symbol index to
//     linker symbol; each weak/strong/extern rule is written out with a
//     comment; btfmatch.go and mapdef.go compare an extern's BTF with its
//     definition and name the field that differs (errors.go).
//   - refs.go reads each function's calls, function addresses, map, data,
//     .kconfig and .ksyms references from its relocations (symbol- and
//     section-relative forms, and calls clang wrote without one);
//     reach.go walks calls with a work queue.
//   - Link (link.go) builds the Image: program.go appends subprograms and
//     moves func_info and line_info along; data.go merges global data
//     sections; imagemaps.go lists maps, data maps and .kconfig;
//     imageksyms.go resolves .ksyms; imagebtf.go merges and deduplicates
//     BTF with cilium/ebpf's btf.Builder.
//   - WriteObject (write.go, writecode.go, writebtf.go, writeext.go,
//     elfwrite.go, outnames.go) writes the resolved state as an ELF object
//     that libbpf, cilium/ebpf and bpfld itself load.
//
// The instruction rewriting itself (map and data references, calls,
// CO-RE, .kconfig, .ksyms) is package reloc's.
package link
