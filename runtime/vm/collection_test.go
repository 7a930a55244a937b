package vm

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/reloc"
	"github.com/bpfld/bpfld/runtime"
	"github.com/bpfld/bpfld/runtime/maps"
)

func TestBackend(t *testing.T) {
	if got := newVM(t, &link.Image{}).Backend(); got != "vm" {
		t.Errorf("Backend() = %q", got)
	}
}

// TestRejected checks that programs the VM cannot run are refused at load
// with a RejectedError that says why.
func TestRejected(t *testing.T) {
	cases := []struct {
		name string
		prog *link.Program
		want string
	}{
		{"unspecified type", asmProgram("p", 0, movImm(0, 0), exit()), "program type is unspecified"},
		{"legacy load in xdp", asmProgram("p", typeXDP, movReg(6, 1), insn.Instruction{OpCode: uint8(insn.ClassLD) | insn.ModeABS | insn.SizeB}, exit()),
			"instruction 1: legacy packet loads (LD_ABS, LD_IND) are not allowed in xdp programs"},
		{"legacy load in cgroup_skb", asmProgram("p", unix.BPF_PROG_TYPE_CGROUP_SKB, movReg(6, 1), movImm(7, 0), insn.Instruction{OpCode: uint8(insn.ClassLD) | insn.ModeIND | insn.SizeW, Src: 7}, exit()),
			"instruction 2: legacy packet loads (LD_ABS, LD_IND) are not allowed in cgroup_skb programs"},
		{"unknown helper", asmProgram("p", typeTC, call(27), exit()), "bpf_get_stackid#27: not implemented by the VM"},
		{"helper of another type", asmProgram("p", typeSocket, call(fnSkbStoreBytes), exit()), "bpf_skb_store_bytes#9: not available to this program type (socket_filter)"},
		{"xdp helper in tc", asmProgram("p", typeTC, call(fnXDPAdjustHead), exit()), "bpf_xdp_adjust_head#44: not available"},
		{"map out of range", asmProgram("p", typeTC, ldMap(1, 3), movImm(0, 0), exit()), "map index 3 out of range"},
		{"no stand-in", asmProgram("p", typeTC, []insn.Instruction{{OpCode: insn.OpLdImm64, Dst: 1, Src: insn.PseudoBTFID, Imm: 5}, {}}, movImm(0, 0), exit()), "no stand-in of the VM"},
	}
	// Without BTF, a subprogram may not leave early through a legacy
	// load or a tail call (the kernel's check_abnormal_return).
	withSub := func(parts ...any) *link.Program {
		sub := asmProgram("sub", typeTC, parts...).Insns
		p := asmProgram("p", typeTC, insn.Instruction{OpCode: insn.OpCall, Src: insn.PseudoCall, Imm: 2}, movImm(0, 0), exit(), sub)
		p.Functions = []link.FunctionRange{{Name: "p", Len: 3}, {Name: "sub", Start: 3, Len: len(sub)}}
		return p
	}
	cases = append(cases, []struct {
		name string
		prog *link.Program
		want string
	}{
		{"legacy load in a subprogram without BTF", withSub(movReg(6, 1), insn.Instruction{OpCode: uint8(insn.ClassLD) | insn.ModeABS | insn.SizeB}, exit()),
			"instruction 4 (function sub): LD_ABS is not allowed in subprograms without BTF"},
		{"tail call in a subprogram without BTF", withSub(movImm(2, 0), movImm(3, 0), call(12), exit()),
			"instruction 5 (function sub): tail_call is not allowed in subprograms without BTF"},
	}...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newVM(t, &link.Image{Programs: []*link.Program{tc.prog}})
			err := c.LoadProgram("p")
			var rej *runtime.RejectedError
			if !errors.As(err, &rej) || !strings.Contains(rej.Reason, tc.want) {
				t.Fatalf("LoadProgram = %v, want a rejection saying %q", err, tc.want)
			}
		})
	}
}

func TestEngines(t *testing.T) {
	c := newVM(t, &link.Image{Programs: []*link.Program{asmProgram("p", typeTC, movImm(0, 3), exit())}})
	for _, e := range []string{"", "interp"} {
		res, err := c.Run("p", runtime.RunInput{Data: zeros(64), Engine: e})
		if err != nil || res.Retval != 3 {
			t.Errorf("engine %q: %v, %v", e, res, err)
		}
	}
	if _, err := c.Run("p", runtime.RunInput{Data: zeros(64), Engine: "jit"}); !errors.Is(err, ErrJITNotBuilt) {
		t.Errorf("engine jit: %v, want %v", err, ErrJITNotBuilt)
	}
	if _, err := c.Run("p", runtime.RunInput{Data: zeros(64), Engine: "fast"}); err == nil {
		t.Error("engine fast: no error")
	}
	if _, err := c.Run("nope", runtime.RunInput{}); err == nil || !strings.Contains(err.Error(), "no program nope") {
		t.Errorf("unknown program: %v", err)
	}
}

