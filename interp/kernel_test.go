package interp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/internal/kerneltest"
)

// The differential tests load hand-assembled programs into the running
// kernel and run them with BPF_PROG_TEST_RUN as XDP programs on a zeroed
// 64-byte packet, and compare the results with the interpreter's.

// kernelProgram loads insns as an XDP program. Every function gets BTF
// function information, which the kernel wants before it lets a
// subprogram make tail calls.
func kernelProgram(insns []insn.Instruction) (*ebpf.Program, error) {
	ai, err := asm.AppendInstructions(nil, bytes.NewReader(insn.Encode(insns)), binary.LittleEndian, "linux")
	if err != nil {
		return nil, err
	}
	s, err := analyzeStructure(insns)
	if err != nil {
		return nil, err
	}
	proto := &btf.FuncProto{
		Return: &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed},
		Params: []btf.FuncParam{{Name: "ctx", Type: &btf.Pointer{Target: &btf.Struct{Name: "xdp_md"}}}},
	}
	for f, entry := range s.entries {
		fn := &btf.Func{Name: fmt.Sprintf("f%d", f), Type: proto, Linkage: btf.StaticFunc}
		if f == 0 {
			fn.Linkage = btf.GlobalFunc
		}
		// ai has one element per instruction, s.opIndex counts the same.
		i := s.opIndex[entry]
		ai[i] = btf.WithFuncMetadata(ai[i], fn)
	}
	return ebpf.NewProgram(&ebpf.ProgramSpec{Type: ebpf.XDP, Instructions: ai, License: "GPL"})
}

// kernelRun loads and runs insns once on packet (64 zero bytes if nil)
// and returns the kernel's 32-bit result.
func kernelRun(insns []insn.Instruction, packet []byte) (uint32, error) {
	p, err := kernelProgram(insns)
	if err != nil {
		return 0, err
	}
	defer p.Close()
	if packet == nil {
		packet = make([]byte, 64)
	}
	return p.Run(&ebpf.RunOptions{Data: packet})
}

// TestKernelDifferential runs the ALU and jump cases in the kernel: the
// low and the high half of R0 (the kernel returns 32 bits) must be the
// expected value's, which the interpreter's tests check too.
func TestKernelDifferential(t *testing.T) {
	kerneltest.Require(t)
	cases := append(aluCases(), jumpCases()...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lo, err := kernelRun(c.program(), nil)
			if err != nil {
				t.Fatalf("kernel: %v", err)
			}
			hi, err := kernelRun(append(append([]insn.Instruction{}, c.body...), alu64K(insn.ALURsh, insn.R0, 32), exit()), nil)
			if err != nil {
				t.Fatalf("kernel: %v", err)
			}
			if got := uint64(hi)<<32 | uint64(lo); got != c.want {
				t.Errorf("kernel r0 = %#x, test expects %#x", got, c.want)
			}
			mine, err := runCase(t, c.program(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if mine != c.want {
				t.Errorf("interpreter r0 = %#x, test expects %#x", mine, c.want)
			}
		})
	}
}

