package elf

import (
	goelf "debug/elf"

	"github.com/bpfld/bpfld/insn"
	"github.com/cilium/ebpf/btf"
)

// loadExterns lists the named undefined symbols and decides what each
// stands for, in this order:
//
//   - a member of BTF DATASEC .kconfig is ExternKconfig;
//   - a member of BTF DATASEC .ksyms is ExternKsym: a kfunc (FUNC) or a
//     kernel variable (VAR, typed or `const void`);
//   - a member of BTF DATASEC .maps is ExternMap;
//   - a BTF FUNC of that name with extern linkage is ExternFunction, a VAR
//     with extern linkage ExternVariable;
//   - without BTF for it: STT_FUNC, or the target of a call relocation
//     (R_BPF_64_32 on a call instruction), is ExternFunction, anything
//     else ExternVariable.
//
// clang writes every extern as an STT_NOTYPE symbol, so only BTF tells a
// map, a kconfig value or a ksym from a variable.
func (rd *reader) loadExterns() error {
	called := rd.calledSymbols()
	for i := 1; i < len(rd.obj.Symbols); i++ {
		sym := &rd.obj.Symbols[i]
		if !isExternSymbol(sym) {
			continue
		}
		ext := &Extern{Name: sym.Name, Symbol: i, Weak: sym.Bind == goelf.STB_WEAK}
		kind, typ, err := rd.classifyExtern(sym, called[i])
		if err != nil {
			return err
		}
		ext.Kind, ext.Type = kind, typ
		rd.obj.Externs = append(rd.obj.Externs, ext)
	}
	return nil
}

func (rd *reader) classifyExtern(sym *Symbol, called bool) (ExternKind, btf.Type, error) {
	for _, ds := range []struct {
		name string
		kind ExternKind
	}{
		{".kconfig", ExternKconfig},
		{".ksyms", ExternKsym},
		{".maps", ExternMap},
	} {
		members, err := rd.datasec(ds.name)
		if err != nil {
			return 0, nil, err
		}
		if t, ok := members[sym.Name]; ok {
			return ds.kind, t, nil
		}
	}

	switch t := rd.externBTF(sym.Name).(type) {
	case *btf.Func:
		return ExternFunction, t, nil
	case *btf.Var:
		return ExternVariable, t, nil
	}
	if sym.Type == goelf.STT_FUNC || called {
		return ExternFunction, nil, nil
	}
	return ExternVariable, nil, nil
}

// calledSymbols returns the symbols that call relocations in code name.
func (rd *reader) calledSymbols() map[int]bool {
	called := make(map[int]bool)
	for _, sec := range rd.obj.Sections {
		if sec.Kind != SectionCode {
			continue
		}
		for _, rel := range sec.Relocs {
			if rel.Type == R_BPF_64_32 && sec.Insns[rel.Offset/insn.Size].OpCode == insn.OpCall {
				called[rel.Symbol] = true
			}
		}
	}
	return called
}
