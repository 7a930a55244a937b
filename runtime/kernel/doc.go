// Package kernel is the Linux backend of bpfld: it loads a linked image
// into the kernel through bpf(2) with github.com/cilium/ebpf — the very
// instructions bpfld linked, not a reparse of the objects — wires its prog
// arrays, and runs programs with BPF_PROG_TEST_RUN.
//
// It needs root or CAP_BPF (and CAP_NET_ADMIN / CAP_PERFMON for some program
// types); New says so in one line where they are missing.
package kernel
