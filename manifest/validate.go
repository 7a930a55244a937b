package manifest

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/internal/uapi"
)

// Image is what Validate needs to know about the linked image. The runtime
// implements it over a link.Image (this package does not import link):
//
//	ProgramType: img.Program(name).Type
//	MapInfo:     the fields of img.Map(name), GlobalData = IsGlobalData()
//	Global:      the Variable of that name in the global data maps
type Image interface {
	// ProgramType returns the type (enum bpf_prog_type) that the SEC()
	// name of entry program name implies; false when the image has no
	// entry program of that name.
	ProgramType(name string) (uint32, bool)
	// MapInfo describes map name as the objects define it, before the
	// manifest's overrides; false when there is no such map.
	MapInfo(name string) (MapInfo, bool)
	// Global describes the variable name of a global data section (.data,
	// .bss, .rodata and their variants); false when there is none.
	Global(name string) (GlobalInfo, bool)
}

// MapInfo describes one map of the image.
type MapInfo struct {
	Type                           uint32 // enum bpf_map_type
	KeySize, ValueSize, MaxEntries uint32
	// GlobalData is true for a global data section turned into a map.
	GlobalData bool
	// Slots is the static `.values` initialiser of a prog array: slot to
	// program name.
	Slots map[uint32]string
	// Users lists the entry programs whose code refers to the map, such
	// as those that tail-call through a prog array, in image order.
	Users []string
}

// GlobalInfo describes one global variable of the image.
type GlobalInfo struct {
	// Map is the section that holds the variable, such as ".rodata".
	Map  string
	Size uint32
	// ReadOnly is true for .rodata, which the kernel freezes when the
	// first program loads.
	ReadOnly bool
}

// ProgramType returns the type of entry program name: the manifest's
// override where it has one, else what the image says. It is false when the
// image has no such program.
func (m *Manifest) ProgramType(img Image, name string) (uint32, bool) {
	typ, ok := img.ProgramType(name)
	if o, overridden := m.Programs[name]; ok && overridden {
		typ = o.ProgType
	}
	return typ, ok
}

// MapInfo returns what img says about map name with the manifest's
// max_entries override applied.
func (m *Manifest) MapInfo(img Image, name string) (MapInfo, bool) {
	info, ok := img.MapInfo(name)
	if o, overridden := m.Maps[name]; ok && overridden && o.MaxEntries != nil {
		info.MaxEntries = *o.MaxEntries
	}
	return info, ok
}

// Validate checks the manifest against the linked image, for mistakes that
// the manifest alone cannot show. Call it after linking and before loading;
// it changes nothing. It checks that:
//   - every program, map and global the manifest names exists, and map
//     overrides do not touch global data;
//   - tail_calls name prog arrays, with slots below max_entries (after the
//     maps overrides);
//   - all programs put in one prog array, by its `.values`, by tail_calls or
//     by a step, have one program type: the kernel holds a prog array to the
//     type of its first program (bpf_prog_map_compatible);
//   - keys, values and globals fit the sizes of their map or variable;
//   - ctx fields exist in the context of the step's program type, and the
//     input is long enough for BPF_PROG_TEST_RUN;
//   - .rodata variables are set only before the first step that loads a
//     program, as the kernel freezes .rodata then.
//
// Mistakes come back as an ErrorList with the manifest's lines.
func (m *Manifest) Validate(img Image) error {
	v := &validator{m: m, img: img, arrays: map[string]*arrayType{}}
	v.overrides()
	v.tailCalls(m.TailCalls, "tail_calls")
	var firstLoad *Step
	for i := range m.Tests {
		s := &m.Tests[i]
		v.step(s, fmt.Sprintf("tests[%d] %q", i, s.Name), firstLoad)
		if firstLoad == nil && s.Program != "" {
			firstLoad = s
		}
	}
	return v.errs.err()
}

// validator holds the state of one Validate call.
type validator struct {
	m    *Manifest
	img  Image
	errs ErrorList
	// arrays is the program type each prog array holds so far, by name.
	arrays map[string]*arrayType
}

// arrayType is the program type of a prog array and the program that set it.
type arrayType struct {
	typ     uint32
	program string
	// line is where the manifest put program in; 0 for `.values` or a
	// program that tail-calls through the array.
	line int
	// caller is true when program is not in the array but calls through it.
	caller bool
}

