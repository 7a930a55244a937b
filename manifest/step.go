package manifest

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gopkg.in/yaml.v3"
)

// DefaultInputSize is the number of zero bytes a step without input runs on.
const DefaultInputSize = 64

// maxZeros bounds {zeros: N} and the size of {file: ...}: far more than any
// packet or context.
const maxZeros = 1 << 20

// Step is one test step. Before its run, TailCalls and Set change the
// state that carries over from the steps before.
type Step struct {
	Name string
	// Program is the entry program the step runs (or, with LoadError,
	// loads).
	Program string
	// Input is the packet, or for types without one (raw_tp, tracing,
	// syscall) the context itself; DefaultInputSize zero bytes when the
	// manifest gives none.
	Input Data
	// Ctx sets context fields; nil when the step sets none.
	Ctx *Ctx
	// Repeat is the number of runs, at least 1.
	Repeat    uint32
	TailCalls TailCalls
	Set       Set
	// Expect is what the run must give; nil when the step only has to
	// load and run.
	Expect *Expect
	// LoadError, when not nil, expects loading Program to fail.
	LoadError *LoadError
	Line      int
}

// Data is a byte string: {hex: "..."}, {file: path} or {zeros: N}.
type Data struct {
	Bytes []byte
	// File is the resolved path of {file: ...}, empty otherwise.
	File string
	Line int
}

// Set is state a step changes before its run.
type Set struct {
	// Globals sets variables of .data, .bss and .rodata; .rodata only
	// before the first program loads.
	Globals []GlobalValue
	// Maps updates map entries; an entry without Value deletes the key.
	Maps []MapValues
}

// Expect is what a step's run must give.
type Expect struct {
	// Retval is compared on its low 32 bits; nil: any.
	Retval *uint32
	// Globals are expected values of global variables.
	Globals []GlobalValue
	// Maps are expected map entries; an entry without Value expects the
	// key to be absent. A value has the map's value_size; for a per-CPU
	// map the test runner decides how it meets the values of the CPUs.
	Maps []MapValues
	// Output is the expected packet after the run; nil: any.
	Output *Data
	Line   int
}

// LoadError is the expectation that a program fails to load.
type LoadError struct {
	// Contains is a text the error must contain; "" accepts any error.
	Contains string
	Line     int
}

// GlobalValue is a value for a global variable, by name.
type GlobalValue struct {
	Name  string
	Value Value
	Line  int
}

// MapValues are entries of one map.
type MapValues struct {
	Map     string
	Entries []MapEntry
	Line    int
}

// MapEntry is one key of a map and its value; Value is nil where the
// manifest gives null.
type MapEntry struct {
	Key   Value
	Value *Value
	Line  int
}

// stepKeys are the keys a step may have.
var stepKeys = []string{"name", "program", "input", "ctx", "repeat", "tail_calls", "set", "expect", "load_error"}

// tests decodes the `tests:` list.
func (d *decoder) tests(n *yaml.Node) []Step {
	items, _ := d.sequence(n, "tests")
	var out []Step
	first := map[string]int{}
	for i, item := range items {
		s := d.step(item, i)
		if s.Name == "" {
			continue
		}
		if line, dup := first[s.Name]; dup {
			d.errorf(item, "tests[%d] %q: duplicate test name (first on line %d)", i, s.Name, line)
		} else {
			first[s.Name] = s.Line
		}
		out = append(out, s)
	}
	return out
}

// stepName finds the name of a step ahead of decoding it, for messages.
func stepName(n *yaml.Node) string {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Value == "name" && v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
			return v.Value
		}
	}
	return ""
}

// step decodes test step i.
func (d *decoder) step(n *yaml.Node, i int) Step {
	where := fmt.Sprintf("tests[%d]", i)
	if name := stepName(n); name != "" {
		where += " " + strconv.Quote(name)
	}
	s := Step{Repeat: 1, Line: n.Line}
	if deref(n).Kind != yaml.MappingNode {
		d.errorf(n, "%s: want a mapping, got %s", where, describe(n))
		return s
	}
	var hasName, hasProgram, hasInput bool
	for _, f := range d.fields(n, where, stepKeys...) {
		switch f.name {
		case "name":
			hasName = true
			if v := deref(f.value); v.Kind != yaml.ScalarNode || v.Tag == "!!null" || v.Value == "" {
				d.errorf(f.value, "%s: empty test name", where)
			} else {
				s.Name = v.Value
			}
		case "program":
			hasProgram = true
			s.Program, _ = d.name(f.value, where+": program")
		case "input":
			hasInput = true
			if in := d.data(f.value, where+": input"); in != nil {
				s.Input = *in
			}
		case "ctx":
			s.Ctx = d.ctx(f.value, where+": ctx")
		case "repeat":
			if v, ok := d.inRange(f.value, where+": repeat", 1, math.MaxUint32); ok {
				s.Repeat = uint32(v)
			}
		case "tail_calls":
			s.TailCalls = d.tailCalls(f.value, where+": tail_calls")
		case "set":
			s.Set = d.set(f.value, where+": set")
		case "expect":
			s.Expect = d.expect(f.value, where+": expect")
		case "load_error":
			s.LoadError = d.loadError(f.value, where+": load_error")
		}
	}
	if !hasName {
		d.errorf(n, "%s: name missing: every step needs one", where)
	}
	if !hasProgram {
		d.errorf(n, "%s: program missing: every step runs or loads a program", where)
	}
	if s.LoadError != nil && s.Expect != nil {
		d.errorf(n, "%s: load_error and expect exclude each other: a program that fails to load does not run", where)
	}
	if !hasInput {
		s.Input = Data{Bytes: make([]byte, DefaultInputSize), Line: s.Line}
	}
	if s.Ctx != nil && s.Ctx.XDP.Data > uint32(len(s.Input.Bytes)) {
		d.errorAt(s.Ctx.Line, "%s: ctx: data: metadata length %d is longer than the input (%d bytes)", where, s.Ctx.XDP.Data, len(s.Input.Bytes))
	}
	return s
}

