package interp

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/runtime/mem"
)

// valueEnv returns a testEnv whose map 0 has a value block of 64 bytes
// holding init, and map 1 a read-only one (.rodata).
func valueEnv(t *testing.T, init []byte) (*testEnv, *mem.Block) {
	t.Helper()
	rw, err := mem.Alloc(64, true, "map values")
	if err != nil {
		t.Fatal(err)
	}
	copy(rw.Bytes(), init)
	ro, err := mem.Alloc(64, false, ".rodata")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		rw.Free()
		ro.Free()
	})
	return &testEnv{values: map[int32]*mem.Block{0: rw, 1: ro}}, rw
}

// value loads the address of map 0's value plus off into dst.
func value(dst uint8, off int32) []insn.Instruction {
	return ldPseudo(dst, insn.PseudoMapIdxValue, 0, off)
}

// loadStoreCases are loads and stores of every size and kind; those whose
// name starts with "stack" touch only the stack and also run in the kernel
// (TestKernelLoadStore). Map 0's value holds the bytes -15, -14, ... 48.
func loadStoreCases() []struct {
	name  string
	insns []insn.Instruction
	want  uint64
} {
	const r0, r1, r10 = insn.R0, insn.R1, insn.R10
	return []struct {
		name  string
		insns []insn.Instruction
		want  uint64
	}{
		{"stack dw", prog(ldImm64(r1, 0x1122334455667788), stx(insn.SizeDW, r10, r1, -8), ldx(insn.SizeDW, r0, r10, -8), exit()), 0x1122334455667788},
		{"stack w zero-extends", prog(ldImm64(r1, allOnes), stx(insn.SizeDW, r10, r1, -8), ldx(insn.SizeW, r0, r10, -8), exit()), 0xffffffff},
		{"stack h", prog(ldImm64(r1, 0x1122334455667788), stx(insn.SizeDW, r10, r1, -8), ldx(insn.SizeH, r0, r10, -6), exit()), 0x5566},
		{"stack b", prog(ldImm64(r1, 0x1122334455667788), stx(insn.SizeDW, r10, r1, -8), ldx(insn.SizeB, r0, r10, -1), exit()), 0x11},
		{"stack stx b writes one byte", prog(st(insn.SizeDW, r10, -8, 0), mov64K(r1, 0x1ff), stx(insn.SizeB, r10, r1, -8), ldx(insn.SizeDW, r0, r10, -8), exit()), 0xff},
		{"stack stx h", prog(st(insn.SizeDW, r10, -8, 0), mov64K(r1, -1), stx(insn.SizeH, r10, r1, -8), ldx(insn.SizeDW, r0, r10, -8), exit()), 0xffff},
		{"stack stx w", prog(st(insn.SizeDW, r10, -8, 0), mov64K(r1, -1), stx(insn.SizeW, r10, r1, -4), ldx(insn.SizeDW, r0, r10, -8), exit()), 0xffffffff_00000000},
		{"stack st dw imm sign-extends", prog(st(insn.SizeDW, r10, -8, -2), ldx(insn.SizeDW, r0, r10, -8), exit()), allOnes - 1},
		{"stack st w", prog(st(insn.SizeDW, r10, -8, 0), st(insn.SizeW, r10, -8, -1), ldx(insn.SizeDW, r0, r10, -8), exit()), 0xffffffff},
		{"stack st h", prog(st(insn.SizeDW, r10, -8, 0), st(insn.SizeH, r10, -8, 0x12345), ldx(insn.SizeDW, r0, r10, -8), exit()), 0x2345},
		{"stack st b", prog(st(insn.SizeDW, r10, -8, 0), st(insn.SizeB, r10, -7, 0x1ab), ldx(insn.SizeDW, r0, r10, -8), exit()), 0xab00},
		{"stack ldxsx b", prog(st(insn.SizeB, r10, -1, 0x80), ldxsx(insn.SizeB, r0, r10, -1), exit()), 0xffffffff_ffffff80},
		{"stack ldxsx h", prog(st(insn.SizeH, r10, -2, 0x7fff), ldxsx(insn.SizeH, r0, r10, -2), exit()), 0x7fff},
		{"stack ldxsx w", prog(st(insn.SizeW, r10, -4, -5), ldxsx(insn.SizeW, r0, r10, -4), exit()), allOnes - 4},
		{"stack pointer arithmetic", prog(mov64X(r1, r10), alu64K(insn.ALUAdd, r1, -16), st(insn.SizeDW, r1, 8, 42), ldx(insn.SizeDW, r0, r10, -8), exit()), 42},
		{"map value", prog(value(r1, 8), st(insn.SizeW, r1, 0, 7), value(r1, 0), ldx(insn.SizeW, r0, r1, 8), exit()), 7},
		{"map value load after stack", prog(st(insn.SizeDW, r10, -8, 1), value(r1, 0), ldx(insn.SizeDW, r0, r1, 16), ldx(insn.SizeDW, r1, r10, -8), alu64X(insn.ALUAdd, r0, r1), exit()), 0x0807060504030201 + 1},
	}
}

