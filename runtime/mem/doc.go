// Package mem provides the memory that BPF programs in the in-process VM
// address by raw pointer: blocks mapped with mmap outside the Go heap, so
// the garbage collector never moves or frees them and JIT-compiled code can
// use their addresses directly, and a registry of those blocks that checks
// every access a program makes before the interpreter performs it.
package mem