// TestKernelTailCalls runs the tail-call cases in the kernel, with real
// prog arrays, to check their expected results.
func TestKernelTailCalls(t *testing.T) {
	kerneltest.Require(t)
	for _, c := range tailCallCases() {
		t.Run(c.name, func(t *testing.T) {
			var arrays []*ebpf.Map
			for _, slots := range c.arrays {
				m, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.ProgramArray, KeySize: 4, ValueSize: 4, MaxEntries: uint32(len(slots))})
				if err != nil {
					t.Fatal(err)
				}
				defer m.Close()
				arrays = append(arrays, m)
			}
			ref := func(i int) []insn.Instruction {
				return ldPseudo(insn.R2, insn.PseudoMapFD, int32(arrays[i].FD()), 0)
			}
			var progs []*ebpf.Program
			for i, insns := range c.progs(ref) {
				p, err := kernelProgram(insns)
				if err != nil {
					t.Fatalf("load program %d: %v", i, err)
				}
				defer p.Close()
				progs = append(progs, p)
			}
			for i, slots := range c.arrays {
				for slot, s := range slots {
					if s >= 0 {
						if err := arrays[i].Put(uint32(slot), progs[s]); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			got, err := progs[0].Run(&ebpf.RunOptions{Data: make([]byte, 64)})
			if err != nil {
				t.Fatal(err)
			}
			if uint64(got) != c.want {
				t.Errorf("kernel r0 = %d, test expects %d", got, c.want)
			}
		})
	}
}

// TestKernelLoadStore runs the stack cases of loadStoreCases in the kernel.
func TestKernelLoadStore(t *testing.T) {
	kerneltest.Require(t)
	for _, c := range loadStoreCases() {
		if !strings.HasPrefix(c.name, "stack") {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			lo, err := kernelRun(c.insns, nil)
			if err != nil {
				t.Fatalf("kernel: %v", err)
			}
			hi, err := kernelRun(append(append([]insn.Instruction{}, c.insns[:len(c.insns)-1]...), alu64K(insn.ALURsh, insn.R0, 32), exit()), nil)
			if err != nil {
				t.Fatalf("kernel: %v", err)
			}
			if got := uint64(hi)<<32 | uint64(lo); got != c.want {
				t.Errorf("kernel r0 = %#x, test expects %#x", got, c.want)
			}
		})
	}
}

// TestKernelCalls runs callCases in the kernel.
func TestKernelCalls(t *testing.T) {
	kerneltest.Require(t)
	for _, c := range callCases() {
		t.Run(c.name, func(t *testing.T) {
			got, err := kernelRun(c.body, nil)
			if err != nil {
				t.Fatalf("kernel: %v", err)
			}
			if uint64(got) != c.want {
				t.Errorf("kernel r0 = %d, test expects %d", got, c.want)
			}
		})
	}
}

// TestKernelStackLimits checks that the kernel accepts and rejects the
// programs of stackLimitCases as Prepare does.
func TestKernelStackLimits(t *testing.T) {
	kerneltest.Require(t)
	array, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.ProgramArray, KeySize: 4, ValueSize: 4, MaxEntries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer array.Close()
	for _, c := range stackLimitCases() {
		t.Run(c.name, func(t *testing.T) {
			insns := append([]insn.Instruction{}, c.insns...)
			for i := range insns {
				if insns[i].IsLoadImm64() && insns[i].Src == insn.PseudoMapIdx {
					insns[i].Src, insns[i].Imm = insn.PseudoMapFD, int32(array.FD())
				}
			}
			p, err := kernelProgram(insns)
			if err == nil {
				p.Close()
			}
			if (err == nil) != (c.want == "") {
				t.Errorf("kernel: %v; Prepare's verdict: %q", err, c.want)
			}
		})
	}
}

// kernelRun64 runs insns, whose last instruction is its exit, twice in
// the kernel to get all 64 bits of R0.
func kernelRun64(insns []insn.Instruction) (uint64, error) {
	lo, err := kernelRun(insns, nil)
	if err != nil {
		return 0, err
	}
	hi, err := kernelRun(append(append([]insn.Instruction{}, insns[:len(insns)-1]...), alu64K(insn.ALURsh, insn.R0, 32), exit()), nil)
	return uint64(hi)<<32 | uint64(lo), err
}

// TestKernelAtomics runs atomicCases in the kernel.
func TestKernelAtomics(t *testing.T) {
	kerneltest.Require(t)
	for _, c := range atomicCases() {
		t.Run(c.name, func(t *testing.T) {
			r0, err := kernelRun64(c.r0)
			if err != nil {
				t.Fatalf("kernel: %v", err)
			}
			mem, err := kernelRun64(c.mem)
			if err != nil {
				t.Fatalf("kernel: %v", err)
			}
			if r0 != c.wantR0 || mem != c.wantMem {
				t.Errorf("kernel r0 = %#x, memory %#x; test expects %#x, %#x", r0, mem, c.wantR0, c.wantMem)
			}
		})
	}
}
