package kernel

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/internal/uapi"
	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/runtime"
)

// Options tune how an image is loaded.
type Options struct {
	// LogLevel is the verifier log level asked for every program (0: the
	// log only on a rejection).
	LogLevel ebpf.LogLevel
}

// Collection is an image loaded into the kernel. It implements
// runtime.Collection.
type Collection struct {
	img      *link.Image
	opts     Options
	maps     []*ebpf.Map
	mapIndex map[string]int
	progs    map[string]*ebpf.Program
	// frozen tells whether read-only data maps were frozen, which
	// happens when the first program loads, as the kernel freezes
	// .rodata at load in libbpf.
	frozen bool
}

var _ runtime.Collection = (*Collection)(nil)

// ErrPermission says that bpf(2) refused for lack of privileges. It is
// returned only where Available fails too: EPERM has other causes.
var ErrPermission = errors.New("the kernel backend needs root or CAP_BPF (with CAP_NET_ADMIN and CAP_PERFMON for some program types)")

// New creates the image's maps in the kernel, with their initial contents
// (global data, static maps of maps). Programs load on demand.
func New(img *link.Image, opts Options) (*Collection, error) {
	c := &Collection{img: img, opts: opts, mapIndex: map[string]int{}, progs: map[string]*ebpf.Program{}}
	for i, m := range img.Maps {
		km, err := newMap(m)
		if err != nil {
			c.Close()
			if errors.Is(err, unix.EPERM) && Available() != nil {
				return nil, ErrPermission
			}
			return nil, err
		}
		c.maps = append(c.maps, km)
		c.mapIndex[m.Name] = i
		if m.IsGlobalData() {
			if err := km.Update(uint32(0), m.Data, ebpf.UpdateAny); err != nil {
				c.Close()
				return nil, fmt.Errorf("map %s: initial contents: %w", m.Name, err)
			}
		}
	}
	for i, m := range img.Maps {
		if m.Inner == nil {
			continue
		}
		for slot, name := range m.Slots {
			inner, ok := c.mapIndex[name]
			if !ok {
				c.Close()
				return nil, fmt.Errorf("map %s: slot %d: no map %s", m.Name, slot, name)
			}
			if err := c.maps[i].Update(slot, c.maps[inner], ebpf.UpdateAny); err != nil {
				c.Close()
				return nil, fmt.Errorf("map %s: slot %d = %s: %w", m.Name, slot, name, err)
			}
		}
	}
	return c, nil
}

// Backend implements runtime.Collection.
func (c *Collection) Backend() string { return "kernel" }

// LoadProgram loads one entry program into the kernel.
func (c *Collection) LoadProgram(name string) error {
	if _, ok := c.progs[name]; ok {
		return nil
	}
	p := c.img.Program(name)
	if p == nil {
		return fmt.Errorf("no program %s", name)
	}
	if err := c.freeze(); err != nil {
		return err
	}
	spec, err := programSpec(p, c.maps)
	if err != nil {
		return err
	}
	prog, err := ebpf.NewProgramWithOptions(spec, ebpf.ProgramOptions{LogLevel: c.opts.LogLevel})
	if err != nil {
		var verr *ebpf.VerifierError
		if errors.As(err, &verr) {
			return &runtime.RejectedError{Program: name, Reason: rejectionReason(verr), Log: strings.Join(verr.Log, "\n"), Err: err}
		}
		if errors.Is(err, unix.EPERM) && Available() != nil {
			return ErrPermission
		}
		// EPERM with the privileges to use bpf(2) is the kernel refusing
		// this program: a kprobe on a function it does not have, say.
		return &runtime.RejectedError{Program: name, Reason: err.Error(), Err: err}
	}
	c.progs[name] = prog
	return nil
}

// rejectionReason picks the verifier's reason out of its log: the last
// line that is not a summary of processed instructions.
func rejectionReason(verr *ebpf.VerifierError) string {
	for i := len(verr.Log) - 1; i >= 0; i-- {
		line := strings.TrimSpace(verr.Log[i])
		if line == "" || strings.HasPrefix(line, "processed ") || strings.HasPrefix(line, "verification time") || strings.HasPrefix(line, "stack depth") {
			continue
		}
		return line
	}
	return verr.Cause.Error()
}

// freeze freezes the read-only data maps before the first program loads.
func (c *Collection) freeze() error {
	if c.frozen {
		return nil
	}
	for i, m := range c.img.Maps {
		if m.Frozen {
			if err := c.maps[i].Freeze(); err != nil {
				return fmt.Errorf("freeze map %s: %w", m.Name, err)
			}
		}
	}
	c.frozen = true
	return nil
}

