package interp

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"
)

// slowOp performs the operations that exec leaves out of its loop: atomics,
// legacy packet loads and context accesses decided at run time. It may move
// m.ip.
func (m *Machine) slowOp(in *op, r *[16]uint64) error {
	switch in.code {
	case opAtomicAdd32:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
		if err != nil {
			return err
		}
		atomic.AddUint32((*uint32)(ptr(a)), uint32(r[in.src&15]))
	case opAtomicOr32:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
		if err != nil {
			return err
		}
		atomic.OrUint32((*uint32)(ptr(a)), uint32(r[in.src&15]))
	case opAtomicAnd32:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
		if err != nil {
			return err
		}
		atomic.AndUint32((*uint32)(ptr(a)), uint32(r[in.src&15]))
	case opAtomicXor32:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
		if err != nil {
			return err
		}
		xor32((*uint32)(ptr(a)), uint32(r[in.src&15]))
	case opAtomicFetchAdd32:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
		if err != nil {
			return err
		}
		v := uint32(r[in.src&15])
		r[in.src&15] = uint64(atomic.AddUint32((*uint32)(ptr(a)), v) - v)
	case opAtomicFetchOr32:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
		if err != nil {
			return err
		}
		r[in.src&15] = uint64(atomic.OrUint32((*uint32)(ptr(a)), uint32(r[in.src&15])))
	case opAtomicFetchAnd32:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
		if err != nil {
			return err
		}
		r[in.src&15] = uint64(atomic.AndUint32((*uint32)(ptr(a)), uint32(r[in.src&15])))
	case opAtomicFetchXor32:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
		if err != nil {
			return err
		}
		r[in.src&15] = uint64(xor32((*uint32)(ptr(a)), uint32(r[in.src&15])))
	case opAtomicXchg32:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
		if err != nil {
			return err
		}
		r[in.src&15] = uint64(atomic.SwapUint32((*uint32)(ptr(a)), uint32(r[in.src&15])))
	case opAtomicCmpXchg32:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
		if err != nil {
			return err
		}
		r[0] = uint64(cmpxchg32((*uint32)(ptr(a)), uint32(r[0]), uint32(r[in.src&15])))
	case opAtomicAdd64:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
		if err != nil {
			return err
		}
		atomic.AddUint64((*uint64)(ptr(a)), r[in.src&15])
	case opAtomicOr64:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
		if err != nil {
			return err
		}
		atomic.OrUint64((*uint64)(ptr(a)), r[in.src&15])
	case opAtomicAnd64:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
		if err != nil {
			return err
		}
		atomic.AndUint64((*uint64)(ptr(a)), r[in.src&15])
	case opAtomicXor64:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
		if err != nil {
			return err
		}
		xor64((*uint64)(ptr(a)), r[in.src&15])
	case opAtomicFetchAdd64:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
		if err != nil {
			return err
		}
		v := r[in.src&15]
		r[in.src&15] = atomic.AddUint64((*uint64)(ptr(a)), v) - v
	case opAtomicFetchOr64:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
		if err != nil {
			return err
		}
		r[in.src&15] = atomic.OrUint64((*uint64)(ptr(a)), r[in.src&15])
	case opAtomicFetchAnd64:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
		if err != nil {
			return err
		}
		r[in.src&15] = atomic.AndUint64((*uint64)(ptr(a)), r[in.src&15])
	case opAtomicFetchXor64:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
		if err != nil {
			return err
		}
		r[in.src&15] = xor64((*uint64)(ptr(a)), r[in.src&15])
	case opAtomicXchg64:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
		if err != nil {
			return err
		}
		r[in.src&15] = atomic.SwapUint64((*uint64)(ptr(a)), r[in.src&15])
	case opAtomicCmpXchg64:
		a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
		if err != nil {
			return err
		}
		r[0] = cmpxchg64((*uint64)(ptr(a)), r[0], r[in.src&15])
	case opLoadAcqB:
		a := r[in.src&15] + uint64(int64(in.off))
		if err := m.check(a, 1, false); err != nil {
			return err
		}
		r[in.dst&15] = uint64(*(*uint8)(ptr(a)))
	case opStoreRelB:
		a := r[in.dst&15] + uint64(int64(in.off))
		if err := m.check(a, 1, true); err != nil {
			return err
		}
		*(*uint8)(ptr(a)) = uint8(r[in.src&15])
	case opLoadAcqH:
		a := r[in.src&15] + uint64(int64(in.off))
		if err := m.check(a, 2, false); err != nil {
			return err
		}
		r[in.dst&15] = uint64(*(*uint16)(ptr(a)))
	case opStoreRelH:
		a := r[in.dst&15] + uint64(int64(in.off))
		if err := m.check(a, 2, true); err != nil {
			return err
		}
		*(*uint16)(ptr(a)) = uint16(r[in.src&15])
	case opLoadAcqW:
		a := r[in.src&15] + uint64(int64(in.off))
		if err := m.check(a, 4, false); err != nil {
			return err
		}
		r[in.dst&15] = uint64(atomic.LoadUint32((*uint32)(ptr(a))))
	case opStoreRelW:
		a := r[in.dst&15] + uint64(int64(in.off))
		if err := m.check(a, 4, true); err != nil {
			return err
		}
		atomic.StoreUint32((*uint32)(ptr(a)), uint32(r[in.src&15]))
	case opLoadAcqDW:
		a := r[in.src&15] + uint64(int64(in.off))
		if err := m.check(a, 8, false); err != nil {
			return err
		}
		r[in.dst&15] = atomic.LoadUint64((*uint64)(ptr(a)))
	case opStoreRelDW:
		a := r[in.dst&15] + uint64(int64(in.off))
		if err := m.check(a, 8, true); err != nil {
			return err
		}
		atomic.StoreUint64((*uint64)(ptr(a)), r[in.src&15])
	case opLdAbs, opLdInd:
		off := int32(in.imm)
		if in.code == opLdInd {
			off += int32(r[in.src&15])
		}
		v, ok, err := m.loadPacket(r[6], off, int(in.size))
		if err != nil {
			return err
		}
		r[0] = v
		if !ok {
			// Out of the packet: the current function returns 0.
			b := m.body(m.cur)
			m.ip = unsafe.Pointer(&b.code[b.exitOp])
		}
	case opLdxCtx:
		b := r[in.src&15]
		a, size := b+uint64(int64(in.off)), int(in.size&^sxFlag)
		if b == m.ctx {
			a, size = b+uint64(int64(int16(in.imm>>32))), int(in.imm>>48)
		}
		v, err := m.load(a, size, in.size&sxFlag != 0)
		if err != nil {
			return err
		}
		r[in.dst&15] = v
	case opStxCtx, opStCtx:
		b := r[in.dst&15]
		a, size := b+uint64(int64(in.off)), int(in.size)
		if b == m.ctx {
			a, size = b+uint64(int64(int16(in.imm>>32))), int(in.imm>>48)
		}
		v := uint64(int64(int32(uint32(in.imm))))
		if in.code == opStxCtx {
			v = r[in.src&15]
		}
		return m.store(a, size, v)
	default:
		return errors.New("internal error: unknown slow operation")
	}
	return nil
}

