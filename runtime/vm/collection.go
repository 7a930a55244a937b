package vm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/runtime"
	"github.com/bpfld/bpfld/runtime/maps"
	"github.com/bpfld/bpfld/runtime/mem"
)

// Options tune a VM collection.
type Options struct {
	// CPU is the processor number every run uses: the per-CPU map values
	// programs see and what bpf_get_smp_processor_id returns. It must be
	// below maps.PossibleCPUs(); the default is CPU 0, which keeps runs
	// deterministic.
	CPU uint32
}

// Collection is an image loaded into the VM. It implements
// runtime.Collection; it is safe for concurrent use.
type Collection struct {
	img  *link.Image
	opts Options

	maps     []maps.Map
	mapIndex map[string]int
	// progArrays and ringBufs find maps by the pointer programs hold;
	// both are fixed once New returns.
	progArrays map[uint64]*maps.ProgArray
	ringBufs   []*maps.RingBuf

	// mu serialises loading, freezing and prog array updates.
	mu sync.Mutex
	// progs holds the loaded programs by name. Loading publishes a new
	// map; runs read it without locking.
	progs  atomic.Pointer[map[string]*program]
	frozen bool
	// owners holds the program type of each prog array, set by the first
	// program that uses it or goes into it, as the kernel's
	// bpf_prog_map_compatible does.
	owners map[*maps.ProgArray]uint32
	// byID holds the loaded programs by id - 1: the ids that prog arrays
	// store. Loading publishes a new slice; readers never lock.
	byID atomic.Pointer[[]*program]

	// task is the stand-in of the current task (bpf_get_current_task),
	// made when a program first needs it.
	task *mem.Block

	pool   runnerPool
	closed atomic.Bool
}

var _ runtime.Collection = (*Collection)(nil)

// ErrJITNotBuilt is the error of a run that asks for the JIT engine.
var ErrJITNotBuilt = errors.New("the jit engine is not built yet")

// New creates the image's maps with their initial contents (global data,
// the static slots of maps of maps). Programs load on demand; prog arrays
// start empty (the runner fills their static slots with SetSlot, as on the
// kernel backend).
func New(img *link.Image, opts Options) (*Collection, error) {
	if int(opts.CPU) >= maps.PossibleCPUs() {
		return nil, fmt.Errorf("cpu %d: this machine has %d possible CPUs", opts.CPU, maps.PossibleCPUs())
	}
	c := &Collection{
		img:        img,
		opts:       opts,
		mapIndex:   make(map[string]int, len(img.Maps)),
		progArrays: make(map[uint64]*maps.ProgArray),
		owners:     make(map[*maps.ProgArray]uint32),
	}
	c.byID.Store(new([]*program))
	c.progs.Store(&map[string]*program{})
	for i, ms := range img.Maps {
		m, err := c.newMap(ms)
		if err != nil {
			c.Close()
			return nil, err
		}
		c.maps = append(c.maps, m)
		c.mapIndex[ms.Name] = i
	}
	for i, ms := range img.Maps {
		if ms.Inner == nil {
			continue
		}
		for slot, name := range ms.Slots {
			j, ok := c.mapIndex[name]
			if !ok {
				c.Close()
				return nil, fmt.Errorf("map %s: slot %d: no map %s", ms.Name, slot, name)
			}
			key := binary.NativeEndian.AppendUint32(nil, slot)
			id := binary.NativeEndian.AppendUint32(nil, c.maps[j].ID())
			if err := c.maps[i].UpdateUser(key, id, maps.UpdateAny); err != nil {
				c.Close()
				return nil, fmt.Errorf("map %s: slot %d = %s: %w", ms.Name, slot, name, err)
			}
		}
	}
	return c, nil
}

// newMap creates one map of the image with its initial contents.
func (c *Collection) newMap(ms *link.MapSpec) (maps.Map, error) {
	m, err := maps.New(mapSpec(ms))
	if err != nil {
		return nil, err
	}
	if ms.IsGlobalData() {
		if err := m.UpdateUser(make([]byte, 4), ms.Data, maps.UpdateAny); err != nil {
			m.Close()
			return nil, fmt.Errorf("map %s: initial contents: %w", ms.Name, err)
		}
	}
	switch m := m.(type) {
	case *maps.ProgArray:
		c.progArrays[m.Pointer()] = m
	case *maps.RingBuf:
		c.ringBufs = append(c.ringBufs, m)
	case *maps.PerfEventArray:
		// A test run has no perf event reader: the kernel's slots are
		// empty and bpf_perf_event_output fails with -ENOENT there, so
		// they are empty here too.
		for i := uint32(0); i < m.MaxEntries(); i++ {
			m.DeleteUser(binary.NativeEndian.AppendUint32(nil, i))
		}
	}
	return m, nil
}

