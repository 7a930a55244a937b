package elf

import (
	goelf "debug/elf"
	"fmt"
	"sort"

	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/insn"
)

// loadFunctions splits every code section into functions at its function
// symbols and decides which are entry programs.
//
// A function symbol is STT_FUNC of any binding, or STT_NOTYPE with global
// or weak binding, which LLVM before 8 wrote for programs; local NOTYPE
// symbols in code are jump labels (LBB0_3). A function ends at its symbol's
// size, or, when that is 0, where the next function starts or the section
// ends. A code section with instructions and no function symbol (objects
// of old compilers and hand-written assembly) is one program named after
// the section.
//
// Entry programs follow libbpf's rule: every function in a code section
// other than .text, whatever its binding, so static programs are entries
// too. Functions in .text are subprograms.
func (rd *reader) loadFunctions() error {
	bySection := make(map[int][]*Symbol)
	for i := 1; i < len(rd.obj.Symbols); i++ {
		sym := &rd.obj.Symbols[i]
		sec := rd.obj.section(sym)
		if sec == nil || sec.Kind != SectionCode || !isFunctionSymbol(sym) {
			continue
		}
		bySection[sec.Index] = append(bySection[sec.Index], sym)
	}

	for _, sec := range rd.obj.Sections {
		if sec.Kind != SectionCode {
			continue
		}
		funcs, err := rd.sectionFunctions(sec, bySection[sec.Index])
		if err != nil {
			return fmt.Errorf("section %s: %w", sec, err)
		}
		for _, fn := range funcs {
			rd.obj.Functions = append(rd.obj.Functions, fn)
			if fn.Entry {
				rd.obj.Programs = append(rd.obj.Programs, fn)
			}
		}
	}
	return nil
}

// sectionFunctions returns the functions of one code section in offset order.
func (rd *reader) sectionFunctions(sec *Section, syms []*Symbol) ([]*Function, error) {
	entry := sec.Name != ".text"
	slots := len(sec.Insns)
	if len(syms) == 0 {
		if slots == 0 {
			return nil, nil
		}
		return []*Function{{Name: sec.Name, Section: sec, Len: slots, Entry: entry, Bind: goelf.STB_GLOBAL}}, nil
	}

	sort.SliceStable(syms, func(i, j int) bool { return syms[i].Value < syms[j].Value })
	infos := rd.funcInfos(sec.Name)
	funcs := make([]*Function, 0, len(syms))
	for n, sym := range syms {
		if sym.Value%insn.Size != 0 || sym.Size%insn.Size != 0 {
			return nil, fmt.Errorf("function %s: offset %#x or size %d is not a multiple of the instruction size %d",
				sym.Name, sym.Value, sym.Size, insn.Size)
		}
		if sym.Value >= sec.Size || sec.Size-sym.Value < sym.Size {
			return nil, fmt.Errorf("function %s: offset %#x and size %d lie outside the section (%d bytes)",
				sym.Name, sym.Value, sym.Size, sec.Size)
		}
		start := int(sym.Value / insn.Size)
		end := start + int(sym.Size/insn.Size)
		if sym.Size == 0 {
			end = slots
			for _, next := range syms[n+1:] {
				if next.Value > sym.Value {
					end = int(next.Value / insn.Size)
					break
				}
			}
		}
		funcs = append(funcs, &Function{
			Name:       sym.Name,
			Symbol:     sym.Index,
			Section:    sec,
			Offset:     start,
			Len:        end - start,
			Entry:      entry,
			Bind:       sym.Bind,
			Visibility: sym.Visibility,
			BTF:        infos[start],
		})
		if rd.obj.ExtInfos == nil {
			funcs[len(funcs)-1].BTF = rd.funcByName(sym.Name)
		}
	}
	return funcs, nil
}

// funcInfos returns the BTF functions that .BTF.ext's func_info places in
// a section, by instruction slot.
func (rd *reader) funcInfos(section string) map[int]*btf.Func {
	infos := make(map[int]*btf.Func)
	if rd.obj.ExtInfos == nil {
		return infos
	}
	for _, fo := range rd.obj.ExtInfos.Funcs[section] {
		infos[int(fo.Offset)] = fo.Func
	}
	return infos
}

// isFunctionSymbol reports whether a symbol in a code section starts a function.
func isFunctionSymbol(sym *Symbol) bool {
	switch sym.Type {
	case goelf.STT_FUNC:
		return sym.Name != ""
	case goelf.STT_NOTYPE:
		return sym.Name != "" && sym.Bind != goelf.STB_LOCAL
	}
	return false
}

// funcByName finds the BTF FUNC of a function by its name, for objects
// whose BTF has no usable func_info (GCC 12 writes an empty .BTF.ext that
// the btf package rejects). It returns nil unless there is exactly one.
func (rd *reader) funcByName(name string) *btf.Func {
	if rd.obj.BTF == nil {
		return nil
	}
	var fn *btf.Func
	_, err := catchPanic(func() (any, error) {
		return nil, rd.obj.BTF.TypeByName(name, &fn)
	})
	if err != nil {
		return nil
	}
	return fn
}
