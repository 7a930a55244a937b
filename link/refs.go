package link

import (
	"cmp"
	goelf "debug/elf"
	"errors"
	"fmt"
	"slices"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/reloc"
)

// fid is a dense index into linker.funcs: every function of every object.
type fid int32

// funcEntry is one function of one object.
type funcEntry struct {
	obj int
	fn  *elf.Function
	// refs are the function's references, found on first use.
	refs    []ref
	scanned bool
}

// refKind says what an instruction refers to.
type refKind uint8

// Reference kinds.
const (
	refCall       refKind = iota // bpf-to-bpf call
	refFuncAddr                  // ld_imm64 of a function's address (BPF_PSEUDO_FUNC), e.g. a bpf_loop callback
	refMap                       // ld_imm64 of a map
	refData                      // ld_imm64 of an address in global data
	refKconfig                   // ld_imm64 of a .kconfig extern
	refKsym                      // ld_imm64 of a kernel variable, or a kfunc call
	refUnresolved                // an extern that no input defines (partial link)
)

// ref is one reference from an instruction of a function, resolved to
// what it names in the linked result.
type ref struct {
	// slot is the instruction's slot in its function.
	slot int
	kind refKind
	// target and off are the called function and the slot in it (0 but
	// for calls into the middle of a function), for refCall and refFuncAddr.
	target fid
	off    int
	// m is the map of a refMap: the winning definition.
	m *elf.Map
	// dataObj, dataSec and dataOff locate the byte a refData points to:
	// an input data section and the offset in it.
	dataObj int
	dataSec *elf.Section
	dataOff int64
	// sym is the extern of a refKconfig, refKsym or refUnresolved.
	sym sym
}

// numberFunctions gives every function of every object its dense index.
func (l *linker) numberFunctions() {
	n := 1
	for _, o := range l.objs {
		n += len(o.Functions)
	}
	l.funcs = make([]funcEntry, 1, n)
	l.funcIndex = make(map[*elf.Function]fid, n)
	for _, o := range l.objs {
		for _, fn := range o.Functions {
			l.funcIndex[fn] = fid(len(l.funcs))
			l.funcs = append(l.funcs, funcEntry{obj: o.index, fn: fn})
		}
	}
}

// refs returns the references of a function, scanning it on first use.
func (l *linker) refs(f fid) ([]ref, error) {
	e := &l.funcs[f]
	if e.scanned {
		return e.refs, nil
	}
	o := l.objs[e.obj]
	refs, err := l.scan(o, e.fn)
	if err != nil {
		return nil, fmt.Errorf("%s: section %s: function %s: %w", o.Path, e.fn.Section.Name, e.fn.Name, err)
	}
	e.refs, e.scanned = refs, true
	return refs, nil
}

// scan finds every call, function address, map and data reference of a
// function, following its relocations as libbpf's loader does
// (bpf_program__record_reloc) and the calls clang wrote without one.
func (l *linker) scan(o *object, fn *elf.Function) ([]ref, error) {
	relocs := o.relocs[fn.Section.Index]
	// The relocations are sorted: walk them along with the instructions.
	next, _ := slices.BinarySearchFunc(relocs, uint64(fn.Offset)*insn.Size, func(r elf.Reloc, off uint64) int {
		return cmp.Compare(r.Offset, off)
	})
	insns := fn.Insns()
	refs := make([]ref, 0, 4)
	for i := 0; i < len(insns); i++ {
		ins := insns[i]
		slot := fn.Offset + i
		off := uint64(slot) * insn.Size
		for next < len(relocs) && relocs[next].Offset < off {
			next++
		}
		var rel elf.Reloc
		hasRel := next < len(relocs) && relocs[next].Offset == off
		if hasRel {
			rel = relocs[next]
		}
		var r ref
		var ok bool
		var err error
		switch {
		case ins.OpCode == insn.OpCall && hasRel:
			r, err = l.callRef(o, ins, rel)
			ok = true
		case ins.OpCode == insn.OpCall && ins.Src == insn.PseudoCall:
			// A call without relocation counts slots from the next
			// instruction, within the section.
			r, err = l.slotRef(o, fn.Section.Index, reloc.PCRelTarget(slot, ins), refCall)
			ok = true
		case ins.IsLoadImm64() && hasRel:
			r, err = l.ldImm64Ref(o, ins, rel)
			ok = true
		case ins.IsPseudoFunc():
			r, err = l.slotRef(o, fn.Section.Index, reloc.PCRelTarget(slot, ins), refFuncAddr)
			ok = true
		}
		if err != nil {
			return nil, fmt.Errorf("instruction %d (%s): %w", i, insn.Format(insns, i, nil), err)
		}
		if ok {
			r.slot = i
			refs = append(refs, r)
		}
		if ins.IsLoadImm64() {
			i++
		}
	}
	return refs, nil
}

