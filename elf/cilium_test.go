package elf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/bpfld/bpfld/insn"
)

// TestCompareCilium reads every object that cilium/ebpf's reader also
// reads and compares programs, maps and variables with what it finds.
// Objects that cilium/ebpf rejects (legacy map sections it does not know,
// GCC's BTF, typed ksyms) are listed in the log, not compared.
func TestCompareCilium(t *testing.T) {
	for _, file := range objectFiles(t) {
		spec, err := ebpf.LoadCollectionSpec(file)
		if err != nil {
			t.Logf("%s: cilium/ebpf cannot read it: %v", filepath.Base(file), err)
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			obj, err := Open(file)
			if err != nil {
				t.Fatal(err)
			}
			comparePrograms(t, obj, spec)
			compareMaps(t, obj, spec)
			compareVariables(t, obj, spec)
		})
	}
}

func comparePrograms(t *testing.T, obj *Object, spec *ebpf.CollectionSpec) {
	var ours, theirs []string
	for _, p := range obj.Programs {
		ours = append(ours, p.Name)
	}
	for name := range spec.Programs {
		theirs = append(theirs, name)
	}
	slices.Sort(ours)
	slices.Sort(theirs)
	if !slices.Equal(ours, theirs) {
		t.Errorf("programs:\nours   %v\ncilium %v", ours, theirs)
	}

	for _, p := range obj.Programs {
		ps, ok := spec.Programs[p.Name]
		if !ok {
			continue
		}
		if ps.SectionName != p.Section.Name {
			t.Errorf("program %s: section %s, cilium %s", p.Name, p.Section.Name, ps.SectionName)
		}
		theirs := ownInstructions(ps)
		ours := p.Insns()
		if len(ours) != len(theirs) {
			t.Errorf("program %s: %d slots, cilium %d", p.Name, len(ours), len(theirs))
			continue
		}
		for i := range ours {
			if !sameInstruction(ours[i], theirs[i]) {
				t.Errorf("program %s: slot %d: %+v, cilium %+v", p.Name, i, ours[i], theirs[i])
				break
			}
		}
	}
}

// ownInstructions returns a cilium/ebpf program's own instructions, in
// slots, without the subprograms it appends after them.
func ownInstructions(ps *ebpf.ProgramSpec) []insn.Instruction {
	var out []insn.Instruction
	for i, ins := range ps.Instructions {
		if i > 0 && ins.Symbol() != "" {
			break
		}
		var b bytes.Buffer
		if _, err := ins.Marshal(&b, binary.LittleEndian); err != nil {
			return out
		}
		decoded, _ := insn.Decode(b.Bytes())
		out = append(out, decoded...)
	}
	return out
}

// sameInstruction compares an instruction as read with cilium/ebpf's
// version of it, which has already resolved relocations: it ignores the
// pseudo source and immediates of ld_imm64 and the immediate of calls.
func sameInstruction(ours, theirs insn.Instruction) bool {
	if ours.OpCode != theirs.OpCode || ours.Dst != theirs.Dst || ours.Off != theirs.Off {
		return false
	}
	if ours.OpCode == insn.OpLdImm64 || ours.OpCode == 0 || ours.OpCode == insn.OpCall {
		return true
	}
	return ours.Src == theirs.Src && ours.Imm == theirs.Imm
}

func compareMaps(t *testing.T, obj *Object, spec *ebpf.CollectionSpec) {
	for name, ms := range spec.Maps {
		// cilium/ebpf turns data sections and .kconfig into maps, and
		// struct_ops sections too: none of them is a map definition.
		if strings.HasPrefix(name, ".") || ms.Type == ebpf.StructOpsMap {
			continue
		}
		i := slices.IndexFunc(obj.Maps, func(m *Map) bool { return m.Name == name })
		if i < 0 {
			t.Errorf("map %s: missing", name)
			continue
		}
		compareMap(t, obj.Maps[i], ms)
	}
}

func compareMap(t *testing.T, m *Map, ms *ebpf.MapSpec) {
	t.Helper()
	valueSize := m.ValueSize
	if ms.ValueSize == 0 && m.Value != nil {
		// cilium/ebpf drops the value size of maps whose kernel type
		// takes none (queues and stacks take one; ring buffers do not).
		valueSize = 0
	}
	if m.Type != uint32(ms.Type) || m.KeySize != ms.KeySize || valueSize != ms.ValueSize ||
		m.MaxEntries != ms.MaxEntries || m.Flags != ms.Flags || m.MapExtra != ms.MapExtra {
		t.Errorf("map %s: type %d key %d value %d max %d flags %#x extra %d, cilium %d %d %d %d %#x %d",
			m.Name, m.Type, m.KeySize, m.ValueSize, m.MaxEntries, m.Flags, m.MapExtra,
			ms.Type, ms.KeySize, ms.ValueSize, ms.MaxEntries, ms.Flags, ms.MapExtra)
	}
	if !m.Legacy && m.Pinning != uint32(ms.Pinning) {
		t.Errorf("map %s: pinning %d, cilium %d", m.Name, m.Pinning, ms.Pinning)
	}
	if !m.Legacy {
		var ours, theirs []string
		for _, v := range m.InitValues {
			ours = append(ours, fmt.Sprintf("%d:%s", v.Slot, v.Name))
		}
		for _, kv := range ms.Contents {
			theirs = append(theirs, fmt.Sprintf("%v:%v", kv.Key, kv.Value))
		}
		if !slices.Equal(ours, theirs) {
			t.Errorf("map %s: values %v, cilium %v", m.Name, ours, theirs)
		}
	}
	switch {
	case (m.Inner == nil) != (ms.InnerMap == nil):
		t.Errorf("map %s: inner map %v, cilium %v", m.Name, m.Inner, ms.InnerMap)
	case m.Inner != nil:
		compareMap(t, m.Inner, ms.InnerMap)
	}
}

func compareVariables(t *testing.T, obj *Object, spec *ebpf.CollectionSpec) {
	for name, vs := range spec.Variables {
		i := slices.IndexFunc(obj.Variables, func(v *Variable) bool {
			return v.Name == name && v.Section.Name == vs.SectionName
		})
		if i < 0 {
			t.Errorf("variable %s in %s: missing", name, vs.SectionName)
			continue
		}
		v := obj.Variables[i]
		if v.Offset != uint64(vs.Offset) || v.Size != uint64(vs.Size()) {
			t.Errorf("variable %s: offset %d size %d, cilium %d %d", name, v.Offset, v.Size, vs.Offset, vs.Size())
		}
	}
}
