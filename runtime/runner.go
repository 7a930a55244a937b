package runtime

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/manifest"
	"github.com/bpfld/bpfld/runtime/maps"
)

// StepResult is the outcome of one test step.
type StepResult struct {
	Name string
	// Failure says what was expected and what came; empty when the step passed.
	Failure string
	// Result is the run's result; nil for a load_error step or when the
	// step failed before its run.
	Result *RunResult
}

// Passed reports whether the step passed.
func (r StepResult) Passed() bool { return r.Failure == "" }

// Runner runs a manifest's test steps against a collection. State — maps,
// globals, prog-array wiring — carries over from one step to the next.
type Runner struct {
	Collection Collection
	Image      *link.Image
	Manifest   *manifest.Manifest
	// Engine is passed to every run ("" for the backend's default).
	Engine string

	wired  bool
	loaded bool // a program was loaded: .rodata is frozen from now on
}

// Wire fills the prog arrays: first the static `.values` of the objects,
// then the manifest's tail_calls. It loads every program it wires; a
// program that fails to load leaves its slot empty and fails only the
// steps that run it, which load it again and report why (SPEC.md).
func (r *Runner) Wire() error {
	if r.wired {
		return nil
	}
	r.wired = true
	for _, m := range r.Image.Maps {
		if m.Inner != nil || len(m.Slots) == 0 {
			continue // maps of maps are filled by the backend
		}
		for _, slot := range sortedSlots(m.Slots) {
			if err := r.setSlot(m.Name, slot, m.Slots[slot]); err != nil {
				return err
			}
		}
	}
	return r.applyTailCalls(r.Manifest.TailCalls)
}