func TestLoadStore(t *testing.T) {
	init := make([]byte, 64)
	for i := range init {
		init[i] = byte(i - 15)
	}
	for _, tt := range loadStoreCases() {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := valueEnv(t, init)
			got, err := runCase(t, tt.insns, env)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("r0 = %#x, want %#x", got, tt.want)
			}
		})
	}
}

// atomicCases apply every atomic operation to a stack slot holding 12. Each
// yields two programs: one returns R0 (the fetched value where the
// operation fetches into its source register), the other the slot's value
// afterwards. They run here and in the kernel (TestKernelAtomics).
type atomicCase struct {
	name            string
	r0, mem         []insn.Instruction
	wantR0, wantMem uint64
}

func atomicCases() []atomicCase {
	const r0, r1, r2, r10 = insn.R0, insn.R1, insn.R2, insn.R10
	type want struct{ r0, mem uint64 }
	tests := []struct {
		name  string
		op    int32
		size  uint8
		src   uint64 // R2 before
		r0    uint64 // R0 before (cmpxchg)
		want  want
		fetch bool // the old value goes to R2
	}{
		{"add w", insn.AtomicAdd, insn.SizeW, 3, 0, want{0, 15}, false},
		{"add dw", insn.AtomicAdd, insn.SizeDW, allOnes, 0, want{0, 11}, false},
		{"or w", insn.AtomicOr, insn.SizeW, 3, 0, want{0, 15}, false},
		{"and dw", insn.AtomicAnd, insn.SizeDW, 4, 0, want{0, 4}, false},
		{"xor w", insn.AtomicXor, insn.SizeW, 0xff, 0, want{0, 0xf3}, false},
		{"fetch add w", insn.AtomicAdd | insn.AtomicFetch, insn.SizeW, 0xffffffff, 0, want{12, 11}, true},
		{"fetch add dw", insn.AtomicAdd | insn.AtomicFetch, insn.SizeDW, 1, 0, want{12, 13}, true},
		{"fetch or dw", insn.AtomicOr | insn.AtomicFetch, insn.SizeDW, 1 << 40, 0, want{12, 1<<40 | 12}, true},
		{"fetch and w", insn.AtomicAnd | insn.AtomicFetch, insn.SizeW, 8, 0, want{12, 8}, true},
		{"fetch xor dw", insn.AtomicXor | insn.AtomicFetch, insn.SizeDW, 12, 0, want{12, 0}, true},
		{"xchg w", insn.AtomicXchg, insn.SizeW, 0x1_00000099, 0, want{12, 0x99}, true},
		{"xchg dw", insn.AtomicXchg, insn.SizeDW, 0x1_00000099, 0, want{12, 0x1_00000099}, true},
		{"cmpxchg w succeeds", insn.AtomicCmpXchg, insn.SizeW, 77, 0xdead_0000000c, want{12, 77}, false},
		{"cmpxchg w fails", insn.AtomicCmpXchg, insn.SizeW, 77, 13, want{12, 12}, false},
		{"cmpxchg dw succeeds", insn.AtomicCmpXchg, insn.SizeDW, 77, 12, want{12, 77}, false},
		{"cmpxchg dw compares all bits", insn.AtomicCmpXchg, insn.SizeDW, 77, 0x1_0000000c, want{12, 12}, false},
	}
	var out []atomicCase
	for _, tt := range tests {
		body := prog(
			st(insn.SizeDW, r10, -8, 12),
			mov64X(r1, r10),
			alu64K(insn.ALUAdd, r1, -8),
			ldImm64(r2, tt.src),
			ldImm64(r0, tt.r0),
			atomicOp(tt.size, r1, r2, 0, tt.op))
		ret := prog(body)
		if tt.fetch {
			ret = append(ret, mov64X(r0, r2))
		}
		out = append(out, atomicCase{tt.name, append(ret, exit()), prog(body, ldx(insn.SizeDW, r0, r10, -8), exit()), tt.want.r0, tt.want.mem})
	}
	return out
}

func TestAtomics(t *testing.T) {
	for _, c := range atomicCases() {
		t.Run(c.name, func(t *testing.T) {
			r0, err := runCase(t, c.r0, nil)
			if err != nil {
				t.Fatal(err)
			}
			mem, err := runCase(t, c.mem, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r0 != c.wantR0 || mem != c.wantMem {
				t.Errorf("r0 = %#x, memory %#x; want %#x, %#x", r0, mem, c.wantR0, c.wantMem)
			}
		})
	}
}

func TestAcquireRelease(t *testing.T) {
	const r0, r1, r2 = insn.R0, insn.R1, insn.R2
	for _, size := range []uint8{insn.SizeB, insn.SizeH, insn.SizeW, insn.SizeDW} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			env, _ := valueEnv(t, nil)
			got, err := runCase(t, prog(
				value(r1, 8),
				ldImm64(r2, allOnes),
				atomicOp(size, r1, r2, 0, insn.AtomicStoreRelease),
				atomicOp(size, r0, r1, 0, insn.AtomicLoadAcquire), // r0 = load_acquire(r1 + 0)
				exit()), env)
			if err != nil {
				t.Fatal(err)
			}
			bits := 8 << sizeIndex(size)
			if want := allOnes >> (64 - bits); got != want {
				t.Errorf("r0 = %#x, want %#x", got, want)
			}
		})
	}
}

