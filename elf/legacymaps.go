package elf

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// Layout of a legacy map definition. Every loader agrees on the first five
// u32 fields (struct bpf_map_def); iproute2's struct bpf_elf_map goes on
// with id, pinning, inner_id and inner_idx, samples/bpf's struct
// bpf_load_map_def (used by v4l-utils) with inner_map_idx and numa_node.
const (
	legacyMapDefSize    = 20 // struct bpf_map_def
	legacyPinningOffset = 24 // bpf_elf_map.pinning
)

// loadLegacyMaps reads the struct bpf_map_def arrays of legacy maps
// sections. The size of one definition varies between loaders (iproute2
// and samples/bpf add fields), so it is taken from the map's symbol, whose
// size clang sets to sizeof the struct. When the symbol has no size (older
// compilers), it is, as in libbpf, the section size divided by the number
// of map symbols in the section. The symbol size wins because linked
// objects (bpftool gen object) leave gaps between definitions.
func (rd *reader) loadLegacyMaps() error {
	bySection := make(map[int][]*Symbol)
	for i := 1; i < len(rd.obj.Symbols); i++ {
		sym := &rd.obj.Symbols[i]
		if sec := rd.obj.section(sym); sec != nil && sec.Kind == SectionLegacyMaps && isDataSymbol(sym) {
			bySection[sec.Index] = append(bySection[sec.Index], sym)
		}
	}

	for _, sec := range rd.obj.Sections {
		syms := bySection[sec.Index]
		if sec.Kind != SectionLegacyMaps || len(syms) == 0 {
			continue
		}
		sort.SliceStable(syms, func(i, j int) bool { return syms[i].Value < syms[j].Value })
		var stride uint64
		if sec.Size%uint64(len(syms)) == 0 {
			stride = sec.Size / uint64(len(syms))
		}
		for _, sym := range syms {
			size := sym.Size
			if size == 0 {
				size = stride
			}
			m, err := legacyMap(sec, sym, size)
			if err != nil {
				return fmt.Errorf("section %s: map %s: %w", sec, sym.Name, err)
			}
			rd.obj.Maps = append(rd.obj.Maps, m)
		}
	}
	return nil
}

// legacyMap decodes the size-byte definition of one legacy map. Fields the
// definition is too short for are zero; Pinning is read where iproute2's
// struct bpf_elf_map has it.
func legacyMap(sec *Section, sym *Symbol, size uint64) (*Map, error) {
	if size == 0 {
		return nil, fmt.Errorf("cannot tell the size of the definition: the symbol has size 0 and the section's %d bytes do not divide among its maps", sec.Size)
	}
	if sym.Value > sec.Size || sec.Size-sym.Value < size {
		return nil, fmt.Errorf("definition of %d bytes at offset %#x lies outside the section (%d bytes)", size, sym.Value, sec.Size)
	}
	// A NOBITS section (all zero) has no Data.
	var def []byte
	if uint64(len(sec.Data)) >= sym.Value+size {
		def = sec.Data[sym.Value : sym.Value+size]
	}
	field := func(off uint64) uint32 {
		if off+4 > uint64(len(def)) {
			return 0
		}
		return binary.LittleEndian.Uint32(def[off:])
	}

	m := &Map{
		Name:       sym.Name,
		Symbol:     sym.Index,
		Section:    sec,
		Offset:     sym.Value,
		Legacy:     true,
		Type:       field(0),
		KeySize:    field(4),
		ValueSize:  field(8),
		MaxEntries: field(12),
		Flags:      field(16),
		Bind:       sym.Bind,
		Visibility: sym.Visibility,
	}
	m.Pinning = field(legacyPinningOffset)
	if len(def) > legacyMapDefSize {
		m.Extra = def[legacyMapDefSize:]
	}
	return m, nil
}
