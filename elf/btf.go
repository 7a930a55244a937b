package elf

import (
	"bytes"
	goelf "debug/elf"
	"errors"
	"fmt"

	"github.com/cilium/ebpf/btf"
)

// btfIndex answers which variables, functions and maps a DATASEC of the
// object's BTF lists.
//
// Most DATASECs are looked up in Object.BTF itself. cilium/ebpf fixes a
// DATASEC up from the ELF headers whenever it is looked up in the Spec
// that LoadSpecAndExtInfosFromReader returns: it fills in the size and
// the members' offsets, which changes nothing the reader or the linker
// reads, but it rewrites the members of .kconfig (offsets, and extern
// linkage to global) and rejects DATASECs that clang writes every day
// (typed .ksyms variables, extern maps in .maps). So .kconfig, and any
// DATASEC whose fixup fails, are looked up in a second parse of the raw
// .BTF bytes, made without those fixups, and only when needed: most
// objects have neither. Both parses number types alike, so a member found
// there is handed out as the same type ID's type of Object.BTF.
type btfIndex struct {
	// section is the .BTF section, for the second parse.
	section *goelf.Section
	// raw is the second parse, made on first need; rawErr is why it
	// failed.
	raw      *btf.Spec
	rawErr   error
	datasecs map[string]map[string]btf.Type
}

// loadBTF loads .BTF and .BTF.ext with cilium/ebpf's btf package.
//
// BTF that the package cannot parse fails the read when the object needs
// BTF to be understood: for BTF-defined maps in .maps and for externs,
// which libbpf too refuses to handle without BTF. Otherwise the object is
// read without BTF and the reason is kept in Object.BTFError, so that
// programs whose BTF is merely unusual (GCC 12 writes a .BTF.ext that the
// package rejects) can still be linked. A .BTF.ext that fails while .BTF
// parses only drops ExtInfos, likewise recorded in BTFError.
func (rd *reader) loadBTF() error {
	var btfSec, extSec *Section
	for _, s := range rd.obj.Sections {
		switch s.Kind {
		case SectionBTF:
			btfSec = s
		case SectionBTFExt:
			extSec = s
		}
	}
	if btfSec == nil {
		if extSec != nil {
			rd.obj.BTFError = errors.New(".BTF.ext without .BTF: ignored")
		}
		return nil
	}

	btfErr, extErr := rd.parseBTF(btfSec)
	switch {
	case btfErr == nil:
		rd.obj.BTFError = extErr
	case rd.needsBTF():
		return btfErr
	default:
		rd.obj.BTFError = btfErr
	}
	return nil
}

// parseBTF parses .BTF and .BTF.ext. It returns why .BTF cannot be used,
// or else why .BTF.ext cannot.
func (rd *reader) parseBTF(btfSec *Section) (btfErr, extErr error) {
	loaded, err := catchPanic(func() (specAndExt, error) {
		spec, ext, err := btf.LoadSpecAndExtInfosFromReader(rd.r)
		return specAndExt{spec, ext}, err
	})
	spec, ext := loaded.spec, loaded.ext
	if err != nil {
		// Tell a bad .BTF.ext apart from a bad .BTF by parsing .BTF alone.
		var specErr error
		spec, specErr = catchPanic(func() (*btf.Spec, error) {
			return btf.LoadSpecFromReader(rd.r)
		})
		if specErr != nil {
			return fmt.Errorf(".BTF: %w", specErr), nil
		}
		extErr = fmt.Errorf(".BTF.ext: %w", err)
		ext = nil
	}

	rd.obj.BTF, rd.obj.ExtInfos = spec, ext
	rd.btf = btfIndex{section: rd.file.Sections[btfSec.Index], datasecs: make(map[string]map[string]btf.Type)}
	return nil, extErr
}

// rawBTF returns the second parse of .BTF, without ELF fixups (see
// btfIndex), making it on first use.
func (rd *reader) rawBTF() (*btf.Spec, error) {
	if rd.btf.raw != nil || rd.btf.rawErr != nil {
		return rd.btf.raw, rd.btf.rawErr
	}
	s := rd.btf.section
	data, err := rd.transientData(s)
	if err != nil {
		rd.btf.rawErr = fmt.Errorf(".BTF: reading %d bytes at byte %#x: %w", s.Size, s.Offset, err)
		return nil, rd.btf.rawErr
	}
	rd.btf.raw, rd.btf.rawErr = catchPanic(func() (*btf.Spec, error) {
		return btf.LoadSpecFromReader(bytes.NewReader(data))
	})
	if rd.btf.rawErr != nil {
		rd.btf.rawErr = fmt.Errorf(".BTF: %w", rd.btf.rawErr)
	}
	return rd.btf.raw, rd.btf.rawErr
}

// hasName reports whether name may be the name of a type in .BTF: whether
// its string table can hold it, a NUL-terminated string after another's
// NUL. It looks only for the bytes; false means that no type has the name.
func (rd *reader) hasName(name string) (bool, error) {
	s := rd.btf.section
	data, err := rd.transientData(s)
	if err != nil {
		return false, fmt.Errorf(".BTF: reading %d bytes at byte %#x: %w", s.Size, s.Offset, err)
	}
	return bytes.Contains(data, []byte("\x00"+name+"\x00")), nil
}

