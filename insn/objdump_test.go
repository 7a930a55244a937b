package insn

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const objdumpTool = "llvm-objdump-19"

// TestDecodeMatchesObjdump is the decoding-exactness check: for every object
// in insn/testdata, the project's testdata/objs and cilium/ebpf's testdata,
// each executable section decoded by Decode must hold the same instructions,
// field by field and slot by slot, as llvm-objdump decodes. Format's text is
// compared with objdump's where the two syntaxes can be rewritten into one,
// every instruction must Format without "BUG_" and be Valid, and every
// section must pass Check.
func TestDecodeMatchesObjdump(t *testing.T) {
	tool, err := exec.LookPath(objdumpTool)
	if err != nil {
		t.Skipf("%s not installed: %v", objdumpTool, err)
	}
	groups := []struct {
		name string
		glob func(t *testing.T) []string
	}{
		{"insn", func(t *testing.T) []string { return glob(t, "testdata/*.o") }},
		{"objs", func(t *testing.T) []string { return glob(t, "../testdata/objs/*.o") }},
		{"cilium", ciliumObjects},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			files := g.glob(t)
			if len(files) == 0 {
				t.Skipf("no objects found")
			}
			for _, path := range files {
				t.Run(filepath.Base(path), func(t *testing.T) { checkObject(t, tool, path) })
			}
		})
	}
}

func glob(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// ciliumObjects lists the little-endian test objects of the cilium/ebpf module.
func ciliumObjects(t *testing.T) []string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/cilium/ebpf").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("cilium/ebpf module not in the module cache (run go mod download): %v", err)
	}
	return glob(t, filepath.Join(dir, "testdata", "*-el.elf"))
}

// execSection is an executable section of an object and its instructions.
type execSection struct {
	name  string
	insns []Instruction
}

