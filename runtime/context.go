package runtime

// Program types (enum bpf_prog_type) whose context the runner builds.
const (
	ProgTypeSocketFilter  = 1
	ProgTypeSchedCLS      = 3
	ProgTypeSchedACT      = 4
	ProgTypeXDP           = 6
	ProgTypeCGroupSKB     = 8
	ProgTypeLWTIn         = 10
	ProgTypeLWTOut        = 11
	ProgTypeLWTXmit       = 12
	ProgTypeSKSKB         = 14
	ProgTypeFlowDissector = 22
)

// ContextKind says what context a program type gets in a test run.
type ContextKind int

// Context kinds.
const (
	// ContextRaw: the input is the context itself (raw_tp, tracing, syscall).
	ContextRaw ContextKind = iota
	// ContextSKB: a struct __sk_buff over the input packet.
	ContextSKB
	// ContextXDP: a struct xdp_md over the input packet.
	ContextXDP
)

// ContextKindOf returns the context kind of a program type.
func ContextKindOf(progType uint32) ContextKind {
	switch progType {
	case ProgTypeSocketFilter, ProgTypeSchedCLS, ProgTypeSchedACT, ProgTypeCGroupSKB,
		ProgTypeLWTIn, ProgTypeLWTOut, ProgTypeLWTXmit, ProgTypeSKSKB:
		return ContextSKB
	case ProgTypeXDP:
		return ContextXDP
	}
	return ContextRaw
}
