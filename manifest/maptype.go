package manifest

import (
	"strconv"

	"github.com/bpfld/bpfld/internal/uapi"
)

// Map types (enum bpf_map_type in linux/bpf.h) that Validate treats
// specially.
const (
	mapTypeArray       uint32 = 2
	mapTypeProgArray   uint32 = 3
	mapTypePercpuArray uint32 = 6
	mapTypeRingbuf     uint32 = 27
	mapTypeUserRingbuf uint32 = 31
)

// mapTypeName returns the kernel's name of a map type, without BPF_MAP_TYPE_.
func mapTypeName(typ uint32) string {
	if name, ok := uapi.MapTypeName(typ); ok {
		return name
	}
	return "type " + strconv.FormatUint(uint64(typ), 10)
}
