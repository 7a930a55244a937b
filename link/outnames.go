package link

import "strconv"

// namer hands out the symbol names of a written object. Global names are
// reserved first and kept; a static symbol whose name is taken (the same
// static function in two objects, or a static with a global's name) gets
// a suffix: helper, helper__1, helper__2. cilium/ebpf refuses an object
// with two functions, two maps or two variables of one data section of
// the same name, and the kernel's BTF wants C identifiers, so the suffix
// uses only identifier characters.
type namer struct {
	taken map[string]bool
	// next is, for a name given a suffix, the suffix to try next: every
	// lower one is taken, and names are never given back.
	next map[string]int
}

func newNamer() *namer {
	return &namer{taken: make(map[string]bool), next: make(map[string]int)}
}

// reserve claims a name that must stay as it is.
func (n *namer) reserve(name string) { n.taken[name] = true }

// unique returns name, or name with the first free suffix, and claims it.
func (n *namer) unique(name string) string {
	if !n.taken[name] {
		n.taken[name] = true
		return name
	}
	for i := max(n.next[name], 1); ; i++ {
		cand := name + "__" + strconv.Itoa(i)
		if !n.taken[cand] {
			n.taken[cand] = true
			n.next[name] = i + 1
			return cand
		}
	}
}
