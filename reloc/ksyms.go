package reloc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"

	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/insn"
)

// Ksym is one .ksyms extern of a linked program.
type Ksym struct {
	Name string
	// Type is the extern's BTF as elf.Extern has it: a *btf.Var for a
	// kernel variable (typed, or `const void` for a typeless symbol) or a
	// *btf.Func for a kfunc.
	Type btf.Type
	// Weak is true for an extern declared __weak: it may be missing.
	Weak bool
}

// KsymKind says what a .ksyms extern stands for.
type KsymKind int

// Kinds of .ksyms externs.
const (
	// KsymTypeless is `extern const void NAME __ksym`: only an address.
	KsymTypeless KsymKind = iota
	// KsymVar is a kernel variable with a BTF type.
	KsymVar
	// KsymKfunc is a kernel function that programs call by BTF id.
	KsymKfunc
)

func (k KsymKind) String() string {
	return [...]string{"typeless ksym", "ksym variable", "kfunc"}[k]
}

// KsymValue is what a .ksyms extern resolved to; Patch rewrites the
// instructions that refer to it.
type KsymValue struct {
	Name string
	Kind KsymKind
	// Resolved is false for a __weak extern the target lacks (for a kfunc,
	// also one whose prototype differs from the kernel's): loads of it
	// give 0 and calls of it are poisoned, as in libbpf.
	Resolved bool
	// BTFID is the id of the kernel's VAR (KsymVar) or FUNC (KsymKfunc) in
	// vmlinux's BTF; with the VM's stand-ins, the number under which the
	// VM implements a kfunc.
	BTFID btf.TypeID
	// Addr is the address of a typeless ksym (from kallsyms), or with the
	// VM's stand-ins the address of the zeroed block standing in for a
	// kernel variable.
	Addr uint64
	// StandIn is true for a value from a StandInResolver.
	StandIn bool
}

// Patch rewrites the instruction at slot at, which refers to the extern:
//
//   - a call (clang emits `call -1`) becomes a kfunc call: Src
//     insn.PseudoKfuncCall, Imm the BTF id, Off 0 (vmlinux, not a module);
//     for an unresolved __weak kfunc, a call to helper KfuncPoison;
//   - a ld_imm64 (both slots) becomes, for a typed ksym or a kfunc's
//     address, Src insn.PseudoBTFID with Imm the BTF id and the second Imm
//     0 (the BTF object: vmlinux); for a typeless ksym, the plain constant
//     address (Src 0), as libbpf does; for an unresolved __weak extern,
//     the constant 0.
//
// With the VM's stand-ins, a ksym variable's ld_imm64 is Src
// insn.PseudoBTFID with the 64-bit constant the stand-in block's address
// (a read-only block of the variable's size, which the VM registered); a
// typeless one is the plain constant address of its block; a kfunc's
// address is the constant 1 (what matters of it is that it is not 0); a
// kfunc call has Imm the VM's number for the kfunc.
func (v KsymValue) Patch(insns []insn.Instruction, at int) error {
	if at < 0 || at >= len(insns) {
		return fmt.Errorf("%s %s: instruction %d outside the %d instructions", v.Kind, v.Name, at, len(insns))
	}
	ins := &insns[at]
	switch {
	case ins.OpCode == insn.OpCall:
		return v.patchCall(ins, at)
	case ins.IsLoadImm64() && at+1 < len(insns):
		v.patchLoad(ins, &insns[at+1])
		return nil
	case ins.IsLoadImm64():
		return fmt.Errorf("%s %s: instruction %d: 64-bit load without its second slot", v.Kind, v.Name, at)
	}
	return fmt.Errorf("%s %s: instruction %d (%s) is neither a call nor a 64-bit load", v.Kind, v.Name, at, insn.Format(insns, at, nil))
}

func (v KsymValue) patchCall(ins *insn.Instruction, at int) error {
	if v.Kind != KsymKfunc {
		return fmt.Errorf("%s %s: instruction %d calls it, but it is no function", v.Kind, v.Name, at)
	}
	if !v.Resolved {
		*ins = insn.Instruction{OpCode: insn.OpCall, Imm: KfuncPoison}
		return nil
	}
	*ins = insn.Instruction{OpCode: insn.OpCall, Src: insn.PseudoKfuncCall, Imm: int32(v.BTFID)}
	return nil
}

