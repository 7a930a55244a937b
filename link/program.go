package link

import (
	"fmt"
	"sort"

	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/reloc"
)

// buildPrograms assembles every entry program that won resolution, in
// link order.
func (b *imageBuilder) buildPrograms() error {
	for _, o := range b.l.objs {
		for _, fn := range o.Programs {
			if !b.l.wins(o, fn) {
				continue
			}
			p, err := b.assemble(o, fn)
			if err != nil {
				return err
			}
			b.img.Programs = append(b.img.Programs, p)
		}
	}
	return nil
}

// assemble builds one entry program: the entry function, then every
// subprogram it reaches in the order the work queue finds them, each call
// and function address pointed at where its target landed, as libbpf's
// bpf_object__reloc_code appends subprograms to a main program.
func (b *imageBuilder) assemble(o *object, fn *elf.Function) (*Program, error) {
	l := b.l
	order, err := l.reach([]fid{l.funcIndex[fn]})
	if err != nil {
		return nil, err
	}
	progType, attachType, attachTo := sectionType(fn.Section.Name)
	p := &Program{
		Name:               fn.Name,
		SectionName:        fn.Section.Name,
		Type:               progType,
		ExpectedAttachType: attachType,
		AttachTo:           attachTo,
		License:            o.License,
		KernelVersion:      o.KernelVersion,
		Object:             o.Path,
	}

	start := make(map[fid]int, len(order))
	for _, f := range order {
		e := &l.funcs[f]
		start[f] = len(p.Insns)
		insns, err := b.prepare(f)
		if err != nil {
			return nil, err
		}
		p.Insns = append(p.Insns, insns...)
		p.Functions = append(p.Functions, FunctionRange{
			Name: e.fn.Name, Start: start[f], Len: e.fn.Len, Object: l.objs[e.obj].Path,
		})
	}

	unresolved := make(map[string]bool)
	for _, f := range order {
		refs, err := l.refs(f)
		if err != nil {
			return nil, err
		}
		for _, r := range refs {
			at := start[f] + r.slot
			switch r.kind {
			case refCall:
				err = reloc.SetCall(p.Insns, at, start[r.target]+r.off)
			case refFuncAddr:
				err = reloc.SetFuncAddr(p.Insns, at, start[r.target]+r.off)
			case refUnresolved:
				name := l.syms[r.sym].name
				if !unresolved[name] {
					unresolved[name] = true
					p.Unresolved = append(p.Unresolved, name)
				}
				if p.Insns[at].OpCode == insn.OpCall {
					err = reloc.PoisonCall(p.Insns, at)
				}
			}
			if err != nil {
				e := &l.funcs[f]
				return nil, fmt.Errorf("program %s: function %s: instruction %d: %w", p.Name, e.fn.Name, r.slot, err)
			}
		}
	}
	b.extInfos(p, order, start)
	return p, nil
}

// extInfos fills a program's func_info and line_info from its functions',
// moved to where each function landed. The kernel wants func_info for
// every function and a line_info at the start of each, or none at all, so
// a program that mixes objects with and without them gets none.
func (b *imageBuilder) extInfos(p *Program, order []fid, start map[fid]int) {
	l := b.l
	var funcs btf.FuncOffsets
	var lines btf.LineOffsets
	linesOK := true
	for _, f := range order {
		e := &l.funcs[f]
		o := l.objs[e.obj]
		fn := imageFuncBTF(l, o, e.fn)
		if fn == nil {
			p.FuncInfos, p.LineInfos = nil, nil
			return
		}
		funcs = append(funcs, btf.FuncOffset{Offset: asm.RawInstructionOffset(start[f]), Func: fn})

		fl := functionLines(o, e.fn)
		if len(fl) == 0 || int(fl[0].Offset) != e.fn.Offset {
			linesOK = false
		}
		for _, li := range fl {
			li.Offset = asm.RawInstructionOffset(int(li.Offset) - e.fn.Offset + start[f])
			lines = append(lines, li)
		}
	}
	p.FuncInfos = funcs
	if linesOK {
		p.LineInfos = lines
	}
}

// imageFuncBTF returns the BTF of a function as the image gives it to the
// kernel: a global function with hidden visibility is marked static, as
// libbpf does (mark_btf_static), so that the verifier checks it with its
// caller rather than as a global function on its own.
func imageFuncBTF(l *linker, o *object, fn *elf.Function) *btf.Func {
	if fn.BTF == nil {
		return nil
	}
	if fn.BTF.Linkage == btf.StaticFunc || !l.hiddenFunc(o, fn) {
		return fn.BTF
	}
	cp := *fn.BTF
	cp.Linkage = btf.StaticFunc
	return &cp
}

// hiddenFunc reports whether a global function is hidden once linked.
func (l *linker) hiddenFunc(o *object, fn *elf.Function) bool {
	if fn.Symbol <= 0 {
		return false
	}
	_, g := l.lookup(o, fn.Symbol)
	return g != nil && !g.local && g.hidden
}

// functionLines returns the line_info records of one function, with their
// section offsets.
func functionLines(o *object, fn *elf.Function) btf.LineOffsets {
	if o.ExtInfos == nil {
		return nil
	}
	all := o.ExtInfos.Lines[fn.Section.Name]
	lo := sort.Search(len(all), func(i int) bool { return int(all[i].Offset) >= fn.Offset })
	hi := sort.Search(len(all), func(i int) bool { return int(all[i].Offset) >= fn.Offset+fn.Len })
	return all[lo:hi]
}
