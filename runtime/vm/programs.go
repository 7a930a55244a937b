package vm

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/internal/uapi"
	"github.com/bpfld/bpfld/interp"
	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/runtime"
	"github.com/bpfld/bpfld/runtime/maps"
	"github.com/bpfld/bpfld/runtime/mem"
)

// program is a loaded entry program.
type program struct {
	name string
	// id is what prog arrays store for the program: 1 for the first
	// program loaded, and so on.
	id   uint32
	typ  uint32
	kind runtime.ContextKind
	code *interp.Program
}

// LoadProgram implements runtime.Collection: it prepares the entry program
// name for the interpreter. A program the VM cannot run (a helper it lacks,
// an invalid context access, a malformed instruction) gives a
// *runtime.RejectedError. The first program to load freezes read-only data.
func (c *Collection) LoadProgram(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.loadLocked(name)
}

// loadLocked is LoadProgram; the caller holds c.mu.
func (c *Collection) loadLocked(name string) error {
	if c.closed.Load() {
		return errClosed
	}
	if c.program(name) != nil {
		return nil
	}
	lp := c.img.Program(name)
	if lp == nil {
		return fmt.Errorf("no program %s", name)
	}
	if lp.Type == 0 {
		// As the kernel refuses BPF_PROG_TYPE_UNSPEC.
		err := fmt.Errorf("program type is unspecified: section %q implies no type (a manifest may set one under programs:)", lp.SectionName)
		return &runtime.RejectedError{Program: name, Reason: err.Error(), Err: err}
	}
	if err := legacyLoadsAllowed(lp); err != nil {
		return &runtime.RejectedError{Program: name, Reason: err.Error(), Err: err}
	}
	if err := earlyReturnsDescribed(lp); err != nil {
		return &runtime.RejectedError{Program: name, Reason: err.Error(), Err: err}
	}
	if err := c.freezeLocked(); err != nil {
		return err
	}
	r := &resolver{c: c, prog: lp, access: contextAccess(lp.Type)}
	code, err := interp.Prepare(lp.Insns, r)
	if err != nil {
		return &runtime.RejectedError{Program: name, Reason: err.Error(), Err: err}
	}
	for _, pa := range r.progArrays {
		if err := c.claim(pa, lp.Type); err != nil {
			err = fmt.Errorf("prog array %s: %w", pa.Name(), err)
			return &runtime.RejectedError{Program: name, Reason: err.Error(), Err: err}
		}
	}
	old := *c.byID.Load()
	p := &program{name: name, id: uint32(len(old) + 1), typ: lp.Type, kind: runtime.ContextKindOf(lp.Type), code: code}
	next := make([]*program, len(old), len(old)+1)
	copy(next, old)
	next = append(next, p)
	c.byID.Store(&next)
	progs := make(map[string]*program, len(next))
	for _, q := range next {
		progs[q.name] = q
	}
	c.progs.Store(&progs)
	return nil
}

// errClosed is the error of using a closed collection.
var errClosed = errors.New("collection is closed")

// program returns the loaded program name, or nil.
func (c *Collection) program(name string) *program { return (*c.progs.Load())[name] }

// TailCallTarget implements interp.TailCaller: the program in slot index
// of the prog array whose pointer is progArray, or nil for an empty slot,
// an index past max_entries or a pointer that is no prog array of this
// collection. It never locks: the slot is read atomically, and the
// programs by id from an immutable snapshot.
func (c *Collection) TailCallTarget(progArray uint64, index uint32) *interp.Program {
	pa := c.progArrays[progArray]
	if pa == nil {
		return nil
	}
	id := pa.Get(index)
	if id == 0 {
		return nil
	}
	progs := *c.byID.Load()
	if int(id) > len(progs) {
		return nil
	}
	return progs[id-1].code
}

// resolver resolves one program's references for interp.Prepare.
type resolver struct {
	c      *Collection
	prog   *link.Program
	access accessFunc
	// progArrays are the prog arrays the program refers to.
	progArrays []*maps.ProgArray
}

// MapPointer implements interp.Resolver: the address of the map's
// descriptor, which helpers receive.
func (r *resolver) MapPointer(index int32) (uint64, error) {
	if index < 0 || int(index) >= len(r.c.maps) {
		return 0, fmt.Errorf("map index %d out of range (%d maps)", index, len(r.c.maps))
	}
	m := r.c.maps[index]
	if pa, ok := m.(*maps.ProgArray); ok {
		r.progArrays = append(r.progArrays, pa)
	}
	return m.Pointer(), nil
}

