package link

import (
	goelf "debug/elf"
	"fmt"
	"sort"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/insn"
)

// relocateCode rewrites the references of every written function into
// relocations of the output, in the forms clang writes and both libbpf
// and cilium/ebpf read.
func (ow *objWriter) relocateCode() error {
	counts := make(map[*outSection]int)
	for _, f := range ow.kept {
		refs, err := ow.l.refs(f)
		if err != nil {
			return err
		}
		counts[ow.funcs[f].sec] += len(refs)
	}
	for s, n := range counts {
		s.relocs = make([]outReloc, 0, n)
	}
	for _, f := range ow.kept {
		of := ow.funcs[f]
		refs, err := ow.l.refs(f)
		if err != nil {
			return err
		}
		for _, r := range refs {
			if err := ow.relocate(of, r); err != nil {
				return fmt.Errorf("%s: section %s: function %s: instruction %d: %w",
					of.obj.Path, of.fn.Section.Name, of.fn.Name, r.slot, err)
			}
		}
	}
	for _, s := range ow.codeSections {
		sort.SliceStable(s.relocs, func(i, j int) bool { return s.relocs[i].off < s.relocs[j].off })
	}
	return nil
}

// relocate turns one reference of a written function into a relocation
// and sets the instruction's immediate to the addend that goes with it.
func (ow *objWriter) relocate(of *outFunc, r ref) error {
	slot := of.slot + r.slot
	off := uint64(slot) * insn.Size
	code := of.sec.data
	ins := insn.DecodeOne(code[off:])
	ld := ins.IsLoadImm64()
	if ld && int(off)+2*insn.Size > len(code) {
		return fmt.Errorf("ld_imm64 without its second slot")
	}
	setHi := func(imm int32) {
		hi := insn.DecodeOne(code[off+insn.Size:])
		hi.Imm = imm
		hi.Encode(code[off+insn.Size:])
	}
	add := func(typ elf.RelocType, s *outSym) {
		of.sec.relocs = append(of.sec.relocs, outReloc{off: off, typ: typ, sym: s})
	}

	switch r.kind {
	case refCall, refFuncAddr:
		t := ow.funcs[r.target]
		if t == nil {
			return fmt.Errorf("target %s is not written", ow.l.funcs[r.target].fn.Name)
		}
		if r.kind == refCall {
			// A call to a global or weak function goes by its symbol with
			// imm -1; a call to a static one by its section's symbol with
			// the slot before the target in imm (libbpf: RELO_CALL;
			// cilium/ebpf requires these two forms).
			ins.Src = insn.PseudoCall
			if t.sym.bind != goelf.STB_LOCAL {
				ins.Imm = int32(r.off - 1)
				add(elf.R_BPF_64_32, t.sym)
			} else {
				ins.Imm = int32(t.slot + r.off - 1)
				add(elf.R_BPF_64_32, t.sec.sectionSymbol())
			}
			break
		}
		// A function address goes by the symbol of a global function with
		// a byte offset into it, else by the section's symbol with the
		// function's byte offset (cilium/ebpf takes STT_FUNC here only
		// when global).
		ins.Src = insn.PseudoFunc
		setHi(0)
		if t.sym.bind == goelf.STB_GLOBAL {
			ins.Imm = int32(r.off * insn.Size)
			add(elf.R_BPF_64_64, t.sym)
		} else {
			ins.Imm = int32((t.slot + r.off) * insn.Size)
			add(elf.R_BPF_64_64, t.sec.sectionSymbol())
		}
	case refMap:
		om := ow.maps[r.m]
		if om == nil {
			return fmt.Errorf("map %s is not written", r.m.Name)
		}
		ins.Src, ins.Imm = 0, 0
		setHi(0)
		add(elf.R_BPF_64_64, om.sym)
	case refData:
		ds, dataOff, err := ow.data.offset(r)
		if err != nil {
			return err
		}
		out := ow.dataOut[ds]
		if out == nil {
			return fmt.Errorf("data section %s is empty", ds.name)
		}
		// Against the section symbol, the offset in imm: the form clang
		// writes for static variables, and the one cilium/ebpf reads the
		// offset of (for a variable's symbol it ignores imm).
		ins.Src, ins.Imm = 0, int32(dataOff)
		setHi(0)
		add(elf.R_BPF_64_64, out.sectionSymbol())
	case refKconfig, refKsym, refUnresolved:
		// Left to the loader (or to a later link) as clang wrote it.
		typ := elf.R_BPF_64_32
		if ld {
			typ = elf.R_BPF_64_64
		}
		add(typ, ow.externSym(r.sym))
	}
	ins.Encode(code[off:])
	return nil
}
