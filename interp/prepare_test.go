package interp

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bpfld/bpfld/insn"
)

// kfuncEnv adds kernel functions and variables to testEnv.
type kfuncEnv struct{ testEnv }

func (e *kfuncEnv) Kfunc(id int32, module int16) (Helper, error) {
	if id != 77 {
		return nil, errors.New("no such kernel function")
	}
	return func(m *Machine, r1, _, _, _, _ uint64) uint64 { return r1 * 3 }, nil
}

func (e *kfuncEnv) Ksym(id int32, module int32) (uint64, error) {
	return 0xffff0000 + uint64(id), nil
}

func TestPrepareErrors(t *testing.T) {
	const r0, r1 = insn.R0, insn.R1
	lo := ldImm64(r0, 1)[0]
	tests := []struct {
		name  string
		insns []insn.Instruction
		want  string
	}{
		{"empty", nil, "program has no instructions"},
		{"undefined opcode", prog(insn.Instruction{OpCode: 0xf7}, exit()), "instruction 0 ("},
		{"write to r10", prog(mov64K(insn.R10, 1), exit()), "instruction 0 (r10 = 1): opcode 0xb7 (alu64 mov k): dst register r10 is the read-only frame pointer"},
		{"write to r10 after a jump", prog(ja(0), mov64X(insn.R10, r1), exit()), "instruction 1 (r10 = r1): opcode 0xbf (alu64 mov x): dst register r10 is the read-only frame pointer"},
		{"register 11", prog(mov64K(11, 1), exit()), "instruction 0"},
		{"ld_imm64 without its second slot", []insn.Instruction{lo}, "ld_imm64 lacks its second slot"},
		{"ld_imm64 with a bad second slot", prog(lo, mov64K(r0, 0), exit()), "second slot of ld_imm64 has opcode 0xb7"},
		{"jump outside", prog(ja(5), exit()), "instruction 0 (goto pc+5): target 6 is outside the program (0 to 1)"},
		{"jump backwards outside", prog(ja(-2), exit()), "target -1 is outside"},
		{"jump into a ld_imm64", prog(ja(1), ldImm64(r0, 1), exit()), "target 2 is the second slot of a ld_imm64"},
		{"fall off the end", prog(mov64K(r0, 0)), "instruction 0 (r0 = 0): last instruction of the function is not an exit or jump"},
		{"conditional jump at the end", prog(mov64K(r0, 0), jmpK(insn.JmpJEQ, r0, 0, -2)), "last instruction of the function is not an exit or jump"},
		{"fall into the next function", prog(callLocal(1), mov64K(r0, 0), exit()), "instruction 1 (r0 = 0): last instruction of the function"},
		{"jump into another function", prog(callLocal(1), ja(1), mov64K(r0, 0), exit()), "instruction 1 (goto pc+1): jump out of range from instruction 1 to 3: into another function"},
		{"call outside", prog(callLocal(5), exit()), "instruction 0 (call pc+5): target 6 is outside"},
		{"missing helper", prog(call(1), exit()), "instruction 0 (call bpf_map_lookup_elem#1): helper bpf_map_lookup_elem#1: not supported by the test"},
		{"unknown helper", prog(mov64K(r0, 0), call(100000), exit()), "instruction 1 (call unknown#100000): helper unknown#100000"},
		{"kfunc", prog(insn.Instruction{OpCode: insn.OpCall, Src: insn.PseudoKfuncCall, Imm: 5}, exit()), "kernel function calls are not supported (BTF id 5)"},
		{"ksym", prog(ldPseudo(r0, insn.PseudoBTFID, 9, 0), exit()), "kernel variables (ksyms) are not supported (BTF id 9)"},
		{"unknown map", prog(ldPseudo(r1, insn.PseudoMapIdx, 3, 0), mov64K(r0, 0), exit()), "instruction 0 (r1 = map[idx:3]): map 3: no map 3"},
		{"unknown map value", prog(ldPseudo(r1, insn.PseudoMapValue, 3, 8), mov64K(r0, 0), exit()), "value of map 3 at offset 8: no map 3 with a value"},
		{"arena", prog(insn.Instruction{OpCode: 0xbf, Dst: r1, Src: r1, Off: insn.OffAddrSpaceCast, Imm: 1}, exit()), "arena pointers (addr_space_cast) are not supported"},
		{"bad context offset", prog(ldx(insn.SizeW, r0, r1, 2), exit()), "instruction 0 (r0 = *(u32 *)(r1 +2)): context access of 4 bytes at offset 2: no field at offset 2"},
		{"context write", prog(st(insn.SizeW, r1, 0, 1), mov64K(r0, 0), exit()), "context access of 4 bytes at offset 0: field at offset 0 is read-only"},
		{"atomic on the context", prog(mov64K(r0, 1), atomicOp(insn.SizeW, r1, r0, 0, insn.AtomicAdd), exit()), "atomic operation on the context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Prepare(tt.insns, &testEnv{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestKfuncsAndKsyms(t *testing.T) {
	env := &kfuncEnv{}
	got, err := runCase(t, prog(
		mov64K(insn.R1, 5),
		insn.Instruction{OpCode: insn.OpCall, Src: insn.PseudoKfuncCall, Imm: 77},
		ldPseudo(insn.R1, insn.PseudoBTFID, 3, 0),
		alu64X(insn.ALUAdd, insn.R0, insn.R1),
		exit()), env)
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64(15 + 0xffff0003); got != want {
		t.Errorf("r0 = %#x, want %#x", got, want)
	}
	_, err = Prepare(prog(insn.Instruction{OpCode: insn.OpCall, Src: insn.PseudoKfuncCall, Imm: 78}, exit()), env)
	if want := "instruction 0 (call kernel-function#78): kernel function with BTF id 78: no such kernel function"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

// packet is a PacketSource over a fixed packet.
type packet []byte

func (p packet) Packet(uint64) []byte { return p }

// framedPacket is a HeaderSource: a frame whose Ethernet header is the
// first 14 bytes, seen from data on.
type framedPacket struct {
	frame []byte
	data  int
}

func (f framedPacket) Packet(uint64) []byte { return f.frame[f.data:] }

func (f framedPacket) Headers(uint64) (mac, network []byte) { return f.frame, f.frame[14:] }

// TestLegacyLoadsAtHeaderOffsets checks the negative offsets of classic
// BPF, which Linux keeps for LD_ABS and LD_IND: SKF_NET_OFF + k loads at
// the network header, SKF_LL_OFF + k at the link-layer header, whatever
// skb->data is; other negative offsets are out of the packet.
func TestLegacyLoadsAtHeaderOffsets(t *testing.T) {
	const netOff, llOff = -0x100000, -0x200000
	frame := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, 0x45, 0, 0, 0x28, 0, 0, 0, 0, 64, 6}
	tests := []struct {
		name  string
		insns []insn.Instruction
		want  uint64
	}{
		{"link layer", prog(ldAbs(insn.SizeH, llOff+12), exit()), 0x0800},
		{"network", prog(ldAbs(insn.SizeB, netOff+9), exit()), 6},
		{"network word", prog(ldAbs(insn.SizeW, netOff), exit()), 0x45000028},
		{"indirect", prog(mov64K(insn.R7, netOff), ldInd(insn.SizeB, insn.R7, 8), exit()), 64},
		{"past the end", prog(mov64K(insn.R0, 9), ldAbs(insn.SizeW, netOff+8), mov64K(insn.R0, 5), exit()), 0},
		{"below SKF_LL_OFF", prog(mov64K(insn.R0, 9), ldAbs(insn.SizeB, llOff-1), mov64K(insn.R0, 5), exit()), 0},
		{"small negative offset", prog(mov64K(insn.R0, 9), ldAbs(insn.SizeB, -1), mov64K(insn.R0, 5), exit()), 0},
	}
	for _, data := range []int{0, 14} { // tc and socket filter programs
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s, data at %d", tt.name, data), func(t *testing.T) {
				p, err := Prepare(prog(mov64X(insn.R6, insn.R1), tt.insns), &testEnv{})
				if err != nil {
					t.Fatal(err)
				}
				m := newTestMachine(t)
				m.Packet = framedPacket{frame: frame, data: data}
				got, err := p.Run(m, 0)
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Errorf("r0 = %#x, want %#x", got, tt.want)
				}
			})
		}
	}
}