// mapSpec converts an image map into the maps package's spec. Read-only
// data gets BPF_F_RDONLY_PROG, as libbpf gives it.
func mapSpec(ms *link.MapSpec) maps.Spec {
	s := maps.Spec{
		Name:       ms.Name,
		Type:       maps.Type(ms.Type),
		KeySize:    ms.KeySize,
		ValueSize:  ms.ValueSize,
		MaxEntries: ms.MaxEntries,
		Flags:      ms.Flags,
		NumaNode:   ms.NumaNode,
		MapExtra:   ms.MapExtra,
		Key:        ms.Key,
		Value:      ms.Value,
	}
	if ms.Frozen {
		s.Flags |= maps.FlagRdonlyProg
	}
	if ms.Inner != nil {
		inner := mapSpec(ms.Inner)
		s.Inner = &inner
	}
	return s
}

// Backend implements runtime.Collection.
func (c *Collection) Backend() string { return "vm" }

// Map returns the map named name, for callers that want more than Lookup
// and Update: reading a ring buffer or perf event array, iterating keys.
func (c *Collection) Map(name string) (maps.Map, error) {
	i, ok := c.mapIndex[name]
	if !ok {
		return nil, fmt.Errorf("no map %s", name)
	}
	return c.maps[i], nil
}

// SetSlot implements runtime.Collection: it loads prog if needed and puts
// it into the slot atomically, so that runs on other goroutines see either
// the old or the new program.
func (c *Collection) SetSlot(progArray string, slot uint32, prog string) error {
	m, err := c.Map(progArray)
	if err != nil {
		return err
	}
	pa, ok := m.(*maps.ProgArray)
	if !ok {
		return fmt.Errorf("map %s is a %s, not a prog_array", progArray, m.Type())
	}
	key := binary.NativeEndian.AppendUint32(nil, slot)
	if prog == "" {
		err := pa.DeleteUser(key)
		if err != nil && !errors.Is(err, syscall.ENOENT) {
			return fmt.Errorf("prog array %s: delete slot %d: %w", progArray, slot, err)
		}
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.loadLocked(prog); err != nil {
		return err
	}
	p := (*c.progs.Load())[prog]
	if err := c.claim(pa, p.typ); err != nil {
		return fmt.Errorf("prog array %s: slot %d = %s: %w", progArray, slot, prog, err)
	}
	if err := pa.UpdateUser(key, binary.NativeEndian.AppendUint32(nil, p.id), maps.UpdateAny); err != nil {
		return fmt.Errorf("prog array %s: slot %d = %s: %w", progArray, slot, prog, err)
	}
	return nil
}

// claim makes programs of type typ the owners of prog array pa, or fails
// with EINVAL when programs of another type own it, as the kernel refuses
// to mix program types in one tail-call table. The caller holds c.mu.
func (c *Collection) claim(pa *maps.ProgArray, typ uint32) error {
	owner, ok := c.owners[pa]
	if ok && owner != typ {
		return fmt.Errorf("it holds programs of type %s, not %s: %w", progTypeName(owner), progTypeName(typ), syscall.EINVAL)
	}
	c.owners[pa] = typ
	return nil
}

// Lookup implements runtime.Collection, as BPF_MAP_LOOKUP_ELEM: per-CPU
// maps give every CPU's value, each rounded up to 8 bytes.
func (c *Collection) Lookup(name string, key []byte) ([]byte, error) {
	m, err := c.Map(name)
	if err != nil {
		return nil, err
	}
	v, err := m.LookupUser(key, 0)
	if err != nil {
		return nil, fmt.Errorf("map %s: lookup: %w", name, err)
	}
	return v, nil
}

// Update implements runtime.Collection, as BPF_MAP_UPDATE_ELEM with
// BPF_ANY. Read-only data fails with EPERM once the first program loaded.
func (c *Collection) Update(name string, key, value []byte) error {
	m, err := c.Map(name)
	if err != nil {
		return err
	}
	if err := m.UpdateUser(key, value, maps.UpdateAny); err != nil {
		return fmt.Errorf("map %s: update: %w", name, err)
	}
	return nil
}

// Delete implements runtime.Collection; a missing key is no error.
func (c *Collection) Delete(name string, key []byte) error {
	m, err := c.Map(name)
	if err != nil {
		return err
	}
	if err := m.DeleteUser(key); err != nil && !errors.Is(err, syscall.ENOENT) {
		return fmt.Errorf("map %s: delete: %w", name, err)
	}
	return nil
}

// freezeLocked freezes the read-only data maps when the first program
// loads, as libbpf does: from then on user space cannot write them either.
// The caller holds c.mu.
func (c *Collection) freezeLocked() error {
	if c.frozen {
		return nil
	}
	for i, ms := range c.img.Maps {
		if ms.Frozen {
			if err := c.maps[i].Freeze(); err != nil && !errors.Is(err, syscall.EBUSY) {
				return fmt.Errorf("freeze map %s: %w", ms.Name, err)
			}
		}
	}
	c.frozen = true
	return nil
}

// Close implements runtime.Collection. No run may be in progress.
func (c *Collection) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Swap(true) {
		return nil
	}
	errs := []error{c.pool.close()}
	for _, m := range c.maps {
		errs = append(errs, m.Close())
	}
	if c.task != nil {
		errs = append(errs, c.task.Free())
	}
	c.maps, c.mapIndex, c.task = nil, nil, nil
	return errors.Join(errs...)
}
