package link

import (
	"bytes"
	goelf "debug/elf"
	"fmt"
	"io"

	"github.com/bpfld/bpfld/elf"
	"github.com/bpfld/bpfld/insn"
)

// WriteObject links objs as Link does and writes the result as one
// relocatable BPF ELF object, as `bpftool gen object` does: what
// `bpfld link -o OUT.o IN.o...` writes.
//
// The object keeps libbpf's shape (sections, not per-program images): one
// code section per SEC() name and one .text, each holding the functions
// that are kept; merged global data sections and .maps; symbols,
// relocations, .BTF and .BTF.ext re-encoded with cilium/ebpf's btf
// package. Kept are the entry programs, the global functions other objects
// could still call, and everything these reach; the bodies of losing weak
// definitions and unreachable static code are left out. CO-RE records,
// .kconfig and .ksyms externs stay for the loader to resolve.
//
// The output loads with bpfld, with libbpf (bpftool prog loadall) and with
// cilium/ebpf's LoadCollectionSpec and NewCollection, which the output of
// bpftool gen object 7.1 does not in four cases that this writer avoids:
//   - static functions (and variables, and maps) of one name in several
//     inputs: the later ones are renamed name__1, name__2 (cilium/ebpf
//     keys functions and variables by name);
//   - symbols of losing weak definitions: neither they nor their bodies
//     are written;
//   - `const void` ksyms: written with type void, the only form
//     cilium/ebpf accepts;
//   - hidden functions: written as static functions, in ELF and BTF, so
//     that every loader verifies them with their caller as libbpf does.
//
// Calls to static functions and addresses of functions are relocated
// against their section's symbol, the forms clang writes and both loaders
// read; data references against the data section's symbol with the offset
// in the instruction; map references against the map's (global) symbol.
func WriteObject(w io.Writer, objs []*elf.Object, opts Options) error {
	l, err := resolve(objs, opts)
	if err != nil {
		return err
	}
	ow := &objWriter{
		l:       l,
		names:   newNamer(),
		funcs:   make([]*outFunc, len(l.funcs)),
		maps:    make(map[*elf.Map]*outMap),
		vars:    make(map[*elf.Variable]*outSym),
		externs: make(map[sym]*outSym),
	}
	if err := ow.layout(); err != nil {
		return err
	}
	// .BTF and .BTF.ext need only where everything went; the code can
	// be encoded and relocated meanwhile, on another core.
	btfDone := make(chan error, 1)
	go func() { btfDone <- ow.buildBTF() }()
	codeErr := ow.encodeCode()
	btfErr := <-btfDone
	if codeErr != nil {
		return codeErr
	}
	if btfErr != nil {
		return btfErr
	}
	return ow.file.write(w)
}

// objWriter turns the resolved symbol state into an ELF object.
type objWriter struct {
	l     *linker
	names *namer
	data  *dataLayout
	file  elfFile

	// kept lists the functions written, in output order.
	kept []fid
	// funcs is where each written function went, by fid; nil for the
	// others.
	funcs   []*outFunc
	maps    map[*elf.Map]*outMap
	vars    map[*elf.Variable]*outSym
	dataOut map[*dataSection]*outSection
	externs map[sym]*outSym
	// codeSections are the code sections in output order.
	codeSections []*outSection
	mapSections  []*outSection
	// withLines tells which written functions get line_info, by fid.
	withLines []bool
}

// outFunc is where a kept function went.
type outFunc struct {
	sec  *outSection
	slot int
	sym  *outSym
	obj  *object
	fn   *elf.Function
}

// outMap is where a kept map definition went.
type outMap struct {
	sec *outSection
	off uint64
	sym *outSym
	obj *object
	m   *elf.Map
}