// atomicAddr checks an atomic access of size bytes at a, which must be
// aligned as the verifier demands.
func (m *Machine) atomicAddr(a uint64, size int) (uint64, error) {
	if a%uint64(size) != 0 {
		return 0, fmt.Errorf("misaligned atomic access of %d bytes at %#x", size, a)
	}
	return a, m.check(a, size, true)
}

func xor32(p *uint32, v uint32) uint32 {
	for {
		old := atomic.LoadUint32(p)
		if atomic.CompareAndSwapUint32(p, old, old^v) {
			return old
		}
	}
}

func xor64(p *uint64, v uint64) uint64 {
	for {
		old := atomic.LoadUint64(p)
		if atomic.CompareAndSwapUint64(p, old, old^v) {
			return old
		}
	}
}

// cmpxchg32 stores v at p if p holds want, and returns what p held.
func cmpxchg32(p *uint32, want, v uint32) uint32 {
	for {
		old := atomic.LoadUint32(p)
		if old != want || atomic.CompareAndSwapUint32(p, old, v) {
			return old
		}
	}
}

// cmpxchg64 stores v at p if p holds want, and returns what p held.
func cmpxchg64(p *uint64, want, v uint64) uint64 {
	for {
		old := atomic.LoadUint64(p)
		if old != want || atomic.CompareAndSwapUint64(p, old, v) {
			return old
		}
	}
}
