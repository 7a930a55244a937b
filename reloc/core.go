package reloc

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/insn"
)

// COREPoison is the helper number of the call that replaces an instruction
// whose CO-RE relocation has no solution in the target BTF, as libbpf and
// cilium/ebpf poison it ("bad relo"). Objects guard such instructions with
// bpf_core_field_exists and the like, so a verifier that prunes dead
// branches never reaches them; one that does reach a call to COREPoison
// must reject the program with "unresolved CO-RE relocation", not with
// "unknown helper".
const COREPoison = btf.COREBadRelocationSentinel

// KfuncPoison is the helper number of the call that replaces a call to a
// __weak kfunc the target lacks. libbpf uses 2002000000 plus the extern's
// index; that does not fit cilium/ebpf's platform-tagged helper numbers
// (below 1<<28), so bpfld uses cilium/ebpf's constant. A verifier that
// reaches it must reject the program with "call to unresolved weak kfunc".
const KfuncPoison = 0xdedc0de

// PoisonReason tells whether ins is one of the invalid calls this package
// puts in place of an instruction that must never run, and why.
func PoisonReason(ins insn.Instruction) (string, bool) {
	if ins.OpCode != insn.OpCall || ins.Src != 0 {
		return "", false
	}
	switch ins.Imm {
	case COREPoison:
		return "unresolved CO-RE relocation", true
	case KfuncPoison:
		return "call to unresolved weak kfunc", true
	case ExternPoison:
		return "call to an extern function no object defines", true
	}
	return "", false
}

// LoadTargetBTF loads the BTF that CO-RE relocations and ksyms resolve
// against: the running kernel's (/sys/kernel/btf/vmlinux) when path is
// empty, else the file at path, raw BTF (as /sys/kernel/btf/vmlinux or
// `bpftool btf dump file X format raw` gives it) or an ELF file with a .BTF
// section (a vmlinux image, a btfhub file).
func LoadTargetBTF(path string) (*btf.Spec, error) {
	if path == "" {
		spec, err := btf.LoadKernelSpec()
		if err != nil {
			return nil, fmt.Errorf("load kernel BTF: %w", err)
		}
		return spec, nil
	}
	spec, err := btf.LoadSpec(path)
	if errors.Is(err, btf.ErrNotFound) {
		return nil, fmt.Errorf("load target BTF %s: ELF file without a .BTF section", path)
	}
	if err != nil {
		return nil, fmt.Errorf("load target BTF %s: %w", path, err)
	}
	return spec, nil
}

// ApplyCORE applies CO-RE relocations to insns against targets, in place.
//
// Offsets in relos count instruction slots from the start of insns. The
// records of a .BTF.ext section (btf.ExtInfos.CORERelos[name]) count them
// from the start of their code section, so the simplest use is one call per
// code section with the section's instructions, before functions are cut
// out of it; to relocate one function of a section, pick its records with
// CORERelosIn first.
//
// targets[0] is the kernel's BTF (see LoadTargetBTF); more specs may follow
// (kernel modules), as for btf.CORERelocate. local is the BTF the program
// is loaded with: a local_type_id relocation (bpf_core_type_id_local)
// becomes the id of its type in local, which must hold the very btf.Type
// values the relocations refer to (true of the spec the records were read
// with). local may be nil when no such relocation is present.
//
// A relocation with no solution in the target poisons its instruction, as
// libbpf does: the instruction, both slots of a 64-bit load, becomes a call
// to helper COREPoison. Errors name the relocation (kind, type and
// accessor) and the instruction.
func ApplyCORE(insns []insn.Instruction, relos btf.CORERelocationOffsets, local *btf.Spec, targets []*btf.Spec) error {
	var localTypeID func(btf.Type) (btf.TypeID, error)
	if local != nil {
		localTypeID = local.TypeID
	}
	return ApplyCOREWith(insns, relos, localTypeID, targets)
}

// ApplyCOREWith is ApplyCORE with the local type ids given by a function,
// for a caller that assigns them itself (e.g. btf.Builder.Add while it
// builds the BTF the program is loaded with).
func ApplyCOREWith(insns []insn.Instruction, relos btf.CORERelocationOffsets, localTypeID func(btf.Type) (btf.TypeID, error), targets []*btf.Spec) error {
	if len(relos) == 0 {
		return nil
	}
	if len(targets) == 0 || targets[0] == nil {
		return errors.New("CO-RE relocations: no target BTF")
	}
	if localTypeID == nil {
		localTypeID = func(t btf.Type) (btf.TypeID, error) {
			return 0, fmt.Errorf("local type id of %v: no local BTF given", t)
		}
	}

	second := secondSlots(insns)
	list := make([]*btf.CORERelocation, len(relos))
	for i, r := range relos {
		at := int(r.Offset)
		if at < 0 || at >= len(insns) {
			return fmt.Errorf("instruction %d: %s: outside the %d instructions relocated", at, r.Relo, len(insns))
		}
		if second[at] {
			return fmt.Errorf("instruction %d: %s: second slot of a 64-bit load", at, r.Relo)
		}
		list[i] = r.Relo
	}

	fixups, err := btf.CORERelocate(list, targets, binary.LittleEndian, localTypeID)
	if err != nil {
		return diagnoseCORE(insns, relos, targets, localTypeID, err)
	}
	for i := range fixups {
		at := int(relos[i].Offset)
		if err := applyFixup(insns, at, &fixups[i]); err != nil {
			return fmt.Errorf("instruction %d (%s): %s: %w", at, insn.Format(insns, at, nil), relos[i].Relo, err)
		}
	}
	return nil
}

