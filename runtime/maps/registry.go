package maps

import (
	"sync"
	"sync/atomic"
)

// registry indexes the live maps by pointer and by id. Readers load an
// immutable snapshot, so ByPointer and ByID never lock; New and Close copy
// the snapshot under mu.
type registry struct {
	mu     sync.Mutex
	lastID uint32
	byPtr  atomic.Pointer[map[uint64]Map]
	byID   atomic.Pointer[map[uint32]Map]
}

var live registry

// ByPointer returns the map whose descriptor is at p: the value a program
// holds after `ld_imm64 rX = map[...]` or an inner-map lookup.
func ByPointer(p uint64) (Map, bool) {
	if snap := live.byPtr.Load(); snap != nil {
		m, ok := (*snap)[p]
		return m, ok
	}
	return nil, false
}

// ByID returns the live map with the given id, the value user space stores
// in a map of maps (where the kernel takes a map file descriptor).
func ByID(id uint32) (Map, bool) {
	if snap := live.byID.Load(); snap != nil {
		m, ok := (*snap)[id]
		return m, ok
	}
	return nil, false
}

// nextID allocates a map id; ids start at 1, as the kernel's do.
func (r *registry) nextID() uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastID++
	if r.lastID == 0 {
		r.lastID = 1
	}
	return r.lastID
}

func (r *registry) add(m Map) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.update(func(byPtr map[uint64]Map, byID map[uint32]Map) {
		byPtr[m.Pointer()] = m
		byID[m.ID()] = m
	})
}

func (r *registry) remove(m Map) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.update(func(byPtr map[uint64]Map, byID map[uint32]Map) {
		delete(byPtr, m.Pointer())
		delete(byID, m.ID())
	})
}

// update copies both indexes, lets change edit the copies and publishes
// them. The caller holds mu.
func (r *registry) update(change func(map[uint64]Map, map[uint32]Map)) {
	byPtr := make(map[uint64]Map)
	if old := r.byPtr.Load(); old != nil {
		for k, v := range *old {
			byPtr[k] = v
		}
	}
	byID := make(map[uint32]Map)
	if old := r.byID.Load(); old != nil {
		for k, v := range *old {
			byID[k] = v
		}
	}
	change(byPtr, byID)
	r.byPtr.Store(&byPtr)
	r.byID.Store(&byID)
}
