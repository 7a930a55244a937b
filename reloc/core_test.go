package reloc

import (
	"bytes"
	goelf "debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/internal/kerneltest"
)

// testObject is what the tests need of a clang BPF object, read with
// debug/elf and cilium/ebpf's btf package.
type testObject struct {
	path string
	spec *btf.Spec
	// raw is the .BTF section alone, without the fixups cilium/ebpf's ELF
	// reader applies to DATASECs (it rejects typed ksyms in .ksyms).
	raw   *btf.Spec
	ext   *btf.ExtInfos
	insns map[string][]insn.Instruction // code section name to instructions
	funcs []testFunc
	// externs holds the undefined symbols by name, with their binding.
	externs map[string]goelf.SymBind
	// relocs holds the relocations of each code section.
	relocs map[string][]testReloc
}

// testReloc is one relocation: the slot it applies to and its symbol.
type testReloc struct {
	slot   int
	symbol string
}

// testFunc locates one function in its code section.
type testFunc struct {
	name, section string
	start, n      int
}

func readObject(t *testing.T, path string) *testObject {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := goelf.NewFile(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	spec, ext, err := btf.LoadSpecAndExtInfosFromReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: load BTF: %v", path, err)
	}
	obj := &testObject{path: path, spec: spec, ext: ext, insns: map[string][]insn.Instruction{}, externs: map[string]goelf.SymBind{}, relocs: map[string][]testReloc{}}
	if sec := f.Section(".BTF"); sec != nil {
		data, err := sec.Data()
		if err != nil {
			t.Fatalf("%s: .BTF: %v", path, err)
		}
		if obj.raw, err = btf.LoadSpecFromReader(bytes.NewReader(data)); err != nil {
			t.Fatalf("%s: .BTF: %v", path, err)
		}
	}
	for _, sec := range f.Sections {
		if sec.Type != goelf.SHT_PROGBITS || sec.Flags&goelf.SHF_EXECINSTR == 0 {
			continue
		}
		data, err := sec.Data()
		if err != nil {
			t.Fatalf("%s: section %s: %v", path, sec.Name, err)
		}
		insns, err := insn.Decode(data)
		if err != nil {
			t.Fatalf("%s: section %s: %v", path, sec.Name, err)
		}
		obj.insns[sec.Name] = insns
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatalf("%s: symbols: %v", path, err)
	}
	for _, sec := range f.Sections {
		if sec.Type != goelf.SHT_REL || int(sec.Info) >= len(f.Sections) {
			continue
		}
		data, err := sec.Data()
		if err != nil {
			t.Fatalf("%s: section %s: %v", path, sec.Name, err)
		}
		target := f.Sections[sec.Info].Name
		for off := 0; off+16 <= len(data); off += 16 {
			r := binary.LittleEndian.Uint64(data[off:])
			sym := int(binary.LittleEndian.Uint64(data[off+8:]) >> 32)
			if sym == 0 || sym > len(syms) {
				continue
			}
			// Symbols leaves out the null symbol 0.
			obj.relocs[target] = append(obj.relocs[target], testReloc{slot: int(r / insn.Size), symbol: syms[sym-1].Name})
		}
	}
	for _, s := range syms {
		if s.Section == goelf.SHN_UNDEF && s.Name != "" {
			obj.externs[s.Name] = goelf.ST_BIND(s.Info)
			continue
		}
		if goelf.ST_TYPE(s.Info) != goelf.STT_FUNC || int(s.Section) >= len(f.Sections) {
			continue
		}
		sec := f.Sections[s.Section].Name
		obj.funcs = append(obj.funcs, testFunc{name: s.Name, section: sec, start: int(s.Value / insn.Size), n: int(s.Size / insn.Size)})
	}
	return obj
}

// function returns the instructions of the named function.
func (o *testObject) function(t *testing.T, name string) (testFunc, []insn.Instruction) {
	t.Helper()
	for _, fn := range o.funcs {
		if fn.name == name {
			return fn, o.insns[fn.section][fn.start : fn.start+fn.n]
		}
	}
	t.Fatalf("%s: no function %s", o.path, name)
	return testFunc{}, nil
}

