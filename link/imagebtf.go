package link

import (
	"fmt"
	"sort"

	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/elf"
)

// buildBTF merges the BTF of every input into Image.BTF with cilium/ebpf's
// deduplicating btf.Builder: the functions, maps, variables and externs
// that won resolution and everything they refer to. The image's own types
// (func_info, map keys and values, variables) are then swapped for their
// counterparts in the merged Spec, so that Image.BTF.TypeID finds each.
func (b *imageBuilder) buildBTF() error {
	l := b.l
	var types []btf.Type
	add := func(t btf.Type) {
		if t != nil {
			types = append(types, t)
		}
	}
	for _, p := range b.img.Programs {
		for _, fi := range p.FuncInfos {
			add(fi.Func)
		}
	}
	for _, o := range l.objs {
		for _, fn := range o.Functions {
			if l.wins(o, fn) {
				if t := imageFuncBTF(l, o, fn); t != nil {
					add(t)
				}
			}
		}
		for _, e := range o.Externs {
			if e.Kind == elf.ExternKconfig || e.Kind == elf.ExternKsym {
				add(e.Type)
			}
		}
	}
	for _, m := range b.img.Maps {
		for ms := m; ms != nil; ms = ms.Inner {
			add(ms.Key)
			add(ms.Value)
		}
		// Every type that is translated below must be added explicitly:
		// only those have an id the Builder knows before marshaling.
		for _, v := range m.Variables {
			add(v.Type)
		}
	}
	if len(types) == 0 {
		return nil
	}

	builder, err := btf.NewBuilder(types, &btf.BuilderOptions{Deduplicate: true})
	if err != nil {
		return fmt.Errorf("merge BTF: %w", err)
	}
	spec, err := builder.Spec()
	if err != nil {
		return fmt.Errorf("merge BTF: %w", err)
	}
	tr := &btfTranslator{builder: builder, spec: spec, done: make(map[btf.Type]btf.Type)}
	for _, p := range b.img.Programs {
		for i := range p.FuncInfos {
			if fn, ok := tr.translate(p.FuncInfos[i].Func).(*btf.Func); ok {
				p.FuncInfos[i].Func = fn
			}
		}
	}
	for _, m := range b.img.Maps {
		for ms := m; ms != nil; ms = ms.Inner {
			ms.Key, ms.Value = tr.translate(ms.Key), tr.translate(ms.Value)
		}
		for i := range m.Variables {
			m.Variables[i].Type = tr.translate(m.Variables[i].Type)
		}
	}
	b.img.BTF = spec
	return tr.err
}

// btfTranslator maps the inputs' types to their deduplicated counterparts
// in the merged Spec. It knows only types added to the Builder before the
// Spec was made (or types equal to one of them): the ids of the others'
// descendants are given out only while marshaling.
type btfTranslator struct {
	builder *btf.Builder
	spec    *btf.Spec
	done    map[btf.Type]btf.Type
	err     error
}

func (tr *btfTranslator) translate(t btf.Type) btf.Type {
	if t == nil {
		return nil
	}
	if _, ok := t.(*btf.Void); ok {
		return t
	}
	if out, ok := tr.done[t]; ok {
		return out
	}
	id, err := tr.builder.Add(t)
	if err == nil {
		var out btf.Type
		if out, err = tr.spec.TypeByID(id); err == nil {
			tr.done[t] = out
			return out
		}
	}
	if tr.err == nil {
		tr.err = fmt.Errorf("merge BTF: type %s: %w", t, err)
	}
	return t
}

// sortVarSecinfos orders the members of a DATASEC by offset, as the
// kernel requires.
func sortVarSecinfos(vars []btf.VarSecinfo) {
	sort.SliceStable(vars, func(i, j int) bool { return vars[i].Offset < vars[j].Offset })
}
