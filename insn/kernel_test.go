package insn

import (
	"bufio"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"
)

// kernelProgram is a socket filter the verifier accepts that holds one of
// most instruction forms, so that the kernel's own printer can be compared
// with Format. Jumps go to the next instruction, so every slot is reached.
// kfunc is the BTF id of bpf_cast_to_kern_ctx, or 0 to leave the kfunc call out.
func kernelProgram(kfunc int32) []Instruction {
	p := []Instruction{
		ins(alu64|ALUMov|x, 6, 1, 0, 0), // r6 = r1, the context for packet loads
	}
	if kfunc != 0 {
		p = append(p, ins(OpCall, 0, PseudoKfuncCall, 0, kfunc), ins(alu64|ALUMov|x, 1, 6, 0, 0))
	}
	p = append(p, []Instruction{
		ins(ld|ModeABS|SizeB, 0, 0, 0, 12), // r0 = *(u8 *)skb[12]
		ins(alu64|ALUMov|k, 7, 0, 0, 2),
		ins(ld|ModeIND|SizeH, 0, 7, 0, 4),
		ins(ld|ModeABS|SizeW, 0, 0, 0, 0),
		ins(alu64|ALUMov|k, 1, 0, 0, -7),
		ins(stx|ModeMEM|SizeDW, 10, 1, -8, 0),
		ins(st|ModeMEM|SizeW, 10, 0, -16, 5),
		ins(st|ModeMEM|SizeW, 10, 0, -12, -1),
		ins(st|ModeMEM|SizeH, 10, 0, -24, 300),
		ins(st|ModeMEM|SizeB, 10, 0, -22, 3),
		ins(stx|ModeMEM|SizeB, 10, 1, -21, 0),
		ins(ldx|ModeMEM|SizeDW, 2, 10, -8, 0),
		ins(ldx|ModeMEM|SizeW, 3, 10, -16, 0),
		ins(ldx|ModeMEM|SizeH, 3, 10, -24, 0),
		ins(ldx|ModeMEM|SizeB, 3, 10, -22, 0),
		ins(ldx|ModeMEMSX|SizeW, 3, 10, -16, 0),
		ins(ldx|ModeMEMSX|SizeH, 3, 10, -24, 0),
		ins(ldx|ModeMEMSX|SizeB, 3, 10, -22, 0),
		ins(alu64|ALUAdd|k, 2, 0, 0, 1),
		ins(alu64|ALUSub|x, 2, 3, 0, 0),
		ins(alu64|ALUMul|k, 2, 0, 0, -3),
		ins(alu64|ALUDiv|x, 2, 3, 0, 0),
		ins(alu64|ALUDiv|k, 2, 0, OffSigned, -2),
		ins(alu64|ALUMod|x, 2, 3, OffSigned, 0),
		ins(alu64|ALUMod|k, 2, 0, 0, 10),
		ins(alu64|ALUOr|k, 2, 0, 0, 0x10),
		ins(alu64|ALUAnd|x, 2, 3, 0, 0),
		ins(alu64|ALULsh|k, 2, 0, 0, 3),
		ins(alu64|ALURsh|x, 2, 3, 0, 0),
		ins(alu64|ALUArsh|k, 2, 0, 0, 1),
		ins(alu64|ALUXor|x, 2, 3, 0, 0),
		ins(alu64|ALUNeg|k, 2, 0, 0, 0),
		ins(alu64|ALUMov|x, 4, 2, 8, 0),
		ins(alu64|ALUMov|x, 4, 2, 16, 0),
		ins(alu64|ALUMov|x, 4, 2, 32, 0),
		ins(alu|ALUMov|x, 4, 2, 8, 0),
		ins(alu|ALUMov|x, 4, 2, 16, 0),
		ins(alu|ALUAdd|x, 4, 3, 0, 0),
		ins(alu|ALUMov|k, 5, 0, 0, -1),
		ins(alu|ALUArsh|k, 5, 0, 0, 4),
		ins(alu|ALUDiv|x, 5, 4, OffSigned, 0),
		ins(alu|ALUNeg|k, 5, 0, 0, 0),
		ins(alu|ALUEnd|k, 2, 0, 0, 32),
		ins(alu|ALUEnd|x, 2, 0, 0, 16),
		ins(alu64|ALUEnd|k, 2, 0, 0, 64),
		ins(stx|ModeATOMIC|SizeDW, 10, 2, -8, AtomicAdd),
		ins(stx|ModeATOMIC|SizeW, 10, 2, -16, AtomicOr),
		ins(stx|ModeATOMIC|SizeDW, 10, 2, -8, AtomicAnd|AtomicFetch),
		ins(stx|ModeATOMIC|SizeW, 10, 3, -16, AtomicXor|AtomicFetch),
		ins(stx|ModeATOMIC|SizeDW, 10, 2, -8, AtomicXchg),
		ins(alu64|ALUMov|k, 0, 0, 0, 0),
		ins(stx|ModeATOMIC|SizeDW, 10, 2, -8, AtomicCmpXchg),
		ins(stx|ModeATOMIC|SizeW, 10, 2, -16, AtomicCmpXchg),
		ins(stx|ModeATOMIC|SizeDW, 3, 10, -8, AtomicLoadAcquire),
		ins(stx|ModeATOMIC|SizeB, 3, 10, -22, AtomicLoadAcquire),
		ins(stx|ModeATOMIC|SizeW, 10, 3, -16, AtomicStoreRelease),
		ins(stx|ModeATOMIC|SizeH, 10, 3, -24, AtomicStoreRelease),
		ins(jmp|JmpJCOND, 0, 0, 0, 0),
		{OpCode: OpLdImm64, Dst: 8, Imm: 0x23456789}, {Imm: 1},
		ins(jmp|JmpJEQ|k, 2, 0, 0, 0),
		ins(jmp|JmpJSGT|x, 2, 3, 0, 0),
		ins(jmp32|JmpJLT|k, 2, 0, 0, -1),
		ins(jmp32|JmpJSET|x, 2, 3, 0, 0),
		ins(OpJA, 0, 0, 0, 0),
		ins(OpGotol, 0, 0, 0, 0),
		ins(OpCall, 0, 0, 0, 7), // bpf_get_prandom_u32
		ins(OpCall, 0, PseudoCall, 0, 2),
		ins(alu64|ALUMov|k, 0, 0, 0, 0),
		ins(OpExit, 0, 0, 0, 0),
		// The subprogram.
		ins(alu64|ALUMov|k, 0, 0, 0, 1),
		ins(OpExit, 0, 0, 0, 0),
	}...)
	return p
}