// relocatedSection returns a copy of a code section's instructions with its
// CO-RE relocations applied against target.
func (o *testObject) relocatedSection(t *testing.T, section string, target *btf.Spec) []insn.Instruction {
	t.Helper()
	insns := append([]insn.Instruction(nil), o.insns[section]...)
	_, _, relos := o.ext.Section(section)
	if err := ApplyCORE(insns, relos, o.spec, []*btf.Spec{target}); err != nil {
		t.Fatalf("%s: section %s: %v", o.path, section, err)
	}
	return insns
}

// syntheticTarget is a made-up kernel BTF in which every relocation of
// testdata/core.bpf.o has a known answer.
func syntheticTarget(t *testing.T) *btf.Spec {
	t.Helper()
	i32 := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	char := &btf.Int{Name: "char", Size: 1, Encoding: btf.Char}
	index := &btf.Int{Name: "__ARRAY_SIZE_TYPE__", Size: 4}
	task := &btf.Struct{Name: "task_struct", Size: 400}
	task.Members = []btf.Member{
		{Name: "pid", Type: i32, Offset: 100 * 8},
		{Name: "tgid", Type: i32, Offset: 104 * 8},
		{Name: "real_parent", Type: &btf.Pointer{Target: task}, Offset: 200 * 8},
		{Name: "comm", Type: &btf.Array{Index: index, Type: char, Nelems: 16}, Offset: 300 * 8},
	}
	mapType := &btf.Enum{Name: "bpf_map_type", Size: 4, Values: []btf.EnumValue{{Name: "BPF_MAP_TYPE_RINGBUF", Value: 27}}}
	b, err := btf.NewBuilder([]btf.Type{task, mapType}, nil)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := b.Spec()
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func typeID(t *testing.T, spec *btf.Spec, name string) btf.TypeID {
	t.Helper()
	var s *btf.Struct
	if err := spec.TypeByName(name, &s); err != nil {
		t.Fatalf("struct %s: %v", name, err)
	}
	id, err := spec.TypeID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mov(dst uint8, imm int32) insn.Instruction {
	return insn.Instruction{OpCode: uint8(insn.ClassALU64) | insn.ALUMov, Dst: dst, Imm: imm}
}

func ldImm64(dst uint8, v uint64) []insn.Instruction {
	return []insn.Instruction{{OpCode: insn.OpLdImm64, Dst: dst, Imm: int32(uint32(v))}, {Imm: int32(uint32(v >> 32))}}
}

var corePoison = insn.Instruction{OpCode: insn.OpCall, Imm: COREPoison}

// TestApplyCORESynthetic relocates every kind of CO-RE record in
// testdata/core.bpf.o against a made-up target and checks each relocated
// instruction (slots as llvm-objdump-19 -d numbers them in the section).
func TestApplyCORESynthetic(t *testing.T) {
	obj := readObject(t, "testdata/core.bpf.o")
	target := syntheticTarget(t)
	got := obj.relocatedSection(t, "raw_tp/sys_enter", target)
	kernelID := uint64(typeID(t, target, "task_struct"))
	localID := uint64(typeID(t, obj.spec, "task_struct"))

	tests := []struct {
		name string
		slot int
		want []insn.Instruction
	}{
		{"byte_off comm", 2, []insn.Instruction{mov(1, 300)}},
		{"byte_off real_parent", 9, []insn.Instruction{mov(1, 200)}},
		{"byte_off tgid", 16, []insn.Instruction{mov(1, 104)}},
		{"byte_off pid", 23, []insn.Instruction{mov(1, 100)}},
		{"type_size task_struct", 34, []insn.Instruction{mov(2, 400)}},
		{"byte_sz comm", 35, []insn.Instruction{mov(1, 16)}},
		{"field_exists real_parent", 37, []insn.Instruction{mov(2, 1)}},
		{"type_exists task_struct", 40, []insn.Instruction{mov(2, 1)}},
		{"type_exists missing type", 43, []insn.Instruction{mov(2, 0)}},
		{"field_exists missing field", 51, []insn.Instruction{mov(2, 0)}},
		{"byte_off missing field is poisoned", 53, []insn.Instruction{corePoison}},
		{"enumval_value", 63, ldImm64(0, 27)},
		{"enumval_exists missing value", 65, ldImm64(1, 0)},
		{"enumval_value missing value poisons both slots", 68, []insn.Instruction{corePoison, corePoison}},
		{"target_type_id", 74, ldImm64(1, kernelID)},
		{"local_type_id", 77, ldImm64(1, localID)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, want := range tt.want {
				if g := got[tt.slot+k]; g != want {
					t.Errorf("slot %d: got %+v, want %+v", tt.slot+k, g, want)
				}
			}
		})
	}

	// Nothing but the relocated slots changes.
	changed := map[int]bool{}
	for _, tt := range tests {
		for k := range tt.want {
			changed[tt.slot+k] = true
		}
	}
	for k, orig := range obj.insns["raw_tp/sys_enter"] {
		if !changed[k] && got[k] != orig {
			t.Errorf("slot %d changed from %+v to %+v", k, orig, got[k])
		}
	}
}

func TestApplyCOREErrors(t *testing.T) {
	obj := readObject(t, "testdata/core.bpf.o")
	target := syntheticTarget(t)
	_, _, relos := obj.ext.Section("raw_tp/sys_enter")
	section := obj.insns["raw_tp/sys_enter"]

	// The first record of the section: BPF_CORE_READ of task->comm.
	first := relos[:1]
	atSlot := func(slot int) btf.CORERelocationOffsets {
		r := first[0]
		r.Offset = asm.RawInstructionOffset(slot)
		return btf.CORERelocationOffsets{r}
	}
	// Two flavors of task_struct that disagree on where comm is.
	char := &btf.Int{Name: "char", Size: 1, Encoding: btf.Char}
	index := &btf.Int{Name: "__ARRAY_SIZE_TYPE__", Size: 4}
	comm := &btf.Array{Index: index, Type: char, Nelems: 16}
	flavorA := &btf.Struct{Name: "task_struct", Size: 32, Members: []btf.Member{{Name: "comm", Type: comm}}}
	flavorB := &btf.Struct{Name: "task_struct___b", Size: 32, Members: []btf.Member{{Name: "comm", Type: comm, Offset: 128}}}
	b, err := btf.NewBuilder([]btf.Type{flavorA, flavorB}, nil)
	if err != nil {
		t.Fatal(err)
	}
	badTarget, err := b.Spec()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		insns   []insn.Instruction
		relos   btf.CORERelocationOffsets
		local   *btf.Spec
		targets []*btf.Spec
		want    string
	}{
		{
			name: "no target", insns: section, relos: first, local: obj.spec,
			want: "CO-RE relocations: no target BTF",
		},
		{
			name: "outside the instructions", insns: section[:2], relos: first, local: obj.spec, targets: []*btf.Spec{target},
			want: `instruction 2: CORERelocation(byte_off, Struct:"task_struct"[0:3], local_id=5): outside the 2 instructions relocated`,
		},
		{
			name: "second slot of a 64-bit load", insns: section, relos: atSlot(64), local: obj.spec, targets: []*btf.Spec{target},
			want: `instruction 64: CORERelocation(byte_off, Struct:"task_struct"[0:3], local_id=5): second slot of a 64-bit load`,
		},
		{
			name: "instruction of the wrong kind", insns: section, relos: atSlot(0), local: obj.spec, targets: []*btf.Spec{target},
			want: `instruction 0 (call bpf_get_current_task#35): CORERelocation(byte_off, Struct:"task_struct"[0:3], local_id=5): invalid class JumpClass`,
		},
		{
			name: "local value differs from the instruction", insns: section, relos: atSlot(9), local: obj.spec, targets: []*btf.Spec{target},
			want: `instruction 9 (r1 = 8): CORERelocation(byte_off, Struct:"task_struct"[0:3], local_id=5): invalid immediate 8, expected 16 (fixup: byte_off=16->300, kind: byte_off, ins: MovImm dst: r1 imm: 8)`,
		},
		{
			name: "ambiguous target", insns: section, relos: first, local: obj.spec, targets: []*btf.Spec{badTarget},
			want: `instruction 2 (r1 = 16): CORERelocation(byte_off, Struct:"task_struct"[0:3], local_id=5): relocate Struct:"task_struct": byte_off: multiple types match: ambiguous relocation`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			insns := append([]insn.Instruction(nil), tt.insns...)
			err := ApplyCORE(insns, tt.relos, tt.local, tt.targets)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got error %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestCORERelosIn(t *testing.T) {
	obj := readObject(t, "testdata/core.bpf.o")
	_, _, relos := obj.ext.Section("raw_tp/sys_enter")
	fn, insns := obj.function(t, "core_sizes")
	sub := CORERelosIn(relos, fn.start, fn.n)
	if len(sub) != 5 {
		t.Fatalf("got %d records for core_sizes, want 5", len(sub))
	}
	for _, r := range sub {
		if int(r.Offset) >= fn.n {
			t.Errorf("offset %d outside core_sizes (%d slots)", r.Offset, fn.n)
		}
	}
	// Relocating the function alone gives what relocating its section gives.
	target := syntheticTarget(t)
	alone := append([]insn.Instruction(nil), insns...)
	if err := ApplyCORE(alone, sub, obj.spec, []*btf.Spec{target}); err != nil {
		t.Fatal(err)
	}
	whole := obj.relocatedSection(t, "raw_tp/sys_enter", target)[fn.start : fn.start+fn.n]
	for k := range alone {
		if alone[k] != whole[k] {
			t.Errorf("slot %d: alone %+v, in section %+v", k, alone[k], whole[k])
		}
	}
}

func TestPoisonReason(t *testing.T) {
	tests := []struct {
		ins  insn.Instruction
		want string
		ok   bool
	}{
		{corePoison, "unresolved CO-RE relocation", true},
		{insn.Instruction{OpCode: insn.OpCall, Imm: KfuncPoison}, "call to unresolved weak kfunc", true},
		{insn.Instruction{OpCode: insn.OpCall, Imm: ExternPoison}, "call to an extern function no object defines", true},
		{insn.Instruction{OpCode: insn.OpCall, Imm: 1}, "", false},
		{insn.Instruction{OpCode: insn.OpCall, Src: insn.PseudoCall, Imm: COREPoison}, "", false},
		{mov(1, COREPoison), "", false},
	}
	for _, tt := range tests {
		got, ok := PoisonReason(tt.ins)
		if got != tt.want || ok != tt.ok {
			t.Errorf("PoisonReason(%+v) = %q, %v; want %q, %v", tt.ins, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLoadTargetBTF(t *testing.T) {
	dir := t.TempDir()
	b, err := btf.NewBuilder([]btf.Type{&btf.Struct{Name: "task_struct", Size: 8}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rawPath := filepath.Join(dir, "raw.btf")
	if err := os.WriteFile(rawPath, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")

	tests := []struct {
		name, path, want string
	}{
		{"raw BTF", rawPath, ""},
		{"ELF with .BTF", "testdata/core.bpf.o", ""},
		{"ELF without .BTF", exe, "load target BTF " + exe + ": ELF file without a .BTF section"},
		{"missing file", missing, "load target BTF " + missing + ": open " + missing + ": no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := LoadTargetBTF(tt.path)
			if tt.want != "" {
				if err == nil || err.Error() != tt.want {
					t.Fatalf("got error %v, want %s", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			typeID(t, spec, "task_struct")
		})
	}
}

// kernelBTF returns the running kernel's BTF or skips the test.
func kernelBTF(t *testing.T) *btf.Spec {
	t.Helper()
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skipf("no kernel BTF: %v", err)
	}
	spec, err := LoadTargetBTF("")
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// memberOffset returns the byte offset of a direct member of a kernel struct.
func memberOffset(t *testing.T, spec *btf.Spec, typ, member string) int32 {
	t.Helper()
	var s *btf.Struct
	if err := spec.TypeByName(typ, &s); err != nil {
		t.Fatalf("struct %s: %v", typ, err)
	}
	for _, m := range s.Members {
		if m.Name == member {
			return int32(m.Offset.Bytes())
		}
	}
	t.Fatalf("struct %s has no member %s", typ, member)
	return 0
}

// TestApplyCOREKernel relocates testdata/core.bpf.o against the running
// kernel, checks the offsets and sizes against the kernel's own BTF, loads
// every program into the kernel, and compares what the kernel kept of each
// (its xlated instructions) with what it kept of cilium/ebpf's loading of
// the same object.
func TestApplyCOREKernel(t *testing.T) {
	kernel := kernelBTF(t)
	obj := readObject(t, "testdata/core.bpf.o")
	got := obj.relocatedSection(t, "raw_tp/sys_enter", kernel)

	var task *btf.Struct
	if err := kernel.TypeByName("task_struct", &task); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		slot int
		want int32
	}{
		{"offsetof(comm)", 2, memberOffset(t, kernel, "task_struct", "comm")},
		{"offsetof(real_parent)", 9, memberOffset(t, kernel, "task_struct", "real_parent")},
		{"offsetof(tgid)", 16, memberOffset(t, kernel, "task_struct", "tgid")},
		{"offsetof(pid)", 23, memberOffset(t, kernel, "task_struct", "pid")},
		{"sizeof(task_struct)", 34, int32(task.Size)},
		{"sizeof(comm)", 35, 16},
		{"enum BPF_MAP_TYPE_RINGBUF", 63, 27},
		{"target type id", 74, int32(typeID(t, kernel, "task_struct"))},
	}
	for _, c := range checks {
		if got[c.slot].Imm != c.want {
			t.Errorf("%s: slot %d has imm %d, want %d", c.name, c.slot, got[c.slot].Imm, c.want)
		}
	}

	kerneltest.Require(t)
	theirs := loadWithCilium(t, obj.path)
	for _, fn := range obj.funcs {
		t.Run(fn.name, func(t *testing.T) {
			prog := loadRawTracepoint(t, fn.name, got[fn.start:fn.start+fn.n])
			defer prog.Close()
			if fn.name == "core_type_ids" {
				// The local type id differs: cilium/ebpf numbers the
				// program's BTF itself.
				return
			}
			ours := xlated(t, prog)
			want := xlated(t, theirs.Programs[fn.name])
			if ours != want {
				t.Errorf("kernel kept\n%s\nof bpfld's program, and\n%s\nof cilium/ebpf's", ours, want)
			}
		})
	}
}

// loadRawTracepoint loads insns into the kernel as a raw tracepoint program.
func loadRawTracepoint(t *testing.T, name string, insns []insn.Instruction) *ebpf.Program {
	t.Helper()
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:         name,
		Type:         ebpf.RawTracepoint,
		License:      "GPL",
		Instructions: toCilium(t, insns),
	})
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return prog
}

func toCilium(t *testing.T, insns []insn.Instruction) asm.Instructions {
	t.Helper()
	out, err := asm.AppendInstructions(nil, bytes.NewReader(insn.Encode(insns)), binary.LittleEndian, "linux")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func loadWithCilium(t *testing.T, path string) *ebpf.Collection {
	t.Helper()
	spec, err := ebpf.LoadCollectionSpec(path)
	if err != nil {
		t.Fatal(err)
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		t.Fatalf("cilium/ebpf loading %s: %v", path, err)
	}
	t.Cleanup(coll.Close)
	return coll
}

// xlated returns the kernel's view of a loaded program's instructions.
func xlated(t *testing.T, prog *ebpf.Program) string {
	t.Helper()
	info, err := prog.Info()
	if err != nil {
		t.Fatal(err)
	}
	insns, err := info.Instructions()
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, ins := range insns {
		ins.Metadata = asm.Metadata{}
		fmt.Fprintf(&sb, "%v", ins)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// TestApplyCOREObjects relocates every object in testdata/objs that carries
// CO-RE records against the running kernel.
func TestApplyCOREObjects(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/objs/*.o")
	var kernel *btf.Spec
	seen := 0
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		_, ext, err := btf.LoadSpecAndExtInfosFromReader(bytes.NewReader(raw))
		if errors.Is(err, btf.ErrNotFound) || ext == nil || len(ext.CORERelos) == 0 {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if kernel == nil {
			kernel = kernelBTF(t)
		}
		seen++
		obj := readObject(t, path)
		for section := range obj.ext.CORERelos {
			obj.relocatedSection(t, section, kernel)
		}
	}
	if seen == 0 {
		t.Skip("no object with CO-RE records in ../testdata/objs")
	}
}