func (v KsymValue) patchLoad(lo, hi *insn.Instruction) {
	src, c := uint8(0), uint64(0)
	switch {
	case !v.Resolved:
	case v.Kind == KsymTypeless:
		c = v.Addr
	case v.StandIn && v.Kind == KsymVar:
		src, c = insn.PseudoBTFID, v.Addr
	case v.StandIn:
		c = 1
	default:
		src, c = insn.PseudoBTFID, uint64(uint32(v.BTFID))
	}
	lo.Src, lo.Imm = src, int32(uint32(c))
	hi.Imm = int32(uint32(c >> 32))
}

// KsymResolver resolves .ksyms externs for one backend: the kernel
// (NewKsymResolver) or the VM (NewStandInResolver).
type KsymResolver interface {
	ResolveKsym(k Ksym) (KsymValue, error)
}

// KernelKsyms resolves .ksyms externs against a kernel, as libbpf does:
// typed variables and kfuncs by name in the kernel's BTF (vmlinux only;
// module BTF is not searched), typeless symbols by name in kallsyms.
type KernelKsyms struct {
	kernel       *btf.Spec
	kallsymsPath string

	once     sync.Once
	kallsyms *kallsyms
	err      error

	cache map[string]KsymValue
}

// NewKsymResolver returns a resolver over the kernel BTF kernel (see
// LoadTargetBTF) and the kallsyms file at kallsymsPath ("/proc/kallsyms"
// for the running kernel), which is read only when a typeless ksym needs it.
func NewKsymResolver(kernel *btf.Spec, kallsymsPath string) *KernelKsyms {
	return &KernelKsyms{kernel: kernel, kallsymsPath: kallsymsPath, cache: map[string]KsymValue{}}
}

// ResolveKsym resolves one extern. A missing __weak extern is no error
// but a value with Resolved false; a missing strong one is, as is a typed
// ksym whose type does not match the kernel's, or a strong kfunc whose
// prototype does not (a __weak one is left unresolved, as in libbpf).
func (r *KernelKsyms) ResolveKsym(k Ksym) (KsymValue, error) {
	if v, ok := r.cache[k.Name]; ok {
		return v, nil
	}
	kind, local, err := classifyKsym(k)
	if err != nil {
		return KsymValue{}, err
	}
	v := KsymValue{Name: k.Name, Kind: kind}
	switch kind {
	case KsymTypeless:
		err = r.resolveTypeless(k, &v)
	case KsymVar:
		err = r.resolveVar(k, local, &v)
	case KsymKfunc:
		err = r.resolveKfunc(k, local, &v)
	}
	if err != nil {
		return KsymValue{}, fmt.Errorf("%s %s: %w", kind, k.Name, err)
	}
	if v.Resolved {
		r.cache[k.Name] = v
	}
	return v, nil
}

// resolveTypeless finds the address in kallsyms. libbpf takes an address
// of 0 (what kallsyms shows without privileges) as it is; bpfld refuses it
// for a strong ksym rather than let the program run on a wrong address.
func (r *KernelKsyms) resolveTypeless(k Ksym, v *KsymValue) error {
	r.once.Do(func() { r.kallsyms, r.err = readKallsyms(r.kallsymsPath) })
	if r.err != nil {
		return r.err
	}
	addr, found := r.kallsyms.addrs[k.Name]
	if dup, ok := r.kallsyms.dups[k.Name]; ok {
		return fmt.Errorf("ambiguous in %s: %#x or %#x", r.kallsymsPath, dup[0], dup[1])
	}
	if !found || addr == 0 {
		if k.Weak {
			return nil
		}
		if !found {
			return fmt.Errorf("not in %s", r.kallsymsPath)
		}
		return fmt.Errorf("%s shows address 0 (reading it needs root, or kernel.kptr_restrict lowered)", r.kallsymsPath)
	}
	v.Resolved, v.Addr = true, addr
	return nil
}

