package reloc

import (
	goelf "debug/elf"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/internal/kerneltest"
)

// syntheticKernel is a made-up kernel BTF with two variables and two kfuncs.
func syntheticKernel(t *testing.T) *btf.Spec {
	t.Helper()
	i32 := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	rq := &btf.Struct{Name: "rq", Size: 8, Members: []btf.Member{{Name: "cpu", Type: i32}}}
	task := &btf.Struct{Name: "task_struct", Size: 8}
	types := []btf.Type{
		&btf.Var{Name: "bpf_prog_active", Type: i32, Linkage: btf.GlobalVar},
		&btf.Var{Name: "runqueues", Type: rq, Linkage: btf.GlobalVar},
		&btf.Func{Name: "bpf_rcu_read_lock", Type: &btf.FuncProto{Return: &btf.Void{}}, Linkage: btf.StaticFunc},
		&btf.Func{Name: "bpf_task_from_pid", Type: &btf.FuncProto{
			Return: &btf.Pointer{Target: task},
			Params: []btf.FuncParam{{Name: "pid", Type: i32}},
		}, Linkage: btf.StaticFunc},
	}
	b, err := btf.NewBuilder(types, nil)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := b.Spec()
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// kernelID returns the id of the named VAR or FUNC in spec.
func kernelID[T btf.Type](t *testing.T, spec *btf.Spec, name string) btf.TypeID {
	t.Helper()
	typ, id, err := findKernel[T](spec, name)
	if err != nil || id == 0 {
		t.Fatalf("%s: %v, %v", name, typ, err)
	}
	return id
}

// Local BTF of externs, as clang writes it.
var (
	localInt   = &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	constVoid  = &btf.Const{Type: &btf.Void{}}
	voidProto  = &btf.FuncProto{Return: &btf.Void{}}
	localTask  = &btf.Struct{Name: "task_struct", Size: 4, Members: []btf.Member{{Name: "pid", Type: localInt}}}
	pidProto   = &btf.FuncProto{Return: &btf.Pointer{Target: localTask}, Params: []btf.FuncParam{{Name: "pid", Type: localInt}}}
	wrongProto = &btf.FuncProto{Return: &btf.Void{}, Params: []btf.FuncParam{{Name: "x", Type: localInt}}}
)

func ksymVar(name string, typ btf.Type, weak bool) Ksym {
	return Ksym{Name: name, Type: &btf.Var{Name: name, Type: typ, Linkage: btf.ExternVar}, Weak: weak}
}

func ksymFunc(name string, proto *btf.FuncProto, weak bool) Ksym {
	return Ksym{Name: name, Type: &btf.Func{Name: name, Type: proto, Linkage: btf.ExternFunc}, Weak: weak}
}

func TestKernelKsyms(t *testing.T) {
	kernel := syntheticKernel(t)
	active := kernelID[*btf.Var](t, kernel, "bpf_prog_active")
	runqueues := kernelID[*btf.Var](t, kernel, "runqueues")
	lock := kernelID[*btf.Func](t, kernel, "bpf_rcu_read_lock")
	fromPid := kernelID[*btf.Func](t, kernel, "bpf_task_from_pid")
	localRq := &btf.Struct{Name: "rq", Size: 4, Members: []btf.Member{{Name: "cpu", Type: localInt}}}

	tests := []struct {
		name string
		ksym Ksym
		want KsymValue
		err  string
	}{
		{"typeless", ksymVar("__start_BTF", constVoid, false), KsymValue{Kind: KsymTypeless, Resolved: true, Addr: 0xffffffff82a00000}, ""},
		{"typeless function", ksymVar("__x64_sys_bpf", constVoid, false), KsymValue{Kind: KsymTypeless, Resolved: true, Addr: 0xffffffff814f1270}, ""},
		{"typeless in a module", ksymVar("bpfld_mod_func", constVoid, false), KsymValue{Kind: KsymTypeless, Resolved: true, Addr: 0xffffffffc0001000}, ""},
		{"typeless renamed by LLVM", ksymVar("bpfld_static_data", constVoid, false), KsymValue{Kind: KsymTypeless, Resolved: true, Addr: 0xffffffff83000010}, ""},
		{"typeless text renamed by LLVM is no match", ksymVar("bpfld_static_text", constVoid, false), KsymValue{}, "typeless ksym bpfld_static_text: not in testdata/kallsyms.sample"},
		{"typeless listed twice at one address", ksymVar("bpfld_same_twice", constVoid, false), KsymValue{Kind: KsymTypeless, Resolved: true, Addr: 0xffffffff81234580}, ""},
		{"typeless ambiguous", ksymVar("bpfld_dup_static", constVoid, true), KsymValue{}, "typeless ksym bpfld_dup_static: ambiguous in testdata/kallsyms.sample: 0xffffffff81234560 or 0xffffffff81234570"},
		{"typeless missing, weak", ksymVar("bpfld_none", constVoid, true), KsymValue{Kind: KsymTypeless}, ""},
		{"typeless missing, strong", ksymVar("bpfld_none", constVoid, false), KsymValue{}, "typeless ksym bpfld_none: not in testdata/kallsyms.sample"},
		{"typeless at address 0, weak", ksymVar("bpfld_zero", constVoid, true), KsymValue{Kind: KsymTypeless}, ""},
		{"typeless at address 0, strong", ksymVar("bpfld_zero", constVoid, false), KsymValue{}, "typeless ksym bpfld_zero: testdata/kallsyms.sample shows address 0 (reading it needs root, or kernel.kptr_restrict lowered)"},
		{"typed", ksymVar("bpf_prog_active", &btf.Const{Type: localInt}, false), KsymValue{Kind: KsymVar, Resolved: true, BTFID: active}, ""},
		{"typed struct", ksymVar("runqueues", &btf.Const{Type: localRq}, false), KsymValue{Kind: KsymVar, Resolved: true, BTFID: runqueues}, ""},
		{"typed through a typedef", ksymVar("bpf_prog_active", &btf.Typedef{Name: "s32", Type: localInt}, false), KsymValue{Kind: KsymVar, Resolved: true, BTFID: active}, ""},
		{"typed, wrong type", ksymVar("bpf_prog_active", localRq, true), KsymValue{}, `ksym variable bpf_prog_active: type Struct:"rq"[fields=1 fieldNames=[cpu]] does not match the kernel's Int:"int"[signed size=4]: type mismatch between Struct:"rq"[fields=1 fieldNames=[cpu]] and Int:"int"[signed size=4]: incompatible types`},
		{"typed missing, weak", ksymVar("bpfld_none", localInt, true), KsymValue{Kind: KsymVar}, ""},
		{"typed missing, strong", ksymVar("bpfld_none", localInt, false), KsymValue{}, "ksym variable bpfld_none: not in the kernel's BTF (vmlinux; modules are not searched)"},
		{"kfunc", ksymFunc("bpf_rcu_read_lock", voidProto, false), KsymValue{Kind: KsymKfunc, Resolved: true, BTFID: lock}, ""},
		{"kfunc with arguments", ksymFunc("bpf_task_from_pid", pidProto, false), KsymValue{Kind: KsymKfunc, Resolved: true, BTFID: fromPid}, ""},
		{"kfunc flavor", ksymFunc("bpf_rcu_read_lock___v2", voidProto, false), KsymValue{Kind: KsymKfunc, Resolved: true, BTFID: lock}, ""},
		{"kfunc, wrong prototype, weak", ksymFunc("bpf_rcu_read_lock", wrongProto, true), KsymValue{Kind: KsymKfunc}, ""},
		{"kfunc, wrong prototype, strong", ksymFunc("bpf_rcu_read_lock", wrongProto, false), KsymValue{}, `kfunc bpf_rcu_read_lock: prototype FuncProto[args=1 return=Void] does not match the kernel's FuncProto[args=0 return=Void]: function param mismatch: incompatible types`},
		{"kfunc missing, weak", ksymFunc("bpfld_none", voidProto, true), KsymValue{Kind: KsymKfunc}, ""},
		{"kfunc missing, strong", ksymFunc("bpfld_none", voidProto, false), KsymValue{}, "kfunc bpfld_none: not in the kernel's BTF (vmlinux; modules are not searched)"},
		{"no BTF", Ksym{Name: "bpfld_x"}, KsymValue{}, "ksym bpfld_x: no BTF to tell a variable from a kfunc (compile with -g)"},
		{"BTF of neither kind", Ksym{Name: "bpfld_x", Type: localInt}, KsymValue{}, `ksym bpfld_x: BTF Int:"int"[signed size=4] is neither a variable nor a function`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewKsymResolver(kernel, "testdata/kallsyms.sample")
			got, err := r.ResolveKsym(tt.ksym)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("got error %v\nwant %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Name = tt.ksym.Name
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestKernelKsymsKallsymsErrors(t *testing.T) {
	dir := t.TempDir()
	bad := dir + "/kallsyms"
	if err := os.WriteFile(bad, []byte("ffffffff81000000 T _text\nzz T bad\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ path, want string }{
		{bad, "typeless ksym _text: " + bad + `: line 2: address "zz": strconv.ParseUint: parsing "zz": invalid syntax`},
		{dir + "/none", "typeless ksym _text: open " + dir + "/none: no such file or directory"},
	}
	for _, tt := range tests {
		r := NewKsymResolver(syntheticKernel(t), tt.path)
		if _, err := r.ResolveKsym(ksymVar("_text", constVoid, false)); err == nil || err.Error() != tt.want {
			t.Errorf("got error %v\nwant %s", err, tt.want)
		}
	}
}

func TestEssentialName(t *testing.T) {
	tests := map[string]string{
		"bpf_rcu_read_lock":         "bpf_rcu_read_lock",
		"bpf_rcu_read_lock___v2":    "bpf_rcu_read_lock",
		"a___b___c":                 "a___b",
		"x____y":                    "x____y",
		"x___":                      "x___",
		"___y":                      "___y",
		"task_struct___bpfld_check": "task_struct",
	}
	for in, want := range tests {
		if got := essentialName(in); got != want {
			t.Errorf("essentialName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKsymPatch(t *testing.T) {
	ld := func(dst uint8) []insn.Instruction { return ldImm64(dst, 0) }
	call := []insn.Instruction{{OpCode: insn.OpCall, Src: insn.PseudoCall, Imm: -1}}
	withSrc := func(src uint8, insns []insn.Instruction) []insn.Instruction {
		insns[0].Src = src
		return insns
	}
	const addr = 0xffffffff82a00000
	tests := []struct {
		name  string
		v     KsymValue
		insns []insn.Instruction
		want  []insn.Instruction
		err   string
	}{
		{"typed", KsymValue{Name: "v", Kind: KsymVar, Resolved: true, BTFID: 13786}, ld(1), withSrc(insn.PseudoBTFID, ldImm64(1, 13786)), ""},
		{"typeless", KsymValue{Name: "v", Kind: KsymTypeless, Resolved: true, Addr: addr}, ld(2), ldImm64(2, addr), ""},
		{"typed, unresolved", KsymValue{Name: "v", Kind: KsymVar}, ldImm64(1, 7), ldImm64(1, 0), ""},
		{"typeless, unresolved", KsymValue{Name: "v", Kind: KsymTypeless}, ld(1), ldImm64(1, 0), ""},
		{"kfunc call", KsymValue{Name: "f", Kind: KsymKfunc, Resolved: true, BTFID: 65499}, call, []insn.Instruction{{OpCode: insn.OpCall, Src: insn.PseudoKfuncCall, Imm: 65499}}, ""},
		{"kfunc address", KsymValue{Name: "f", Kind: KsymKfunc, Resolved: true, BTFID: 65499}, ld(3), withSrc(insn.PseudoBTFID, ldImm64(3, 65499)), ""},
		{"kfunc call, unresolved", KsymValue{Name: "f", Kind: KsymKfunc}, call, []insn.Instruction{{OpCode: insn.OpCall, Imm: KfuncPoison}}, ""},
		{"kfunc address, unresolved", KsymValue{Name: "f", Kind: KsymKfunc}, ld(3), ldImm64(3, 0), ""},
		{"stand-in variable", KsymValue{Name: "v", Kind: KsymVar, Resolved: true, Addr: 0x7f0012345000, StandIn: true}, ld(1), withSrc(insn.PseudoBTFID, ldImm64(1, 0x7f0012345000)), ""},
		{"stand-in typeless", KsymValue{Name: "v", Kind: KsymTypeless, Resolved: true, Addr: 0x7f0012345000, StandIn: true}, ld(1), ldImm64(1, 0x7f0012345000), ""},
		{"stand-in kfunc call", KsymValue{Name: "f", Kind: KsymKfunc, Resolved: true, BTFID: 3, StandIn: true}, call, []insn.Instruction{{OpCode: insn.OpCall, Src: insn.PseudoKfuncCall, Imm: 3}}, ""},
		{"stand-in kfunc address", KsymValue{Name: "f", Kind: KsymKfunc, Resolved: true, BTFID: 3, StandIn: true}, ld(1), ldImm64(1, 1), ""},
		{"variable called", KsymValue{Name: "v", Kind: KsymVar, Resolved: true}, call, nil, "ksym variable v: instruction 0 calls it, but it is no function"},
		{"other instruction", KsymValue{Name: "v", Kind: KsymVar, Resolved: true}, []insn.Instruction{mov(0, 0)}, nil, "ksym variable v: instruction 0 (r0 = 0) is neither a call nor a 64-bit load"},
		{"64-bit load without its second slot", KsymValue{Name: "v", Kind: KsymVar, Resolved: true}, ld(1)[:1], nil, "ksym variable v: instruction 0: 64-bit load without its second slot"},
		{"outside", KsymValue{Name: "v", Kind: KsymVar, Resolved: true}, nil, nil, "ksym variable v: instruction 0 outside the 0 instructions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			insns := append([]insn.Instruction(nil), tt.insns...)
			err := tt.v.Patch(insns, 0)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("got error %v\nwant %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k := range tt.want {
				if insns[k] != tt.want[k] {
					t.Errorf("slot %d: got %+v, want %+v", k, insns[k], tt.want[k])
				}
			}
		})
	}
}

// vmStandIns is a fake VM: it hands out addresses and implements
// bpf_rcu_read_lock and bpf_rcu_read_unlock.
type vmStandIns struct {
	next   uint64
	blocks map[string]int // name to size
}

func (vm *vmStandIns) standIns() StandIns {
	return StandIns{
		Alloc: func(k Ksym, size int) (uint64, error) {
			if k.Name == "bpfld_fail" {
				return 0, errors.New("mmap: out of memory")
			}
			vm.blocks[k.Name] = size
			vm.next += 0x1000
			return vm.next, nil
		},
		Kfunc: func(name string, proto *btf.FuncProto) (int32, bool) {
			id, ok := map[string]int32{"bpf_rcu_read_lock": 1, "bpf_rcu_read_unlock": 2}[name]
			return id, ok && len(proto.Params) == 0
		},
	}
}

func TestStandInResolver(t *testing.T) {
	vm := &vmStandIns{next: 0x7f0000000000, blocks: map[string]int{}}
	r := NewStandInResolver(vm.standIns())
	localRq := &btf.Struct{Name: "rq", Size: 24}
	tests := []struct {
		name string
		ksym Ksym
		want KsymValue
		size int
		err  string
	}{
		{"typed", ksymVar("bpf_prog_active", &btf.Const{Type: localInt}, false), KsymValue{Kind: KsymVar, Resolved: true, Addr: 0x7f0000001000, StandIn: true}, 4, ""},
		{"typed again, same block", ksymVar("bpf_prog_active", &btf.Const{Type: localInt}, false), KsymValue{Kind: KsymVar, Resolved: true, Addr: 0x7f0000001000, StandIn: true}, 4, ""},
		{"typed struct", ksymVar("runqueues", localRq, false), KsymValue{Kind: KsymVar, Resolved: true, Addr: 0x7f0000002000, StandIn: true}, 24, ""},
		{"typeless", ksymVar("__start_BTF", constVoid, false), KsymValue{Kind: KsymTypeless, Resolved: true, Addr: 0x7f0000003000, StandIn: true}, 0, ""},
		{"weak variable", ksymVar("bpfld_none", localInt, true), KsymValue{Kind: KsymVar, Resolved: true, Addr: 0x7f0000004000, StandIn: true}, 4, ""},
		{"kfunc", ksymFunc("bpf_rcu_read_lock", voidProto, false), KsymValue{Kind: KsymKfunc, Resolved: true, BTFID: 1, StandIn: true}, -1, ""},
		{"kfunc flavor", ksymFunc("bpf_rcu_read_unlock___v2", voidProto, false), KsymValue{Kind: KsymKfunc, Resolved: true, BTFID: 2, StandIn: true}, -1, ""},
		{"kfunc not implemented, weak", ksymFunc("bpf_task_from_pid", pidProto, true), KsymValue{Kind: KsymKfunc, StandIn: true}, -1, ""},
		{"kfunc not implemented, strong", ksymFunc("bpf_task_from_pid", pidProto, false), KsymValue{}, -1, "kfunc bpf_task_from_pid: not implemented by the VM"},
		{"stand-in fails", ksymVar("bpfld_fail", localInt, false), KsymValue{}, -1, "ksym variable bpfld_fail: stand-in of 4 bytes: mmap: out of memory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.ResolveKsym(tt.ksym)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("got error %v\nwant %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Name = tt.ksym.Name
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if size, ok := vm.blocks[tt.ksym.Name]; tt.size >= 0 && (!ok || size != tt.size) {
				t.Errorf("stand-in of %d bytes (%v), want %d", size, ok, tt.size)
			}
		})
	}
	if _, err := NewStandInResolver(StandIns{}).ResolveKsym(ksymVar("v", localInt, false)); err == nil || err.Error() != "ksym variable v: the VM has no stand-in memory" {
		t.Errorf("without Alloc: got error %v", err)
	}
}

// objectKsyms resolves every .ksyms extern of obj with r and patches the
// instructions of section that refer to them.
func objectKsyms(t *testing.T, obj *testObject, section string, r KsymResolver) ([]insn.Instruction, map[string]KsymValue) {
	t.Helper()
	var ds *btf.Datasec
	if err := obj.raw.TypeByName(".ksyms", &ds); err != nil {
		t.Fatal(err)
	}
	values := map[string]KsymValue{}
	for _, vs := range ds.Vars {
		name := vs.Type.TypeName()
		v, err := r.ResolveKsym(Ksym{Name: name, Type: vs.Type, Weak: obj.externs[name] == goelf.STB_WEAK})
		if err != nil {
			t.Fatal(err)
		}
		values[name] = v
	}
	insns := append([]insn.Instruction(nil), obj.insns[section]...)
	for _, rel := range obj.relocs[section] {
		if v, ok := values[rel.symbol]; ok {
			if err := v.Patch(insns, rel.slot); err != nil {
				t.Fatal(err)
			}
		}
	}
	return insns, values
}

// TestKsymsKernel resolves testdata/ksyms.bpf.o against the running kernel
// and runs its programs there.
func TestKsymsKernel(t *testing.T) {
	kerneltest.Require(t)
	kernel := kernelBTF(t)
	obj := readObject(t, "testdata/ksyms.bpf.o")
	insns, values := objectKsyms(t, obj, "raw_tp/sys_enter", NewKsymResolver(kernel, "/proc/kallsyms"))

	resolved := map[string]bool{
		"__start_BTF": true, "bpf_prog_active": true, "bpf_rcu_read_lock": true, "bpf_rcu_read_unlock": true,
		"bpfld_no_such_symbol": false, "bpfld_no_such_int": false, "bpfld_no_such_kfunc": false,
		"bpf_rcu_read_lock___bpfld_bad": false,
	}
	for name, want := range resolved {
		if v := values[name]; v.Resolved != want {
			t.Errorf("%s: resolved %v, want %v (%+v)", name, v.Resolved, want, v)
		}
	}
	if id := kernelID[*btf.Func](t, kernel, "bpf_rcu_read_lock"); values["bpf_rcu_read_lock"].BTFID != id {
		t.Errorf("bpf_rcu_read_lock: BTF id %d, want %d", values["bpf_rcu_read_lock"].BTFID, id)
	}
	if id := kernelID[*btf.Var](t, kernel, "bpf_prog_active"); values["bpf_prog_active"].BTFID != id {
		t.Errorf("bpf_prog_active: BTF id %d, want %d", values["bpf_prog_active"].BTFID, id)
	}

	for _, tt := range []struct {
		prog string
		want uint32
	}{{"ksym_typeless", 7}, {"ksym_kfuncs", 7}} {
		t.Run(tt.prog, func(t *testing.T) {
			fn, _ := obj.function(t, tt.prog)
			prog := loadRawTracepoint(t, tt.prog, insns[fn.start:fn.start+fn.n])
			defer prog.Close()
			got, err := prog.Run(&ebpf.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("returned %d, want %d", got, tt.want)
			}
		})
	}
	t.Run("ksym_typed", func(t *testing.T) {
		fn, _ := obj.function(t, "ksym_typed")
		prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
			Name: "ksym_typed", Type: ebpf.RawTracepoint, License: "GPL",
			Instructions: toCilium(t, insns[fn.start:fn.start+fn.n]),
		})
		if err != nil && strings.Contains(err.Error(), "failed to find the address") {
			t.Skipf("the kernel finds typed ksyms in kallsyms, which lists variables only with CONFIG_KALLSYMS_ALL: %v", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		prog.Close()
	})
}

// TestKsymsStandIn resolves testdata/ksyms.bpf.o for the VM.
func TestKsymsStandIn(t *testing.T) {
	vm := &vmStandIns{next: 0x7f0000000000, blocks: map[string]int{}}
	obj := readObject(t, "testdata/ksyms.bpf.o")
	insns, values := objectKsyms(t, obj, "raw_tp/sys_enter", NewStandInResolver(vm.standIns()))

	active := values["bpf_prog_active"]
	if !active.Resolved || vm.blocks["bpf_prog_active"] != 4 {
		t.Errorf("bpf_prog_active: %+v, block of %d bytes", active, vm.blocks["bpf_prog_active"])
	}
	fn, _ := obj.function(t, "ksym_typed")
	if lo, hi := insns[fn.start], insns[fn.start+1]; lo.Src != insn.PseudoBTFID || insn.Imm64(lo, hi) != active.Addr {
		t.Errorf("ksym_typed loads %+v %+v, want the stand-in's address %#x", lo, hi, active.Addr)
	}
	fn, _ = obj.function(t, "ksym_kfuncs")
	want := map[int]insn.Instruction{
		0:  {OpCode: insn.OpCall, Src: insn.PseudoKfuncCall, Imm: 1}, // bpf_rcu_read_lock
		2:  {OpCode: insn.OpLdImm64, Dst: 1, Imm: 1},                 // &bpf_rcu_read_unlock
		5:  {OpCode: insn.OpCall, Src: insn.PseudoKfuncCall, Imm: 2}, // bpf_rcu_read_unlock
		7:  {OpCode: insn.OpLdImm64, Dst: 1},                         // &bpfld_no_such_kfunc
		10: {OpCode: insn.OpCall, Imm: KfuncPoison},                  // bpfld_no_such_kfunc
	}
	for k, w := range want {
		if got := insns[fn.start+k]; got != w {
			t.Errorf("ksym_kfuncs slot %d: %+v, want %+v", k, got, w)
		}
	}
}
