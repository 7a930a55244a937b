package link_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/link"
)

// requireBPFFS skips a test that pins objects where no bpffs is mounted.
func requireBPFFS(t testing.TB) string {
	t.Helper()
	const root = "/sys/fs/bpf"
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil || uint32(st.Type) != unix.BPF_FS_MAGIC {
		t.Skipf("no bpffs mounted at %s: bpftool prog loadall pins programs there", root)
	}
	return root
}

// bpftoolPath finds Debian's bpftool, or skips.
func bpftoolPath(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"bpftool", "/usr/sbin/bpftool"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Skip("bpftool not installed: it is the reference linker and libbpf's loader")
	return ""
}

// loaded is a set of programs loaded into the kernel, by name.
type loaded struct {
	progs   map[string]*ebpf.Program
	closers []func()
}

func (l *loaded) close() {
	for _, p := range l.progs {
		p.Close()
	}
	for _, c := range l.closers {
		c()
	}
}

// loadImage loads a linked image into the kernel with cilium/ebpf, the way
// a backend would: maps first, with their initial contents, read-only
// ones frozen; then programs, map references by index turned into the
// maps' descriptors; then prog array and map of maps slots.
func loadImage(img *link.Image) (*loaded, error) {
	l := &loaded{progs: map[string]*ebpf.Program{}}
	var maps []*ebpf.Map
	l.closers = append(l.closers, func() {
		for _, m := range maps {
			m.Close()
		}
	})
	for _, ms := range img.Maps {
		m, err := newKernelMap(ms)
		if err != nil {
			l.close()
			return nil, fmt.Errorf("map %s: %w", ms.Name, err)
		}
		maps = append(maps, m)
		if ms.Frozen && m.Flags()&unix.BPF_F_RDONLY_PROG == 0 {
			if err := m.Freeze(); err != nil {
				l.close()
				return nil, fmt.Errorf("map %s: %w", ms.Name, err)
			}
		}
	}
	for _, p := range img.Programs {
		spec, err := kernelProgramSpec(p, maps)
		if err != nil {
			l.close()
			return nil, err
		}
		prog, err := ebpf.NewProgram(spec)
		if err != nil {
			l.close()
			return nil, fmt.Errorf("program %s: %w", p.Name, err)
		}
		l.progs[p.Name] = prog
	}
	for i, ms := range img.Maps {
		for slot, name := range ms.Slots {
			var err error
			if prog := l.progs[name]; prog != nil && ms.Inner == nil {
				err = maps[i].Update(slot, prog, ebpf.UpdateAny)
			} else if j := mapIndex(img, name); j >= 0 {
				err = maps[i].Update(slot, maps[j], ebpf.UpdateAny)
			} else {
				err = fmt.Errorf("nothing named %s", name)
			}
			if err != nil {
				l.close()
				return nil, fmt.Errorf("map %s: slot %d: %w", ms.Name, slot, err)
			}
		}
	}
	return l, nil
}

func mapIndex(img *link.Image, name string) int {
	for i, m := range img.Maps {
		if m.Name == name {
			return i
		}
	}
	return -1
}

// newKernelMap creates one map, with its BTF when the kernel takes it.
func newKernelMap(ms *link.MapSpec) (*ebpf.Map, error) {
	spec := kernelMapSpec(ms)
	m, err := ebpf.NewMap(spec)
	if err != nil && (spec.Key != nil || spec.Value != nil) {
		spec.Key, spec.Value = nil, nil
		m, err = ebpf.NewMap(spec)
	}
	return m, err
}

