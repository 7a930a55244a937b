package link

import (
	"fmt"

	"github.com/bpfld/bpfld/insn"
)

// relocateKsym resolves a .ksyms reference against the kernel's BTF.
func (b *imageBuilder) relocateKsym(insns []insn.Instruction, r ref) error {
	return fmt.Errorf("ksym %s: not supported yet", b.l.syms[r.sym].name)
}
