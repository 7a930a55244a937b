package kernel

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/link"
)

// programSpec converts a linked program to cilium/ebpf's blueprint: map
// references by index become references to the collection's kernel maps,
// and func_info and line_info travel as instruction metadata so that the
// kernel's verifier log shows source lines.
func programSpec(p *link.Program, maps []*ebpf.Map) (*ebpf.ProgramSpec, error) {
	raw := insn.Encode(p.Insns)
	insns, err := asm.AppendInstructions(nil, bytes.NewReader(raw), binary.LittleEndian, "linux")
	if err != nil {
		return nil, fmt.Errorf("program %s: decode: %w", p.Name, err)
	}

	funcs := make(map[asm.RawInstructionOffset]*btf.Func, len(p.FuncInfos))
	for _, fi := range p.FuncInfos {
		funcs[fi.Offset] = fi.Func
	}
	lines := make(map[asm.RawInstructionOffset]*btf.Line, len(p.LineInfos))
	for _, li := range p.LineInfos {
		lines[li.Offset] = li.Line
	}

	var offset asm.RawInstructionOffset
	for i := range insns {
		ins := &insns[i]
		if ins.OpCode.IsDWordLoad() {
			switch ins.Src {
			case asm.Register(insn.PseudoMapIdx), asm.Register(insn.PseudoMapFD):
				if err := associate(ins, maps, asm.PseudoMapFD); err != nil {
					return nil, fmt.Errorf("program %s: instruction %d: %w", p.Name, offset, err)
				}
			case asm.Register(insn.PseudoMapIdxValue), asm.Register(insn.PseudoMapValue):
				if err := associate(ins, maps, asm.PseudoMapValue); err != nil {
					return nil, fmt.Errorf("program %s: instruction %d: %w", p.Name, offset, err)
				}
			}
		}
		if fn := funcs[offset]; fn != nil {
			*ins = btf.WithFuncMetadata(*ins, fn)
		}
		if line := lines[offset]; line != nil {
			*ins = ins.WithSource(line)
		}
		offset += ins.Width()
	}

	return &ebpf.ProgramSpec{
		Name:          objName(p.Name),
		Type:          ebpf.ProgramType(p.Type),
		AttachType:    ebpf.AttachType(p.ExpectedAttachType),
		AttachTo:      p.AttachTo,
		SectionName:   p.SectionName,
		License:       p.License,
		KernelVersion: p.KernelVersion,
		Instructions:  insns,
	}, nil
}

// associate turns a map reference by image index into one to the kernel
// map, keeping the value offset of a global data reference.
func associate(ins *asm.Instruction, maps []*ebpf.Map, src asm.Register) error {
	index := int(uint32(ins.Constant))
	if index < 0 || index >= len(maps) {
		return fmt.Errorf("map index %d out of range (%d maps)", index, len(maps))
	}
	ins.Src = src
	return ins.AssociateMap(maps[index])
}
