package link

// reach walks the call graph from roots with a work queue, as Go's linker
// walks from its entry points (cmd/link/internal/ld/deadcode.go), and
// returns every function reached, roots first, then in the order found.
// Calls and function addresses (bpf_loop callbacks) are edges; so are
// calls through extern functions, which resolution already bound to their
// definitions.
func (l *linker) reach(roots []fid) ([]fid, error) {
	seen := make([]bool, len(l.funcs))
	order := make([]fid, 0, len(roots))
	for _, f := range roots {
		if !seen[f] {
			seen[f] = true
			order = append(order, f)
		}
	}
	for next := 0; next < len(order); next++ {
		refs, err := l.refs(order[next])
		if err != nil {
			return nil, err
		}
		for _, r := range refs {
			if (r.kind == refCall || r.kind == refFuncAddr) && !seen[r.target] {
				seen[r.target] = true
				order = append(order, r.target)
			}
		}
	}
	return order, nil
}