func sortedSlots(slots map[uint32]string) []uint32 {
	keys := make([]uint32, 0, len(slots))
	for k := range slots {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

func (r *Runner) applyTailCalls(tcs manifest.TailCalls) error {
	for _, tc := range tcs {
		for _, s := range tc.Slots {
			if err := r.setSlot(tc.Map, s.Slot, s.Program); err != nil {
				return fmt.Errorf("%s:%d: %w", r.Manifest.Path, s.Line, err)
			}
		}
	}
	return nil
}

func (r *Runner) setSlot(m string, slot uint32, prog string) error {
	if prog != "" {
		r.loaded = true
	}
	err := r.Collection.SetSlot(m, slot, prog)
	if IsRejected(err) {
		return nil
	}
	return err
}

// Run runs every step whose name filter matches (nil: all) and calls
// report after each. It returns the number of passed and failed steps.
func (r *Runner) Run(filter *regexp.Regexp, report func(StepResult)) (passed, failed int) {
	for i := range r.Manifest.Tests {
		s := &r.Manifest.Tests[i]
		if filter != nil && !filter.MatchString(s.Name) {
			continue
		}
		res := r.Step(s)
		if res.Passed() {
			passed++
		} else {
			failed++
		}
		report(res)
	}
	return passed, failed
}

// Step runs one step: its settings, then its wiring, then its run or
// load, then its expectations. The prog arrays are first wired by the
// first step, after its settings: wiring loads programs, and a first step
// may still set .rodata, which the first load freezes.
func (r *Runner) Step(s *manifest.Step) StepResult {
	res := StepResult{Name: s.Name}
	fail := func(format string, args ...any) StepResult {
		res.Failure = fmt.Sprintf(format, args...)
		return res
	}
	if err := r.set(s.Set); err != nil {
		return fail("set: %v", err)
	}
	if err := r.Wire(); err != nil {
		return fail("wiring the prog arrays: %v", err)
	}
	if err := r.applyTailCalls(s.TailCalls); err != nil {
		return fail("tail_calls: %v", err)
	}
	if s.Program == "" {
		return res
	}
	r.loaded = true
	loadErr := r.Collection.LoadProgram(s.Program)
	if s.LoadError != nil {
		switch {
		case loadErr == nil:
			return fail("expected loading %s to fail, it loaded", s.Program)
		case !strings.Contains(loadErr.Error(), s.LoadError.Contains):
			return fail("expected a load error containing %q, got: %v", s.LoadError.Contains, loadErr)
		}
		return res
	}
	if loadErr != nil {
		return fail("load: %v", loadErr)
	}
	in, err := r.input(s)
	if err != nil {
		return fail("%v", err)
	}
	out, err := r.Collection.Run(s.Program, in)
	if err != nil {
		return fail("run: %v", err)
	}
	res.Result = out
	if s.Expect == nil {
		return res
	}
	if msg := r.check(s.Expect, out); msg != "" {
		return fail("%s", msg)
	}
	return res
}

// input builds what a step's run gets: the packet and ctx_in for socket,
// tc and xdp programs, the context itself for the other types.
func (r *Runner) input(s *manifest.Step) (RunInput, error) {
	in := RunInput{Repeat: int(s.Repeat), Engine: r.Engine}
	p := r.Image.Program(s.Program)
	if p == nil {
		return in, fmt.Errorf("no program %s", s.Program)
	}
	switch ContextKindOf(p.Type) {
	case ContextSKB:
		in.Data = s.Input.Bytes
		if s.Ctx != nil {
			in.Context = s.Ctx.SkBuff.Bytes()
		}
	case ContextXDP:
		in.Data = s.Input.Bytes
		if s.Ctx != nil {
			in.Context = s.Ctx.XDP.Bytes(uint32(len(s.Input.Bytes)))
		}
	default:
		in.Context = s.Input.Bytes
	}
	return in, nil
}

// set applies a step's `set:`.
func (r *Runner) set(set manifest.Set) error {
	for _, g := range set.Globals {
		m, v, err := findGlobal(r.Image, g.Name)
		if err != nil {
			return err
		}
		if m.Frozen && r.loaded {
			return fmt.Errorf("global %s: %s is frozen once the first program loads", g.Name, m.Name)
		}
		val, err := g.Value.Encode(v.Size)
		if err != nil {
			return fmt.Errorf("global %s: %w", g.Name, err)
		}
		data, err := r.Collection.Lookup(m.Name, make([]byte, 4))
		if err != nil {
			return fmt.Errorf("global %s: %w", g.Name, err)
		}
		copy(data[v.Offset:], val)
		if err := r.Collection.Update(m.Name, make([]byte, 4), data); err != nil {
			return fmt.Errorf("global %s: %w", g.Name, err)
		}
	}
	for _, mv := range set.Maps {
		m := r.Image.Map(mv.Map)
		if m == nil {
			return fmt.Errorf("no map %s", mv.Map)
		}
		for _, e := range mv.Entries {
			key, err := e.Key.Encode(m.KeySize)
			if err != nil {
				return fmt.Errorf("map %s: key: %w", mv.Map, err)
			}
			if e.Value == nil {
				if err := r.Collection.Delete(mv.Map, key); err != nil {
					return err
				}
				continue
			}
			val, err := e.Value.Encode(m.ValueSize)
			if err != nil {
				return fmt.Errorf("map %s: key %s: %w", mv.Map, e.Key, err)
			}
			if maps.Type(m.Type).PerCPU() {
				val = perCPUValue(val, m.ValueSize, maps.PossibleCPUs())
			}
			if err := r.Collection.Update(mv.Map, key, val); err != nil {
				return err
			}
		}
	}
	return nil
}

// check compares a run's results with a step's expectations and returns
// what differs, or "".
func (r *Runner) check(exp *manifest.Expect, out *RunResult) string {
	var diffs []string
	if exp.Retval != nil && *exp.Retval != out.Retval {
		diffs = append(diffs, fmt.Sprintf("retval: expected %d, got %d", *exp.Retval, out.Retval))
	}
	for _, g := range exp.Globals {
		if d := r.checkGlobal(g); d != "" {
			diffs = append(diffs, d)
		}
	}
	for _, mv := range exp.Maps {
		for _, e := range mv.Entries {
			if d := r.checkMapEntry(mv.Map, e); d != "" {
				diffs = append(diffs, d)
			}
		}
	}
	if exp.Output != nil && !bytes.Equal(exp.Output.Bytes, out.Output) {
		diffs = append(diffs, fmt.Sprintf("output: expected %x, got %x", exp.Output.Bytes, out.Output))
	}
	return strings.Join(diffs, "; ")
}

func (r *Runner) checkGlobal(g manifest.GlobalValue) string {
	m, v, err := findGlobal(r.Image, g.Name)
	if err != nil {
		return err.Error()
	}
	want, err := g.Value.Encode(v.Size)
	if err != nil {
		return fmt.Sprintf("global %s: %v", g.Name, err)
	}
	data, err := r.Collection.Lookup(m.Name, make([]byte, 4))
	if err != nil {
		return fmt.Sprintf("global %s: %v", g.Name, err)
	}
	got := data[v.Offset : v.Offset+v.Size]
	if !bytes.Equal(got, want) {
		return fmt.Sprintf("global %s: expected %s, got %s", g.Name, g.Value, formatLike(g.Value.IsInt(), got))
	}
	return ""
}

func (r *Runner) checkMapEntry(name string, e manifest.MapEntry) string {
	m := r.Image.Map(name)
	if m == nil {
		return "no map " + name
	}
	key, err := e.Key.Encode(m.KeySize)
	if err != nil {
		return fmt.Sprintf("map %s: key: %v", name, err)
	}
	got, err := r.Collection.Lookup(name, key)
	if e.Value == nil {
		if err == nil {
			return fmt.Sprintf("map %s[%s]: expected no entry, got %x", name, e.Key, got)
		}
		return ""
	}
	if err != nil {
		return fmt.Sprintf("map %s[%s]: expected %s, got %v", name, e.Key, e.Value, err)
	}
	want, err := e.Value.Encode(m.ValueSize)
	if err != nil {
		return fmt.Sprintf("map %s[%s]: %v", name, e.Key, err)
	}
	if maps.Type(m.Type).PerCPU() && e.Value.IsInt() {
		// An integer expected of a per-CPU map is the sum over the CPUs:
		// which CPU a test run lands on is the kernel's choice.
		got = sumPerCPU(got, m.ValueSize)
	} else if maps.Type(m.Type).PerCPU() {
		want = perCPUValue(want, m.ValueSize, len(got)/int(roundUp8(m.ValueSize)))
	}
	if !bytes.Equal(got[:min(len(got), len(want))], want) || len(got) < len(want) {
		return fmt.Sprintf("map %s[%s]: expected %s, got %s", name, e.Key, e.Value, formatLike(e.Value.IsInt(), got))
	}
	return ""
}

// formatLike formats got the way the expected value was written.
func formatLike(integer bool, got []byte) string {
	if integer && len(got) <= 8 {
		var b [8]byte
		copy(b[:], got)
		return fmt.Sprint(binary.NativeEndian.Uint64(b[:]))
	}
	return fmt.Sprintf("{hex: %x}", got)
}

func roundUp8(n uint32) uint32 { return (n + 7) &^ 7 }

// perCPUValue repeats a value for every CPU, each copy padded to 8 bytes,
// as bpf(2) takes per-CPU values.
func perCPUValue(val []byte, size uint32, cpus int) []byte {
	stride := int(roundUp8(size))
	out := make([]byte, stride*cpus)
	for c := 0; c < cpus; c++ {
		copy(out[c*stride:], val)
	}
	return out
}

// sumPerCPU adds up an integer value of every CPU.
func sumPerCPU(all []byte, size uint32) []byte {
	stride := int(roundUp8(size))
	var sum uint64
	for off := 0; off+int(size) <= len(all); off += stride {
		var b [8]byte
		copy(b[:], all[off:off+int(size)])
		sum += binary.NativeEndian.Uint64(b[:])
	}
	out := binary.NativeEndian.AppendUint64(nil, sum)
	return out[:size]
}

// IsRejected reports whether err is a program rejected by the verifier or
// the kernel.
func IsRejected(err error) bool {
	var rej *RejectedError
	return errors.As(err, &rej)
}
