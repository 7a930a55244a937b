// Package interp is the interpreter of bpfld's in-process VM: it runs eBPF
// programs (the instruction set up to v4) inside the bpfld process.
//
// Prepare checks a program's structure and translates it once into a
// compact internal form: one small struct per instruction, an opcode byte
// that a dense switch dispatches on, immediates pre-extended, ld_imm64
// folded into a single operation, jump and call targets as absolute indexes
// and helper calls resolved to Go functions. Run then executes that form on
// a Machine, the per-goroutine state of a run: registers hold raw host
// addresses, the stack is an mmap-backed mem.Block with room for MaxStack
// bytes in every frame, and every load and store is checked against the
// registered blocks (runtime/mem) before it happens, the stack and the last
// block touched first, so a faulty program stops with an error that names
// the instruction (*Error) instead of crashing the process. RunCounted
// runs a program as Run does and also counts the instructions it executes,
// through a second translation with a counter at the head of every basic
// block (count.go), so that plain runs pay nothing for it.
//
// Calls follow Linux: bpf-to-bpf calls push a frame (at most MaxCallFrames,
// MaxStack bytes of stack in all, both checked at Prepare as the verifier's
// check_max_stack_depth does); bpf_tail_call (helper 12) is a jump into
// another Program that reuses the current frame, at most MaxTailCalls times
// a run, the count carried through bpf-to-bpf calls, an empty slot falling
// through without counting, as the kernel's x86-64 JIT does it (which the
// tests check against the running kernel). Callback functions (ld_imm64
// with BPF_PSEUDO_FUNC) run through Machine.Callback as nested calls, for
// helpers such as bpf_loop.
//
// Until bpfld has a verifier, Prepare finds the loads and stores that go
// through the context by a small dataflow analysis (analysis.go) and
// rewrites them with Resolver.ContextAccess, as the verifier's
// convert_ctx_access does; where it cannot tell, the choice is made at run
// time.
package interp