// TestMemoryFaults checks that bad accesses stop the program with an error
// naming the instruction, and never crash.
func TestMemoryFaults(t *testing.T) {
	const r0, r1, r10 = insn.R0, insn.R1, insn.R10
	tests := []struct {
		name  string
		insns []insn.Instruction
		want  string
	}{
		{"null read", prog(mov64K(r1, 0), ldx(insn.SizeW, r0, r1, 0), exit()),
			"instruction 1 (r0 = *(u32 *)(r1 +0)): invalid memory read of 4 bytes at 0x0"},
		{"null write", prog(mov64K(r1, 0), st(insn.SizeDW, r1, 16, 1), mov64K(r0, 0), exit()),
			"instruction 1 (*(u64 *)(r1 +16) = 1): invalid memory write of 8 bytes at 0x10"},
		{"above the stack", prog(ldx(insn.SizeDW, r0, r10, 8), exit()),
			"instruction 0 (r0 = *(u64 *)(r10 +8)): invalid memory read of 8 bytes at "},
		{"straddling the stack's top", prog(ldx(insn.SizeDW, r0, r10, -4), exit()),
			"instruction 0 (r0 = *(u64 *)(r10 -4)): invalid memory read of 8 bytes at "},
		{"read-only map value", prog(ldPseudo(r1, insn.PseudoMapIdxValue, 1, 0), st(insn.SizeW, r1, 0, 1), mov64K(r0, 0), exit()),
			": .rodata is read-only or too small"},
		{"past the value", prog(value(r1, 60), ldx(insn.SizeDW, r0, r1, 0), exit()),
			": past the end of map values"},
		{"wild pointer", prog(ldImm64(r1, 0xdead_beef_0000), ldx(insn.SizeB, r0, r1, 0), exit()),
			"invalid memory read of 1 bytes at 0xdeadbeef0000"},
		{"misaligned atomic", prog(value(r1, 4), mov64K(r0, 1), atomicOp(insn.SizeDW, r1, r0, 0, insn.AtomicAdd), exit()),
			"misaligned atomic access of 8 bytes"},
		{"atomic on read-only", prog(ldPseudo(r1, insn.PseudoMapIdxValue, 1, 0), mov64K(r0, 1), atomicOp(insn.SizeW, r1, r0, 0, insn.AtomicAdd), exit()),
			".rodata is read-only"},
		{"load-acquire from null", prog(mov64K(r1, 0), atomicOp(insn.SizeDW, r0, r1, 0, insn.AtomicLoadAcquire), exit()),
			"invalid memory read of 8 bytes at 0x0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := valueEnv(t, nil)
			_, err := runCase(t, tt.insns, env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			var ie *Error
			var ae *mem.AccessError
			if !errors.As(err, &ie) || (!errors.As(err, &ae) && !strings.Contains(tt.want, "misaligned")) {
				t.Errorf("error %T does not wrap *Error and *mem.AccessError", err)
			}
		})
	}
}

// TestBytes checks the access helpers get to program memory.
func TestBytes(t *testing.T) {
	const r1, r2, r10 = insn.R1, insn.R2, insn.R10
	var seen []byte
	env := &testEnv{helpers: map[int32]Helper{
		// sum(ptr, len): the sum of the bytes, and it writes 0xee into
		// the first one.
		1000: func(m *Machine, p, n, _, _, _ uint64) uint64 {
			b, err := m.Bytes(p, int(n), true)
			if err != nil {
				m.Fail(err)
				return 0
			}
			seen = append([]byte{}, b...)
			sum := uint64(0)
			for _, c := range b {
				sum += uint64(c)
			}
			b[0] = 0xee
			return sum
		},
	}}
	got, err := runCase(t, prog(
		st(insn.SizeDW, r10, -8, 0x01020304),
		mov64X(r1, r10),
		alu64K(insn.ALUAdd, r1, -8),
		mov64K(r2, 8),
		call(1000),
		ldx(insn.SizeB, insn.R1, r10, -8),
		alu64X(insn.ALUAdd, insn.R0, insn.R1),
		exit()), env)
	if err != nil {
		t.Fatal(err)
	}
	if got != 10+0xee || len(seen) != 8 || seen[0] != 4 {
		t.Errorf("r0 = %d, helper saw %v", got, seen)
	}

	_, err = runCase(t, prog(mov64K(r1, 0), mov64K(r2, 8), call(1000), exit()), env)
	want := "instruction 2 (call unknown#1000): invalid memory write of 8 bytes at 0x0"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}