// callRef resolves a relocated call: to a function by its symbol (global
// functions: imm -1) or by its section symbol and imm (static functions),
// or to a kfunc.
func (l *linker) callRef(o *object, ins insn.Instruction, rel elf.Reloc) (ref, error) {
	s := &o.Symbols[rel.Symbol]
	if s.Type == goelf.STT_SECTION {
		slot, err := reloc.CallRelocTarget(s.Value, ins.Imm)
		if err != nil {
			return ref{}, err
		}
		return l.slotRef(o, int(s.Section), slot, refCall)
	}
	id, g := l.lookup(o, rel.Symbol)
	if g == nil {
		return ref{}, fmt.Errorf("call to symbol %s, which is not a function", o.SymbolName(rel.Symbol))
	}
	switch g.kind {
	case kindKsym:
		return ref{kind: refKsym, sym: id}, nil
	case kindFunc:
	default:
		return ref{}, fmt.Errorf("call to %s %s", g.kind, g.name)
	}
	if !g.defined() {
		return ref{kind: refUnresolved, sym: id}, nil
	}
	// A call relocated against a function's own symbol goes to its start:
	// clang writes imm -1 there (libbpf's symValue/8 + imm + 1), GCC 12 the
	// symbol's own offset, which would count twice; cilium/ebpf too reads
	// the symbol alone.
	return l.funcRef(g, 0, refCall)
}

// ldImm64Ref resolves a relocated 64-bit load: of a map, of an address in
// global data, of a function's address, or of a .kconfig or .ksyms extern.
func (l *linker) ldImm64Ref(o *object, ins insn.Instruction, rel elf.Reloc) (ref, error) {
	s := &o.Symbols[rel.Symbol]
	id, g := l.lookup(o, rel.Symbol)
	// The addend is imm only against a section symbol (static variables,
	// static functions). Against a named symbol clang writes 0 (LLVM's BPF
	// backend refuses an offset from a global) and GCC 12 the symbol's own
	// offset, which would count twice: the reference is to the symbol.
	var addend int64
	if s.Type == goelf.STT_SECTION {
		addend = int64(ins.Imm)
	}

	if !s.IsDefined() {
		if g == nil {
			return ref{}, fmt.Errorf("load of extern %s, which is no function, map or variable", s.Name)
		}
		if !g.defined() {
			switch g.kind {
			case kindKconfig:
				return ref{kind: refKconfig, sym: id, dataOff: addend}, nil
			case kindKsym:
				return ref{kind: refKsym, sym: id}, nil
			}
			return ref{kind: refUnresolved, sym: id}, nil
		}
		return l.definedRef(g, addend)
	}

	if int(s.Section) >= len(o.Sections) {
		return ref{}, fmt.Errorf("load of symbol %s in special section %#x", o.SymbolName(rel.Symbol), uint16(s.Section))
	}
	sec := o.Sections[s.Section]
	if g != nil && !g.local {
		// A global symbol refers to whichever definition won.
		return l.definedRef(g, addend)
	}
	switch sec.Kind {
	case elf.SectionCode:
		slot, err := reloc.FuncAddrRelocTarget(s.Value, int32(addend))
		if err != nil {
			return ref{}, err
		}
		return l.slotRef(o, sec.Index, slot, refFuncAddr)
	case elf.SectionMaps, elf.SectionLegacyMaps:
		// libbpf finds the map by the symbol's offset and ignores imm.
		m := o.maps[sec.Index][s.Value]
		if m == nil {
			return ref{}, fmt.Errorf("no map at offset %d of section %s", s.Value, sec.Name)
		}
		return ref{kind: refMap, m: m}, nil
	case elf.SectionData:
		return ref{kind: refData, dataObj: o.index, dataSec: sec, dataOff: int64(s.Value) + addend}, nil
	}
	return ref{}, fmt.Errorf("load of symbol %s in section %s, which holds no code, map or data",
		o.SymbolName(rel.Symbol), sec.Name)
}

// definedRef is the reference to a defined global symbol, addend bytes
// into it.
func (l *linker) definedRef(g *symbol, addend int64) (ref, error) {
	switch g.kind {
	case kindFunc:
		if addend%insn.Size != 0 {
			return ref{}, fmt.Errorf("address %d bytes into function %s is not on an instruction boundary", addend, g.name)
		}
		return l.funcRef(g, int(addend/insn.Size), refFuncAddr)
	case kindMap:
		return ref{kind: refMap, m: g.m}, nil
	case kindVar:
		return ref{kind: refData, dataObj: g.def, dataSec: g.v.Section, dataOff: int64(g.v.Offset) + addend}, nil
	}
	return ref{}, fmt.Errorf("load of %s %s", g.kind, g.name)
}

// funcRef is a call or address of slot off of a defined function.
func (l *linker) funcRef(g *symbol, off int, kind refKind) (ref, error) {
	if off < 0 || off >= g.fn.Len {
		return ref{}, fmt.Errorf("target is slot %d of function %s, which has %d", off, g.name, g.fn.Len)
	}
	return ref{kind: kind, target: l.funcIndex[g.fn], off: off}, nil
}

// slotRef is a call or address of a slot of a code section of an object.
// A target inside a global function goes to the definition that won, as a
// reference by symbol would.
func (l *linker) slotRef(o *object, sec, slot int, kind refKind) (ref, error) {
	fn, off, ok := o.functionAt(sec, slot)
	if !ok {
		name := "#" + fmt.Sprint(sec)
		if sec >= 0 && sec < len(o.Sections) {
			name = o.Sections[sec].Name
		}
		return ref{}, fmt.Errorf("target slot %d of section %s is in no function", slot, name)
	}
	if fn.Symbol > 0 {
		if _, g := l.lookup(o, fn.Symbol); g != nil && g.fn != nil && g.fn != fn {
			fn = g.fn
			if off >= fn.Len {
				return ref{}, errors.New("call into the middle of a weak function that another definition overrides")
			}
		}
	}
	return ref{kind: kind, target: l.funcIndex[fn], off: off}, nil
}