// layout decides what is written and where: every section, symbol and
// name, but not the code's bytes (encodeCode) nor BTF (buildBTF).
func (ow *objWriter) layout() error {
	steps := []func() error{
		ow.keepFunctions,
		ow.reserveNames,
		ow.layoutCode,
		ow.layoutData,
		ow.layoutMaps,
		ow.layoutExterns,
		ow.layoutLicense,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// keepFunctions decides which functions are written: the entry programs
// and global (not hidden) functions that won resolution, and every
// function these reach.
func (ow *objWriter) keepFunctions() error {
	l := ow.l
	var roots []fid
	for f := fid(1); int(f) < len(l.funcs); f++ {
		e := &l.funcs[f]
		o := l.objs[e.obj]
		if !l.wins(o, e.fn) {
			continue
		}
		if e.fn.Entry || ow.exported(o, e.fn) {
			roots = append(roots, f)
		}
	}
	kept, err := l.reach(roots)
	if err != nil {
		return err
	}
	ow.kept = kept
	return nil
}

// exported reports whether a function stays visible to later links: a
// global or weak function that is not hidden.
func (ow *objWriter) exported(o *object, fn *elf.Function) bool {
	if fn.Symbol <= 0 {
		return false
	}
	_, g := ow.l.lookup(o, fn.Symbol)
	return g != nil && !g.local && !g.hidden
}

// reserveNames claims the names of every global symbol written, so that
// static symbols are renamed around them.
func (ow *objWriter) reserveNames() error {
	l := ow.l
	for id := 1; id < len(l.syms); id++ {
		g := &l.syms[id]
		if !g.local {
			ow.names.reserve(g.name)
		}
	}
	return nil
}

// layoutCode places the kept functions: one output section per code
// section name, in the order the names first appear, each function in
// link order after the previous one.
func (ow *objWriter) layoutCode() error {
	l := ow.l
	keep := make([]bool, len(l.funcs))
	for _, f := range ow.kept {
		keep[f] = true
	}
	// Size the sections first, so that each is allocated once.
	sizes := make(map[string]int)
	for _, f := range ow.kept {
		fn := l.funcs[f].fn
		sizes[fn.Section.Name] += fn.Len * insn.Size
	}
	byName := make(map[string]*outSection)
	order := make([]fid, 0, len(ow.kept))
	for _, o := range l.objs {
		for _, sec := range o.Sections {
			if sec.Kind != elf.SectionCode {
				continue
			}
			for _, fn := range o.funcs[sec.Index] {
				f := l.funcIndex[fn]
				if !keep[f] {
					continue
				}
				out := byName[sec.Name]
				if out == nil {
					out = &outSection{name: sec.Name, typ: goelf.SHT_PROGBITS,
						flags: goelf.SHF_ALLOC | goelf.SHF_EXECINSTR, align: insn.Size,
						data: make([]byte, 0, sizes[sec.Name])}
					byName[sec.Name] = out
					ow.codeSections = append(ow.codeSections, out)
				}
				of := &outFunc{sec: out, slot: len(out.data) / insn.Size, obj: o, fn: fn}
				out.data = out.data[:len(out.data)+fn.Len*insn.Size]
				of.sym = &outSym{
					name: fn.Name, typ: goelf.STT_FUNC, sec: out,
					value: uint64(of.slot) * insn.Size, size: uint64(fn.Len) * insn.Size,
				}
				ow.bindFunction(o, fn, of.sym)
				ow.funcs[f] = of
				order = append(order, f)
			}
		}
	}
	ow.kept = order
	for _, f := range order {
		ow.file.symbols = append(ow.file.symbols, ow.funcs[f].sym)
	}
	ow.file.sections = append(ow.file.sections, ow.codeSections...)
	return nil
}

// encodeCode writes the instructions of every kept function where
// layoutCode placed it, then relocates them (relocateCode).
func (ow *objWriter) encodeCode() error {
	for _, f := range ow.kept {
		of := ow.funcs[f]
		code := of.sec.data[of.slot*insn.Size:]
		for i, ins := range of.fn.Insns() {
			ins.Encode(code[i*insn.Size:])
		}
	}
	return ow.relocateCode()
}

// bindFunction sets a function symbol's binding and name: static
// functions stay local (renamed when their name is taken), hidden ones
// become local (every loader must then verify them as static functions,
// as libbpf does), others keep theirs.
func (ow *objWriter) bindFunction(o *object, fn *elf.Function, s *outSym) {
	bind, vis, static := ow.binding(o, fn.Symbol)
	s.bind, s.vis = bind, vis
	if static {
		s.name = ow.names.unique(fn.Name)
	}
}

// binding returns the output binding and visibility of a defined symbol,
// and whether it is static, and so may need a new name. A hidden global
// is written local: invisible outside the linked object, it is in effect
// static, and its name is already unique.
func (ow *objWriter) binding(o *object, symIndex int) (goelf.SymBind, goelf.SymVis, bool) {
	if symIndex <= 0 {
		return goelf.STB_GLOBAL, goelf.STV_DEFAULT, false
	}
	_, g := ow.l.lookup(o, symIndex)
	switch {
	case g == nil || g.local:
		return goelf.STB_LOCAL, goelf.STV_DEFAULT, true
	case g.hidden:
		return goelf.STB_LOCAL, goelf.STV_DEFAULT, false
	case g.weak:
		return goelf.STB_WEAK, goelf.STV_DEFAULT, false
	}
	return goelf.STB_GLOBAL, goelf.STV_DEFAULT, false
}

// layoutData writes the merged global data sections with a symbol for
// every variable that won resolution.
func (ow *objWriter) layoutData() error {
	dl, err := ow.l.layoutData()
	if err != nil {
		return err
	}
	ow.data = dl
	ow.dataOut = make(map[*dataSection]*outSection)
	for _, ds := range dl.sections {
		if ds.size == 0 {
			continue
		}
		// Merged string sections lose SHF_MERGE and SHF_STRINGS: the
		// writer does not record their entry size.
		out := &outSection{name: ds.name, flags: ds.flags &^ (goelf.SHF_MERGE | goelf.SHF_STRINGS), align: ds.align, size: ds.size}
		if ds.nobits {
			out.typ = goelf.SHT_NOBITS
		} else {
			out.typ = goelf.SHT_PROGBITS
			out.data = ds.data
		}
		ow.dataOut[ds] = out
		ow.file.sections = append(ow.file.sections, out)
		for _, dv := range ds.vars {
			o := ow.l.objs[dv.obj]
			bind, vis, static := ow.binding(o, dv.v.Symbol)
			s := &outSym{name: dv.v.Name, bind: bind, vis: vis, typ: goelf.STT_OBJECT, sec: out, value: dv.offset, size: dv.v.Size}
			if static {
				s.name = ow.names.unique(dv.v.Name)
			}
			ow.vars[dv.v] = s
			ow.file.symbols = append(ow.file.symbols, s)
		}
	}
	return nil
}

// layoutMaps writes the map definitions that won resolution, each with
// its bytes and the .values relocations within it, into a section of the
// input's name (.maps, or a legacy maps section).
func (ow *objWriter) layoutMaps() error {
	l := ow.l
	byName := make(map[string]*outSection)
	for _, o := range l.objs {
		for _, m := range o.Maps {
			if !l.mapWins(o, m) || m.Section == nil {
				continue
			}
			out := byName[m.Section.Name]
			if out == nil {
				out = &outSection{name: m.Section.Name, typ: goelf.SHT_PROGBITS,
					flags: goelf.SHF_ALLOC | goelf.SHF_WRITE, align: 8}
				byName[m.Section.Name] = out
				ow.mapSections = append(ow.mapSections, out)
			}
			size := mapDefSize(o, m)
			off := alignUp(uint64(len(out.data)), 8)
			out.data = append(out.data, make([]byte, off-uint64(len(out.data)))...)
			if m.Section.Data != nil && m.Offset+size <= uint64(len(m.Section.Data)) {
				out.data = append(out.data, m.Section.Data[m.Offset:m.Offset+size]...)
			} else {
				out.data = append(out.data, make([]byte, size)...)
			}
			// cilium/ebpf refuses references to maps with a local
			// symbol, so every map is global; a static one keeps a
			// unique name and hidden visibility.
			s := &outSym{name: m.Name, bind: goelf.STB_GLOBAL, typ: goelf.STT_OBJECT, sec: out, value: off, size: size}
			if _, g := l.lookup(o, m.Symbol); g == nil || g.local {
				s.name, s.vis = ow.names.unique(m.Name), goelf.STV_HIDDEN
			} else if g.hidden {
				s.vis = goelf.STV_HIDDEN
			}
			ow.maps[m] = &outMap{sec: out, off: off, sym: s, obj: o, m: m}
			ow.file.symbols = append(ow.file.symbols, s)
		}
	}
	ow.file.sections = append(ow.file.sections, ow.mapSections...)

	// .values: the relocations of each definition's bytes, against the
	// programs and inner maps the slots hold.
	for _, om := range ow.sortedMaps() {
		size := mapDefSize(om.obj, om.m)
		for _, r := range om.m.Section.Relocs {
			if r.Offset < om.m.Offset || r.Offset >= om.m.Offset+size {
				continue
			}
			target, err := ow.symbolFor(om.obj, r.Symbol)
			if err != nil {
				return fmt.Errorf("%s: map %s: %w", om.obj.Path, om.m.Name, err)
			}
			// GCC 12 writes binutils' R_BPF_GNU_DATA_64 for these.
			typ := r.Type
			if typ == elf.R_BPF_GNU_DATA_64 {
				typ = elf.R_BPF_64_ABS64
			}
			om.sec.relocs = append(om.sec.relocs, outReloc{off: om.off + r.Offset - om.m.Offset, typ: typ, sym: target})
		}
	}
	return nil
}

// sortedMaps returns the written maps in output order.
func (ow *objWriter) sortedMaps() []*outMap {
	var out []*outMap
	for _, o := range ow.l.objs {
		for _, m := range o.Maps {
			if om := ow.maps[m]; om != nil {
				out = append(out, om)
			}
		}
	}
	return out
}

// mapDefSize is the size of a map definition's bytes: its symbol's size.
func mapDefSize(o *object, m *elf.Map) uint64 {
	if m.Symbol > 0 && o.Symbols[m.Symbol].Size > 0 {
		return o.Symbols[m.Symbol].Size
	}
	if m.Section != nil && m.Section.Size > m.Offset {
		return m.Section.Size - m.Offset
	}
	return 0
}

// symbolFor returns the output symbol that ELF symbol i of an object
// resolves to: a kept function, a map, a variable or an extern.
func (ow *objWriter) symbolFor(o *object, i int) (*outSym, error) {
	id, g := ow.l.lookup(o, i)
	if g == nil {
		return nil, fmt.Errorf("reference to symbol %s, which the linker does not resolve", o.SymbolName(i))
	}
	switch {
	case g.fn != nil:
		if of := ow.funcs[ow.l.funcIndex[g.fn]]; of != nil {
			return of.sym, nil
		}
		return nil, fmt.Errorf("reference to function %s, which is not kept", g.name)
	case g.m != nil:
		if om := ow.maps[g.m]; om != nil {
			return om.sym, nil
		}
	case g.v != nil:
		if s := ow.vars[g.v]; s != nil {
			return s, nil
		}
	case !g.defined():
		return ow.externSym(id), nil
	}
	return nil, fmt.Errorf("reference to %s %s, which is not written", g.kind, g.name)
}

// layoutExterns writes an undefined symbol for every extern left to the
// loader: .kconfig and .ksyms externs, and, in a partial link, externs no
// input defines. An extern is weak only when every declaration is.
func (ow *objWriter) layoutExterns() error {
	for id := sym(1); int(id) < len(ow.l.syms); id++ {
		g := &ow.l.syms[id]
		if !g.defined() && !g.local && len(g.decls) > 0 {
			ow.externSym(id)
		}
	}
	return nil
}

// externSym returns the undefined symbol of an extern, made on first use.
func (ow *objWriter) externSym(id sym) *outSym {
	if s := ow.externs[id]; s != nil {
		return s
	}
	g := &ow.l.syms[id]
	bind := goelf.STB_WEAK
	for _, d := range g.decls {
		if !d.ext.Weak {
			bind = goelf.STB_GLOBAL
		}
	}
	s := &outSym{name: g.name, bind: bind, typ: goelf.STT_NOTYPE}
	if g.hidden {
		s.vis = goelf.STV_HIDDEN
	}
	ow.externs[id] = s
	ow.file.symbols = append(ow.file.symbols, s)
	return s
}

// layoutLicense writes the license and version sections. Like libbpf's
// linker, it refuses inputs whose licenses or versions differ.
func (ow *objWriter) layoutLicense() error {
	var license, licObj string
	var version []byte
	var verObj string
	for _, o := range ow.l.objs {
		if o.License != "" {
			switch {
			case licObj == "":
				license, licObj = o.License, o.Path
			case o.License != license:
				return fmt.Errorf("license %q of %s differs from %q of %s", o.License, o.Path, license, licObj)
			}
		}
		if o.HasVersion {
			v := []byte{byte(o.KernelVersion), byte(o.KernelVersion >> 8), byte(o.KernelVersion >> 16), byte(o.KernelVersion >> 24)}
			switch {
			case verObj == "":
				version, verObj = v, o.Path
			case !bytes.Equal(v, version):
				return fmt.Errorf("kernel version %#x of %s differs from %#x of %s", o.KernelVersion,
					o.Path, uint32(version[0])|uint32(version[1])<<8|uint32(version[2])<<16|uint32(version[3])<<24, verObj)
			}
		}
	}
	if licObj != "" {
		ow.file.sections = append(ow.file.sections, &outSection{name: "license", typ: goelf.SHT_PROGBITS,
			flags: goelf.SHF_ALLOC | goelf.SHF_WRITE, align: 1, data: append([]byte(license), 0)})
	}
	if verObj != "" {
		ow.file.sections = append(ow.file.sections, &outSection{name: "version", typ: goelf.SHT_PROGBITS,
			flags: goelf.SHF_ALLOC | goelf.SHF_WRITE, align: 4, data: version})
	}
	return nil
}
