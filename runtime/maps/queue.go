package maps

import (
	"sync"
	"syscall"
)

// QueueStack is a queue (FIFO) or stack (LIFO) map
// (kernel/bpf/queue_stack_maps.c): a ring of max_entries+1 values in mmap
// memory. Values are copied in and out, never addressed by programs.
type QueueStack struct {
	*common
	stack bool

	mu         sync.Mutex
	head, tail uint32 // push at head; a queue pops at tail, a stack below head
	size       uint32 // max_entries + 1
	data       []byte
}

func newQueueStack(c *common) (*QueueStack, error) {
	size := uint64(c.spec.MaxEntries) + 1
	total := size * uint64(c.spec.ValueSize)
	if total > maxMapBytes {
		return nil, specError(&c.spec, syscall.ENOMEM, "%d bytes of values are too many", total)
	}
	b, err := c.alloc(int(total), false, "map "+c.spec.Name)
	if err != nil {
		return nil, err
	}
	q := &QueueStack{common: c, stack: c.spec.Type == TypeStack, size: uint32(size), data: b.Bytes()}
	q.describe(0, c.spec.ValueSize, 1)
	return q, nil
}

func (q *QueueStack) elem(i uint32) []byte {
	vs := uint64(q.spec.ValueSize)
	return q.data[uint64(i)*vs : uint64(i+1)*vs]
}

// Update fails as queue_stack_map_update_elem does: use Push.
func (q *QueueStack) Update(key, value []byte, flags uint64, cpu int) error {
	return syscall.EINVAL
}

// Delete fails as queue_stack_map_delete_elem does: use Pop.
func (q *QueueStack) Delete(key []byte) error { return syscall.EINVAL }

// Push is bpf_map_push_elem: E2BIG when full, unless flags is BPF_EXIST,
// which makes room by dropping the oldest value.
func (q *QueueStack) Push(value []byte, flags uint64) error {
	if !q.progWritable() {
		return syscall.EPERM
	}
	if len(value) < int(q.spec.ValueSize) {
		return syscall.EINVAL
	}
	return q.push(value, flags)
}

func (q *QueueStack) push(value []byte, flags uint64) error {
	if flags&UpdateNoExist != 0 || flags > UpdateExist {
		return syscall.EINVAL
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if (q.head+1)%q.size == q.tail {
		if flags != UpdateExist {
			return syscall.E2BIG
		}
		q.tail = (q.tail + 1) % q.size
	}
	copy(q.elem(q.head), value)
	q.head = (q.head + 1) % q.size
	return nil
}

// Pop is bpf_map_pop_elem: the oldest value of a queue or the newest of a
// stack, removed; ENOENT (and value zeroed) when empty.
func (q *QueueStack) Pop(value []byte) error {
	if !q.progWritable() {
		return syscall.EPERM
	}
	return q.get(value, true)
}

// Peek is bpf_map_peek_elem: Pop without removing.
func (q *QueueStack) Peek(value []byte) error { return q.get(value, false) }

func (q *QueueStack) get(value []byte, remove bool) error {
	if len(value) < int(q.spec.ValueSize) {
		return syscall.EINVAL
	}
	value = value[:q.spec.ValueSize]
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == q.tail {
		clear(value)
		return syscall.ENOENT
	}
	i := q.tail
	if q.stack {
		i = (q.head + q.size - 1) % q.size
	}
	copy(value, q.elem(i))
	if remove {
		if q.stack {
			q.head = i
		} else {
			q.tail = (q.tail + 1) % q.size
		}
	}
	return nil
}

// LookupUser peeks (the key is ignored).
func (q *QueueStack) LookupUser(key []byte, flags uint64) ([]byte, error) {
	if err := q.lookupChecks(flags); err != nil {
		return nil, err
	}
	out := make([]byte, q.spec.ValueSize)
	if err := q.get(out, false); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateUser pushes (the key is ignored).
func (q *QueueStack) UpdateUser(key, value []byte, flags uint64) error {
	if err := q.updateChecks(flags); err != nil {
		return err
	}
	if err := q.checkValue(value, int(q.spec.ValueSize)); err != nil {
		return err
	}
	return q.push(value, flags)
}

// DeleteUser fails with EINVAL, as for the kernel's queues and stacks.
func (q *QueueStack) DeleteUser(key []byte) error {
	if err := q.sysWrite(); err != nil {
		return err
	}
	return syscall.EINVAL
}

// LookupAndDeleteUser pops (the key is ignored).
func (q *QueueStack) LookupAndDeleteUser(key []byte, flags uint64) ([]byte, error) {
	if err := q.lookupAndDeleteChecks(flags); err != nil {
		return nil, err
	}
	out := make([]byte, q.spec.ValueSize)
	if err := q.get(out, true); err != nil {
		return nil, err
	}
	return out, nil
}

// NextKey fails with EINVAL: queues and stacks have no keys.
func (q *QueueStack) NextKey(key []byte) ([]byte, error) {
	if err := q.sysRead(); err != nil {
		return nil, err
	}
	return nil, syscall.EINVAL
}

// Close frees the map's memory.
func (q *QueueStack) Close() error { return q.closeMap(q) }
