package link

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/insn"
)

// Sizes of .BTF.ext records and headers (include/uapi/linux/btf.h,
// tools/lib/bpf/libbpf_internal.h).
const (
	btfExtMagic      = 0xeB9F
	btfExtHeaderSize = 32 // struct btf_ext_header, with the CO-RE fields
	funcInfoSize     = 8  // struct bpf_func_info
	lineInfoSize     = 16 // struct bpf_line_info
	coreReloSize     = 16 // struct bpf_core_relo
)

// coreKinds numbers the CO-RE relocation kinds (enum bpf_core_relo_kind)
// by the names cilium/ebpf gives them.
var coreKinds = map[string]uint32{
	"byte_off": 0, "byte_sz": 1, "field_exists": 2, "signed": 3,
	"lshift_u64": 4, "rshift_u64": 5, "local_type_id": 6, "target_type_id": 7,
	"type_exists": 8, "type_size": 9, "enumval_exists": 10, "enumval_value": 11,
	"type_matches": 12,
}

// extSection holds the .BTF.ext records of one output code section.
type extSection struct {
	name        string
	funcs       []byte
	lines       []byte
	core        []coreRecord
	nameOff     uint32
	coreStrings []uint32
}

// coreRecord is one CO-RE relocation of the output.
type coreRecord struct {
	slot   int
	typeID btf.TypeID
	access string
	kind   uint32
}

// buildExt encodes .BTF.ext for the output: func_info, line_info and CO-RE
// relocations of every code section, moved to where each function
// landed. Type ids come from the Builder (ids holds those of the types
// already added); line records from cilium/ebpf's
// btf.MarshalExtInfos, which also puts their strings (file names, source
// lines) into the Builder; the section and CO-RE accessor strings go in
// the same way, and this function lays out the records and headers.
//
// A function without func_info in its input (an object built without -g
// linked with others) gets none, nor line_info: the kernel wants a
// program's functions all described or none, which a loader sorts out per
// program (libbpf drops a program's func_info when it is incomplete).
func (ow *objWriter) buildExt(b *btf.Builder, funcs []*btf.Func, ids map[btf.Type]btf.TypeID, lines []funcLines) ([]byte, error) {
	var secs []*extSection
	var strs []string
	nfuncs, nlines := make(map[*outSection]int), make(map[*outSection]int)
	for _, f := range ow.kept {
		of := ow.funcs[f]
		nfuncs[of.sec]++
		nlines[of.sec] += len(lines[f].lines)
	}
	for _, sec := range ow.codeSections {
		es := &extSection{name: sec.name,
			funcs: make([]byte, 0, nfuncs[sec]*funcInfoSize),
			lines: make([]byte, 0, nlines[sec]*lineInfoSize),
		}
		for _, f := range ow.kept {
			of := ow.funcs[f]
			if of.sec != sec {
				continue
			}
			if funcs[f] != nil {
				id, ok := ids[funcs[f]]
				if !ok {
					return nil, fmt.Errorf("function %s: no BTF id", of.sym.name)
				}
				es.funcs = binary.LittleEndian.AppendUint32(es.funcs, uint32(of.slot*insn.Size))
				es.funcs = binary.LittleEndian.AppendUint32(es.funcs, uint32(id))
				// Line records are made by btf.MarshalExtInfos, one
				// function at a time, from the placeholders; their
				// offsets are then put right.
				if fl := lines[f]; len(fl.placeholders) > 0 {
					_, recs, err := btf.MarshalExtInfos(fl.placeholders, b)
					if err != nil {
						return nil, fmt.Errorf("function %s: line info: %w", of.sym.name, err)
					}
					if len(recs) != len(fl.lines)*lineInfoSize {
						return nil, fmt.Errorf("function %s: %d line records gave %d bytes", of.sym.name, len(fl.lines), len(recs))
					}
					for i, li := range fl.lines {
						slot := of.slot + int(li.Offset) - of.fn.Offset
						binary.LittleEndian.PutUint32(recs[i*lineInfoSize:], uint32(slot*insn.Size))
					}
					es.lines = append(es.lines, recs...)
				}
			}
			if err := ow.coreRecords(b, of, es); err != nil {
				return nil, err
			}
		}
		if len(es.funcs) == 0 && len(es.lines) == 0 && len(es.core) == 0 {
			continue
		}
		secs = append(secs, es)
		strs = append(strs, es.name)
		for _, c := range es.core {
			strs = append(strs, c.access)
		}
	}
	if len(secs) == 0 {
		return nil, nil
	}

	offs, err := addStrings(b, strs)
	if err != nil {
		return nil, err
	}
	for _, es := range secs {
		es.nameOff, offs = offs[0], offs[1:]
		es.coreStrings, offs = offs[:len(es.core)], offs[len(es.core):]
	}
	return encodeExt(secs), nil
}