// rodataImage has a .rodata map read and (wrongly) written by programs.
func rodataImage() *link.Image {
	return &link.Image{
		Programs: []*link.Program{
			asmProgram("read", typeTC, ldMapValue(1, 0, 0), ldx(insn.SizeW, 0, 1, 0), exit()),
			asmProgram("write", typeTC, ldMapValue(1, 0, 0), st(insn.SizeW, 1, 0, 9), movImm(0, 0), exit()),
		},
		Maps: []*link.MapSpec{{Name: ".rodata", Type: uint32(maps.TypeArray), KeySize: 4, ValueSize: 4, MaxEntries: 1,
			Data: []byte{3, 0, 0, 0}, Frozen: true}},
	}
}

// TestRodata checks that read-only data is writable from user space only
// until the first program loads, and never by programs.
func TestRodata(t *testing.T) {
	c := newVM(t, rodataImage())
	if err := c.Update(".rodata", u32(0), u32(5)); err != nil {
		t.Fatalf("update before the first load: %v", err)
	}
	res, err := c.Run("read", runtime.RunInput{Data: zeros(64)})
	if err != nil || res.Retval != 5 {
		t.Fatalf("read: %v, %v; want 5", res, err)
	}
	if err := c.Update(".rodata", u32(0), u32(6)); !errors.Is(err, syscall.EPERM) {
		t.Errorf("update after the first load: %v, want EPERM", err)
	}
	_, err = c.Run("write", runtime.RunInput{Data: zeros(64)})
	if err == nil || !strings.Contains(err.Error(), "instruction 2") || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("write: %v, want a fault at instruction 2", err)
	}
}

// TestPerCPU checks that programs update their CPU's copy and that Lookup
// gives every CPU's value, each in 8 bytes.
func TestPerCPU(t *testing.T) {
	if maps.PossibleCPUs() < 2 {
		t.Skip("needs 2 possible CPUs")
	}
	img := &link.Image{
		Programs: []*link.Program{asmProgram("count", typeTC,
			st(insn.SizeW, 10, -4, 0), movReg(2, 10), addImm(2, -4), ldMap(1, 0), call(fnMapLookupElem),
			jeqImm(0, 0, 2), movImm(1, 7), stx(insn.SizeW, 0, 1, 0),
			movImm(0, 0), exit())},
		Maps: []*link.MapSpec{{Name: "pcpu", Type: uint32(maps.TypePerCPUArray), KeySize: 4, ValueSize: 4, MaxEntries: 1}},
	}
	for cpu := uint32(0); cpu < 2; cpu++ {
		c, err := New(img, Options{CPU: cpu})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Run("count", runtime.RunInput{Data: zeros(64)}); err != nil {
			t.Fatal(err)
		}
		v, err := c.Lookup("pcpu", u32(0))
		if err != nil {
			t.Fatal(err)
		}
		if len(v) != 8*maps.PossibleCPUs() {
			t.Fatalf("%d bytes, want %d", len(v), 8*maps.PossibleCPUs())
		}
		for i := 0; i < maps.PossibleCPUs(); i++ {
			want := uint32(0)
			if i == int(cpu) {
				want = 7
			}
			if got := ne.Uint32(v[8*i:]); got != want {
				t.Errorf("run on CPU %d: CPU %d's value %d, want %d", cpu, i, got, want)
			}
		}
	}
	if _, err := New(img, Options{CPU: uint32(maps.PossibleCPUs())}); err == nil {
		t.Error("New with a CPU past the possible ones: no error")
	}
}

// progArrayImage has a tc program that tail-calls slot 0 of a prog
// array, a tc target and an xdp program.
func progArrayImage() *link.Image {
	return &link.Image{
		Programs: []*link.Program{
			asmProgram("entry", typeTC, ldMap(2, 0), movImm(3, 0), call(12), movImm(0, 1), exit()),
			asmProgram("target", typeTC, movImm(0, 2), exit()),
			asmProgram("xdp", typeXDP, movImm(0, 3), exit()),
			asmProgram("xdp_user", typeXDP, ldMap(2, 0), movImm(3, 0), call(12), movImm(0, 4), exit()),
		},
		Maps: []*link.MapSpec{{Name: "jmp", Type: uint32(maps.TypeProgArray), KeySize: 4, ValueSize: 4, MaxEntries: 2}},
	}
}

