package vm

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/interp"
	"github.com/bpfld/bpfld/reloc"
	"github.com/bpfld/bpfld/runtime"
)

// Helper numbers (enum bpf_func_id) the VM implements.
const (
	fnMapLookupElem       = 1
	fnMapUpdateElem       = 2
	fnMapDeleteElem       = 3
	fnProbeRead           = 4
	fnKtimeGetNs          = 5
	fnTracePrintk         = 6
	fnGetPrandomU32       = 7
	fnGetSmpProcessorID   = 8
	fnSkbStoreBytes       = 9
	fnL3CsumReplace       = 10
	fnL4CsumReplace       = 11
	fnGetCurrentPidTgid   = 14
	fnGetCurrentUIDGid    = 15
	fnGetCurrentComm      = 16
	fnRedirect            = 23
	fnPerfEventOutput     = 25
	fnSkbLoadBytes        = 26
	fnCsumDiff            = 28
	fnGetCurrentTask      = 35
	fnCurrentTaskUnderCg  = 37
	fnCsumUpdate          = 40
	fnGetNumaNodeID       = 42
	fnXDPAdjustHead       = 44
	fnProbeReadStr        = 45
	fnRedirectMap         = 51
	fnXDPAdjustMeta       = 54
	fnXDPAdjustTail       = 65
	fnSkbLoadBytesRel     = 68
	fnMapPushElem         = 87
	fnMapPopElem          = 88
	fnMapPeekElem         = 89
	fnSpinLock            = 93
	fnSpinUnlock          = 94
	fnProbeReadUser       = 112
	fnProbeReadKernel     = 113
	fnProbeReadUserStr    = 114
	fnProbeReadKernelStr  = 115
	fnKtimeGetBootNs      = 125
	fnRingbufOutput       = 130
	fnRingbufReserve      = 131
	fnRingbufSubmit       = 132
	fnRingbufDiscard      = 133
	fnRingbufQuery        = 134
	fnGetCurrentTaskBTF   = 158
	fnKtimeGetCoarseNs    = 160
	fnForEachMapElem      = 164
	fnSnprintf            = 165
	fnTraceVprintk        = 177
	fnLoop                = 181
	fnXDPGetBuffLen       = 188
	fnXDPLoadBytes        = 189
	fnXDPStoreBytes       = 190
	fnMapLookupPercpuElem = 195
	fnSkbPullData         = 39
	fnPerCPUPtr           = 153
	fnThisCPUPtr          = 154
	fnStrtol              = 105
	fnStrtoul             = 106
	fnStrncmp             = 182
	fnKtimeGetTaiNs       = 208
)

// errNotForType rejects a helper that the program's type may not call.
var errNotForType = errors.New("not available to this program type")

