package link

import (
	"fmt"
	"sync"

	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/reloc"
)

// relocateKsym resolves a .ksyms reference, a kernel variable's address or
// a kfunc call, with Options.Ksyms (by default against the target kernel's
// BTF and /proc/kallsyms, as libbpf does) and patches the instruction.
func (b *imageBuilder) relocateKsym(insns []insn.Instruction, r ref) error {
	v, err := b.ksymValue(r.sym)
	if err != nil {
		return err
	}
	return v.Patch(insns, r.slot)
}

// ksymValue resolves one .ksyms extern, once per link. The extern is weak
// only when every object declares it __weak.
func (b *imageBuilder) ksymValue(id sym) (reloc.KsymValue, error) {
	if v, ok := b.ksyms[id]; ok {
		return v, nil
	}
	if b.ksymResolver == nil {
		b.ksymResolver = b.l.opts.Ksyms
	}
	if b.ksymResolver == nil {
		target, err := b.targetBTF()
		if err != nil {
			return reloc.KsymValue{}, fmt.Errorf(".ksyms: %w", err)
		}
		b.ksymResolver = kernelKsyms(b.l.opts.KernelBTF, target)
	}
	g := &b.l.syms[id]
	k := reloc.Ksym{Name: g.name, Type: g.decls[0].ext.Type, Weak: true}
	for _, d := range g.decls {
		k.Weak = k.Weak && d.ext.Weak
	}
	v, err := b.ksymResolver.ResolveKsym(k)
	if err != nil && b.l.opts.AllowUnresolved && !k.Weak {
		// A partial link (or a dump of one object) goes on: the ksym
		// resolves as a missing __weak one does, to 0 or a poisoned
		// kfunc call, which a loader refuses if the code is reached.
		k.Weak = true
		v, err = b.ksymResolver.ResolveKsym(k)
	}
	if err != nil {
		return reloc.KsymValue{}, err
	}
	if b.ksyms == nil {
		b.ksyms = make(map[sym]reloc.KsymValue)
	}
	b.ksyms[id] = v
	return v, nil
}

// kernelResolvers keeps one kernel ksym resolver per target BTF for the
// whole process: reading /proc/kallsyms takes a fifth of a second, and the
// resolver reads it once.
var kernelResolvers struct {
	sync.Mutex
	byPath map[string]*lockedResolver
}

// kernelKsyms returns the process's resolver for the target BTF at path
// ("" for the running kernel's), loaded as target.
func kernelKsyms(path string, target *btf.Spec) reloc.KsymResolver {
	kernelResolvers.Lock()
	defer kernelResolvers.Unlock()
	if r, ok := kernelResolvers.byPath[path]; ok {
		return r
	}
	if kernelResolvers.byPath == nil {
		kernelResolvers.byPath = make(map[string]*lockedResolver)
	}
	r := &lockedResolver{r: reloc.NewKsymResolver(target, DefaultKallsyms)}
	kernelResolvers.byPath[path] = r
	return r
}

// lockedResolver lets concurrent links share one resolver.
type lockedResolver struct {
	mu sync.Mutex
	r  reloc.KsymResolver
}

func (l *lockedResolver) ResolveKsym(k reloc.Ksym) (reloc.KsymValue, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.ResolveKsym(k)
}