func TestLegacyPacketLoads(t *testing.T) {
	pkt := packet{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, 0xaa, 0xbb}
	tests := []struct {
		name  string
		insns []insn.Instruction
		want  uint64
	}{
		{"abs h in network order", prog(ldAbs(insn.SizeH, 12), exit()), 0x0800},
		{"abs w", prog(ldAbs(insn.SizeW, 12), exit()), 0x0800aabb},
		{"abs b", prog(ldAbs(insn.SizeB, 15), exit()), 0xbb},
		{"ind", prog(mov64K(insn.R7, 10), ldInd(insn.SizeH, insn.R7, 4), exit()), 0xaabb},
		{"out of the packet returns 0", prog(mov64K(insn.R0, 9), ldAbs(insn.SizeW, 13), mov64K(insn.R0, 5), exit()), 0},
		{"negative offset returns 0", prog(mov64K(insn.R7, -20), ldInd(insn.SizeB, insn.R7, 4), mov64K(insn.R0, 5), exit()), 0},
		// Linux (with BTF) allows them in subprograms too, where a load out of
		// the packet returns 0 from the subprogram only.
		{"in a subprogram", prog(callLocal(1), exit(), ldAbs(insn.SizeH, 12), exit()), 0x0800},
		{"out of the packet in a subprogram returns 0 to its caller",
			prog(callLocal(2), alu64K(insn.ALUAdd, insn.R0, 7), exit(), ldAbs(insn.SizeW, 13), mov64K(insn.R0, 5), exit()), 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Prepare(prog(mov64X(insn.R6, insn.R1), tt.insns), &testEnv{})
			if err != nil {
				t.Fatal(err)
			}
			m := newTestMachine(t)
			m.Packet = pkt
			got, err := p.Run(m, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("r0 = %#x, want %#x", got, tt.want)
			}
		})
	}
	p, err := Prepare(prog(ldAbs(insn.SizeB, 0), exit()), &testEnv{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(newTestMachine(t), 0); err == nil || !strings.Contains(err.Error(), "without a packet source") {
		t.Errorf("error %v, want one about the missing packet source", err)
	}
}

// TestFramePointerWriteBehindBranch checks writes to r10 that only a path
// through a conditional jump reaches: Linux loads such a program when its
// verifier proves the path dead (the selftests use them as markers of
// dead code), so the VM loads it and stops a run that gets there.
func TestFramePointerWriteBehindBranch(t *testing.T) {
	writes := []struct {
		name  string
		write []insn.Instruction
	}{
		{"mov", []insn.Instruction{mov64K(insn.R10, 1)}},
		{"alu32", []insn.Instruction{alu32K(insn.ALUAdd, insn.R10, 1)}},
		{"ld_imm64", ldImm64(insn.R10, 1)},
		{"load", []insn.Instruction{ldx(insn.SizeDW, insn.R10, insn.R10, -8)}},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			// if r1 == 0 goto ok; <write>; exit; ok: r0 = 5; exit
			p, err := Prepare(prog(jmpK(insn.JmpJEQ, insn.R1, 0, int16(len(w.write)+1)), w.write, exit(), mov64K(insn.R0, 5), exit()), &testEnv{})
			if err != nil {
				t.Fatal(err)
			}
			if got, err := p.Run(newTestMachine(t), 0); err != nil || got != 5 {
				t.Errorf("path around the write: r0 = %d, error %v, want 5", got, err)
			}
			_, err = p.Run(newTestMachine(t), 1)
			if want := "instruction 1 ("; err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "r10 is the read-only frame pointer") {
				t.Errorf("path through the write: error %v, want one at %q about the frame pointer", err, want)
			}
		})
	}
}
