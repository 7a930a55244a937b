package link

import (
	"fmt"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/reloc"
)

// Namer returns an insn.Namer that names the calls and map references of
// one of the image's programs, so that insn.Format prints
// "call pc+5#parse_ip" for a bpf-to-bpf call, "r1 = map[jmp_table]" for a
// map and "r1 = map[.data][0]+4 (count)" for a global variable, where the
// plain form has only numbers. dump, verifier messages and interpreter
// errors use it.
func (img *Image) Namer(p *Program) insn.Namer {
	return insn.FuncNamer{
		Call: func(pc int, ins insn.Instruction) string {
			if reason, ok := reloc.PoisonReason(ins); ok {
				return "<" + reason + ">"
			}
			if ins.Src != insn.PseudoCall {
				return ""
			}
			return p.functionAt(pc + int(ins.Imm) + 1)
		},
		Imm64: func(pc int, lo, hi insn.Instruction) string {
			switch lo.Src {
			case insn.PseudoFunc:
				if name := p.functionAt(pc + int(lo.Imm) + 1); name != "" {
					return "subprog[" + name + "]"
				}
			case insn.PseudoMapIdx:
				if m := img.mapAt(lo.Imm); m != nil {
					return "map[" + m.Name + "]"
				}
			case insn.PseudoMapIdxValue:
				if m := img.mapAt(lo.Imm); m != nil {
					s := fmt.Sprintf("map[%s][0]+%d", m.Name, uint32(hi.Imm))
					if v := m.variableAt(uint32(hi.Imm)); v != "" {
						s += " (" + v + ")"
					}
					return s
				}
			}
			return ""
		},
	}
}

// functionAt names the function of the program that starts at slot pc.
func (p *Program) functionAt(pc int) string {
	for _, f := range p.Functions {
		if f.Start == pc {
			return f.Name
		}
	}
	return ""
}

// mapAt returns map index i, nil when out of range.
func (img *Image) mapAt(i int32) *MapSpec {
	if i < 0 || int(i) >= len(img.Maps) {
		return nil
	}
	return img.Maps[i]
}

// variableAt names the variable of a global data map that starts at byte off.
func (m *MapSpec) variableAt(off uint32) string {
	for _, v := range m.Variables {
		if v.Offset == off {
			return v.Name
		}
	}
	return ""
}
