package manifest

import (
	"strconv"

	"github.com/bpfld/bpfld/internal/uapi"
)

// MapTypeName returns the kernel's name of a map type (enum bpf_map_type)
// without its BPF_MAP_TYPE_ prefix, as a manifest or a dump writes it.
func MapTypeName(typ uint32) string {
	if name, ok := uapi.MapTypeName(typ); ok {
		return name
	}
	return "type " + strconv.FormatUint(uint64(typ), 10)
}
