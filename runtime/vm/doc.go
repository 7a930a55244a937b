// Package vm is bpfld's in-process backend: it loads a linked image into
// maps of package runtime/maps and programs prepared by package interp, and
// runs them inside the bpfld process, with no privileges and no kernel.
//
// New creates the image's maps (global data with its contents, maps of maps
// with their static slots); LoadProgram prepares one entry program, resolving
// its map references, helpers and context accesses; Run runs it on an input
// the way BPF_PROG_TEST_RUN does (net/bpf/test_run.c): a struct __sk_buff
// for socket and tc programs, a struct xdp_md for xdp programs, the input
// itself as the context for the other types.
//
// # Contexts
//
// Programs see the uapi context structs, but the VM, like the kernel's
// convert_ctx_access, rewrites the loads of the packet pointers (data,
// data_end, data_meta: 32-bit fields in the uapi structs) into 64-bit loads
// of real pointers kept after the struct in a private context block. The
// other fields keep their uapi offsets. Accesses the kernel's verifier
// refuses (writes of read-only fields, unknown offsets, wrong sizes) reject
// the program at load.
//
// # Concurrency
//
// A Collection may run programs from many goroutines at once: each run
// takes a runner (an interp.Machine with its context and packet memory)
// from a pool, and tail calls read prog array slots atomically, so SetSlot
// may rewire a chain while other goroutines run it.
package vm
