// Package link resolves several BPF objects into one Image: symbols across
// objects with libbpf's rules (strong, weak, extern, hidden), bpf-to-bpf
// calls (each entry program gets the subprograms it reaches appended),
// maps and global data merged, and the image written back as one
// relocatable ELF object, as `bpftool gen object` does.
package link
