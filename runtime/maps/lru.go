package maps

// lru reproduces the kernel's LRU lists (kernel/bpf/bpf_lru_list.c), which
// decide what an LRU hash map evicts: not strictly the least recently used
// element, but the result of active and inactive lists, reference bits
// that programs' lookups set, per-CPU free and pending lists, and batched
// shrinking. Reproducing them makes eviction match the kernel's for the
// same operations on the same CPUs, as the kernel's own LRU tests expect
// when they pin themselves to a CPU.
//
// Nodes are the table's slots, linked into circular lists through
// sentinel nodes that follow the slots, as list_head does. The table's mu
// guards everything but the reference bits, which lookups set without
// locking.
type lru struct {
	t          *table
	nodes      []lruNode
	percpu     bool // BPF_F_NO_COMMON_LRU: one LRU list per CPU
	ncpu       int
	nrScans    int
	targetFree int
	common     lruList
	local      []lruLocal // common LRU: each CPU's free and pending lists
	lists      []lruList  // per-CPU LRU: each CPU's list
}

// lruNode is struct bpf_lru_node: list links, the CPU whose list holds
// the node, and its list type.
type lruNode struct {
	prev, next uint32
	cpu        uint16
	typ        uint8
}

// Node list types, enum bpf_lru_list_type. Only active and inactive are
// counted.
const (
	lruActive = iota
	lruInactive
	lruFree
	lruLocalFree
	lruLocalPending
)

// Kernel tuning constants.
const (
	localFreeTarget  = 128 // LOCAL_FREE_TARGET, also LOCAL_NR_SCANS
	percpuFreeTarget = 4   // PERCPU_FREE_TARGET, also PERCPU_NR_SCANS
)

// lruList is struct bpf_lru_list: heads of the active, inactive and free
// lists (sentinel node indexes).
type lruList struct {
	heads          [3]uint32
	counts         [2]int
	nextInactiveRo uint32 // next_inactive_rotation
}

// lruLocal is struct bpf_lru_locallist.
type lruLocal struct {
	free, pending uint32
	nextSteal     int
}

// newLRU sets up the LRU of a table whose n slots are all free, as
// bpf_lru_init and bpf_lru_populate do.
func newLRU(t *table, n uint32, percpu bool) *lru {
	l := &lru{t: t, percpu: percpu, ncpu: PossibleCPUs()}
	l.nodes = make([]lruNode, n)
	sentinel := func() uint32 {
		h := uint32(len(l.nodes))
		l.nodes = append(l.nodes, lruNode{prev: h, next: h})
		return h
	}
	initList := func(ll *lruList) {
		for i := range ll.heads {
			ll.heads[i] = sentinel()
		}
		ll.nextInactiveRo = ll.heads[lruInactive]
	}
	if percpu {
		l.nrScans = percpuFreeTarget
		l.lists = make([]lruList, l.ncpu)
		for cpu := range l.lists {
			initList(&l.lists[cpu])
		}
		perCPU := n / uint32(l.ncpu)
		s := uint32(0)
		for cpu := 0; cpu < l.ncpu && s < n; cpu++ {
			for {
				l.nodes[s].cpu, l.nodes[s].typ = uint16(cpu), lruFree
				l.listAdd(s, l.lists[cpu].heads[lruFree])
				s++
				if s == n || s%perCPU == 0 {
					break
				}
			}
		}
		return l
	}
	l.nrScans = localFreeTarget
	initList(&l.common)
	l.local = make([]lruLocal, l.ncpu)
	for cpu := range l.local {
		l.local[cpu] = lruLocal{free: sentinel(), pending: sentinel(), nextSteal: cpu}
	}
	for s := range n {
		l.nodes[s].typ = lruFree
		l.listAdd(s, l.common.heads[lruFree])
	}
	l.targetFree = min(max(int(n)/l.ncpu/2, 1), localFreeTarget)
	return l
}

// list.h on node indexes.

func (l *lru) listAdd(n, head uint32) {
	next := l.nodes[head].next
	l.nodes[n].prev, l.nodes[n].next = head, next
	l.nodes[next].prev = n
	l.nodes[head].next = n
}

func (l *lru) listDel(n uint32) {
	p, x := l.nodes[n].prev, l.nodes[n].next
	l.nodes[p].next = x
	l.nodes[x].prev = p
}

func (l *lru) listMove(n, head uint32) {
	l.listDel(n)
	l.listAdd(n, head)
}

func (l *lru) empty(head uint32) bool { return l.nodes[head].next == head }

