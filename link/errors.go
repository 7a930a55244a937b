package link

import (
	"fmt"
	"strings"
)

// DuplicateError reports two strong (non-__weak) definitions of one global
// name, which libbpf's linker also refuses.
type DuplicateError struct {
	Name string
	// Kind is "function", "map" or "variable".
	Kind string
	// Objects are the paths of the first and the second definition.
	Objects [2]string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("%s %q is defined in both %s and %s (neither definition is __weak)",
		e.Kind, e.Name, e.Objects[0], e.Objects[1])
}

// KindError reports one global name used for two kinds of things, for
// example a function in one object and a variable in another.
type KindError struct {
	Name    string
	Kinds   [2]string
	Objects [2]string
}

func (e *KindError) Error() string {
	return fmt.Sprintf("symbol %q is a %s in %s but a %s in %s",
		e.Name, e.Kinds[0], e.Objects[0], e.Kinds[1], e.Objects[1])
}

// MismatchError reports an extern whose BTF type does not match its
// definition (or another declaration, or another __weak definition).
type MismatchError struct {
	Name string
	Kind string
	// Objects and Roles name the two sides: Roles are "definition" or
	// "extern"; the first side is the one linked first.
	Objects [2]string
	Roles   [2]string
	// Field is what differs ("max_entries", "parameter 2 (len) type",
	// "return type", "type", ...), Values its value on each side.
	Field  string
	Values [2]string
}

func (e *MismatchError) Error() string {
	var what string
	switch {
	case e.Roles[0] == e.Roles[1]:
		what = fmt.Sprintf("%s %q: the %ss in %s and %s differ", e.Kind, e.Name, e.Roles[0], e.Objects[0], e.Objects[1])
	case e.Roles[1] == "extern":
		what = fmt.Sprintf("extern %s %q in %s does not match its definition in %s", e.Kind, e.Name, e.Objects[1], e.Objects[0])
	default:
		what = fmt.Sprintf("extern %s %q in %s does not match its definition in %s", e.Kind, e.Name, e.Objects[0], e.Objects[1])
	}
	return fmt.Sprintf("%s: %s differs (%s in %s, %s in %s)",
		what, e.Field, e.Values[0], e.Objects[0], e.Values[1], e.Objects[1])
}

// Unresolved is one extern that no input defines.
type Unresolved struct {
	Name string
	// Kind is "function", "map" or "variable".
	Kind string
	// Objects are the paths of the objects that declare it, in link order.
	Objects []string
}

// UnresolvedError reports the externs that no input defines, when the link
// does not allow them (Options.AllowUnresolved). libbpf only notices them
// when loading; bpfld refuses them at link time.
type UnresolvedError struct {
	Externs []Unresolved
}

func (e *UnresolvedError) Error() string {
	lines := make([]string, len(e.Externs))
	for i, u := range e.Externs {
		lines[i] = fmt.Sprintf("unresolved extern %s %q, needed by %s", u.Kind, u.Name, strings.Join(u.Objects, ", "))
	}
	return strings.Join(lines, "\n")
}