// MapValue implements interp.Resolver: the address of byte offset of the
// value of a one-element array (global data), as the kernel's
// array_map_direct_value_addr allows it.
func (r *resolver) MapValue(index int32, offset uint32) (uint64, error) {
	if index < 0 || int(index) >= len(r.c.maps) {
		return 0, fmt.Errorf("map index %d out of range (%d maps)", index, len(r.c.maps))
	}
	m := r.c.maps[index]
	if m.Type() != maps.TypeArray || m.MaxEntries() != 1 {
		return 0, fmt.Errorf("map %s: direct value access needs a one-element array, not a %s of %d", m.Name(), m.Type(), m.MaxEntries())
	}
	if offset >= m.ValueSize() {
		return 0, fmt.Errorf("map %s: offset %d is past the value's %d bytes", m.Name(), offset, m.ValueSize())
	}
	addr, ok := m.Lookup(make([]byte, 4), 0)
	if !ok {
		return 0, fmt.Errorf("map %s: no element 0", m.Name())
	}
	return addr + uint64(offset), nil
}

// ContextAccess implements interp.Resolver with the rules of the program's
// type.
func (r *resolver) ContextAccess(off int16, size int, write bool) (int16, int, error) {
	return r.access(off, size, write)
}

// Ksym implements interp.KsymResolver for the VM's stand-ins of kernel
// variables: the linker puts the 64-bit address of the stand-in block in
// the two immediates of the ld_imm64.
func (r *resolver) Ksym(id int32, module int32) (uint64, error) {
	addr := uint64(uint32(id)) | uint64(uint32(module))<<32
	if addr == 0 {
		return 0, nil // a __weak variable the kernel lacks
	}
	if err := mem.Check(addr, 1, false); err != nil {
		return 0, fmt.Errorf("%#x is no stand-in of the VM (link the image with the VM's ksym stand-ins): %w", addr, err)
	}
	return addr, nil
}

// legacyLoadsAllowed refuses the legacy packet loads (LD_ABS, LD_IND) of
// a program whose type the kernel's may_access_skb does not allow them:
// all but socket filter, sched_cls and sched_act.
func legacyLoadsAllowed(p *link.Program) error {
	switch p.Type {
	case unix.BPF_PROG_TYPE_SOCKET_FILTER, unix.BPF_PROG_TYPE_SCHED_CLS, unix.BPF_PROG_TYPE_SCHED_ACT:
		return nil
	}
	for pc := 0; pc < len(p.Insns); pc++ {
		ins := p.Insns[pc]
		if ins.IsLoadImm64() {
			pc++
			continue
		}
		if ins.Class() == insn.ClassLD {
			return fmt.Errorf("instruction %d: legacy packet loads (LD_ABS, LD_IND) are not allowed in %s programs", pc, progTypeName(p.Type))
		}
	}
	return nil
}

// earlyReturnsDescribed refuses, as the kernel's check_abnormal_return
// does, a program without BTF func_info and line_info whose subprograms
// make legacy packet loads or tail calls: both may leave a subprogram
// early, which the kernel verifies only when BTF describes it.
func earlyReturnsDescribed(p *link.Program) error {
	if len(p.FuncInfos) > 0 || len(p.LineInfos) > 0 || len(p.Functions) < 2 {
		return nil
	}
	for _, f := range p.Functions[1:] {
		for pc := f.Start; pc < f.Start+f.Len && pc < len(p.Insns); pc++ {
			ins := p.Insns[pc]
			switch {
			case ins.IsLoadImm64():
				pc++
			case ins.Class() == insn.ClassLD:
				return fmt.Errorf("instruction %d (function %s): LD_ABS is not allowed in subprograms without BTF", pc, f.Name)
			case ins.IsHelperCall() && ins.Imm == 12: // bpf_tail_call
				return fmt.Errorf("instruction %d (function %s): tail_call is not allowed in subprograms without BTF", pc, f.Name)
			}
		}
	}
	return nil
}

// progTypeName names a program type as bpftool does.
func progTypeName(typ uint32) string {
	if name, ok := uapi.ProgTypeName(typ); ok {
		return name
	}
	return fmt.Sprintf("type %d", typ)
}