// data decodes {hex: ...}, {file: ...} or {zeros: N}.
func (d *decoder) data(n *yaml.Node, where string) *Data {
	if isNull(n) || deref(n).Kind != yaml.MappingNode {
		d.errorf(n, "%s: want {hex: ...}, {file: ...} or {zeros: N}, got %s", where, describe(n))
		return nil
	}
	fs := d.fields(n, where, "hex", "file", "zeros")
	if len(fs) != 1 {
		if len(fs) > 1 {
			d.errorf(fs[1].key, "%s: both %s and %s: give exactly one of hex, file, zeros", where, fs[0].name, fs[1].name)
		} else if isEmptyMapping(n) {
			d.errorf(n, "%s: empty: give one of hex, file, zeros", where)
		}
		return nil
	}
	f := fs[0]
	out := &Data{Line: n.Line}
	ok := false
	switch f.name {
	case "hex":
		out.Bytes, ok = d.hexString(f.value, where+".hex")
	case "file":
		var name string
		if name, ok = d.name(f.value, where+".file"); !ok {
			break
		}
		out.File = name
		if !filepath.IsAbs(name) {
			out.File = filepath.Join(d.dir, name)
		}
		var err error
		if out.Bytes, err = readLimited(out.File, maxZeros); err != nil {
			d.errorf(f.value, "%s.file: %v", where, err)
			ok = false
		}
	case "zeros":
		var size uint64
		if size, ok = d.unsigned(f.value, where+".zeros", maxZeros); ok {
			out.Bytes = make([]byte, size)
		}
	}
	if !ok {
		return nil
	}
	return out
}

// loadError decodes `load_error: true` or `load_error: "text"`; false is
// the same as no load_error.
func (d *decoder) loadError(n *yaml.Node, where string) *LoadError {
	s := deref(n)
	switch {
	case s.Kind != yaml.ScalarNode || s.Tag == "!!null":
		d.errorf(n, "%s: want true or a text the error contains, got %s", where, describe(s))
	case s.Tag == "!!bool":
		if b, _ := strconv.ParseBool(s.Value); b {
			return &LoadError{Line: n.Line}
		}
	case s.Value == "":
		d.errorf(n, "%s: empty text: use true to accept any error", where)
	default:
		return &LoadError{Contains: s.Value, Line: n.Line}
	}
	return nil
}

// set decodes a step's `set:`.
func (d *decoder) set(n *yaml.Node, where string) Set {
	var s Set
	for _, f := range d.fields(n, where, "globals", "maps") {
		switch f.name {
		case "globals":
			s.Globals = d.globals(f.value, where+".globals")
		case "maps":
			s.Maps = d.mapValues(f.value, where+".maps")
		}
	}
	return s
}

// expect decodes a step's `expect:`.
func (d *decoder) expect(n *yaml.Node, where string) *Expect {
	e := &Expect{Line: n.Line}
	for _, f := range d.fields(n, where, "retval", "globals", "maps", "output") {
		switch f.name {
		case "retval":
			if v, ok := d.retval(f.value, where+".retval"); ok {
				e.Retval = &v
			}
		case "globals":
			e.Globals = d.globals(f.value, where+".globals")
		case "maps":
			e.Maps = d.mapValues(f.value, where+".maps")
		case "output":
			e.Output = d.data(f.value, where+".output")
		}
	}
	return e
}

// globals decodes a mapping of variable names to values.
func (d *decoder) globals(n *yaml.Node, where string) []GlobalValue {
	var out []GlobalValue
	for _, f := range d.fields(n, where) {
		if v, ok := d.value(f.value, where+"."+f.name); ok {
			out = append(out, GlobalValue{Name: f.name, Value: v, Line: f.key.Line})
		}
	}
	return out
}

// mapValues decodes a mapping of map names to mappings of keys to values
// (or null).
func (d *decoder) mapValues(n *yaml.Node, where string) []MapValues {
	var out []MapValues
	for _, f := range d.fields(n, where) {
		w := where + "." + f.name
		mv := MapValues{Map: f.name, Line: f.key.Line}
		ps, _ := d.pairs(f.value, w)
		first := map[string]int{}
		for _, p := range ps {
			key, ok := d.value(p.key, w+": key")
			if !ok {
				continue
			}
			if line, dup := first[key.String()]; dup {
				d.errorf(p.key, "%s: key %s twice (first on line %d)", w, key, line)
				continue
			}
			first[key.String()] = p.key.Line
			e := MapEntry{Key: key, Line: p.key.Line}
			if !isNull(p.value) {
				v, ok := d.value(p.value, fmt.Sprintf("%s[%s]", w, key))
				if !ok {
					continue
				}
				e.Value = &v
			}
			mv.Entries = append(mv.Entries, e)
		}
		out = append(out, mv)
	}
	return out
}

// readLimited reads a file of at most limit bytes; a larger one (or an
// endless one such as /dev/zero) is an error.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return b, nil
}
