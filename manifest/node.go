package manifest

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder walks the YAML node tree of one manifest and collects errors.
type decoder struct {
	file string
	// dir is the manifest's folder, which relative paths start from.
	dir  string
	errs ErrorList
}

// errorf records a mistake at the line of node n.
func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.errorAt(n.Line, format, args...)
}

// errorAt records a mistake at a line.
func (d *decoder) errorAt(line int, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// deref follows aliases to the node they stand for.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is empty or an explicit null (~, null).
func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describe names what kind of YAML value n is, for messages.
func describe(n *yaml.Node) string {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing"
		case "!!int":
			return "the integer " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		case "!!float":
			return "the number " + n.Value
		}
		return fmt.Sprintf("the string %q", n.Value)
	}
	return "an unknown node"
}

// pair is one key and value of a mapping.
type pair struct {
	key, value *yaml.Node
}

// pairs returns the entries of mapping n with merge keys (<<) expanded: a
// merged entry counts only when n has no entry with the same key, and an
// earlier merged mapping wins over a later one, as YAML's merge rules say.
// It reports and returns false when n is not a mapping. A null value is an
// empty mapping, so an optional section may be left empty.
func (d *decoder) pairs(n *yaml.Node, where string) ([]pair, bool) {
	n = deref(n)
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s: want a mapping, got %s", where, describe(n))
		return nil, false
	}
	var own, merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag != "!!merge" {
			own = append(own, pair{k, v})
			continue
		}
		sources := []*yaml.Node{v}
		if dv := deref(v); dv.Kind == yaml.SequenceNode {
			sources = dv.Content
		}
		for _, src := range sources {
			// checkAliases has ruled out a mapping that merges itself.
			ps, _ := d.pairs(src, where+": <<")
			merged = append(merged, ps...)
		}
	}
	seen := map[string]bool{}
	for _, p := range own {
		if k := deref(p.key); k.Kind == yaml.ScalarNode {
			seen[k.Value] = true
		}
	}
	out := own
	for _, p := range merged {
		k := deref(p.key)
		if k.Kind == yaml.ScalarNode {
			if seen[k.Value] {
				continue
			}
			seen[k.Value] = true
		}
		out = append(out, p)
	}
	return out, true
}

// maxExpandedNodes bounds the size of a document with its aliases expanded,
// against a few bytes of anchors and aliases that expand exponentially
// ("billion laughs"). Real manifests stay far below.
const maxExpandedNodes = 1 << 20

// checkAliases reports an alias inside the node it refers to, which would
// expand forever, and a document whose aliases expand it beyond
// maxExpandedNodes; decoding must not walk such a tree.
func (d *decoder) checkAliases(root *yaml.Node) bool {
	sizes := map[*yaml.Node]int{}
	active := map[*yaml.Node]bool{}
	var size func(n *yaml.Node) (int, bool)
	size = func(n *yaml.Node) (int, bool) {
		if s, done := sizes[n]; done {
			return s, true
		}
		if active[n] {
			return 0, false
		}
		active[n] = true
		defer delete(active, n)
		total := 1
		children := n.Content
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			children = []*yaml.Node{n.Alias}
		}
		for _, c := range children {
			s, ok := size(c)
			if !ok {
				if n.Kind == yaml.AliasNode {
					d.errorf(n, "alias *%s is inside the node it refers to", n.Value)
				}
				return 0, false
			}
			total = min(total+s, maxExpandedNodes+1)
		}
		sizes[n] = total
		return total, true
	}
	s, ok := size(root)
	if ok && s > maxExpandedNodes {
		d.errorf(root, "aliases expand the manifest to more than %d nodes", maxExpandedNodes)
		return false
	}
	return ok
}

// field is one entry of a mapping whose keys are names.
type field struct {
	name       string
	key, value *yaml.Node
}

// fields returns the entries of mapping n, whose keys must be strings,
// each once. Keys outside known are reported as unknown (strict decoding)
// and left out; with known empty every key is accepted.
func (d *decoder) fields(n *yaml.Node, where string, known ...string) []field {
	ps, ok := d.pairs(n, where)
	if !ok {
		return nil
	}
	var out []field
	first := map[string]*yaml.Node{}
	for _, p := range ps {
		k := deref(p.key)
		if k.Kind != yaml.ScalarNode || k.Tag == "!!null" {
			d.errorf(p.key, "%s: want a name as key, got %s", where, describe(k))
			continue
		}
		if prev, dup := first[k.Value]; dup {
			d.errorf(p.key, "%s: duplicate key %q (first on line %d)", where, k.Value, prev.Line)
			continue
		}
		first[k.Value] = k
		if len(known) > 0 && !slices.Contains(known, k.Value) {
			d.errorf(p.key, "%s: unknown key %q (known: %s)", where, k.Value, strings.Join(known, ", "))
			continue
		}
		out = append(out, field{k.Value, p.key, p.value})
	}
	return out
}

// sequence returns the items of list n; null is an empty list.
func (d *decoder) sequence(n *yaml.Node, where string) ([]*yaml.Node, bool) {
	n = deref(n)
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "%s: want a list, got %s", where, describe(n))
		return nil, false
	}
	return n.Content, true
}

// name returns a non-empty string scalar: a program, map, global or test name.
func (d *decoder) name(n *yaml.Node, where string) (string, bool) {
	s := deref(n)
	if s.Kind != yaml.ScalarNode || s.Tag == "!!null" {
		d.errorf(n, "%s: want a name, got %s", where, describe(s))
		return "", false
	}
	if strings.TrimSpace(s.Value) == "" {
		d.errorf(n, "%s: empty name", where)
		return "", false
	}
	return s.Value, true
}

// integer returns the integer scalar n as bits and sign (see parseInteger).
func (d *decoder) integer(n *yaml.Node, where string) (bits uint64, negative, ok bool) {
	s := deref(n)
	if s.Kind != yaml.ScalarNode || s.Tag == "!!null" || isQuoted(s) {
		d.errorf(n, "%s: want an integer, got %s", where, describe(s))
		return 0, false, false
	}
	bits, negative, err := parseInteger(s.Value)
	if err != nil {
		d.errorf(n, "%s: %v", where, err)
		return 0, false, false
	}
	return bits, negative, true
}

// unsigned returns the integer scalar n, which must lie in [0, max].
func (d *decoder) unsigned(n *yaml.Node, where string, max uint64) (uint64, bool) {
	return d.inRange(n, where, 0, max)
}

// inRange returns the integer scalar n, which must lie in [lo, hi].
func (d *decoder) inRange(n *yaml.Node, where string, lo, hi uint64) (uint64, bool) {
	bits, negative, ok := d.integer(n, where)
	if !ok {
		return 0, false
	}
	if negative || bits < lo || bits > hi {
		d.errorf(n, "%s: %s is out of range [%d, %d]", where, deref(n).Value, lo, hi)
		return 0, false
	}
	return bits, true
}

// isEmptyMapping reports whether n is null or a mapping without entries.
func isEmptyMapping(n *yaml.Node) bool {
	n = deref(n)
	return isNull(n) || (n.Kind == yaml.MappingNode && len(n.Content) == 0)
}

// isQuoted reports whether scalar n is written as a string: quoted, as a
// block scalar or tagged as something else than !!int. Integers must be
// written plain (or tagged !!int).
func isQuoted(n *yaml.Node) bool {
	if n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!int" {
		return true // !!str 5 and the like
	}
	return n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0
}
