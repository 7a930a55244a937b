package link

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/reloc"
)

// Link resolves objects, in link order, into one Image: symbols bound
// across objects with libbpf's rules, every entry program complete with
// the subprograms it reaches, maps merged, global data sections merged
// into one map per section name, CO-RE, .kconfig and .ksyms resolved
// against the running kernel (or opts.KernelBTF and opts.Kconfig), and
// the inputs' BTF merged.
func Link(objs []*elf.Object, opts Options) (*Image, error) {
	l, err := resolve(objs, opts)
	if err != nil {
		return nil, err
	}
	b := &imageBuilder{
		l:         l,
		img:       &Image{},
		mapIndex:  make(map[*elf.Map]int),
		dataIndex: make(map[*dataSection]int),
		prepared:  make(map[fid][]insn.Instruction),
	}
	if err := b.build(); err != nil {
		return nil, err
	}
	return b.img, nil
}

// imageBuilder turns the resolved symbol state into an Image.
type imageBuilder struct {
	l   *linker
	img *Image

	data      *dataLayout
	mapIndex  map[*elf.Map]int
	dataIndex map[*dataSection]int
	kconfig   *kconfigMap

	// prepared holds each function's instructions with everything but
	// calls relocated: the same for every program that includes it.
	prepared map[fid][]insn.Instruction

	// target is the kernel BTF, loaded on first need.
	target    *btf.Spec
	targetErr error
	// ksymResolver resolves .ksyms externs; ksyms caches its answers.
	ksymResolver reloc.KsymResolver
	ksyms        map[sym]reloc.KsymValue
}

func (b *imageBuilder) build() error {
	for _, o := range b.l.objs {
		b.img.Objects = append(b.img.Objects, o.Path)
	}
	var err error
	if b.data, err = b.l.layoutData(); err != nil {
		return err
	}
	if err := b.buildMaps(); err != nil {
		return err
	}
	if err := b.buildPrograms(); err != nil {
		return err
	}
	return b.buildBTF()
}

// targetBTF returns the BTF that CO-RE relocations and ksyms resolve
// against: Options.KernelBTF, else the running kernel's.
func (b *imageBuilder) targetBTF() (*btf.Spec, error) {
	if b.target != nil || b.targetErr != nil {
		return b.target, b.targetErr
	}
	path := b.l.opts.KernelBTF
	if path == "" {
		if _, err := os.Stat(DefaultKernelBTF); err != nil {
			b.targetErr = fmt.Errorf("no target BTF: %s: %w (give one with Options.KernelBTF)", DefaultKernelBTF, err)
			return nil, b.targetErr
		}
	}
	b.target, b.targetErr = loadTarget(path)
	return b.target, b.targetErr
}

// targets caches target BTF by path for the whole process: parsing a
// kernel's BTF takes a tenth of a second.
var targets struct {
	sync.Mutex
	byPath map[string]*btf.Spec
}

func loadTarget(path string) (*btf.Spec, error) {
	targets.Lock()
	defer targets.Unlock()
	if spec, ok := targets.byPath[path]; ok {
		return spec, nil
	}
	spec, err := reloc.LoadTargetBTF(path)
	if err != nil {
		return nil, err
	}
	if targets.byPath == nil {
		targets.byPath = make(map[string]*btf.Spec)
	}
	targets.byPath[path] = spec
	return spec, nil
}

// prepare returns a function's instructions with its CO-RE, map, data,
// .kconfig and .ksyms references relocated; calls are left for program
// assembly, which knows where each callee lands.
func (b *imageBuilder) prepare(f fid) ([]insn.Instruction, error) {
	if p, ok := b.prepared[f]; ok {
		return p, nil
	}
	e := &b.l.funcs[f]
	o := b.l.objs[e.obj]
	fn := e.fn
	insns := slices.Clone(fn.Insns())
	wrap := func(err error) error {
		return fmt.Errorf("%s: section %s: function %s: %w", o.Path, fn.Section.Name, fn.Name, err)
	}

	if o.ExtInfos != nil {
		relos := reloc.CORERelosIn(o.ExtInfos.CORERelos[fn.Section.Name], fn.Offset, fn.Len)
		if len(relos) > 0 {
			target, err := b.targetBTF()
			if err != nil {
				return nil, wrap(fmt.Errorf("CO-RE: %w", err))
			}
			if err := reloc.ApplyCORE(insns, relos, o.BTF, []*btf.Spec{target}); err != nil {
				return nil, wrap(fmt.Errorf("CO-RE: %w", err))
			}
		}
	}

	refs, err := b.l.refs(f)
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		if err := b.relocate(insns, r); err != nil {
			return nil, wrap(fmt.Errorf("instruction %d (%s): %w", r.slot, insn.Format(fn.Insns(), r.slot, nil), err))
		}
	}
	b.prepared[f] = insns
	return insns, nil
}

// relocate applies one non-call reference to a function's instructions.
func (b *imageBuilder) relocate(insns []insn.Instruction, r ref) error {
	switch r.kind {
	case refMap:
		idx, ok := b.mapIndex[r.m]
		if !ok {
			return fmt.Errorf("map %s is not in the image", r.m.Name)
		}
		return reloc.MapRef(insns, r.slot, idx)
	case refData:
		ds, off, err := b.data.offset(r)
		if err != nil {
			return err
		}
		idx, ok := b.dataIndex[ds]
		if !ok {
			return fmt.Errorf("data section %s is empty", ds.name)
		}
		return reloc.MapValueRef(insns, r.slot, idx, off)
	case refKconfig:
		if b.kconfig == nil {
			return errors.New(".kconfig extern without a .kconfig map")
		}
		off, ok := b.kconfig.offsets[r.sym]
		if !ok {
			return fmt.Errorf("kconfig %s has no place in .kconfig", b.l.syms[r.sym].name)
		}
		return reloc.MapValueRef(insns, r.slot, b.kconfig.index, int64(off)+r.dataOff)
	case refKsym:
		return b.relocateKsym(insns, r)
	}
	return nil
}