// CORERelosIn returns the relocations of relos that fall in the n slots
// starting at slot start, with offsets counted from start: the records of
// one function, given those of its section.
func CORERelosIn(relos btf.CORERelocationOffsets, start, n int) btf.CORERelocationOffsets {
	var out btf.CORERelocationOffsets
	for _, r := range relos {
		if off := int(r.Offset); off >= start && off < start+n {
			r.Offset = asm.RawInstructionOffset(off - start)
			out = append(out, r)
		}
	}
	return out
}

// diagnoseCORE names the relocation behind err, which btf.CORERelocate
// reports per local type: it relocates each record alone and blames the
// first that fails. If none fails alone (the records of one type have no
// common target), err is returned with the count of records.
func diagnoseCORE(insns []insn.Instruction, relos btf.CORERelocationOffsets, targets []*btf.Spec, localTypeID func(btf.Type) (btf.TypeID, error), err error) error {
	for _, r := range relos {
		if _, e := btf.CORERelocate([]*btf.CORERelocation{r.Relo}, targets, binary.LittleEndian, localTypeID); e != nil {
			at := int(r.Offset)
			return fmt.Errorf("instruction %d (%s): %s: %w", at, insn.Format(insns, at, nil), r.Relo, e)
		}
	}
	return fmt.Errorf("CO-RE relocations (%d records): %w", len(relos), err)
}

// applyFixup rewrites the instruction at slot at with cilium/ebpf's fixup,
// going through asm.Instruction and back, and turns cilium/ebpf's poison
// into libbpf's.
func applyFixup(insns []insn.Instruction, at int, f *btf.COREFixup) error {
	if insns[at].IsLoadImm64() && at+1 >= len(insns) {
		return errors.New("64-bit load without its second slot")
	}
	ins := toAsm(insns, at)
	if err := f.Apply(&ins); err != nil {
		return err
	}
	if isCOREPoison(ins) {
		poisonCORE(insns, at)
		return nil
	}
	insns[at].Off = ins.Offset
	if insns[at].IsLoadImm64() {
		insns[at].Imm = int32(uint32(ins.Constant))
		insns[at+1].Imm = int32(uint32(uint64(ins.Constant) >> 32))
		return nil
	}
	insns[at].Imm = int32(ins.Constant)
	return nil
}

// toAsm returns the instruction at slot at as cilium/ebpf's
// asm.Instruction, with the 64-bit constant of both slots of a 64-bit load.
// The opcode is kept raw: CO-RE fixups only read its class, size and
// source bits and change Offset or Constant.
func toAsm(insns []insn.Instruction, at int) asm.Instruction {
	i := insns[at]
	ins := asm.Instruction{
		OpCode:   asm.OpCode(i.OpCode),
		Dst:      asm.Register(i.Dst),
		Src:      asm.Register(i.Src),
		Offset:   i.Off,
		Constant: int64(i.Imm),
	}
	if i.IsLoadImm64() && at+1 < len(insns) {
		ins.Constant = int64(insn.Imm64(i, insns[at+1]))
	}
	return ins
}

// isCOREPoison recognises what btf.COREFixup.Apply leaves for a poisoned
// relocation: a call to COREPoison, or for a 64-bit load, a load of
// COREPoison into the read-only R10.
func isCOREPoison(ins asm.Instruction) bool {
	if ins.Constant != COREPoison {
		return false
	}
	return ins.IsBuiltinCall() || (ins.OpCode.IsDWordLoad() && ins.Dst == asm.R10)
}

// poisonCORE replaces the instruction at slot at with a call to COREPoison,
// both slots of a 64-bit load, as libbpf's bpf_core_poison_insn does (it
// poisons the second slot too so that the verifier does not stop at an
// "unknown opcode 00").
func poisonCORE(insns []insn.Instruction, at int) {
	n := 1
	if insns[at].IsLoadImm64() {
		n = 2
	}
	for k := at; k < at+n; k++ {
		insns[k] = insn.Instruction{OpCode: insn.OpCall, Imm: COREPoison}
	}
}

// secondSlots marks the second slot of every 64-bit load in insns.
func secondSlots(insns []insn.Instruction) []bool {
	second := make([]bool, len(insns))
	for k := 0; k < len(insns); k++ {
		if insns[k].IsLoadImm64() && k+1 < len(insns) {
			second[k+1] = true
			k++
		}
	}
	return second
}
