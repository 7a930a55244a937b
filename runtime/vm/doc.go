// Package vm is bpfld's in-process backend: it loads a linked image into
// maps of package runtime/maps and programs prepared by package interp, and
// runs them inside the bpfld process, with no privileges and no kernel.
//
// New creates the image's maps (global data with its contents, maps of maps
// with their static slots); LoadProgram prepares one entry program, resolving
// its map references, helpers and context accesses; Run runs it on an input
// the way BPF_PROG_TEST_RUN does (net/bpf/test_run.c): a struct __sk_buff
// for socket and tc programs, a struct xdp_md for xdp programs, the input
// itself as the context for the other types. Images with .ksyms externs are
// linked for the VM with StandIns.
//
// # Contexts
//
// Programs see the uapi context structs, but the VM, like the kernel's
// convert_ctx_access, rewrites the loads of the packet pointers (data,
// data_end, data_meta: 32-bit fields in the uapi structs) into 64-bit loads
// of real pointers kept after the struct in a private context block. The
// other fields keep their uapi offsets. Accesses the kernel's verifier
// refuses (writes of read-only fields, unknown offsets, wrong sizes) reject
// the program at load. skb->sk points at a stand-in of the test run's
// socket.
//
// # Concurrency
//
// A Collection may run programs from many goroutines at once: each run
// takes a runner (an interp.Machine with its context and packet memory)
// from a pool, and tail calls read prog array slots atomically, so SetSlot
// may rewire a chain while other goroutines run it.
//
// # Differences from the kernel
//
// The tests compare every context field and helper edge with Linux. What
// the VM does differently, by design or for lack of the kernel:
//   - Programs run on one CPU (Options.CPU), and a run's time comes from Go's
//     monotonic clock.
//   - ctx_in may name any ifindex (the kernel wants an existing device),
//     and pkt_type is worked out for the loopback device's address.
//   - There is no multi-buffer XDP: a packet over 3520 bytes, or ctx_in's
//     data_end short of the packet, is an error instead of fragments.
//   - ctx_out is always the whole struct (the kernel fails with ENOSPC
//     when the caller's buffer is shorter).
//   - A write of 0xffff or more to __sk_buff.queue_mapping is not
//     ignored; %p in bpf_trace_printk prints the pointer unhashed.
//   - Program types the kernel cannot test-run run all the same: sk_skb
//     programs on a struct __sk_buff over the input, the others (kprobe,
//     tracepoint, lwt_seg6local, ...) on their input as raw context.
//   - Helpers that need the rest of the kernel (sockets, routing, stack
//     traces, timers, skb resizing, dynptrs) are not there: programs
//     calling them are rejected at load with the helper's name. The maps
//     such helpers use (stack_trace, cgroup_array) exist but stay empty,
//     so bpf_current_task_under_cgroup answers -EAGAIN as the kernel does
//     for an empty slot.
//   - A call the linker poisoned (an unresolved CO-RE relocation, a
//     missing weak kfunc) loads, as the kernel's verifier accepts it in
//     dead code, and stops a run that reaches it.
//   - Typed ksyms point at zeroed stand-ins; typeless ones are the
//     kernel's addresses only where /proc/kallsyms shows them (to root).
package vm