func (l *lru) ref(n uint32) bool { return l.t.slots[n].ref.Load() }

func (l *lru) clearRef(n uint32) { l.t.slots[n].ref.Store(false) }

func (ll *lruList) countInc(typ uint8) {
	if typ < lruFree {
		ll.counts[typ]++
	}
}

func (ll *lruList) countDec(typ uint8) {
	if typ < lruFree {
		ll.counts[typ]--
	}
}

// moveToFree is __bpf_lru_node_move_to_free.
func (l *lru) moveToFree(ll *lruList, n, freeHead uint32, typ uint8) {
	if n == ll.nextInactiveRo {
		ll.nextInactiveRo = l.nodes[n].prev
	}
	ll.countDec(l.nodes[n].typ)
	l.nodes[n].typ = typ
	l.listMove(n, freeHead)
}

// moveIn is __bpf_lru_node_move_in: from a local list into the LRU list.
func (l *lru) moveIn(ll *lruList, n uint32, typ uint8) {
	ll.countInc(typ)
	l.nodes[n].typ = typ
	l.clearRef(n)
	l.listMove(n, ll.heads[typ])
}

// move is __bpf_lru_node_move: within or between the LRU list's lists.
func (l *lru) move(ll *lruList, n uint32, typ uint8) {
	if l.nodes[n].typ != typ {
		ll.countDec(l.nodes[n].typ)
		ll.countInc(typ)
		l.nodes[n].typ = typ
	}
	l.clearRef(n)
	if n == ll.nextInactiveRo {
		ll.nextInactiveRo = l.nodes[n].prev
	}
	l.listMove(n, ll.heads[typ])
}

// rotateActive is __bpf_lru_list_rotate_active: from the tail, referenced
// nodes go back to the head of the active list and the others to the
// inactive list, for at most nrScans nodes.
func (l *lru) rotateActive(ll *lruList) {
	head := ll.heads[lruActive]
	first := l.nodes[head].next
	i := 0
	for n := l.nodes[head].prev; n != head; {
		prev := l.nodes[n].prev
		if l.ref(n) {
			l.move(ll, n, lruActive)
		} else {
			l.move(ll, n, lruInactive)
		}
		i++
		if i == l.nrScans || n == first {
			break
		}
		n = prev
	}
}

// rotateInactive is __bpf_lru_list_rotate_inactive: from
// next_inactive_rotation backwards, referenced nodes move to the active
// list, for at most nrScans nodes.
func (l *lru) rotateInactive(ll *lruList) {
	head := ll.heads[lruInactive]
	if l.empty(head) {
		return
	}
	last := l.nodes[ll.nextInactiveRo].next
	if last == head {
		last = l.nodes[last].next
	}
	cur, next := ll.nextInactiveRo, head
	for i := 0; i < l.nrScans; {
		if cur == head {
			cur = l.nodes[cur].prev
			continue
		}
		next = l.nodes[cur].prev
		if l.ref(cur) {
			l.move(ll, cur, lruActive)
		}
		if cur == last {
			break
		}
		cur = next
		i++
	}
	ll.nextInactiveRo = next
}

// rotate is __bpf_lru_list_rotate.
func (l *lru) rotate(ll *lruList) {
	if ll.counts[lruInactive] < ll.counts[lruActive] {
		l.rotateActive(ll)
	}
	l.rotateInactive(ll)
}

// shrinkInactive is __bpf_lru_list_shrink_inactive: from the tail of the
// inactive list, evict unreferenced elements onto freeHead.
func (l *lru) shrinkInactive(ll *lruList, target int, freeHead uint32, typ uint8) int {
	head := ll.heads[lruInactive]
	shrunk, i := 0, 0
	for n := l.nodes[head].prev; n != head; {
		prev := l.nodes[n].prev
		if l.ref(n) {
			l.move(ll, n, lruActive)
		} else if l.evict(n) {
			l.moveToFree(ll, n, freeHead, typ)
			if shrunk++; shrunk == target {
				break
			}
		}
		if i++; i == l.nrScans {
			break
		}
		n = prev
	}
	return shrunk
}

// shrink is __bpf_lru_list_shrink: when shrinking the inactive list frees
// nothing, evict one element regardless of its reference bit.
func (l *lru) shrink(ll *lruList, target int, freeHead uint32, typ uint8) int {
	if n := l.shrinkInactive(ll, target, freeHead, typ); n > 0 {
		return n
	}
	force := ll.heads[lruInactive]
	if l.empty(force) {
		force = ll.heads[lruActive]
	}
	for n := l.nodes[force].prev; n != force; n = l.nodes[n].prev {
		if l.evict(n) {
			l.moveToFree(ll, n, freeHead, typ)
			return 1
		}
	}
	return 0
}

