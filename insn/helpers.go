package insn

import "fmt"

//go:generate go run ./internal/gen -o helpers_gen.go

// HelperName returns the name of helper function id as the kernel prints it,
// such as "bpf_map_lookup_elem" for 1, or "unknown#id" for a number that no
// kernel header known to bpfld defines.
func HelperName(id int32) string {
	if name, ok := LookupHelper(id); ok {
		return name
	}
	return fmt.Sprintf("unknown#%d", id)
}

// LookupHelper returns the name of helper function id and whether it is known.
func LookupHelper(id int32) (string, bool) {
	if id < 0 || int(id) >= len(helperNames) || helperNames[id] == "" {
		return "", false
	}
	return helperNames[id], true
}

// HelperID returns the number of the helper function with the given name,
// such as 1 for "bpf_map_lookup_elem".
func HelperID(name string) (int32, bool) {
	id, ok := helperIDs[name]
	return id, ok
}

// helperIDs is the reverse of helperNames.
var helperIDs = func() map[string]int32 {
	m := make(map[string]int32, len(helperNames))
	for id, name := range helperNames {
		if name != "" {
			m[name] = int32(id)
		}
	}
	return m
}()