// funcLines is the line_info of one written function: its lines, and
// placeholder instructions that carry them, for btf.MarshalExtInfos.
type funcLines struct {
	lines        btf.LineOffsets
	placeholders asm.Instructions
}

// prepareLines makes the line_info placeholders of the written functions
// that get func_info and line_info, by fid. It touches nothing that the
// BTF Builder does, so it runs while types are added.
func (ow *objWriter) prepareLines(funcs []*btf.Func) []funcLines {
	out := make([]funcLines, len(ow.l.funcs))
	n := 0
	for _, f := range ow.kept {
		if funcs[f] != nil && ow.withLines[f] {
			of := ow.funcs[f]
			out[f].lines = functionLines(of.obj, of.fn)
			n += len(out[f].lines)
		}
	}
	all := make(asm.Instructions, 0, n)
	for _, f := range ow.kept {
		start := len(all)
		for _, li := range out[f].lines {
			all = append(all, asm.Mov.Imm(asm.R0, 0).WithSource(li.Line))
		}
		out[f].placeholders = all[start:len(all):len(all)]
	}
	return out
}

// coreRecords adds the CO-RE relocations of a written function to its
// section's records.
func (ow *objWriter) coreRecords(b *btf.Builder, of *outFunc, es *extSection) error {
	if of.obj.ExtInfos == nil {
		return nil
	}
	for _, r := range of.obj.ExtInfos.CORERelos[of.fn.Section.Name] {
		at := int(r.Offset)
		if at < of.fn.Offset || at >= of.fn.Offset+of.fn.Len {
			continue
		}
		typ, access, kind, err := decodeCORE(r.Relo, of.obj.BTF)
		if err != nil {
			return fmt.Errorf("%s: function %s: CO-RE relocation at instruction %d: %w", of.obj.Path, of.fn.Name, at-of.fn.Offset, err)
		}
		id, err := b.Add(typ)
		if err != nil {
			return fmt.Errorf("%s: function %s: CO-RE type %s: %w", of.obj.Path, of.fn.Name, typ, err)
		}
		es.core = append(es.core, coreRecord{slot: of.slot + at - of.fn.Offset, typeID: id, access: access, kind: kind})
	}
	return nil
}

// decodeCORE recovers what a CO-RE record holds: its local type, accessor
// string and kind. cilium/ebpf keeps these unexported and prints them as
// "CORERelocation(KIND, TYPE[ACCESSOR], local_id=ID)"; the local id names
// the type in the object's BTF.
func decodeCORE(r *btf.CORERelocation, spec *btf.Spec) (btf.Type, string, uint32, error) {
	s := r.String()
	bad := fmt.Errorf("cannot decode %q", s)
	rest, ok := strings.CutPrefix(s, "CORERelocation(")
	if !ok {
		return nil, "", 0, bad
	}
	kindName, rest, ok := strings.Cut(rest, ", ")
	if !ok {
		return nil, "", 0, bad
	}
	kind, ok := coreKinds[kindName]
	if !ok {
		return nil, "", 0, fmt.Errorf("unknown CO-RE kind %q", kindName)
	}
	end := strings.LastIndex(rest, "], local_id=")
	open := strings.LastIndex(rest[:max(end, 0)], "[")
	if end < 0 || open < 0 {
		return nil, "", 0, bad
	}
	access := rest[open+1 : end]
	id, err := strconv.ParseUint(strings.TrimSuffix(rest[end+len("], local_id="):], ")"), 10, 32)
	if err != nil {
		return nil, "", 0, bad
	}
	if spec == nil {
		return nil, "", 0, errors.New("CO-RE relocation without BTF")
	}
	typ, err := spec.TypeByID(btf.TypeID(id))
	if err != nil {
		return nil, "", 0, fmt.Errorf("local type %d: %w", id, err)
	}
	return typ, access, kind, nil
}