// TestProgArrayOwner checks that a prog array holds programs of one type,
// as in the kernel.
func TestProgArrayOwner(t *testing.T) {
	c := newVM(t, progArrayImage())
	if err := c.SetSlot("jmp", 0, "target"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetSlot("jmp", 1, "xdp"); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("xdp program into a tc prog array: %v, want EINVAL", err)
	}
	if err := c.LoadProgram("xdp_user"); !runtime.IsRejected(err) {
		t.Errorf("xdp program using a tc prog array: %v, want a rejection", err)
	}
	res, err := c.Run("entry", runtime.RunInput{Data: zeros(64)})
	if err != nil || res.Retval != 2 {
		t.Fatalf("entry: %v, %v; want 2", res, err)
	}
	for _, slot := range []uint32{0, 0} { // deleting an empty slot is no error
		if err := c.SetSlot("jmp", slot, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.SetSlot("jmp", 5, "target"); !errors.Is(err, syscall.E2BIG) {
		t.Errorf("slot past max_entries: %v, want E2BIG", err)
	}
	if err := c.SetSlot("nope", 0, "target"); err == nil {
		t.Error("unknown prog array: no error")
	}
	res, err = c.Run("entry", runtime.RunInput{Data: zeros(64)})
	if err != nil || res.Retval != 1 {
		t.Fatalf("entry after the slot emptied: %v, %v; want 1", res, err)
	}
}

// spinLockType is a map value holding a struct bpf_spin_lock.
var spinLockType = &btf.Struct{Name: "val", Size: 8, Members: []btf.Member{
	{Name: "lock", Type: &btf.Struct{Name: "bpf_spin_lock", Size: 4, Members: []btf.Member{{Name: "val", Type: &btf.Int{Name: "u32", Size: 4}}}}},
	{Name: "n", Type: &btf.Int{Name: "u32", Size: 4}, Offset: 32},
}}

// TestLeaks checks what the kernel's verifier would refuse and the VM
// finds at the program's exit: a spin lock held, a ring buffer record
// neither submitted nor discarded.
func TestLeaks(t *testing.T) {
	lookup := []insn.Instruction{st(insn.SizeW, 10, -4, 0), movReg(2, 10), addImm(2, -4)}
	lookup = append(lookup, ldMap(1, 0)...)
	lookup = append(lookup, call(fnMapLookupElem), jeqImm(0, 0, 3), movReg(1, 0), call(fnSpinLock))
	img := &link.Image{
		Programs: []*link.Program{
			asmProgram("hold", typeTC, lookup, movImm(0, 0), exit()),
			asmProgram("reserve", typeTC, ldMap(1, 1), movImm(2, 8), movImm(3, 0), call(fnRingbufReserve), movImm(0, 0), exit()),
		},
		Maps: []*link.MapSpec{
			{Name: "locked", Type: uint32(maps.TypeArray), KeySize: 4, ValueSize: 8, MaxEntries: 1, Key: &btf.Int{Name: "u32", Size: 4}, Value: spinLockType},
			{Name: "ring", Type: uint32(maps.TypeRingBuf), MaxEntries: 4096},
		},
	}
	c := newVM(t, img)
	for name, want := range map[string]string{"hold": "holding a bpf_spin_lock", "reserve": "1 ring buffer records"} {
		for i := 0; i < 2; i++ { // a second run must not deadlock on the lock
			if _, err := c.Run(name, runtime.RunInput{Data: zeros(64)}); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want an error saying %q", name, err, want)
			}
		}
	}
}

// TestRawContext checks the context of the other program types: the
// input, exactly as long, read-only; none at all without an input.
func TestRawContext(t *testing.T) {
	img := &link.Image{Programs: []*link.Program{
		asmProgram("read8", unix.BPF_PROG_TYPE_RAW_TRACEPOINT, ldx(insn.SizeDW, 0, 1, 8), exit()),
		asmProgram("write", unix.BPF_PROG_TYPE_RAW_TRACEPOINT, st(insn.SizeDW, 1, 0, 1), movImm(0, 0), exit()),
		asmProgram("ctxptr", unix.BPF_PROG_TYPE_RAW_TRACEPOINT, movReg(0, 1), exit()),
	}}
	c := newVM(t, img)
	ctx := zeros(16)
	ctx[8] = 42
	if res, err := c.Run("read8", runtime.RunInput{Context: ctx}); err != nil || res.Retval != 42 {
		t.Errorf("read8: %v, %v; want 42", res, err)
	}
	if _, err := c.Run("read8", runtime.RunInput{Context: zeros(12)}); err == nil {
		t.Error("read8 past a 12-byte context: no error")
	}
	if _, err := c.Run("write", runtime.RunInput{Context: zeros(16)}); err == nil {
		t.Error("write to a raw_tp context: no error")
	}
	if res, err := c.Run("ctxptr", runtime.RunInput{}); err != nil || res.Retval != 0 {
		t.Errorf("no context: %v, %v; want R1 = 0", res, err)
	}
	if _, err := c.Run("ctxptr", runtime.RunInput{Context: zeros(rawTPMaxCtx + 1)}); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("context of %d bytes: %v, want EINVAL", rawTPMaxCtx+1, err)
	}
	if _, err := c.Run("ctxptr", runtime.RunInput{Data: zeros(64)}); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("packet for a raw_tp program: %v, want EINVAL", err)
	}
}

