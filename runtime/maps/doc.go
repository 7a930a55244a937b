// Package maps implements BPF maps for the in-process VM with the semantics
// of the Linux kernel's own maps (kernel/bpf/arraymap.c, hashtab.c,
// queue_stack_maps.c, ringbuf.c, devmap.c, cpumap.c, xskmap.c and the
// bpf(2) syscall layer in syscall.c). Cgroup arrays and stack trace maps,
// whose entries only the kernel can make, exist and stay empty
// (KernelOnly).
//
// # Pointers
//
// BPF programs in the VM hold raw host addresses in their registers, so
// every map lives in memory from runtime/mem that the garbage collector
// never moves:
//
//   - Each map has a descriptor, a small read-only mem.Block whose address
//     is the map's pointer: the value `ld_imm64 r1 = map[...]` loads and the
//     value helpers receive. ByPointer finds the Map from it without locking.
//     The descriptor layout is documented on DescriptorSize.
//   - Values live in writable mem.Blocks (read-only to programs for maps
//     created with FlagRdonlyProg, such as .rodata), laid out as the kernel
//     lays them out: value_size rounded up to 8 bytes per element, and per
//     CPU for per-CPU maps. Lookup returns the address of a value inside
//     that memory; it stays valid memory for the life of the map.
//
// # Two sides
//
// Every Map has a program side (Lookup, Update, Delete, Push, Pop, Peek,
// ForEach, and the type-specific methods of RingBuf, PerfEventArray,
// ProgArray, ArrayOfMaps and RedirectMap) that helpers call with keys and
// values the caller has already bounds-checked, and a user side
// (LookupUser, UpdateUser, DeleteUser, LookupAndDeleteUser, NextKey,
// Freeze) that behaves as the bpf(2) syscall commands do, including their
// permission and flag checks. Errors that the kernel reports as an errno
// are returned as a bare syscall.Errno (helpers return it negated to the
// program); errors about the caller's own mistakes (a key of the wrong
// size) wrap syscall.EINVAL with a message naming the map.
//
// # Concurrency
//
// All maps are safe for concurrent use, as kernel maps are. Array values are
// updated in place; hash maps take one lock per map for updates while
// lookups walk the table without locking (as the kernel's RCU lookups do);
// prog array and map-of-maps slots are read and written atomically, so user
// space may rewire tail-call chains while other goroutines run programs.
package maps
