package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// Manifest is one parsed manifest file.
type Manifest struct {
	// Path is the manifest file as given to Load or Parse; Dir is its
	// folder, which the paths in it are relative to.
	Path, Dir string
	// Objects are the objects to link, in link order: each entry of
	// `objects:` resolved against Dir, a glob expanded to its matches in
	// sorted order.
	Objects []string
	// Programs overrides the program types that SEC() names imply, by
	// program name.
	Programs map[string]ProgramOverride
	// Maps overrides map definitions, by map name.
	Maps map[string]MapOverride
	// TailCalls is the prog-array wiring applied after load, after the
	// static `.values` initialisers.
	TailCalls TailCalls
	// Tests are the test steps, in order.
	Tests []Step
}

// ProgramOverride replaces the type of an entry program.
type ProgramOverride struct {
	// Type is the type as the manifest names it ("tc", "xdp", ...);
	// ProgType is its enum bpf_prog_type.
	Type     string
	ProgType uint32
	Line     int
}

// MapOverride replaces fields of a map definition; nil fields keep the
// object's value.
type MapOverride struct {
	MaxEntries *uint32
	// Flags replaces map_flags (BPF_F_NO_PREALLOC, ...).
	Flags *uint32
	Line  int
}

// TailCalls is prog-array wiring: for each prog array, in manifest order,
// the slots to fill or empty.
type TailCalls []TailCallMap

// TailCallMap is the wiring of one prog array.
type TailCallMap struct {
	Map   string
	Slots []TailCallSlot
	Line  int
}

// TailCallSlot puts Program in slot Slot, or empties the slot when Program
// is "" (null in the manifest). Emptying an empty slot is no error.
type TailCallSlot struct {
	Slot    uint32
	Program string
	Line    int
}

// Load reads and parses the manifest file at path.
func Load(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	return Parse(data, path)
}

// Parse parses a manifest whose text is data; path is the file it came
// from, which paths in it are relative to and errors name. Objects and
// input files must exist. Mistakes come back as an ErrorList.
func Parse(data []byte, path string) (*Manifest, error) {
	d := &decoder{file: path, dir: filepath.Dir(path)}
	root, err := d.document(data)
	if err != nil {
		return nil, err
	}
	m := &Manifest{Path: path, Dir: d.dir}
	hasObjects := false
	for _, f := range d.fields(root, "manifest", "objects", "programs", "maps", "tail_calls", "tests") {
		switch f.name {
		case "objects":
			hasObjects = true
			m.Objects = d.objects(f.value)
		case "programs":
			m.Programs = d.programs(f.value)
		case "maps":
			m.Maps = d.maps(f.value)
		case "tail_calls":
			m.TailCalls = d.tailCalls(f.value, "tail_calls")
		case "tests":
			m.Tests = d.tests(f.value)
		}
	}
	if !hasObjects && root.Kind == yaml.MappingNode {
		d.errorf(root, "objects missing: a manifest names at least one object")
	}
	if err := d.errs.err(); err != nil {
		return nil, err
	}
	return m, nil
}

// document parses data into its one YAML document and returns the root
// node, which is not empty.
func (d *decoder) document(data []byte) (*yaml.Node, error) {
	empty := ErrorList{{File: d.file, Line: 1, Msg: "empty manifest: a manifest names at least one object"}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, empty
		}
		return nil, ErrorList{syntaxError(d.file, data, err)}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, ErrorList{syntaxError(d.file, data, err)}
	default:
		return nil, ErrorList{{File: d.file, Line: next.Line, Msg: "a second YAML document: a manifest is one document"}}
	}
	root := doc.Content[0]
	if isNull(root) {
		return nil, empty
	}
	if !d.checkAliases(root) {
		return nil, d.errs.err()
	}
	return deref(root), nil
}

