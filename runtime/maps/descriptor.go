package maps

import "encoding/binary"

// A map descriptor is the small read-only block a map pointer points to. It
// holds the map's attributes where compiled code can read them, as the
// kernel's JIT reads struct bpf_array: for example the max_entries of a
// prog array for a tail call, or the value address of an array to inline a
// lookup. Fields are little-endian:
//
//	offset size field
//	0      4    map_type
//	4      4    key_size
//	8      4    value_size
//	12     4    max_entries
//	16     4    map_flags
//	20     4    id
//	24     4    elem_size: bytes from one value to the next; in per-CPU
//	            maps, from one CPU's value to the next CPU's
//	28     4    ncpus: values per element (PossibleCPUs for per-CPU maps, else 1)
//	32     8    data: address of element 0 of array-like maps, else 0:
//	            values (array, percpu_array, devmap, cpumap, xskmap),
//	            u32 program ids (prog_array), u64 inner map pointers
//	            (array_of_maps). Element i, CPU c is at
//	            data + i*elem_size*ncpus + c*elem_size.
//	40     24   reserved, zero
const (
	DescriptorSize   = 64
	DescType         = 0
	DescKeySize      = 4
	DescValueSize    = 8
	DescMaxEntries   = 12
	DescFlags        = 16
	DescID           = 20
	DescElemSize     = 24
	DescCPUs         = 28
	DescData         = 32
	descReservedFrom = 40
)

// describe fills the descriptor block of a map.
func (c *common) describe(data uint64, elemSize, ncpus uint32) {
	d := c.desc.Bytes()
	le := binary.LittleEndian
	le.PutUint32(d[DescType:], uint32(c.spec.Type))
	le.PutUint32(d[DescKeySize:], c.spec.KeySize)
	le.PutUint32(d[DescValueSize:], c.spec.ValueSize)
	le.PutUint32(d[DescMaxEntries:], c.spec.MaxEntries)
	le.PutUint32(d[DescFlags:], c.spec.Flags)
	le.PutUint32(d[DescID:], c.id)
	le.PutUint32(d[DescElemSize:], elemSize)
	le.PutUint32(d[DescCPUs:], ncpus)
	le.PutUint64(d[DescData:], data)
	clear(d[descReservedFrom:])
}
