package link

import (
	goelf "debug/elf"
	"fmt"

	"github.com/bpfld/bpfld/elf"
)

// linker holds the resolved symbol state of a set of objects: every name
// bound to the one definition that wins, with libbpf's rules
// (tools/lib/bpf/linker.c, linker_append_elf_sym).
type linker struct {
	opts Options
	objs []*object
	// syms is the dense symbol table; entry 0 is unused.
	syms []symbol
	// globals maps the name of every global or weak symbol to its entry.
	globals map[string]sym
	// funcs lists every function of every object by dense index (entry 0
	// unused); funcIndex finds a function's index.
	funcs     []funcEntry
	funcIndex map[*elf.Function]fid
}

// resolve reads the symbols of every object in link order and binds each
// name to its definition. It fails on conflicting definitions, on externs
// whose type does not match their definition and, unless
// opts.AllowUnresolved, on externs nothing defines.
func resolve(objs []*elf.Object, opts Options) (*linker, error) {
	nsyms := 1
	for _, o := range objs {
		if o != nil {
			nsyms += len(o.Symbols)
		}
	}
	l := &linker{opts: opts, syms: make([]symbol, 1, nsyms), globals: make(map[string]sym, nsyms/2)}
	for i, o := range objs {
		if o == nil {
			return nil, fmt.Errorf("object %d is nil", i)
		}
		obj := newObject(o, i)
		l.objs = append(l.objs, obj)
		if err := l.addSymbols(obj); err != nil {
			return nil, err
		}
	}
	if !opts.AllowUnresolved {
		if err := l.checkUnresolved(); err != nil {
			return nil, err
		}
	}
	l.numberFunctions()
	return l, nil
}

// addSymbols binds the symbols of one object, in symbol table order.
func (l *linker) addSymbols(o *object) error {
	ents := o.entities()
	for i := 1; i < len(o.Symbols); i++ {
		e := ents[i]
		if e.kind == kindNone {
			// Sections, files, jump labels, LICENSE and the like: the
			// linker resolves nothing through them by name.
			continue
		}
		s := &o.Symbols[i]
		if s.Bind == goelf.STB_LOCAL {
			// Static functions, maps and variables stay private to their
			// object even when another object uses the same name.
			o.syms[i] = l.newSymbol(o, s, e, true)
			continue
		}
		if err := l.bind(o, s, e); err != nil {
			return err
		}
	}
	return nil
}

// newSymbol adds a symbol defined or declared by one ELF symbol.
func (l *linker) newSymbol(o *object, s *elf.Symbol, e entity, local bool) sym {
	id := sym(len(l.syms))
	l.syms = append(l.syms, symbol{
		name:   s.Name,
		kind:   e.kind,
		local:  local,
		hidden: isHidden(s.Visibility),
		def:    -1,
	})
	l.record(&l.syms[id], o, s, e)
	return id
}

// record sets e as the symbol's definition, or adds it as a declaration.
func (l *linker) record(g *symbol, o *object, s *elf.Symbol, e entity) {
	if e.ext != nil {
		g.decls = append(g.decls, decl{obj: o.index, ext: e.ext})
		return
	}
	g.def, g.fn, g.m, g.v = o.index, e.fn, e.m, e.v
	g.weak = s.Bind == goelf.STB_WEAK
}

// bind resolves one global or weak ELF symbol against the names seen so far.
func (l *linker) bind(o *object, s *elf.Symbol, e entity) error {
	id, seen := l.globals[s.Name]
	if !seen {
		id = l.newSymbol(o, s, e, false)
		l.globals[s.Name] = id
		o.syms[s.Index] = id
		return nil
	}
	g := &l.syms[id]
	// Every reference of this object resolves to the winner, whichever it
	// turns out to be.
	o.syms[s.Index] = id

	if g.kind != e.kind {
		return &KindError{Name: s.Name, Kinds: [2]string{g.kind.String(), e.kind.String()},
			Objects: [2]string{l.firstObject(g), o.Path}}
	}
	// Hidden visibility is contagious: once any copy, even an extern
	// declaration, is hidden, the symbol is hidden in the result.
	if isHidden(s.Visibility) {
		g.hidden = true
	}
	if err := l.checkCompatible(g, o, e); err != nil {
		return err
	}

	isDef := e.ext == nil
	switch {
	case !isDef:
		// An extern declaration never changes the definition.
		l.record(g, o, s, e)
	case !g.defined():
		// The first definition resolves the externs seen so far, whether
		// it is weak or strong.
		l.record(g, o, s, e)
	case !g.weak && s.Bind != goelf.STB_WEAK:
		// Two strong definitions of one name conflict.
		return &DuplicateError{Name: s.Name, Kind: g.kind.String(),
			Objects: [2]string{l.objs[g.def].Path, o.Path}}
	case s.Bind != goelf.STB_WEAK:
		// A strong definition overrides the weak one seen before, whose
		// body is dropped.
		l.record(g, o, s, e)
	default:
		// A weak definition after any other definition loses: of several
		// weak definitions the first wins, and a strong one always wins.
	}
	return nil
}

// firstObject names the object that defines a symbol, or else the first
// that declares it.
func (l *linker) firstObject(g *symbol) string {
	if g.defined() {
		return l.objs[g.def].Path
	}
	if len(g.decls) > 0 {
		return l.objs[g.decls[0].obj].Path
	}
	return ""
}

// checkUnresolved fails on functions, maps and variables declared extern
// that no object defines. .kconfig and .ksyms externs are the loader's.
func (l *linker) checkUnresolved() error {
	var missing []Unresolved
	for id := 1; id < len(l.syms); id++ {
		g := &l.syms[id]
		if g.defined() || g.local {
			continue
		}
		switch g.kind {
		case kindFunc, kindMap, kindVar:
		default:
			continue
		}
		u := Unresolved{Name: g.name, Kind: g.kind.String()}
		for _, d := range g.decls {
			p := l.objs[d.obj].Path
			if len(u.Objects) == 0 || u.Objects[len(u.Objects)-1] != p {
				u.Objects = append(u.Objects, p)
			}
		}
		missing = append(missing, u)
	}
	if len(missing) > 0 {
		return &UnresolvedError{Externs: missing}
	}
	return nil
}

// lookup returns the linker symbol that ELF symbol i of an object resolves to.
func (l *linker) lookup(o *object, i int) (sym, *symbol) {
	if i <= 0 || i >= len(o.syms) || o.syms[i] == 0 {
		return 0, nil
	}
	id := o.syms[i]
	return id, &l.syms[id]
}

// wins reports whether a function of an object is the definition its
// symbol resolved to. Static functions always win; a weak or overridden
// global definition that lost is left out of the result.
func (l *linker) wins(o *object, fn *elf.Function) bool {
	if fn.Symbol <= 0 {
		return true
	}
	_, g := l.lookup(o, fn.Symbol)
	return g == nil || g.fn == fn
}