// objects resolves the `objects:` list.
func (d *decoder) objects(n *yaml.Node) []string {
	items, ok := d.sequence(n, "objects")
	if ok && len(items) == 0 {
		d.errorf(n, "objects: empty list: a manifest names at least one object")
	}
	var out []string
	first := map[string]int{}
	for i, item := range items {
		where := fmt.Sprintf("objects[%d]", i)
		pattern, ok := d.name(item, where)
		if !ok {
			continue
		}
		full := pattern
		if !filepath.IsAbs(full) {
			full = filepath.Join(d.dir, full)
		}
		matches, err := filepath.Glob(full)
		if err != nil {
			d.errorf(item, "%s: bad pattern %q: %v", where, pattern, err)
			continue
		}
		if len(matches) == 0 {
			if strings.ContainsAny(pattern, `*?[\`) {
				d.errorf(item, "%s: no file matches %q", where, pattern)
			} else {
				d.errorf(item, "%s: %q: no such file", where, pattern)
			}
			continue
		}
		for _, path := range matches {
			if st, err := os.Stat(path); err != nil {
				d.errorf(item, "%s: %v", where, err)
				continue
			} else if st.IsDir() {
				d.errorf(item, "%s: %s is a folder", where, path)
				continue
			}
			if line, dup := first[path]; dup {
				d.errorf(item, "%s: %s is listed twice (first on line %d)", where, path, line)
				continue
			}
			first[path] = item.Line
			out = append(out, path)
		}
	}
	return out
}

// programs decodes the `programs:` overrides.
func (d *decoder) programs(n *yaml.Node) map[string]ProgramOverride {
	out := map[string]ProgramOverride{}
	for _, f := range d.fields(n, "programs") {
		where := "programs." + f.name
		o := ProgramOverride{Line: f.key.Line}
		fs := d.fields(f.value, where, "type")
		if len(fs) == 0 {
			if isEmptyMapping(f.value) {
				d.errorf(f.key, "%s: type missing", where)
			}
			continue
		}
		typ, ok := d.name(fs[0].value, where+".type")
		if !ok {
			continue
		}
		o.Type = typ
		if o.ProgType, ok = ParseProgramType(typ); !ok {
			d.errorf(fs[0].value, "%s.type: unknown program type %q (known: %s)", where, typ, programTypeNames())
			continue
		}
		out[f.name] = o
	}
	return out
}

// maps decodes the `maps:` overrides.
func (d *decoder) maps(n *yaml.Node) map[string]MapOverride {
	out := map[string]MapOverride{}
	for _, f := range d.fields(n, "maps") {
		where := "maps." + f.name
		o := MapOverride{Line: f.key.Line}
		fs := d.fields(f.value, where, "max_entries", "flags")
		for _, g := range fs {
			switch g.name {
			case "max_entries":
				if v, ok := d.inRange(g.value, where+".max_entries", 1, math.MaxUint32); ok {
					v32 := uint32(v)
					o.MaxEntries = &v32
				}
			case "flags":
				if v, ok := d.unsigned(g.value, where+".flags", math.MaxUint32); ok {
					v32 := uint32(v)
					o.Flags = &v32
				}
			}
		}
		if len(fs) == 0 {
			if isEmptyMapping(f.value) {
				d.errorf(f.key, "%s: nothing to override (max_entries, flags)", where)
			}
			continue
		}
		out[f.name] = o
	}
	return out
}

// tailCalls decodes a `tail_calls:` mapping, of the manifest or a step.
func (d *decoder) tailCalls(n *yaml.Node, where string) TailCalls {
	var out TailCalls
	for _, f := range d.fields(n, where) {
		w := where + "." + f.name
		tm := TailCallMap{Map: f.name, Line: f.key.Line}
		ps, _ := d.pairs(f.value, w)
		first := map[uint32]int{}
		for _, p := range ps {
			slot, ok := d.slot(p.key, w)
			if !ok {
				continue
			}
			if line, dup := first[slot]; dup {
				d.errorf(p.key, "%s: slot %d twice (first on line %d)", w, slot, line)
				continue
			}
			first[slot] = p.key.Line
			s := TailCallSlot{Slot: slot, Line: p.key.Line}
			if !isNull(p.value) {
				if s.Program, ok = d.name(p.value, fmt.Sprintf("%s: slot %d", w, slot)); !ok {
					continue
				}
			}
			tm.Slots = append(tm.Slots, s)
		}
		out = append(out, tm)
	}
	return out
}

// slot decodes a prog-array slot number.
func (d *decoder) slot(n *yaml.Node, where string) (uint32, bool) {
	s := deref(n)
	if s.Kind != yaml.ScalarNode || s.Tag != "!!int" {
		d.errorf(n, "%s: slot must be an integer, got %s", where, describe(s))
		return 0, false
	}
	v, ok := d.unsigned(n, where+": slot", math.MaxUint32)
	return uint32(v), ok
}