func checkObject(t *testing.T, tool, path string) {
	f, err := elf.Open(path)
	if err != nil {
		t.Skipf("not a readable ELF file, nothing to disassemble: %v", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_BPF || f.Data != elf.ELFDATA2LSB {
		t.Skipf("not a little-endian BPF object (%v, %v)", f.Machine, f.Data)
	}
	var sections []execSection
	for _, s := range f.Sections {
		if s.Type != elf.SHT_PROGBITS || s.Flags&elf.SHF_EXECINSTR == 0 || s.Size == 0 {
			continue
		}
		b, err := s.Data()
		if err != nil {
			t.Fatalf("section %s: %v", s.Name, err)
		}
		insns, err := Decode(b)
		if err != nil {
			t.Fatalf("section %s: %v", s.Name, err)
		}
		sections = append(sections, execSection{s.Name, insns})
	}
	dis := objdump(t, tool, path)
	if len(dis) != len(sections) {
		t.Fatalf("objdump shows %d executable sections, debug/elf finds %d", len(dis), len(sections))
	}
	for n, sec := range sections {
		t.Run(sec.name, func(t *testing.T) {
			if dis[n].name != sec.name {
				t.Fatalf("objdump's section %d is %s", n, dis[n].name)
			}
			compareSection(t, sec.insns, dis[n].lines)
		})
	}
}

// objdumpLine is one instruction as llvm-objdump shows it.
type objdumpLine struct {
	slot  int
	bytes []byte // 8, or 16 for a ld_imm64
	text  string
}

type objdumpSection struct {
	name  string
	lines []objdumpLine
}

var (
	sectionHeader = regexp.MustCompile(`^Disassembly of section (.*):$`)
	insnLine      = regexp.MustCompile(`^\s*(\d+):\t((?:[0-9a-f]{2} )*[0-9a-f]{2})\t(.*)$`)
)

// objdump disassembles path with every zero slot shown (-z) and 32-bit
// subregisters understood (+alu32, else 32-bit atomics are <unknown>).
func objdump(t *testing.T, tool, path string) []objdumpSection {
	t.Helper()
	out, err := exec.Command(tool, "-d", "-z", "--mattr=+alu32", path).Output()
	if err != nil {
		t.Fatalf("%s %s: %v", tool, path, err)
	}
	var sections []objdumpSection
	s := bufio.NewScanner(bytes.NewReader(out))
	for s.Scan() {
		line := s.Text()
		if m := sectionHeader.FindStringSubmatch(line); m != nil {
			sections = append(sections, objdumpSection{name: m[1]})
			continue
		}
		m := insnLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if len(sections) == 0 {
			t.Fatalf("instruction before any section header: %q", line)
		}
		slot, _ := strconv.Atoi(m[1])
		b, err := hex.DecodeString(strings.ReplaceAll(m[2], " ", ""))
		if err != nil {
			t.Fatalf("bytes of %q: %v", line, err)
		}
		cur := &sections[len(sections)-1]
		cur.lines = append(cur.lines, objdumpLine{slot, b, strings.ReplaceAll(m[3], "\t", " ")})
	}
	return sections
}

// rawFields splits 8 wire bytes into an Instruction independently of DecodeOne.
func rawFields(b []byte) Instruction {
	return Instruction{
		OpCode: b[0],
		Dst:    b[1] & 0xf,
		Src:    b[1] >> 4,
		Off:    int16(binary.LittleEndian.Uint16(b[2:4])),
		Imm:    int32(binary.LittleEndian.Uint32(b[4:8])),
	}
}

func compareSection(t *testing.T, insns []Instruction, lines []objdumpLine) {
	next := 0
	for _, l := range lines {
		if l.slot != next {
			t.Fatalf("objdump shows slot %d after slot %d", l.slot, next-1)
		}
		if len(l.bytes) != 8 && len(l.bytes) != 16 {
			t.Fatalf("slot %d: objdump shows %d bytes", l.slot, len(l.bytes))
		}
		if next+len(l.bytes)/8 > len(insns) {
			t.Fatalf("slot %d: objdump decodes past the %d decoded slots", l.slot, len(insns))
		}
		ins := insns[next]
		if want := rawFields(l.bytes); ins != want {
			t.Errorf("slot %d: decoded %+v, objdump %+v (%s)", l.slot, ins, want, l.text)
		}
		if wide := len(l.bytes) == 16; wide != ins.IsLoadImm64() {
			t.Errorf("slot %d: objdump spans %d slots, IsLoadImm64 is %v (%s)", l.slot, len(l.bytes)/8, ins.IsLoadImm64(), l.text)
		}
		if len(l.bytes) == 16 {
			if want := rawFields(l.bytes[8:]); insns[next+1] != want {
				t.Errorf("slot %d: decoded %+v, objdump %+v", l.slot+1, insns[next+1], want)
			}
		}
		text := Format(insns, next, nil)
		if strings.HasPrefix(text, "BUG_") {
			t.Errorf("slot %d: Format cannot show %+v: %s (objdump: %s)", l.slot, ins, text, l.text)
		} else if k, o, ok := sameSyntax(ins, text, l.text); ok && k != o {
			t.Errorf("slot %d: Format %q, objdump %q (rewritten: %q vs %q)", l.slot, text, l.text, k, o)
		}
		if err := ins.Valid(); err != nil {
			t.Errorf("slot %d: %v (objdump: %s)", l.slot, err, l.text)
		}
		next += len(l.bytes) / 8
	}
	if next != len(insns) {
		t.Errorf("objdump shows %d slots, Decode %d", next, len(insns))
	}
	if err := Check(insns); err != nil {
		t.Errorf("Check: %v", err)
	}
}

var (
	objdumpTarget = regexp.MustCompile(` <[^<>]*>$`)
	callNamed     = regexp.MustCompile(`^call [^#]*#(-?\d+)$`)
	pcRelative    = regexp.MustCompile(`\b(call|goto|gotol|may_goto) pc([+-])`)
	cmpxchg       = regexp.MustCompile(`atomic(64)?_cmpxchg\(\(u\d+ \*\)\(([^)]*)\), `)
	xchg          = regexp.MustCompile(`atomic(64)?_xchg\(\(u\d+ \*\)\(([^)]*)\), `)
	subregister   = regexp.MustCompile(`\bw(\d+)\b`)
	number        = regexp.MustCompile(`(^|[^0-9A-Za-z_])([-+] ?)?(0x[0-9a-f]+|[0-9]+)`)
)

// sameSyntax rewrites Format's text k and objdump's text o of ins into one
// syntax: LLVM's mnemonics, registers r for loads, stores and atomics (LLVM
// shows their 32-bit forms with w), and numbers in decimal modulo 2^32 (2^64
// for a ld_imm64), which absorbs hex versus decimal, signed versus unsigned
// and "+0" versus "+ 0x0". It reports false where objdump's text cannot be
// compared: instructions LLVM 19 does not know or prints lossily.
func sameSyntax(ins Instruction, k, o string) (string, string, bool) {
	switch {
	case o == "<unknown>", strings.HasPrefix(o, "ld_pseudo"):
		return "", "", false
	case ins.Class() == ClassSTX && ins.Mode() == ModeATOMIC && ins.Imm&^0xff != 0:
		// LLVM 19 shows load-acquire and store-release as atomic adds.
		return "", "", false
	case ins.Class() == ClassLD && ins.Mode() == ModeIND && ins.Imm != 0:
		// LLVM shows no offset for legacy indirect packet loads.
		return "", "", false
	}
	o = objdumpTarget.ReplaceAllString(o, "")
	o = strings.TrimSuffix(o, " ll")
	k = callNamed.ReplaceAllString(k, "call $1")
	k = pcRelative.ReplaceAllString(k, "$1 $2")
	k = strings.Replace(k, "atomic64_fetch_", "atomic_fetch_", 1)
	suffix := "32_32("
	if ins.SizeBits() == SizeDW {
		suffix = "_64("
	}
	k = cmpxchg.ReplaceAllString(k, "cmpxchg"+suffix+"$2, ")
	k = xchg.ReplaceAllString(k, "xchg"+suffix+"$2, ")
	k = strings.Replace(k, " + 0]", "]", 1) // skb[r1 + 0]
	if ins.Class().IsLoadStore() {
		o = subregister.ReplaceAllString(o, "r$1")
	}
	mask := uint64(0xffffffff)
	if ins.IsLoadImm64() {
		mask = ^uint64(0)
	}
	norm := func(s string) string {
		return number.ReplaceAllStringFunc(s, func(m string) string {
			p := number.FindStringSubmatch(m)
			v, err := strconv.ParseUint(p[3], 0, 64)
			if err != nil {
				return m
			}
			if strings.HasPrefix(p[2], "-") {
				v = -v
			}
			return p[1] + strconv.FormatUint(v&mask, 10)
		})
	}
	return norm(k), norm(o), true
}
