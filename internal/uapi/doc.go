// Package uapi holds what several bpfld packages need to know about the
// kernel's BPF interface beyond the enum values that golang.org/x/sys/unix
// defines (BPF_MAP_TYPE_*, BPF_PROG_TYPE_*): the names bpftool prints for
// map and program types, and the context BPF_PROG_TEST_RUN builds for a
// program of each type. The manifest checks test steps with the latter and
// the backends build their runs with it, so both agree by construction.
package uapi
