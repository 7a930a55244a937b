package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/manifest"
)

func init() {
	register(&command{
		name:    "dump",
		usage:   "FILE.o...|MANIFEST [--prog NAME]",
		summary: "show the maps, global variables and programs of the linked image, one instruction a line as the verifier prints them",
		run:     runDump,
	})
}

func runDump(env *cmdEnv, args []string) error {
	fs, level := env.newFlagSet(lookupCommand("dump"))
	prog := fs.String("prog", "", "show only this program")
	var lf linkFlags
	lf.register(fs)
	args, err := env.parse(fs, level, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usageErrorf("dump needs an object file or a manifest")
	}
	img, _, err := openInput(args, lf.options(), true)
	if err != nil {
		return err
	}
	if *prog != "" && img.Program(*prog) == nil {
		return errNoProgram(img, *prog)
	}
	if env.json {
		return env.printJSON(dumpJSON(img, *prog))
	}
	writeDump(env.stdout, img, *prog)
	return nil
}

func programNames(img *link.Image) string {
	names := make([]string, len(img.Programs))
	for i, p := range img.Programs {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// writeDump prints the image as text.
func writeDump(w io.Writer, img *link.Image, only string) {
	if only == "" {
		fmt.Fprintf(w, "objects: %s\n", strings.Join(img.Objects, " "))
		if len(img.Maps) > 0 {
			fmt.Fprintln(w, "\nmaps:")
		}
		for _, m := range img.Maps {
			writeMap(w, m)
		}
	}
	for _, p := range img.Programs {
		if only != "" && p.Name != only {
			continue
		}
		writeProgram(w, img, p)
	}
}

func writeMap(w io.Writer, m *link.MapSpec) {
	fmt.Fprintf(w, "  %s: %s key %d value %d max_entries %d", m.Name, mapTypeName(m.Type), m.KeySize, m.ValueSize, m.MaxEntries)
	if m.Flags != 0 {
		fmt.Fprintf(w, " flags %#x", m.Flags)
	}
	if m.Frozen {
		fmt.Fprint(w, " read-only")
	}
	fmt.Fprintln(w)
	if m.Inner != nil {
		fmt.Fprintf(w, "      inner: %s key %d value %d max_entries %d\n", mapTypeName(m.Inner.Type), m.Inner.KeySize, m.Inner.ValueSize, m.Inner.MaxEntries)
	}
	slots := make([]uint32, 0, len(m.Slots))
	for s := range m.Slots {
		slots = append(slots, s)
	}
	sort.Slice(slots, func(i, j int) bool { return slots[i] < slots[j] })
	for _, s := range slots {
		fmt.Fprintf(w, "      [%d] = %s\n", s, m.Slots[s])
	}
	for _, v := range m.Variables {
		fmt.Fprintf(w, "      +%-4d %-24s %d bytes", v.Offset, v.Name, v.Size)
		if v.Type != nil {
			fmt.Fprintf(w, "  %s", cTypeName(v.Type))
		}
		fmt.Fprintln(w)
	}
}

// cTypeName spells a variable's BTF type as C does, qualifiers, arrays
// and struct tags included ("const volatile __u32", "__u32[4]").
func cTypeName(t btf.Type) string {
	switch t := t.(type) {
	case *btf.Const:
		return "const " + cTypeName(t.Type)
	case *btf.Volatile:
		return "volatile " + cTypeName(t.Type)
	case *btf.Restrict:
		return cTypeName(t.Type) + " restrict"
	case *btf.Pointer:
		return cTypeName(t.Target) + " *"
	case *btf.Array:
		return fmt.Sprintf("%s[%d]", cTypeName(t.Type), t.Nelems)
	case *btf.Void:
		return "void"
	case *btf.Struct:
		return "struct " + orAnon(t.Name)
	case *btf.Union:
		return "union " + orAnon(t.Name)
	case *btf.Enum:
		return "enum " + orAnon(t.Name)
	}
	return orAnon(t.TypeName())
}

// orAnon is name, or "(anon)" for an unnamed type.
func orAnon(name string) string {
	if name == "" {
		return "(anon)"
	}
	return name
}

func writeProgram(w io.Writer, img *link.Image, p *link.Program) {
	fmt.Fprintf(w, "\nprogram %s: section %q, type %s, %d instructions, from %s\n", p.Name, p.SectionName, progTypeName(p.Type), len(p.Insns), p.Object)
	names := img.Namer(p)
	starts := make(map[int]string, len(p.Functions))
	for _, f := range p.Functions {
		starts[f.Start] = f.Name
	}
	for pc := 0; pc < len(p.Insns); pc++ {
		if name, ok := starts[pc]; ok {
			fmt.Fprintf(w, "%s:\n", name)
		}
		ins := p.Insns[pc]
		fmt.Fprintf(w, "%5d: (%02x) %s\n", pc, ins.OpCode, insn.Format(p.Insns, pc, names))
		if ins.IsLoadImm64() {
			pc++
		}
	}
}

// The JSON form of a dump.
type (
	jsonImage struct {
		Objects  []string      `json:"objects"`
		Maps     []jsonMap     `json:"maps"`
		Programs []jsonProgram `json:"programs"`
	}
	jsonMap struct {
		Name       string            `json:"name"`
		Type       string            `json:"type"`
		KeySize    uint32            `json:"key_size"`
		ValueSize  uint32            `json:"value_size"`
		MaxEntries uint32            `json:"max_entries"`
		Flags      uint32            `json:"flags"`
		ReadOnly   bool              `json:"read_only,omitempty"`
		Slots      map[uint32]string `json:"slots,omitempty"`
		Variables  []jsonVariable    `json:"variables,omitempty"`
	}
	jsonVariable struct {
		Name   string `json:"name"`
		Offset uint32 `json:"offset"`
		Size   uint32 `json:"size"`
	}
	jsonProgram struct {
		Name         string            `json:"name"`
		Section      string            `json:"section"`
		Type         string            `json:"type"`
		Object       string            `json:"object"`
		Functions    []jsonFunction    `json:"functions"`
		Instructions []jsonInstruction `json:"instructions"`
	}
	jsonFunction struct {
		Name  string `json:"name"`
		Start int    `json:"start"`
		Len   int    `json:"len"`
	}
	jsonInstruction struct {
		PC     int    `json:"pc"`
		OpCode uint8  `json:"opcode"`
		Dst    uint8  `json:"dst"`
		Src    uint8  `json:"src"`
		Off    int16  `json:"off"`
		Imm    int64  `json:"imm"`
		Text   string `json:"text"`
	}
)

func dumpJSON(img *link.Image, only string) jsonImage {
	out := jsonImage{Objects: img.Objects, Maps: []jsonMap{}, Programs: []jsonProgram{}}
	for _, m := range img.Maps {
		jm := jsonMap{Name: m.Name, Type: mapTypeName(m.Type), KeySize: m.KeySize, ValueSize: m.ValueSize,
			MaxEntries: m.MaxEntries, Flags: m.Flags, ReadOnly: m.Frozen, Slots: m.Slots}
		for _, v := range m.Variables {
			jm.Variables = append(jm.Variables, jsonVariable{v.Name, v.Offset, v.Size})
		}
		out.Maps = append(out.Maps, jm)
	}
	for _, p := range img.Programs {
		if only != "" && p.Name != only {
			continue
		}
		jp := jsonProgram{Name: p.Name, Section: p.SectionName, Type: progTypeName(p.Type), Object: p.Object}
		for _, f := range p.Functions {
			jp.Functions = append(jp.Functions, jsonFunction{f.Name, f.Start, f.Len})
		}
		names := img.Namer(p)
		for pc := 0; pc < len(p.Insns); pc++ {
			ins := p.Insns[pc]
			ji := jsonInstruction{PC: pc, OpCode: ins.OpCode, Dst: ins.Dst, Src: ins.Src, Off: ins.Off, Imm: int64(ins.Imm),
				Text: insn.Format(p.Insns, pc, names)}
			if ins.IsLoadImm64() && pc+1 < len(p.Insns) {
				ji.Imm = int64(insn.Imm64(ins, p.Insns[pc+1]))
				pc++
			}
			jp.Instructions = append(jp.Instructions, ji)
		}
		out.Programs = append(out.Programs, jp)
	}
	return out
}

func mapTypeName(t uint32) string  { return manifest.MapTypeName(t) }
func progTypeName(t uint32) string { return manifest.ProgramTypeName(t) }
