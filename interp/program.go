package interp

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/bpfld/bpfld/insn"
)

// Limits of the Linux kernel that the interpreter enforces.
const (
	// MaxCallFrames is the deepest chain of bpf-to-bpf calls, the program's
	// own frame and callback frames included (MAX_CALL_FRAMES).
	MaxCallFrames = 8
	// MaxStack is the stack a chain of calls may use in all, and the size
	// of one frame in the Machine's stack (MAX_BPF_STACK).
	MaxStack = 512
	// MaxTailCalls is how many tail calls one run may take
	// (MAX_TAIL_CALL_CNT); the next one falls through.
	MaxTailCalls = 33
	// MaxLoops is the number of times a may_goto falls through before it
	// jumps, per function invocation (BPF_MAX_LOOPS).
	MaxLoops = 8 * 1024 * 1024
)

// helperTailCall is the number of bpf_tail_call, which the interpreter
// performs itself.
const helperTailCall = 12

// Helper is a helper function (or kernel function) as a program calls it:
// the arguments are R1 to R5, the result goes to R0. A helper that receives
// pointers reads and writes through m.Bytes; one that meets an error the
// program cannot handle calls m.Fail, which stops the run after it returns.
type Helper func(m *Machine, r1, r2, r3, r4, r5 uint64) uint64

// Resolver supplies what a program refers to outside itself. Prepare calls
// it once for each reference.
type Resolver interface {
	// MapPointer returns the value a ld_imm64 of a map (BPF_PSEUDO_MAP_IDX,
	// or BPF_PSEUDO_MAP_FD, which means the same here) loads: the address
	// that helpers taking a map receive.
	MapPointer(index int32) (uint64, error)
	// MapValue returns the address of offset bytes into the value of map
	// index (BPF_PSEUDO_MAP_IDX_VALUE, BPF_PSEUDO_MAP_VALUE): global data.
	MapValue(index int32, offset uint32) (uint64, error)
	// Helper returns helper function id. It is not asked for
	// bpf_tail_call, which the interpreter performs.
	Helper(id int32) (Helper, error)
	// ContextAccess rewrites an access of size bytes at offset off of the
	// context as the program sees it (struct __sk_buff, struct xdp_md)
	// into an access of the context block the runtime builds, as the
	// kernel's convert_ctx_access does: a u32 load of xdp_md.data becomes a
	// 64-bit load of a real pointer. An error rejects the access.
	ContextAccess(off int16, size int, write bool) (newOff int16, newSize int, err error)
}

// KfuncResolver is implemented by a Resolver that supplies kernel
// functions; without it a program calling one is rejected.
type KfuncResolver interface {
	// Kfunc returns the kernel function with BTF id in the BTF of module
	// (0: vmlinux), as a call instruction names it.
	Kfunc(id int32, module int16) (Helper, error)
}

// KsymResolver is implemented by a Resolver that supplies kernel variables
// (ld_imm64 with BPF_PSEUDO_BTF_ID); without it such loads are rejected.
type KsymResolver interface {
	// Ksym returns the address of the kernel variable with BTF id in the
	// BTF of module (0: vmlinux).
	Ksym(id int32, module int32) (uint64, error)
}

// Program is a program prepared to run. It is immutable, and may run on
// any number of Machines at once.
type Program struct {
	// plain is the translation Run executes.
	plain body
	// counting is plain with an opCount at the head of every basic block,
	// for RunCounted; made on first use (countingBody).
	counting     *body
	countingOnce sync.Once

	insns   []insn.Instruction
	helpers []Helper
	id      uint64 // distinguishes the callback values of programs
	// stackDepth is the deepest combined stack of a call chain, as the
	// verifier computes it.
	stackDepth int
}

// body is one translation of a program into ops, with what exec needs to
// find its way in it.
type body struct {
	code  []op
	slots []int32 // the instruction slot of each op, for errors
	// exitOp is the index of an exit op after the program's own, where a
	// legacy packet load out of the packet goes to return 0.
	exitOp int
	// funcs maps every function that a callback value may name, by the
	// index of its first op in the plain body (which callback values
	// hold), to the index of its first op in this body.
	funcs map[int32]int32
}

// StackDepth returns the stack the program's deepest chain of calls uses,
// each frame rounded up as the kernel rounds it.
func (p *Program) StackDepth() int { return p.stackDepth }

var programIDs atomic.Uint64

// Error reports a problem with one instruction: a program that Prepare
// rejects, or a fault at run time. Index is the instruction's slot in the
// program as given to Prepare.
type Error struct {
	Index int
	Insn  string // the instruction in the kernel's text form
	Err   error
}

func (e *Error) Error() string {
	return fmt.Sprintf("instruction %d (%s): %v", e.Index, e.Insn, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// errorAt returns an *Error for slot pc of insns.
func errorAt(insns []insn.Instruction, pc int, err error) *Error {
	return &Error{Index: pc, Insn: insn.Format(insns, pc, nil), Err: err}
}