// Run runs a program through BPF_PROG_TEST_RUN.
func (c *Collection) Run(name string, in runtime.RunInput) (*runtime.RunResult, error) {
	if err := c.LoadProgram(name); err != nil {
		return nil, err
	}
	typ := uint32(c.progs[name].Type())
	ret, out, ctxOut, perRun, err := testRun(c.progs[name].FD(), runtime.ContextKindOf(typ), in.Data, in.Context, in.Repeat)
	if err != nil {
		if errors.Is(err, errnoNotSupp) || errors.Is(err, unix.EOPNOTSUPP) {
			typeName, ok := uapi.ProgTypeName(typ)
			if !ok {
				typeName = fmt.Sprintf("%d", typ)
			}
			return nil, fmt.Errorf("program %s: the kernel cannot test-run programs of type %s: %w", name, typeName, err)
		}
		return nil, fmt.Errorf("program %s: %w", name, err)
	}
	return &runtime.RunResult{Retval: ret, Output: out, Context: ctxOut, PerRun: perRun}, nil
}

// SetSlot implements runtime.Collection.
func (c *Collection) SetSlot(progArray string, slot uint32, prog string) error {
	m, err := c.mapNamed(progArray)
	if err != nil {
		return err
	}
	if prog == "" {
		err := m.Delete(slot)
		if err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return fmt.Errorf("prog array %s: delete slot %d: %w", progArray, slot, err)
		}
		return nil
	}
	if err := c.LoadProgram(prog); err != nil {
		return err
	}
	if err := m.Update(slot, c.progs[prog], ebpf.UpdateAny); err != nil {
		return fmt.Errorf("prog array %s: slot %d = %s: %w", progArray, slot, prog, err)
	}
	return nil
}

// Lookup implements runtime.Collection.
func (c *Collection) Lookup(name string, key []byte) ([]byte, error) {
	m, err := c.mapNamed(name)
	if err != nil {
		return nil, err
	}
	v, err := m.LookupBytes(key)
	if err != nil {
		return nil, fmt.Errorf("map %s: lookup: %w", name, err)
	}
	if v == nil {
		return nil, fmt.Errorf("map %s: lookup: %w", name, ebpf.ErrKeyNotExist)
	}
	return v, nil
}

// Update implements runtime.Collection.
func (c *Collection) Update(name string, key, value []byte) error {
	m, err := c.mapNamed(name)
	if err != nil {
		return err
	}
	if err := m.Update(key, value, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("map %s: update: %w", name, err)
	}
	return nil
}

// Delete implements runtime.Collection.
func (c *Collection) Delete(name string, key []byte) error {
	m, err := c.mapNamed(name)
	if err != nil {
		return err
	}
	if err := m.Delete(key); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("map %s: delete: %w", name, err)
	}
	return nil
}

// Keys implements runtime.Collection.
func (c *Collection) Keys(name string) ([][]byte, error) {
	m, err := c.mapNamed(name)
	if err != nil {
		return nil, err
	}
	var keys [][]byte
	var prev any // nil: the first key
	for {
		next, err := m.NextKeyBytes(prev)
		if err != nil {
			return nil, fmt.Errorf("map %s: next key: %w", name, err)
		}
		if next == nil {
			return keys, nil
		}
		keys = append(keys, next)
		prev = next
	}
}

func (c *Collection) mapNamed(name string) (*ebpf.Map, error) {
	i, ok := c.mapIndex[name]
	if !ok {
		return nil, fmt.Errorf("no map %s", name)
	}
	return c.maps[i], nil
}

// Pin pins every map and every loaded program under dir, which must be on
// a bpffs, as <dir>/<name>.
func (c *Collection) Pin(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return fmt.Errorf("pin: %w", err)
	}
	if uint32(st.Type) != unix.BPF_FS_MAGIC {
		return fmt.Errorf("pin: %s is not on a bpffs (mount one with: mount -t bpf bpf %s)", dir, dir)
	}
	for i, m := range c.img.Maps {
		if err := c.maps[i].Pin(dir + "/" + pinName(m.Name)); err != nil {
			return fmt.Errorf("pin map %s: %w", m.Name, err)
		}
	}
	for name, p := range c.progs {
		if err := p.Pin(dir + "/" + pinName(name)); err != nil {
			return fmt.Errorf("pin program %s: %w", name, err)
		}
	}
	return nil
}

// pinName makes a map or program name a file name: global data maps
// start with a dot, which would hide them.
func pinName(name string) string {
	return strings.TrimPrefix(name, ".")
}

// Close implements runtime.Collection.
func (c *Collection) Close() error {
	for _, p := range c.progs {
		p.Close()
	}
	for _, m := range c.maps {
		m.Close()
	}
	c.progs, c.maps = nil, nil
	return nil
}

// Available reports whether this process may use bpf(2), and if not why.
// It asks the kernel itself, by creating and closing a one-element array
// map once: being root is not enough in a container without CAP_BPF or
// with bpf(2) filtered out.
var Available = sync.OnceValue(func() error {
	m, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.Array, KeySize: 4, ValueSize: 4, MaxEntries: 1})
	switch {
	case err == nil:
		m.Close()
		return nil
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return ErrPermission
	}
	return fmt.Errorf("bpf(2) is not usable here: %w", err)
})
