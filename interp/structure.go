package interp

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/bpfld/bpfld/insn"
)

// structure is the shape of a program: which slots are instructions, how
// they divide into functions and where control can go. Prepare builds it
// first and rejects what the kernel's check_subprogs and check_cfg reject.
type structure struct {
	insns []insn.Instruction
	// second marks the upper slots of ld_imm64 instructions.
	second []bool
	// opIndex maps a slot to the index of its op in Program.code, -1 for
	// upper ld_imm64 slots.
	opIndex []int32
	// entries holds the first slot of every function, sorted; entries[0]
	// is 0, the program's entry point.
	entries []int
	// funcOf maps a slot to its function, an index into entries.
	funcOf []int
	// callbacks marks the functions whose address a ld_imm64 takes.
	callbacks []bool
	// fpWrites holds, for each instruction that writes r10 and is
	// otherwise valid, the error of that write. Linux rejects such a
	// write only on a path its verifier explores, and the selftests put
	// them in dead code: analyzeStructure rejects the writes that run
	// whenever their function runs, and Prepare makes the others stop
	// the run that reaches them.
	fpWrites []error
}

// target returns the slot that the jump, call or function address in slot
// pc refers to.
func target(ins insn.Instruction, pc int) int {
	if ins.IsPseudoCall() || ins.IsPseudoFunc() {
		return pc + 1 + int(ins.Imm)
	}
	return pc + 1 + int(ins.JumpOffset())
}

// isJCond reports whether ins is may_goto.
func isJCond(ins insn.Instruction) bool {
	return ins.Class() == insn.ClassJMP && ins.Op() == insn.JmpJCOND
}

// isBranch reports whether ins transfers control within its function:
// jumps, conditional jumps and may_goto.
func isBranch(ins insn.Instruction) bool {
	return ins.IsJump() || isJCond(ins)
}

// isUnconditional reports whether ins never falls through to the next slot.
func isUnconditional(ins insn.Instruction) bool {
	return ins.IsExit() || ins.OpCode == insn.OpJA || ins.OpCode == insn.OpGotol
}

// analyzeStructure checks every instruction's encoding, the ld_imm64 pairs,
// the targets of jumps and calls, and that no function falls off its end.
func analyzeStructure(insns []insn.Instruction) (*structure, error) {
	if len(insns) == 0 {
		return nil, errors.New("program has no instructions")
	}
	s := &structure{
		insns:    insns,
		second:   make([]bool, len(insns)),
		opIndex:  make([]int32, len(insns)),
		funcOf:   make([]int, len(insns)),
		fpWrites: make([]error, len(insns)),
	}
	ops := int32(0)
	for pc := 0; pc < len(insns); pc++ {
		ins := insns[pc]
		if err := ins.Valid(); err != nil {
			if !writesFramePointer(ins, err) {
				return nil, errorAt(insns, pc, err)
			}
			s.fpWrites[pc] = err
		}
		s.opIndex[pc] = ops
		ops++
		if !ins.IsLoadImm64() {
			continue
		}
		if pc+1 == len(insns) {
			return nil, errorAt(insns, pc, errors.New("ld_imm64 lacks its second slot"))
		}
		hi := insns[pc+1]
		if hi.OpCode != 0 || hi.Dst != 0 || hi.Src != 0 || hi.Off != 0 {
			return nil, errorAt(insns, pc, fmt.Errorf("second slot of ld_imm64 has opcode %#02x, dst %d, src %d, off %d: only imm may be set",
				hi.OpCode, hi.Dst, hi.Src, hi.Off))
		}
		pc++
		s.second[pc] = true
		s.opIndex[pc] = -1
	}

	entries := map[int]bool{0: true}
	for pc, ins := range insns {
		if s.second[pc] || !(ins.IsPseudoCall() || ins.IsPseudoFunc() || isBranch(ins)) {
			continue
		}
		t := target(ins, pc)
		switch {
		case t < 0 || t >= len(insns):
			return nil, errorAt(insns, pc, fmt.Errorf("target %d is outside the program (0 to %d)", t, len(insns)-1))
		case s.second[t]:
			return nil, errorAt(insns, pc, fmt.Errorf("target %d is the second slot of a ld_imm64", t))
		case ins.IsPseudoCall() || ins.IsPseudoFunc():
			entries[t] = true
		}
	}
	for e := range entries {
		s.entries = append(s.entries, e)
	}
	sort.Ints(s.entries)
	s.callbacks = make([]bool, len(s.entries))
	for f, start := range s.entries {
		end := len(insns)
		if f+1 < len(s.entries) {
			end = s.entries[f+1]
		}
		for pc := start; pc < end; pc++ {
			s.funcOf[pc] = f
		}
		// The kernel's check_subprogs: control must not run from one
		// function into the next.
		if s.second[end-1] || !isUnconditional(insns[end-1]) {
			return nil, errorAt(insns, end-1, errors.New("last instruction of the function is not an exit or jump"))
		}
	}
	for _, start := range s.entries {
		if pc := s.certainFPWrite(start); pc >= 0 {
			return nil, errorAt(insns, pc, s.fpWrites[pc])
		}
	}
	for pc, ins := range insns {
		if s.second[pc] {
			continue
		}
		switch {
		case isBranch(ins):
			if t := target(ins, pc); s.funcOf[t] != s.funcOf[pc] {
				return nil, errorAt(insns, pc, fmt.Errorf("jump out of range from instruction %d to %d: into another function", pc, t))
			}
		case ins.IsPseudoFunc():
			s.callbacks[s.funcOf[target(ins, pc)]] = true
		}
	}
	return s, nil
}

// writesFramePointer reports whether ins, which Valid refused with err,
// is valid but for writing r10.
func writesFramePointer(ins insn.Instruction, err error) bool {
	var inv *insn.InvalidError
	if !errors.As(err, &inv) || !strings.Contains(inv.Reason, "r10 is the read-only frame pointer") {
		return false
	}
	if ins.Dst == insn.R10 {
		ins.Dst = insn.R0
	}
	if ins.Src == insn.R10 {
		ins.Src = insn.R0
	}
	return ins.Valid() == nil
}

// certainFPWrite returns the first instruction writing r10 that runs
// whenever the function starting at slot start runs (before any
// conditional jump), or -1.
func (s *structure) certainFPWrite(start int) int {
	seen := make(map[int]bool)
	for pc := start; !seen[pc]; {
		seen[pc] = true
		ins := s.insns[pc]
		switch {
		case s.fpWrites[pc] != nil:
			return pc
		case ins.OpCode == insn.OpJA || ins.OpCode == insn.OpGotol:
			pc = target(ins, pc)
		case ins.IsExit() || isBranch(ins):
			return -1
		case ins.IsLoadImm64():
			pc += 2
		default:
			pc++
		}
	}
	return -1
}

// numOps returns how many ops the program translates into.
func (s *structure) numOps() int {
	n := 0
	for _, sec := range s.second {
		if !sec {
			n++
		}
	}
	return n
}