// resolveVar finds the kernel's VAR and checks its type against the
// local one with the CO-RE compatibility rules, as libbpf's
// bpf_object__resolve_ksym_var_btf_id does.
func (r *KernelKsyms) resolveVar(k Ksym, local btf.Type, v *KsymValue) error {
	target, id, err := findKernel[*btf.Var](r.kernel, k.Name)
	if err != nil {
		return err
	}
	if target == nil {
		if k.Weak {
			return nil
		}
		return errors.New("not in the kernel's BTF (vmlinux; modules are not searched)")
	}
	if err := btf.CheckTypeCompatibility(local, target.Type); err != nil {
		return fmt.Errorf("type %v does not match the kernel's %v: %w", local, btf.UnderlyingType(target.Type), err)
	}
	v.Resolved, v.BTFID = true, id
	return nil
}

// resolveKfunc finds the kernel's FUNC by the extern's name without a
// ___flavor suffix and checks the prototypes, as libbpf's
// bpf_object__resolve_ksym_func_btf_id does.
func (r *KernelKsyms) resolveKfunc(k Ksym, local btf.Type, v *KsymValue) error {
	target, id, err := findKernel[*btf.Func](r.kernel, essentialName(k.Name))
	if err != nil {
		return err
	}
	if target == nil {
		if k.Weak {
			return nil
		}
		return errors.New("not in the kernel's BTF (vmlinux; modules are not searched)")
	}
	if err := btf.CheckTypeCompatibility(local, target.Type); err != nil {
		if k.Weak {
			return nil
		}
		return fmt.Errorf("prototype %v does not match the kernel's %v: %w", local, target.Type, err)
	}
	v.Resolved, v.BTFID = true, id
	return nil
}

// findKernel returns the kernel's type of kind T named name with the
// lowest id, as libbpf's btf__find_by_name_kind; nil when there is none.
func findKernel[T btf.Type](kernel *btf.Spec, name string) (T, btf.TypeID, error) {
	var found T
	var foundID btf.TypeID
	if kernel == nil {
		return found, 0, errors.New("no kernel BTF")
	}
	types, err := kernel.AnyTypesByName(name)
	if errors.Is(err, btf.ErrNotFound) {
		return found, 0, nil
	}
	if err != nil {
		return found, 0, fmt.Errorf("kernel BTF: %w", err)
	}
	for _, t := range types {
		typed, ok := t.(T)
		if !ok || t.TypeName() != name {
			continue
		}
		id, err := kernel.TypeID(t)
		if err != nil {
			return found, 0, fmt.Errorf("kernel BTF: %w", err)
		}
		if foundID == 0 || id < foundID {
			found, foundID = typed, id
		}
	}
	return found, foundID, nil
}

// classifyKsym tells a typeless ksym, a typed one and a kfunc apart, as
// libbpf does from the extern's BTF, and returns the local type to check:
// the variable's type, or the kfunc's prototype.
func classifyKsym(k Ksym) (KsymKind, btf.Type, error) {
	switch t := k.Type.(type) {
	case *btf.Func:
		proto, ok := t.Type.(*btf.FuncProto)
		if !ok {
			return 0, nil, fmt.Errorf("kfunc %s: BTF FUNC without a prototype", k.Name)
		}
		return KsymKfunc, proto, nil
	case *btf.Var:
		local := btf.UnderlyingType(t.Type)
		if _, ok := local.(*btf.Void); ok {
			return KsymTypeless, nil, nil
		}
		return KsymVar, local, nil
	case nil:
		return 0, nil, fmt.Errorf("ksym %s: no BTF to tell a variable from a kfunc (compile with -g)", k.Name)
	}
	return 0, nil, fmt.Errorf("ksym %s: BTF %v is neither a variable nor a function", k.Name, k.Type)
}

// essentialName strips a ___flavor suffix ("bpf_foo___v2" is "bpf_foo"),
// as libbpf's bpf_core_essential_name_len: at the last "___" between two
// characters that are not underscores.
func essentialName(name string) string {
	for i := len(name) - 5; i >= 0; i-- {
		if name[i] != '_' && name[i+1:i+4] == "___" && name[i+4] != '_' {
			return name[:i+1]
		}
	}
	return name
}

// kallsyms is a kallsyms file, indexed by name.
type kallsyms struct {
	addrs map[string]uint64
	// dups holds the first two distinct addresses of the names that have
	// more than one.
	dups map[string][2]uint64
}

