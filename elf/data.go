package elf

import (
	"bytes"
	goelf "debug/elf"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
)

// loadLicenseAndVersion reads the "license" and "version" sections, and
// the compiler identification in ".comment".
func (rd *reader) loadLicenseAndVersion() error {
	for _, sec := range rd.obj.Sections {
		if sec.Name == ".comment" && sec.Type == goelf.SHT_PROGBITS {
			// Only informative: a .comment that cannot be read is left out.
			data, _ := rd.transientData(rd.file.Sections[sec.Index])
			// NUL-separated strings, one per input that the object was made of.
			var parts []string
			for _, p := range bytes.Split(data, []byte{0}) {
				if len(p) > 0 {
					parts = append(parts, string(p))
				}
			}
			rd.obj.Comment = strings.Join(parts, "; ")
		}
		switch sec.Kind {
		case SectionLicense:
			// The license is a C string; libbpf too stops at the first NUL.
			lic, _, _ := bytes.Cut(sec.Data, []byte{0})
			rd.obj.License = string(lic)
		case SectionVersion:
			if len(sec.Data) != 4 {
				return fmt.Errorf("section %s: size %d, want 4 (a u32 kernel version)", sec, len(sec.Data))
			}
			rd.obj.KernelVersion = binary.LittleEndian.Uint32(sec.Data)
			rd.obj.HasVersion = true
		}
	}
	return nil
}

// loadVariables lists the named objects in global data sections, static
// ones included, with their BTF VAR from the section's DATASEC, in section
// and offset order.
func (rd *reader) loadVariables() error {
	for i := 1; i < len(rd.obj.Symbols); i++ {
		sym := &rd.obj.Symbols[i]
		sec := rd.obj.section(sym)
		if sec == nil || sec.Kind != SectionData || !isDataSymbol(sym) {
			continue
		}
		if sym.Value > sec.Size || sec.Size-sym.Value < sym.Size {
			return fmt.Errorf("section %s: variable %s: offset %#x and size %d lie outside the section (%d bytes)",
				sec, sym.Name, sym.Value, sym.Size, sec.Size)
		}
		vars, err := rd.datasec(sec.Name)
		if err != nil {
			return fmt.Errorf("section %s: %w", sec, err)
		}
		v := &Variable{
			Name:       sym.Name,
			Symbol:     sym.Index,
			Section:    sec,
			Offset:     sym.Value,
			Size:       sym.Size,
			Bind:       sym.Bind,
			Visibility: sym.Visibility,
		}
		if t, ok := vars[sym.Name]; ok {
			v.Type = t
		}
		rd.obj.Variables = append(rd.obj.Variables, v)
	}
	sort.SliceStable(rd.obj.Variables, func(i, j int) bool {
		a, b := rd.obj.Variables[i], rd.obj.Variables[j]
		if a.Section.Index != b.Section.Index {
			return a.Section.Index < b.Section.Index
		}
		return a.Offset < b.Offset
	})
	return nil
}
