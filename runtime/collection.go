package runtime

import (
	"time"
)

// Collection is a linked image loaded on a backend: maps created, programs
// loaded on demand, prog arrays wired.
type Collection interface {
	// Backend names the backend: "vm" or "kernel".
	Backend() string
	// LoadProgram verifies and loads one entry program; loading a program
	// twice is no error. A program the verifier or the kernel rejects
	// gives a *RejectedError.
	LoadProgram(name string) error
	// Run runs a loaded entry program on in.
	Run(name string, in RunInput) (*RunResult, error)
	// SetSlot puts program prog in slot of prog array progArray, or empties
	// the slot when prog is "". Emptying an empty slot is no error.
	SetSlot(progArray string, slot uint32, prog string) error
	// Lookup returns the value under key in map name. Per-CPU maps give
	// every CPU's value, each rounded up to 8 bytes, as bpf(2) does.
	Lookup(name string, key []byte) ([]byte, error)
	// Update sets the value under key in map name (BPF_ANY).
	Update(name string, key, value []byte) error
	// Delete removes key from map name; a missing key is no error.
	Delete(name string, key []byte) error
	// Keys returns every key of map name, in the backend's order.
	Keys(name string) ([][]byte, error)
	// Close releases everything the collection holds.
	Close() error
}

// StackReporter is a Collection that knows the stack depth of the
// programs it loaded (the VM does; the kernel does not report it).
type StackReporter interface {
	StackDepth(prog string) (bytes int, ok bool)
}

// RunInput is what one test run gets, as BPF_PROG_TEST_RUN takes it.
type RunInput struct {
	// Data is the packet for socket, tc and xdp programs (data_in).
	Data []byte
	// Context is the context (ctx_in): for skb and xdp programs a
	// struct __sk_buff or struct xdp_md whose settable fields are copied
	// into the real context; for other program types the context itself.
	// Nil means none.
	Context []byte
	// Repeat runs the program this many times (at least once).
	Repeat int
	// Engine selects the VM's engine: "interp" (default) or "jit".
	Engine string
	// CountInstructions asks for RunResult.Instructions. Counting slows
	// a run down, so timed runs should not ask for it; backends that
	// cannot count ignore it.
	CountInstructions bool
}

// RunResult is what one test run gives back.
type RunResult struct {
	// Retval is the program's return value, low 32 bits, as
	// BPF_PROG_TEST_RUN reports it.
	Retval uint32
	// Output is the packet after the run (data_out), nil for programs
	// without one.
	Output []byte
	// Context is the context after the run (ctx_out), where there is one.
	Context []byte
	// PerRun is the mean duration of one run.
	PerRun time.Duration
	// Instructions is the number of instructions the last run executed,
	// when RunInput.CountInstructions asked for it and the backend can
	// count (the VM's interpreter); 0 otherwise. As the kernel counts
	// instruction slots: a ld_imm64 is one instruction, a helper call is
	// one, and tail-called programs, bpf-to-bpf callees and callbacks
	// count too.
	Instructions uint64
	// Trace holds the lines the program printed with bpf_trace_printk.
	Trace []string
}

// RejectedError is a program that the verifier or the kernel refused to load.
type RejectedError struct {
	Program string
	// Reason is the verifier's reason, one line.
	Reason string
	// Log is the verifier's log, where there is one.
	Log string
	Err error
}

func (e *RejectedError) Error() string {
	return "program " + e.Program + " rejected: " + e.Reason
}

func (e *RejectedError) Unwrap() error { return e.Err }
