package runtime

import "github.com/bpfld/bpfld/internal/uapi"

// ContextKind says what context a program type gets in a test run.
type ContextKind = uapi.Context

// Context kinds.
const (
	// ContextRaw: the input is the context itself (raw_tp, tracing, syscall).
	ContextRaw = uapi.ContextRaw
	// ContextSKB: a struct __sk_buff over the input packet.
	ContextSKB = uapi.ContextSKB
	// ContextXDP: a struct xdp_md over the input packet.
	ContextXDP = uapi.ContextXDP
)

// ContextKindOf returns the context kind of a program type, the same that
// manifest.Validate checks a step's input and ctx against.
func ContextKindOf(progType uint32) ContextKind { return uapi.ContextOf(progType) }