func kernelMapSpec(ms *link.MapSpec) *ebpf.MapSpec {
	name := strings.Map(func(r rune) rune {
		if r == '.' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, ms.Name)
	if len(name) > 15 {
		name = name[:15]
	}
	spec := &ebpf.MapSpec{
		Name: name, Type: ebpf.MapType(ms.Type), KeySize: ms.KeySize, ValueSize: ms.ValueSize,
		MaxEntries: ms.MaxEntries, Flags: ms.Flags, NumaNode: ms.NumaNode, MapExtra: ms.MapExtra,
		Key: ms.Key, Value: ms.Value,
	}
	if ms.Inner != nil {
		spec.InnerMap = kernelMapSpec(ms.Inner)
	}
	// cilium/ebpf fills Contents and then freezes a map with
	// BPF_F_RDONLY_PROG, as libbpf does for .rodata.
	if ms.IsGlobalData() {
		spec.Contents = []ebpf.MapKV{{Key: uint32(0), Value: ms.Data}}
	}
	return spec
}

// kernelProgramSpec turns a linked program into cilium/ebpf's form, with
// func_info and line_info as instruction metadata.
func kernelProgramSpec(p *link.Program, maps []*ebpf.Map) (*ebpf.ProgramSpec, error) {
	insns, err := asm.AppendInstructions(nil, bytes.NewReader(insn.Encode(p.Insns)), binary.LittleEndian, "linux")
	if err != nil {
		return nil, fmt.Errorf("program %s: %w", p.Name, err)
	}
	funcs := map[asm.RawInstructionOffset]*btf.Func{}
	for _, fi := range p.FuncInfos {
		funcs[fi.Offset] = fi.Func
	}
	lines := map[asm.RawInstructionOffset]*btf.Line{}
	for _, li := range p.LineInfos {
		lines[li.Offset] = li.Line
	}
	var off asm.RawInstructionOffset
	for i := range insns {
		ins := &insns[i]
		if ins.OpCode.IsDWordLoad() && (ins.Src == asm.Register(insn.PseudoMapIdx) || ins.Src == asm.Register(insn.PseudoMapIdxValue)) {
			idx := int(uint32(ins.Constant))
			if idx >= len(maps) {
				return nil, fmt.Errorf("program %s: map index %d of %d", p.Name, idx, len(maps))
			}
			if ins.Src == asm.Register(insn.PseudoMapIdxValue) {
				ins.Src = asm.PseudoMapValue
			} else {
				ins.Src = asm.PseudoMapFD
			}
			if err := ins.AssociateMap(maps[idx]); err != nil {
				return nil, err
			}
		}
		if fn := funcs[off]; fn != nil {
			*ins = btf.WithFuncMetadata(*ins, fn)
		}
		if line := lines[off]; line != nil {
			*ins = ins.WithSource(line)
		}
		off += ins.Width()
	}
	return &ebpf.ProgramSpec{
		Name: p.Name, Type: ebpf.ProgramType(p.Type), AttachType: ebpf.AttachType(p.ExpectedAttachType),
		AttachTo: p.AttachTo, License: p.License, KernelVersion: p.KernelVersion, Instructions: insns,
	}, nil
}

// loadCollection loads an object with cilium/ebpf: LoadCollectionSpec and
// NewCollection.
func loadCollection(path string) (*loaded, error) {
	spec, err := ebpf.LoadCollectionSpec(path)
	if err != nil {
		return nil, err
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		return nil, err
	}
	l := &loaded{progs: coll.Programs}
	for _, m := range coll.Maps {
		l.closers = append(l.closers, func() { m.Close() })
	}
	return l, nil
}

// loadWithBpftool loads an object with libbpf, through `bpftool prog
// loadall`, pinning programs and maps (a prog array that no user space
// holds is emptied) under bpffs, and opens the pinned programs.
func loadWithBpftool(t testing.TB, bpftool, path string) (*loaded, error) {
	root := requireBPFFS(t)
	dir, err := os.MkdirTemp(root, "bpfld-link-test-")
	if err != nil {
		return nil, err
	}
	mapDir := dir + "-maps"
	l := &loaded{progs: map[string]*ebpf.Program{}}
	l.closers = append(l.closers, func() { os.RemoveAll(dir); os.RemoveAll(mapDir) })
	out, err := exec.Command(bpftool, "prog", "loadall", path, dir, "pinmaps", mapDir).CombinedOutput()
	if err != nil {
		l.close()
		return nil, fmt.Errorf("bpftool prog loadall: %v: %s", err, lastLines(out, 3))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		l.close()
		return nil, err
	}
	for _, e := range entries {
		prog, err := ebpf.LoadPinnedProgram(filepath.Join(dir, e.Name()), nil)
		if err != nil {
			l.close()
			return nil, err
		}
		l.progs[e.Name()] = prog
	}
	return l, nil
}

// lastLines returns the last n lines of a command's output.
func lastLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

// run test-runs one program on 64 zero bytes: the packet of socket, tc
// and xdp programs, the context of raw_tp programs.
func run(p *ebpf.Program) (uint32, error) {
	opts := &ebpf.RunOptions{Data: make([]byte, 64)}
	if p.Type() == ebpf.RawTracepoint || p.Type() == ebpf.Tracing || p.Type() == ebpf.Syscall {
		opts = &ebpf.RunOptions{Context: make([]byte, 64)}
	}
	return p.Run(opts)
}

// runSteps runs programs in order and returns the first result that
// differs from the expected one.
func runSteps(l *loaded, steps []step) error {
	var errs []error
	for _, s := range steps {
		p := l.progs[s.prog]
		if p == nil {
			errs = append(errs, fmt.Errorf("no program %s", s.prog))
			continue
		}
		got, err := run(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.prog, err))
			continue
		}
		if got != s.want {
			errs = append(errs, fmt.Errorf("%s returned %d, want %d", s.prog, int32(got), int32(s.want)))
		}
	}
	return errors.Join(errs...)
}

// step is one test run: a program and the value it must return.
type step struct {
	prog string
	want uint32
}