// needsBTF reports whether the object cannot be read correctly without
// its BTF: it defines maps in .maps, or it has externs.
func (rd *reader) needsBTF() bool {
	for i := 1; i < len(rd.obj.Symbols); i++ {
		sym := &rd.obj.Symbols[i]
		if isExternSymbol(sym) {
			return true
		}
		if sec := rd.obj.section(sym); sec != nil && sec.Kind == SectionMaps && isDataSymbol(sym) {
			return true
		}
	}
	return false
}

// datasec returns the members of the named DATASEC, by name, as types of
// Object.BTF: *btf.Var for variables and maps, *btf.Func for kfuncs in
// .ksyms. It returns an empty map without BTF or without that DATASEC.
func (rd *reader) datasec(name string) (map[string]btf.Type, error) {
	if rd.obj.BTF == nil {
		return nil, nil
	}
	if members, ok := rd.btf.datasecs[name]; ok {
		return members, nil
	}
	members, err := rd.lookupDatasec(name)
	if err != nil {
		return nil, err
	}
	rd.btf.datasecs[name] = members
	return members, nil
}

// lookupDatasec finds a DATASEC's members: in Object.BTF where its ELF
// fixup is harmless and succeeds, else in the raw parse.
func (rd *reader) lookupDatasec(name string) (map[string]btf.Type, error) {
	if name == ".kconfig" {
		// Its fixup rewrites the members: look in Object.BTF not at all.
		present, err := rd.hasName(name)
		if err != nil || !present {
			return map[string]btf.Type{}, err
		}
		return rd.rawDatasec(name)
	}
	var ds *btf.Datasec
	_, err := catchPanic(func() (any, error) {
		return nil, rd.obj.BTF.TypeByName(name, &ds)
	})
	switch {
	case errors.Is(err, btf.ErrNotFound):
		return map[string]btf.Type{}, nil
	case err != nil:
		// A fixup that fails (or a BTF that does not parse) is no
		// verdict: the raw parse decides, as if this lookup had not been
		// made. The failed fixup leaves the DATASEC of Object.BTF marked
		// as done, which only this reader looks up.
		return rd.rawDatasec(name)
	}
	members := make(map[string]btf.Type, len(ds.Vars))
	for _, vsi := range ds.Vars {
		members[vsi.Type.TypeName()] = vsi.Type
	}
	return members, nil
}

// rawDatasec finds a DATASEC's members in the raw parse of .BTF and hands
// them out as the types of Object.BTF of the same IDs.
func (rd *reader) rawDatasec(name string) (map[string]btf.Type, error) {
	raw, err := rd.rawBTF()
	if err != nil {
		return nil, fmt.Errorf("BTF DATASEC %s: %w", name, err)
	}
	members := make(map[string]btf.Type)
	var ds *btf.Datasec
	_, err = catchPanic(func() (any, error) {
		return nil, raw.TypeByName(name, &ds)
	})
	if errors.Is(err, btf.ErrNotFound) {
		return members, nil
	}
	if err != nil {
		return nil, fmt.Errorf("BTF DATASEC %s: %w", name, err)
	}
	for _, vsi := range ds.Vars {
		typ, err := catchPanic(func() (btf.Type, error) {
			id, err := raw.TypeID(vsi.Type)
			if err != nil {
				return nil, err
			}
			return rd.obj.BTF.TypeByID(id)
		})
		if err != nil {
			return nil, fmt.Errorf("BTF DATASEC %s: member %s: %w", name, vsi.Type.TypeName(), err)
		}
		members[typ.TypeName()] = typ
	}
	return members, nil
}

// externBTF finds the BTF of an extern that no DATASEC lists: a FUNC or a
// VAR of that name with extern linkage. It returns nil when there is none.
func (rd *reader) externBTF(name string) btf.Type {
	if rd.obj.BTF == nil || name == "" {
		return nil
	}
	types, err := catchPanic(func() ([]btf.Type, error) {
		return rd.obj.BTF.AnyTypesByName(name)
	})
	if err != nil {
		return nil
	}
	for _, t := range types {
		switch t := t.(type) {
		case *btf.Func:
			if t.Linkage == btf.ExternFunc {
				return t
			}
		case *btf.Var:
			if t.Linkage == btf.ExternVar {
				return t
			}
		}
	}
	return nil
}

// specAndExt is what btf.LoadSpecAndExtInfosFromReader returns.
type specAndExt struct {
	spec *btf.Spec
	ext  *btf.ExtInfos
}

// catchPanic runs f and turns a panic in it into an error. The btf and
// dwarf packages decode lazily and have been fuzzed, but a reader of
// untrusted files must not crash on a case they missed.
func catchPanic[T any](f func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			var zero T
			v, err = zero, fmt.Errorf("malformed debug information: %v", p)
		}
	}()
	return f()
}

// isExternSymbol reports whether a symbol is a named undefined symbol: an
// extern of this object.
func isExternSymbol(sym *Symbol) bool {
	return sym.Section == goelf.SHN_UNDEF && sym.Name != "" && sym.Index != 0
}

// isDataSymbol reports whether a symbol names an object in a data or map
// section: STT_OBJECT, or STT_NOTYPE with global or weak binding, which
// older LLVM wrote for objects (local NOTYPE symbols are labels).
func isDataSymbol(sym *Symbol) bool {
	if sym.Name == "" {
		return false
	}
	switch sym.Type {
	case goelf.STT_OBJECT:
		return true
	case goelf.STT_NOTYPE:
		return sym.Bind != goelf.STB_LOCAL
	}
	return false
}