func (v *validator) errorf(line int, format string, args ...any) {
	v.errs = append(v.errs, &Error{File: v.m.Path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// overrides checks the programs and maps sections.
func (v *validator) overrides() {
	for _, name := range sortedKeys(v.m.Programs) {
		if _, ok := v.img.ProgramType(name); !ok {
			v.errorf(v.m.Programs[name].Line, "programs.%s: unknown program: the objects have no entry program %s", name, name)
		}
	}
	for _, name := range sortedKeys(v.m.Maps) {
		o := v.m.Maps[name]
		info, ok := v.m.MapInfo(v.img, name)
		switch {
		case !ok:
			v.errorf(o.Line, "maps.%s: unknown map: the objects define no map %s", name, name)
			continue
		case info.GlobalData:
			v.errorf(o.Line, "maps.%s: %s is global data, whose variables fix its definition", name, name)
			continue
		case o.MaxEntries == nil:
			continue
		}
		if info.Type == unix.BPF_MAP_TYPE_RINGBUF || info.Type == unix.BPF_MAP_TYPE_USER_RINGBUF {
			page := uint32(os.Getpagesize())
			if n := info.MaxEntries; n&(n-1) != 0 || n%page != 0 {
				v.errorf(o.Line, "maps.%s: max_entries %d: a map of type %s needs a power of 2 that is a multiple of the page size (%d)", name, n, MapTypeName(info.Type), page)
			}
		}
		for _, slot := range sortedKeys(info.Slots) {
			if slot >= info.MaxEntries {
				v.errorf(o.Line, "maps.%s: max_entries %d leaves slot %d of its .values (program %s) out of range", name, info.MaxEntries, slot, info.Slots[slot])
			}
		}
	}
}

// tailCalls checks prog-array wiring.
func (v *validator) tailCalls(tcs TailCalls, where string) {
	for _, tm := range tcs {
		w := where + "." + tm.Map
		info, ok := v.m.MapInfo(v.img, tm.Map)
		if !ok {
			v.errorf(tm.Line, "%s: unknown map: the objects define no map %s", w, tm.Map)
			continue
		}
		if info.Type != unix.BPF_MAP_TYPE_PROG_ARRAY {
			v.errorf(tm.Line, "%s: %s is a map of type %s, not a prog_array", w, tm.Map, MapTypeName(info.Type))
			continue
		}
		for _, s := range tm.Slots {
			if s.Slot >= info.MaxEntries {
				v.errorf(s.Line, "%s: slot %d is out of range: %s has max_entries %d", w, s.Slot, tm.Map, info.MaxEntries)
				continue
			}
			if s.Program == "" {
				continue
			}
			typ, ok := v.m.ProgramType(v.img, s.Program)
			if !ok {
				v.errorf(s.Line, "%s: slot %d: unknown program %s", w, s.Slot, s.Program)
				continue
			}
			v.wire(tm.Map, info, s, typ, w)
		}
	}
}

// wire records that s puts a program of type typ into prog array name, and
// reports when the array already holds programs of another type.
func (v *validator) wire(name string, info MapInfo, s TailCallSlot, typ uint32, where string) {
	held := v.arrays[name]
	if held == nil {
		held = v.staticType(info)
		v.arrays[name] = held
	}
	if held.program == "" {
		*held = arrayType{typ: typ, program: s.Program, line: s.Line}
		return
	}
	if held.typ == typ {
		return
	}
	from := fmt.Sprintf("line %d", held.line)
	switch {
	case held.caller:
		from = "which tail-calls through it"
	case held.line == 0:
		from = "its .values"
	}
	v.errorf(s.Line, "%s: slot %d: program %s is of type %s, but %s holds programs of type %s (%s, %s): the programs of a prog array share one type",
		where, s.Slot, s.Program, ProgramTypeName(typ), name, ProgramTypeName(held.typ), held.program, from)
}

// staticType returns the program type that a prog array's `.values` put in
// first; an empty arrayType when it has none.
func (v *validator) staticType(info MapInfo) *arrayType {
	for _, slot := range sortedKeys(info.Slots) {
		prog := info.Slots[slot]
		if typ, ok := v.m.ProgramType(v.img, prog); ok {
			return &arrayType{typ: typ, program: prog}
		}
	}
	// The kernel also holds a prog array to the type of the first
	// program loaded that uses it (bpf_prog_map_compatible).
	for _, prog := range info.Users {
		if typ, ok := v.m.ProgramType(v.img, prog); ok {
			return &arrayType{typ: typ, program: prog, caller: true}
		}
	}
	return &arrayType{}
}

// step checks one test step; firstLoad is the first earlier step that loads
// a program, nil when there is none.
func (v *validator) step(s *Step, where string, firstLoad *Step) {
	typ, known := v.m.ProgramType(v.img, s.Program)
	if !known {
		v.errorf(s.Line, "%s: unknown program %s", where, s.Program)
	}
	v.tailCalls(s.TailCalls, where+": tail_calls")
	v.globals(s.Set.Globals, where+": set.globals", firstLoad)
	v.mapValues(s.Set.Maps, where+": set.maps")
	if s.Expect != nil {
		v.globals(s.Expect.Globals, where+": expect.globals", nil)
		v.mapValues(s.Expect.Maps, where+": expect.maps")
	}
	if known {
		v.context(s, typ, where)
	}
}

// globals checks values for global variables; firstLoad, when not nil, is
// the step after which .rodata may no longer be set.
func (v *validator) globals(gvs []GlobalValue, where string, firstLoad *Step) {
	for _, gv := range gvs {
		w := where + "." + gv.Name
		info, ok := v.img.Global(gv.Name)
		if !ok {
			v.errorf(gv.Line, "%s: unknown global: no variable %s in .data, .bss or .rodata", w, gv.Name)
			continue
		}
		if _, err := gv.Value.Encode(info.Size); err != nil {
			v.errorf(gv.Line, "%s: %v", w, err)
		}
		if info.ReadOnly && firstLoad != nil {
			v.errorf(gv.Line, "%s: %s is in %s, which is frozen once a program has loaded (step %q, line %d, loads %s)",
				w, gv.Name, info.Map, firstLoad.Name, firstLoad.Line, firstLoad.Program)
		}
	}
}

// mapValues checks keys and values for maps.
func (v *validator) mapValues(mvs []MapValues, where string) {
	for _, mv := range mvs {
		w := where + "." + mv.Map
		info, ok := v.m.MapInfo(v.img, mv.Map)
		switch {
		case !ok:
			v.errorf(mv.Line, "%s: unknown map: the objects define no map %s", w, mv.Map)
			continue
		case info.GlobalData:
			v.errorf(mv.Line, "%s: %s is global data: reach its variables through globals", w, mv.Map)
			continue
		case info.Type == unix.BPF_MAP_TYPE_PROG_ARRAY:
			v.errorf(mv.Line, "%s: %s is a prog_array: wire it through tail_calls", w, mv.Map)
			continue
		case info.KeySize == 0:
			v.errorf(mv.Line, "%s: %s is a map of type %s, which has no keys", w, mv.Map, MapTypeName(info.Type))
			continue
		}
		isArray := info.Type == unix.BPF_MAP_TYPE_ARRAY || info.Type == unix.BPF_MAP_TYPE_PERCPU_ARRAY
		for _, e := range mv.Entries {
			key, err := e.Key.Encode(info.KeySize)
			if err != nil {
				v.errorf(e.Line, "%s: key: %v", w, err)
				continue
			}
			if isArray && len(key) == 4 {
				if i := binary.NativeEndian.Uint32(key); i >= info.MaxEntries {
					v.errorf(e.Line, "%s: key %d is out of range: %s has max_entries %d", w, i, mv.Map, info.MaxEntries)
					continue
				}
			}
			if e.Value == nil {
				if isArray {
					v.errorf(e.Line, "%s[%s]: null, but a map of type %s has a value under every key", w, e.Key, MapTypeName(info.Type))
				}
				continue
			}
			if _, err := e.Value.Encode(info.ValueSize); err != nil {
				v.errorf(e.Value.Line, "%s[%s]: %v", w, e.Key, err)
			}
		}
	}
}

// ethHeaderLen is ETH_HLEN: BPF_PROG_TEST_RUN refuses shorter packets.
const ethHeaderLen = 14

// context checks a step's ctx and input against its program type.
func (v *validator) context(s *Step, typ uint32, where string) {
	var kind ctxKind
	var structName string
	switch uapi.ContextOf(typ) {
	case uapi.ContextSKB:
		kind, structName = ctxSkBuff, "struct __sk_buff"
	case uapi.ContextXDP:
		kind, structName = ctxXDP, "struct xdp_md"
	}
	if kind != 0 && s.LoadError == nil && len(s.Input.Bytes) < ethHeaderLen {
		v.errorf(s.Input.Line, "%s: input: %d bytes is shorter than an Ethernet header (%d bytes), the least BPF_PROG_TEST_RUN takes for %s programs",
			where, len(s.Input.Bytes), ethHeaderLen, ProgramTypeName(typ))
	}
	if s.Ctx == nil {
		return
	}
	if kind == 0 {
		v.errorf(s.Ctx.Line, "%s: ctx: program %s is of type %s, whose context is the input itself: there are no fields to set",
			where, s.Program, ProgramTypeName(typ))
		return
	}
	for _, f := range s.Ctx.Fields {
		if ctxFieldKind(f.Name)&kind == 0 {
			v.errorf(f.Line, "%s: ctx.%s: program %s is of type %s, and %s has no field %s that BPF_PROG_TEST_RUN sets",
				where, f.Name, s.Program, ProgramTypeName(typ), structName, f.Name)
		}
	}
	if kind == ctxSkBuff && s.Ctx.SkBuff.WireLen != 0 {
		// The kernel compares wire_len with skb->len, which for all but tc
		// programs starts after the Ethernet header.
		pktLen := len(s.Input.Bytes)
		if !uapi.PacketFromEthernet(typ) {
			pktLen -= ethHeaderLen
		}
		if int(s.Ctx.SkBuff.WireLen) < pktLen {
			v.errorf(s.Ctx.Line, "%s: ctx.wire_len: %d is shorter than the packet (%d bytes)", where, s.Ctx.SkBuff.WireLen, pktLen)
		}
	}
}

// sortedKeys returns the keys of m in order, so that errors come out the
// same every time.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}