// Helper implements interp.Resolver: the VM's implementation of helper
// id for the program's type, or an error that rejects the program.
func (r *resolver) Helper(id int32) (interp.Helper, error) {
	kind := runtime.ContextKindOf(r.prog.Type)
	skb, xdp := kind == runtime.ContextSKB, kind == runtime.ContextXDP
	// Helpers that write an skb: tc and lwt_xmit programs.
	skbWriter := r.prog.Type == unix.BPF_PROG_TYPE_SCHED_CLS || r.prog.Type == unix.BPF_PROG_TYPE_SCHED_ACT || r.prog.Type == unix.BPF_PROG_TYPE_LWT_XMIT
	only := func(ok bool, h interp.Helper) (interp.Helper, error) {
		if !ok {
			return nil, fmt.Errorf("%w (%s)", errNotForType, progTypeName(r.prog.Type))
		}
		return h, nil
	}
	switch id {
	case fnMapLookupElem:
		return mapLookupElem, nil
	case fnMapUpdateElem:
		return mapUpdateElem, nil
	case fnMapDeleteElem:
		return mapDeleteElem, nil
	case fnMapPushElem:
		return mapPushElem, nil
	case fnMapPopElem:
		return mapPopElem, nil
	case fnMapPeekElem:
		return mapPeekElem, nil
	case fnMapLookupPercpuElem:
		return mapLookupPercpuElem, nil
	case fnForEachMapElem:
		return forEachMapElem, nil
	case fnLoop:
		return loop, nil
	case fnKtimeGetNs, fnKtimeGetCoarseNs:
		return ktimeGetNs, nil
	case fnKtimeGetBootNs:
		return ktimeGetBootNs, nil
	case fnKtimeGetTaiNs:
		return ktimeGetTaiNs, nil
	case fnGetPrandomU32:
		return getPrandomU32, nil
	case fnGetSmpProcessorID:
		return getSmpProcessorID, nil
	case fnGetNumaNodeID:
		return getNumaNodeID, nil
	case fnTracePrintk:
		return tracePrintk, nil
	case fnTraceVprintk:
		return traceVprintk, nil
	case fnSnprintf:
		return snprintf, nil
	case fnSpinLock:
		return spinLock, nil
	case fnSpinUnlock:
		return spinUnlock, nil
	case fnRingbufOutput:
		return ringbufOutput, nil
	case fnRingbufReserve:
		return ringbufReserve, nil
	case fnRingbufSubmit:
		return ringbufSubmit, nil
	case fnRingbufDiscard:
		return ringbufDiscard, nil
	case fnRingbufQuery:
		return ringbufQuery, nil
	case fnPerfEventOutput:
		switch kind {
		case runtime.ContextSKB:
			return skbEventOutput, nil
		case runtime.ContextXDP:
			return xdpEventOutput, nil
		}
		return perfEventOutput, nil
	case fnCsumDiff:
		return csumDiff, nil
	case fnGetCurrentPidTgid:
		return getCurrentPidTgid, nil
	case fnCurrentTaskUnderCg:
		return currentTaskUnderCgroup, nil
	case fnGetCurrentUIDGid:
		return getCurrentUIDGid, nil
	case fnGetCurrentComm:
		return getCurrentComm, nil
	case fnGetCurrentTask, fnGetCurrentTaskBTF:
		addr, err := r.c.currentTask()
		if err != nil {
			return nil, err
		}
		return func(*interp.Machine, uint64, uint64, uint64, uint64, uint64) uint64 { return addr }, nil
	case fnProbeRead, fnProbeReadUser:
		return probeRead(false), nil
	case fnProbeReadKernel:
		return probeRead(true), nil
	case fnProbeReadStr, fnProbeReadUserStr:
		return probeReadStr(false), nil
	case fnProbeReadKernelStr:
		return probeReadStr(true), nil
	case fnStrncmp:
		return strncmp, nil
	case fnStrtol:
		return strtol, nil
	case fnStrtoul:
		return strtoul, nil
	case fnPerCPUPtr:
		return perCPUPtr, nil
	case fnThisCPUPtr:
		return thisCPUPtr, nil
	case fnSkbPullData:
		return only(skbWriter, skbPullData)
	case fnSkbLoadBytes:
		return only(skb, skbLoadBytes)
	case fnSkbLoadBytesRel:
		return only(skb, skbLoadBytesRelative)
	case fnSkbStoreBytes:
		return only(skbWriter, skbStoreBytes)
	case fnL3CsumReplace:
		return only(skbWriter, l3CsumReplace)
	case fnL4CsumReplace:
		return only(skbWriter, l4CsumReplace)
	case fnCsumUpdate:
		return only(skbWriter, csumUpdate)
	case fnRedirect:
		switch {
		case xdp:
			return xdpRedirect, nil
		case skbWriter:
			return skbRedirect, nil
		}
		return only(false, nil)
	case fnRedirectMap:
		return only(xdp, xdpRedirectMap)
	case fnXDPAdjustHead:
		return only(xdp, xdpAdjustHead)
	case fnXDPAdjustMeta:
		return only(xdp, xdpAdjustMeta)
	case fnXDPAdjustTail:
		return only(xdp, xdpAdjustTail)
	case fnXDPGetBuffLen:
		return only(xdp, xdpGetBuffLen)
	case fnXDPLoadBytes:
		return only(xdp, xdpLoadBytes)
	case fnXDPStoreBytes:
		return only(xdp, xdpStoreBytes)
	}
	if reason, ok := reloc.PoisonReason(insn.Instruction{OpCode: insn.OpCall, Imm: id}); ok {
		// The linker poisons what it could not resolve (a CO-RE
		// relocation, a weak kfunc, an extern); the kernel's verifier
		// accepts the program when such a call is dead code, so the VM
		// loads it too and stops a run that reaches one.
		return poisoned(reason), nil
	}
	return nil, errors.New("not implemented by the VM")
}

// poisoned returns the helper that stands for a call the linker poisoned:
// reaching it ends the run with reason.
func poisoned(reason string) interp.Helper {
	return func(m *interp.Machine, _, _, _, _, _ uint64) uint64 {
		m.Fail(errors.New(reason + " reached"))
		return 0
	}
}

// env returns the runner of the run m is in.
func env(m *interp.Machine) *runner { return m.Env.(*runner) }

// errno returns a helper's result for err: 0, or the negative errno.
func errno(err error) uint64 {
	if err == nil {
		return 0
	}
	var e syscall.Errno
	if !errors.As(err, &e) {
		e = syscall.EINVAL
	}
	return negErrno(e)
}

// negErrno returns -e as a helper returns it.
func negErrno(e syscall.Errno) uint64 { return uint64(-int64(e)) }

// fail stops the run with an error about helper name's arguments (what the
// kernel's verifier would have ruled out) and returns 0 for R0.
func fail(m *interp.Machine, name string, format string, args ...any) uint64 {
	m.Fail(fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	return 0
}

// argBytes returns n bytes of program memory at addr for helper name, or
// stops the run.
func argBytes(m *interp.Machine, name string, addr uint64, n int, write bool) ([]byte, bool) {
	b, err := m.Bytes(addr, n, write)
	if err != nil {
		m.Fail(fmt.Errorf("%s: %w", name, err))
		return nil, false
	}
	return b, true
}
