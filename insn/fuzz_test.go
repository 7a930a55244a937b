package insn

import (
	"debug/elf"
	"path/filepath"
	"testing"
)

// FuzzFormat feeds any byte string, as an instruction stream, to Format,
// String, Valid, Check and CheckLinked, none of which may panic. It is seeded
// with the executable sections of the objects in testdata.
func FuzzFormat(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x18, 0x01, 0, 0, 1, 0, 0, 0}) // truncated ld_imm64
	f.Add(Encode([]Instruction{
		{OpCode: OpLdImm64, Dst: 1, Src: PseudoMapValue, Imm: 3}, {Imm: 8},
		{OpCode: OpCall, Src: PseudoCall, Imm: -1},
		{OpCode: OpExit},
	}))
	objs, _ := filepath.Glob("testdata/*.o")
	for _, path := range objs {
		file, err := elf.Open(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, s := range file.Sections {
			if s.Flags&elf.SHF_EXECINSTR == 0 || s.Type != elf.SHT_PROGBITS {
				continue
			}
			if b, err := s.Data(); err == nil {
				f.Add(b)
			}
		}
		file.Close()
	}
	namer := FuncNamer{
		Call:  func(pc int, ins Instruction) string { return "f" },
		Imm64: func(pc int, lo, hi Instruction) string { return "m" },
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		insns, err := Decode(b[:len(b)/Size*Size])
		if err != nil {
			t.Fatal(err)
		}
		for pc, ins := range insns {
			if Format(insns, pc, nil) == "" || Format(insns, pc, namer) == "" {
				t.Fatalf("slot %d: empty text for %+v", pc, ins)
			}
			_ = ins.String()
			_ = ins.Valid()
			_ = OpName(ins.OpCode)
		}
		_ = Check(insns)
		_ = CheckLinked(insns)
	})
}
