package kernel

import (
	"fmt"
	goruntime "runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/runtime"
)

// testRunAttr is the BPF_PROG_TEST_RUN part of union bpf_attr.
type testRunAttr struct {
	progFD      uint32
	retval      uint32
	dataSizeIn  uint32
	dataSizeOut uint32
	dataIn      uint64
	dataOut     uint64
	repeat      uint32
	duration    uint32
	ctxSizeIn   uint32
	ctxSizeOut  uint32
	ctxIn       uint64
	ctxOut      uint64
	flags       uint32
	cpu         uint32
	batchSize   uint32
	_           uint32
}

const cmdProgTestRun = 10 // BPF_PROG_TEST_RUN

// outputPad is the room left in the output buffer for programs that grow
// the packet (bpf_xdp_adjust_tail, bpf_skb_change_tail).
const outputPad = 4096

// testRun runs the program behind fd through BPF_PROG_TEST_RUN. cilium/ebpf's
// Program.Run does not report the kernel's own per-run duration together
// with ctx_out, so bpfld issues the command itself.
//
// Programs whose input is their context (raw_tp, tracing, syscall) take
// neither repeat nor ctx_out in the kernel: they are run repeat times from
// here and timed by the clock.
func testRun(fd int, kind runtime.ContextKind, data, ctx []byte, repeat int) (retval uint32, dataOut, ctxOut []byte, perRun time.Duration, err error) {
	if repeat < 1 {
		repeat = 1
	}
	if kind == runtime.ContextRaw {
		start := time.Now()
		for range repeat {
			if retval, _, _, _, err = testRunOnce(fd, false, nil, ctx, 0); err != nil {
				return 0, nil, nil, 0, err
			}
		}
		return retval, nil, nil, time.Since(start) / time.Duration(repeat), nil
	}
	return testRunOnce(fd, true, data, ctx, repeat)
}

// testRunOnce issues one BPF_PROG_TEST_RUN.
func testRunOnce(fd int, wantCtxOut bool, data, ctx []byte, repeat int) (retval uint32, dataOut, ctxOut []byte, perRun time.Duration, err error) {
	attr := testRunAttr{progFD: uint32(fd), repeat: uint32(repeat)}
	if len(data) > 0 {
		dataOut = make([]byte, len(data)+outputPad)
		attr.dataIn = uint64(uintptr(unsafe.Pointer(&data[0])))
		attr.dataSizeIn = uint32(len(data))
		attr.dataOut = uint64(uintptr(unsafe.Pointer(&dataOut[0])))
		attr.dataSizeOut = uint32(len(dataOut))
	}
	if len(ctx) > 0 {
		attr.ctxIn = uint64(uintptr(unsafe.Pointer(&ctx[0])))
		attr.ctxSizeIn = uint32(len(ctx))
		if wantCtxOut {
			ctxOut = make([]byte, len(ctx))
			attr.ctxOut = uint64(uintptr(unsafe.Pointer(&ctxOut[0])))
			attr.ctxSizeOut = uint32(len(ctxOut))
		}
	}
	for {
		_, _, errno := unix.Syscall(unix.SYS_BPF, cmdProgTestRun, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
		if errno == unix.EINTR {
			continue // the kernel interrupts long repeats for pending signals
		}
		goruntime.KeepAlive(data)
		goruntime.KeepAlive(ctx)
		if errno != 0 {
			return 0, nil, nil, 0, fmt.Errorf("BPF_PROG_TEST_RUN: %w", errno)
		}
		break
	}
	if dataOut != nil {
		dataOut = dataOut[:attr.dataSizeOut]
	}
	if ctxOut != nil {
		ctxOut = ctxOut[:attr.ctxSizeOut]
	}
	return attr.retval, dataOut, ctxOut, time.Duration(attr.duration), nil
}

// errnoNotSupp is the kernel's internal ENOTSUPP (524), which
// BPF_PROG_TEST_RUN returns for program types it cannot run.
const errnoNotSupp = unix.Errno(524)