// TestPacketLimits checks what the VM refuses of packets: too short,
// too long, and XDP fragments, which it does not have.
func TestPacketLimits(t *testing.T) {
	img := &link.Image{Programs: []*link.Program{
		asmProgram("tc", typeTC, movImm(0, 0), exit()),
		asmProgram("xdp", typeXDP, movImm(0, 0), exit()),
	}}
	c := newVM(t, img)
	for _, tc := range []struct {
		prog string
		in   runtime.RunInput
		want string
	}{
		{"tc", runtime.RunInput{Data: zeros(13)}, "want 14 to 3712"},
		{"tc", runtime.RunInput{Data: zeros(3713)}, "want 14 to 3712"},
		{"xdp", runtime.RunInput{Data: zeros(13)}, "shorter than an Ethernet header"},
		{"xdp", runtime.RunInput{Data: zeros(3521)}, "no multi-buffer"},
		{"xdp", runtime.RunInput{Data: zeros(64), Context: xdpMd(0, 20, 0, 0)}, "no multi-buffer"},
	} {
		if _, err := c.Run(tc.prog, tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s on %d bytes: %v, want an error saying %q", tc.prog, len(tc.in.Data), err, tc.want)
		}
	}
	if res, err := c.Run("xdp", runtime.RunInput{Data: zeros(3520)}); err != nil || len(res.Output) != 3520 {
		t.Errorf("xdp on 3520 bytes: %v", err)
	}
}

func TestClose(t *testing.T) {
	c, err := New(progArrayImage(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run("entry", runtime.RunInput{Data: zeros(64)}); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := c.Run("entry", runtime.RunInput{Data: zeros(64)}); err == nil {
		t.Error("Run after Close: no error")
	}
	if _, err := c.Lookup("jmp", u32(0)); err == nil {
		t.Error("Lookup after Close: no error")
	}
}

// TestPoisonedCalls checks that a call the linker poisoned (an unresolved
// CO-RE relocation) loads, as the kernel loads it when the call is dead
// code, and stops a run that reaches it.
func TestPoisonedCalls(t *testing.T) {
	// r0 = mark; if r0 == 0 return 7; else call the poisoned helper.
	p := asmProgram("p", typeTC,
		insn.Instruction{OpCode: uint8(insn.ClassLDX) | insn.ModeMEM | insn.SizeW, Dst: 0, Src: 1, Off: 8},
		jeqImm(0, 0, 2),
		call(reloc.COREPoison),
		exit(),
		movImm(0, 7),
		exit())
	c := newVM(t, &link.Image{Programs: []*link.Program{p}})
	if err := c.LoadProgram("p"); err != nil {
		t.Fatalf("LoadProgram: %v", err)
	}
	res, err := c.Run("p", runtime.RunInput{Data: zeros(64)})
	if err != nil || res.Retval != 7 {
		t.Fatalf("run not reaching the poisoned call: %v, %v", res, err)
	}
	ctx := make([]byte, 192)
	ctx[8] = 1 // mark
	_, err = c.Run("p", runtime.RunInput{Data: zeros(64), Context: ctx})
	if err == nil || !strings.Contains(err.Error(), "unresolved CO-RE relocation reached") {
		t.Fatalf("run reaching the poisoned call: %v, want an error naming the unresolved CO-RE relocation", err)
	}
}