// readKallsyms reads a kallsyms file ("ADDRESS TYPE NAME [MODULE]" lines).
// A local data symbol that LLVM renamed with a ".llvm.NUMBER" suffix
// counts under its C name, as libbpf counts it.
func readKallsyms(path string) (*kallsyms, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Large reads: /proc/kallsyms is slow to read in small pieces, and
	// reports no size to read it in one.
	var buf bytes.Buffer
	buf.Grow(1 << 20)
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	data := buf.Bytes()
	ks := &kallsyms{addrs: make(map[string]uint64, bytes.Count(data, []byte{'\n'})), dups: map[string][2]uint64{}}
	for line := 1; len(data) > 0; line++ {
		text := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			text, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		fields := bytes.Fields(text)
		if len(fields) == 0 {
			continue
		}
		if len(fields) < 3 || len(fields[1]) != 1 {
			return nil, fmt.Errorf("%s: line %d: not ADDRESS TYPE NAME: %q", path, line, text)
		}
		addr, err := strconv.ParseUint(string(fields[0]), 16, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: address %q: %w", path, line, fields[0], err)
		}
		name := fields[2]
		if base, _, ok := bytes.Cut(name, []byte(".llvm.")); ok && fields[1][0] == 'd' {
			name = base
		}
		prev, seen := ks.addrs[string(name)]
		switch {
		case !seen:
			ks.addrs[string(name)] = addr
		case prev != addr:
			if _, ok := ks.dups[string(name)]; !ok {
				ks.dups[string(name)] = [2]uint64{prev, addr}
			}
		}
	}
	return ks, nil
}

// StandIns is what the in-process VM provides in place of the kernel for
// .ksyms externs.
type StandIns struct {
	// Alloc returns the address of a zeroed, read-only block of size
	// bytes that the VM registered to stand in for kernel variable k
	// (size is 0 for a typeless ksym: it has no size).
	Alloc func(k Ksym, size int) (uint64, error)
	// Kfunc returns the number under which the VM implements the kfunc
	// named name with prototype proto (the extern's), and false when it
	// does not implement it. May be nil: then the VM has no kfuncs.
	Kfunc func(name string, proto *btf.FuncProto) (int32, bool)
}

// StandInResolver resolves .ksyms externs for the in-process VM: kernel
// variables get zeroed stand-in blocks, kfuncs what the VM implements.
type StandInResolver struct {
	s     StandIns
	cache map[string]KsymValue
}

// NewStandInResolver returns a resolver that asks s.
func NewStandInResolver(s StandIns) *StandInResolver {
	return &StandInResolver{s: s, cache: map[string]KsymValue{}}
}

// ResolveKsym resolves one extern. Every variable resolves, to a block of
// its type's size; a kfunc the VM does not implement is an error, unless
// it is __weak: then it is unresolved, as a missing kfunc is in the kernel.
func (r *StandInResolver) ResolveKsym(k Ksym) (KsymValue, error) {
	if v, ok := r.cache[k.Name]; ok {
		return v, nil
	}
	kind, local, err := classifyKsym(k)
	if err != nil {
		return KsymValue{}, err
	}
	v := KsymValue{Name: k.Name, Kind: kind, StandIn: true}
	switch kind {
	case KsymTypeless, KsymVar:
		size := 0
		if kind == KsymVar {
			if size, err = btf.Sizeof(local); err != nil {
				return KsymValue{}, fmt.Errorf("%s %s: size of %v: %w", kind, k.Name, local, err)
			}
		}
		if r.s.Alloc == nil {
			return KsymValue{}, fmt.Errorf("%s %s: the VM has no stand-in memory", kind, k.Name)
		}
		if v.Addr, err = r.s.Alloc(k, size); err != nil {
			return KsymValue{}, fmt.Errorf("%s %s: stand-in of %d bytes: %w", kind, k.Name, size, err)
		}
		v.Resolved = true
	case KsymKfunc:
		var id int32
		var ok bool
		if r.s.Kfunc != nil {
			id, ok = r.s.Kfunc(essentialName(k.Name), local.(*btf.FuncProto))
		}
		if !ok && !k.Weak {
			return KsymValue{}, fmt.Errorf("%s %s: not implemented by the VM", kind, k.Name)
		}
		v.Resolved, v.BTFID = ok, btf.TypeID(id)
	}
	if v.Resolved {
		r.cache[k.Name] = v
	}
	return v, nil
}