// addStrings puts strings into the Builder's string table and returns
// their offsets. The Builder adds strings only for ext infos, so each
// string rides as the source text of a line_info record made by
// btf.MarshalExtInfos, whose string offset is then read back.
func addStrings(b *btf.Builder, strs []string) ([]uint32, error) {
	insns := make(asm.Instructions, len(strs))
	for i, s := range strs {
		insns[i] = asm.Mov.Imm(asm.R0, 0).WithSource(asm.Comment(s))
	}
	_, lines, err := btf.MarshalExtInfos(insns, b)
	if err != nil {
		return nil, err
	}
	if len(lines) != len(strs)*lineInfoSize {
		return nil, fmt.Errorf("%d strings gave %d bytes of line info", len(strs), len(lines))
	}
	offs := make([]uint32, len(strs))
	for i := range offs {
		offs[i] = binary.LittleEndian.Uint32(lines[i*lineInfoSize+8:])
	}
	return offs, nil
}

// encodeExt lays out .BTF.ext: the header, then func_info, line_info and
// CO-RE relocations, each a record size followed by one block per section
// (name, count, records), in one buffer of the exact size.
func encodeExt(secs []*extSection) []byte {
	le := binary.LittleEndian
	counts := func(es *extSection) [3]int {
		return [3]int{len(es.funcs) / funcInfoSize, len(es.lines) / lineInfoSize, len(es.core)}
	}
	recSizes := [3]int{funcInfoSize, lineInfoSize, coreReloSize}
	// Sizes of the three subsections; CO-RE's is left out when no section
	// has a CO-RE relocation.
	var sizes [3]int
	for k := range sizes {
		sizes[k] = 4
		for _, es := range secs {
			if n := counts(es)[k]; n > 0 {
				sizes[k] += 8 + n*recSizes[k]
			}
		}
	}
	if sizes[2] == 4 {
		sizes[2] = 0
	}

	out := make([]byte, btfExtHeaderSize, btfExtHeaderSize+sizes[0]+sizes[1]+sizes[2])
	le.PutUint16(out[0:], btfExtMagic)
	out[2] = 1 // version
	le.PutUint32(out[4:], btfExtHeaderSize)
	le.PutUint32(out[8:], 0)
	le.PutUint32(out[12:], uint32(sizes[0]))
	le.PutUint32(out[16:], uint32(sizes[0]))
	le.PutUint32(out[20:], uint32(sizes[1]))
	le.PutUint32(out[24:], uint32(sizes[0]+sizes[1]))
	le.PutUint32(out[28:], uint32(sizes[2]))
	for k := range sizes {
		if sizes[k] == 0 {
			continue
		}
		out = le.AppendUint32(out, uint32(recSizes[k]))
		for _, es := range secs {
			n := counts(es)[k]
			if n == 0 {
				continue
			}
			out = le.AppendUint32(out, es.nameOff)
			out = le.AppendUint32(out, uint32(n))
			switch k {
			case 0:
				out = append(out, es.funcs...)
			case 1:
				out = append(out, es.lines...)
			case 2:
				for i, c := range es.core {
					out = le.AppendUint32(out, uint32(c.slot*insn.Size))
					out = le.AppendUint32(out, uint32(c.typeID))
					out = le.AppendUint32(out, es.coreStrings[i])
					out = le.AppendUint32(out, c.kind)
				}
			}
		}
	}
	return out
}