// evict is htab_lru_map_delete_node: remove the element of slot n from
// the table, if it is in it.
func (l *lru) evict(n uint32) bool {
	t := l.t
	if !t.slots[n].live.Load() {
		return false
	}
	t.unlink(n)
	t.remove(n)
	t.count--
	return true
}

// flush is __local_list_flush: a CPU's pending nodes join the LRU list.
func (l *lru) flush(loc *lruLocal) {
	head := loc.pending
	for n := l.nodes[head].prev; n != head; {
		prev := l.nodes[n].prev
		if l.ref(n) {
			l.moveIn(&l.common, n, lruActive)
		} else {
			l.moveIn(&l.common, n, lruInactive)
		}
		n = prev
	}
}

// popFreeToLocal is bpf_lru_list_pop_free_to_local: refill a CPU's free
// list from the global free list, shrinking the LRU list for the rest.
func (l *lru) popFreeToLocal(loc *lruLocal) {
	ll := &l.common
	l.flush(loc)
	l.rotate(ll)
	nfree := 0
	head := ll.heads[lruFree]
	for n := l.nodes[head].next; n != head; {
		next := l.nodes[n].next
		l.moveToFree(ll, n, loc.free, lruLocalFree)
		if nfree++; nfree == l.targetFree {
			break
		}
		n = next
	}
	if nfree < l.targetFree {
		l.shrink(ll, l.targetFree-nfree, loc.free, lruLocalFree)
	}
}

func (l *lru) addPending(loc *lruLocal, cpu int, n uint32) {
	l.nodes[n].cpu, l.nodes[n].typ = uint16(cpu), lruLocalPending
	l.clearRef(n)
	l.listAdd(n, loc.pending)
}

func (l *lru) popLocalFree(loc *lruLocal) uint32 {
	n := l.nodes[loc.free].next
	if n == loc.free {
		return noSlot
	}
	l.listDel(n)
	return n
}

// popLocalPending is __local_list_pop_pending: steal the oldest pending
// node, unreferenced ones first.
func (l *lru) popLocalPending(loc *lruLocal) uint32 {
	head := loc.pending
	for _, force := range []bool{false, true} {
		for n := l.nodes[head].prev; n != head; n = l.nodes[n].prev {
			if (!l.ref(n) || force) && l.evict(n) {
				l.listDel(n)
				return n
			}
		}
	}
	return noSlot
}

// pop is bpf_lru_pop_free for a program (or syscall) on CPU cpu: a free
// slot, evicting elements when needed, or noSlot.
func (l *lru) pop(cpu int) uint32 {
	if uint(cpu) >= uint(l.ncpu) {
		cpu = 0
	}
	if l.percpu {
		ll := &l.lists[cpu]
		l.rotate(ll)
		free := ll.heads[lruFree]
		if l.empty(free) {
			l.shrink(ll, percpuFreeTarget, free, lruFree)
		}
		if l.empty(free) {
			return noSlot
		}
		n := l.nodes[free].next
		l.clearRef(n)
		l.move(ll, n, lruInactive)
		return n
	}
	loc := &l.local[cpu]
	n := l.popLocalFree(loc)
	if n == noSlot {
		l.popFreeToLocal(loc)
		n = l.popLocalFree(loc)
	}
	if n != noSlot {
		l.addPending(loc, cpu, n)
		return n
	}
	// Steal from the CPUs' local lists, round robin.
	first := loc.nextSteal
	steal := first
	for {
		sl := &l.local[steal]
		if n = l.popLocalFree(sl); n == noSlot {
			n = l.popLocalPending(sl)
		}
		steal = (steal + 1) % l.ncpu
		if n != noSlot || steal == first {
			break
		}
	}
	loc.nextSteal = steal
	if n != noSlot {
		l.addPending(loc, cpu, n)
	}
	return n
}

// push is bpf_lru_push_free: slot n, no longer in the table, becomes free.
func (l *lru) push(n uint32) {
	if l.percpu {
		l.move(&l.lists[l.nodes[n].cpu], n, lruFree)
		return
	}
	switch l.nodes[n].typ {
	case lruFree, lruLocalFree:
		return
	case lruLocalPending:
		l.nodes[n].typ = lruLocalFree
		l.clearRef(n)
		l.listMove(n, l.local[l.nodes[n].cpu].free)
		return
	}
	l.move(&l.common, n, lruFree)
}