// kfuncName is the kernel function kernelProgram calls; it is in the kernel's
// common kfunc set, open to every program type.
const kfuncName = "bpf_cast_to_kern_ctx"

// kfuncID returns the BTF id of kfuncName in the running kernel, or 0.
func kfuncID(t *testing.T) int32 {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		t.Logf("no kernel BTF, leaving the kfunc call out: %v", err)
		return 0
	}
	var fn *btf.Func
	if err := spec.TypeByName(kfuncName, &fn); err != nil {
		t.Logf("leaving the kfunc call out: %v", err)
		return 0
	}
	id, err := spec.TypeID(fn)
	if err != nil {
		t.Logf("leaving the kfunc call out: %v", err)
		return 0
	}
	return int32(id)
}

// bpfProgLoadAttr is the start of union bpf_attr for BPF_PROG_LOAD; the
// kernel requires the fields past what it knows to be zero.
type bpfProgLoadAttr struct {
	progType    uint32
	insnCnt     uint32
	insns       uint64
	license     uint64
	logLevel    uint32
	logSize     uint32
	logBuf      uint64
	kernVersion uint32
	progFlags   uint32
}

const (
	bpfProgLoad            = 5
	bpfProgTypeSocketFiler = 1
)

// verifierLog loads insns as a socket filter and returns the verifier's
// log at level 2, which prints every instruction it walks.
func verifierLog(t *testing.T, insns []Instruction) string {
	code := Encode(insns)
	license := []byte("GPL\x00")
	buf := make([]byte, 1<<20)
	attr := bpfProgLoadAttr{
		progType: bpfProgTypeSocketFiler,
		insnCnt:  uint32(len(insns)),
		insns:    uint64(uintptr(unsafe.Pointer(&code[0]))),
		license:  uint64(uintptr(unsafe.Pointer(&license[0]))),
		logLevel: 2,
		logSize:  uint32(len(buf)),
		logBuf:   uint64(uintptr(unsafe.Pointer(&buf[0]))),
	}
	fd, _, errno := unix.Syscall(unix.SYS_BPF, bpfProgLoad, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	log := string(buf[:clen(buf)])
	switch {
	case errors.Is(errno, unix.EPERM), errors.Is(errno, unix.ENOSYS):
		t.Skipf("cannot load BPF programs (need root and bpf(2)): %v", errno)
	case errno != 0:
		t.Fatalf("BPF_PROG_LOAD: %v\n%s", errno, log)
	}
	unix.Close(int(fd))
	return log
}

func clen(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return len(b)
}

// logInsn matches an instruction line of the verifier log, "12: (bf) r6 = r1",
// with the register state that may follow after " ; ".
var logInsn = regexp.MustCompile(`^(\d+): \(([0-9a-f]{2})\) (.*?)(?:\s+; .*)?$`)

// TestFormatMatchesVerifierLog loads a program into the running kernel and
// compares every instruction the verifier prints (kernel/bpf/disasm.c) with
// Format's text of it.
func TestFormatMatchesVerifierLog(t *testing.T) {
	insns := kernelProgram(kfuncID(t))
	if err := CheckLinked(insns); err != nil {
		t.Fatalf("test program: %v", err)
	}
	// The verifier names kfuncs from BTF; Format needs a Namer for that.
	names := FuncNamer{Call: func(pc int, ins Instruction) string {
		if ins.IsKfuncCall() {
			return kfuncName
		}
		return ""
	}}
	log := verifierLog(t, insns)
	seen := make(map[int]bool)
	s := bufio.NewScanner(strings.NewReader(log))
	for s.Scan() {
		m := logInsn.FindStringSubmatch(s.Text())
		if m == nil {
			continue
		}
		pc, _ := strconv.Atoi(m[1])
		op, _ := strconv.ParseUint(m[2], 16, 8)
		if pc >= len(insns) || insns[pc].OpCode != uint8(op) {
			t.Errorf("verifier log line %q does not match instruction %d", s.Text(), pc)
			continue
		}
		if got := Format(insns, pc, names); got != m[3] {
			t.Errorf("instruction %d: Format %q, kernel %q", pc, got, m[3])
		}
		seen[pc] = true
	}
	for pc, ins := range insns {
		if !seen[pc] && !(pc > 0 && insns[pc-1].IsLoadImm64()) {
			t.Errorf("instruction %d (%s) is not in the verifier log", pc, ins)
		}
	}
}

// TestFormatMatchesBpftool compares Format with `bpftool prog dump xlated`
// for a program the kernel does not rewrite, so that its translated
// instructions are the loaded ones.
func TestFormatMatchesBpftool(t *testing.T) {
	tool, err := exec.LookPath("bpftool")
	if err != nil {
		t.Skipf("bpftool not installed: %v", err)
	}
	insns := []Instruction{
		ins(uint8(ClassALU64)|ALUMov|SourceX, 6, 1, 0, 0),
		ins(uint8(ClassST)|ModeMEM|SizeDW, 10, 0, -8, -1),
		ins(uint8(ClassLDX)|ModeMEM|SizeW, 2, 10, -8, 0),
		ins(uint8(ClassALU)|ALUAdd|SourceK, 2, 0, 0, 3),
		ins(uint8(ClassJMP)|JmpJNE|SourceK, 2, 0, 1, 2),
		ins(uint8(ClassALU64)|ALUMov|SourceK, 2, 0, 0, 0),
		{OpCode: OpLdImm64, Dst: 0, Imm: 1}, {Imm: 2},
		ins(uint8(ClassALU64)|ALUMov|SourceK, 0, 0, 0, 0),
		ins(OpExit, 0, 0, 0, 0),
	}
	code := Encode(insns)
	license := []byte("GPL\x00")
	attr := bpfProgLoadAttr{
		progType: bpfProgTypeSocketFiler,
		insnCnt:  uint32(len(insns)),
		insns:    uint64(uintptr(unsafe.Pointer(&code[0]))),
		license:  uint64(uintptr(unsafe.Pointer(&license[0]))),
	}
	fd, _, errno := unix.Syscall(unix.SYS_BPF, bpfProgLoad, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	switch {
	case errors.Is(errno, unix.EPERM), errors.Is(errno, unix.ENOSYS):
		t.Skipf("cannot load BPF programs (need root and bpf(2)): %v", errno)
	case errno != 0:
		t.Fatalf("BPF_PROG_LOAD: %v", errno)
	}
	defer unix.Close(int(fd))
	id, err := progID(int(fd))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "prog", "dump", "xlated", "id", strconv.Itoa(int(id))).CombinedOutput()
	if err != nil {
		t.Fatalf("bpftool: %v\n%s", err, out)
	}
	var want []string
	for pc := 0; pc < len(insns); pc++ {
		want = append(want, fmt.Sprintf("%4d: (%02x) %s", pc, insns[pc].OpCode, Format(insns, pc, nil)))
		if insns[pc].IsLoadImm64() {
			pc++
		}
	}
	if got := strings.TrimRight(string(out), "\n"); got != strings.Join(want, "\n") {
		t.Errorf("bpftool prog dump xlated:\n%s\nFormat:\n%s", got, strings.Join(want, "\n"))
	}
}

// progID returns the id of the program behind fd (BPF_OBJ_GET_INFO_BY_FD).
func progID(fd int) (uint32, error) {
	var info [256]byte // struct bpf_prog_info; id is its second field
	attr := struct {
		fd      uint32
		infoLen uint32
		info    uint64
	}{uint32(fd), uint32(len(info)), uint64(uintptr(unsafe.Pointer(&info[0])))}
	const bpfObjGetInfoByFD = 15
	if _, _, errno := unix.Syscall(unix.SYS_BPF, bpfObjGetInfoByFD, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr)); errno != 0 {
		return 0, fmt.Errorf("BPF_OBJ_GET_INFO_BY_FD: %w", errno)
	}
	return *(*uint32)(unsafe.Pointer(&info[4])), nil
}
