package interp

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"github.com/bpfld/bpfld/runtime/mem"
)

// ptr turns an address a program computed into a pointer. The memory lies
// outside the Go heap (mem.Block), so the garbage collector ignores it;
// the conversion reinterprets the bits, which keeps go vet's unsafeptr
// check quiet where unsafe.Pointer(uintptr(addr)) would not.
func ptr(addr uint64) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&addr)) }

// bytesAt returns the n bytes at addr as a slice.
func bytesAt(addr uint64, n int) []byte { return unsafe.Slice((*byte)(ptr(addr)), n) }

// check reports whether a program may access n bytes at addr: within the
// stack, the cached block, or another registered block (which then becomes
// the cached one).
func (m *Machine) check(addr uint64, n int, write bool) error {
	size := uint64(n)
	if size <= stackSize && addr-m.stackLo <= stackSize-size {
		return nil
	}
	if write {
		if size <= m.writeSpan && addr-m.writeLo <= m.writeSpan-size {
			return nil
		}
	} else if size <= m.readSpan && addr-m.readLo <= m.readSpan-size {
		return nil
	}
	return m.miss(addr, n, write)
}

// miss checks an access that fell outside the cached blocks against all
// registered blocks and caches the block it hits. Blocks under 8 bytes are
// not cached: the fast path's arithmetic needs room for any access size.
func (m *Machine) miss(addr uint64, n int, write bool) error {
	b, err := mem.Find(addr, n, write)
	if err != nil {
		return err
	}
	if lo, span := uint64(b.Addr()), uint64(b.Len()); span >= 8 {
		m.readLo, m.readSpan = lo, span
		if b.Writable() {
			m.writeLo, m.writeSpan = lo, span
		}
	}
	return nil
}

// load reads size (1, 2, 4 or 8) bytes at addr, checked, zero-extended or
// with sx sign-extended.
func (m *Machine) load(addr uint64, size int, sx bool) (uint64, error) {
	if err := m.check(addr, size, false); err != nil {
		return 0, err
	}
	p := ptr(addr)
	switch size {
	case 1:
		if sx {
			return uint64(int64(*(*int8)(p))), nil
		}
		return uint64(*(*uint8)(p)), nil
	case 2:
		if sx {
			return uint64(int64(*(*int16)(p))), nil
		}
		return uint64(*(*uint16)(p)), nil
	case 4:
		if sx {
			return uint64(int64(*(*int32)(p))), nil
		}
		return uint64(*(*uint32)(p)), nil
	case 8:
		return *(*uint64)(p), nil
	}
	return 0, fmt.Errorf("access of %d bytes", size)
}

// store writes the low size (1, 2, 4 or 8) bytes of v at addr, checked.
func (m *Machine) store(addr uint64, size int, v uint64) error {
	if err := m.check(addr, size, true); err != nil {
		return err
	}
	p := ptr(addr)
	switch size {
	case 1:
		*(*uint8)(p) = uint8(v)
	case 2:
		*(*uint16)(p) = uint16(v)
	case 4:
		*(*uint32)(p) = uint32(v)
	case 8:
		*(*uint64)(p) = v
	default:
		return fmt.Errorf("access of %d bytes", size)
	}
	return nil
}

// loadPacket performs a legacy packet load (LD_ABS, LD_IND) of size bytes
// at offset off of the packet behind ctx, in network byte order. ok is
// false when the bytes lie outside the packet: the program then returns 0.
// Negative offsets from SKF_LL_OFF and SKF_NET_OFF on count from the
// link-layer and network headers, as Linux's
// bpf_internal_load_pointer_neg_helper does.
func (m *Machine) loadPacket(ctx uint64, off int32, size int) (v uint64, ok bool, err error) {
	if m.Packet == nil {
		return 0, false, fmt.Errorf("legacy packet load without a packet source")
	}
	var pkt []byte
	switch hs, headers := m.Packet.(HeaderSource); {
	case off >= 0:
		pkt = m.Packet.Packet(ctx)
	case !headers || off < skfLLOff:
		return 0, false, nil
	case off >= skfNetOff:
		_, pkt = hs.Headers(ctx)
		off -= skfNetOff
	default:
		pkt, _ = hs.Headers(ctx)
		off -= skfLLOff
	}
	if int(off)+size > len(pkt) {
		return 0, false, nil
	}
	b := pkt[off : int(off)+size]
	switch size {
	case 1:
		return uint64(b[0]), true, nil
	case 2:
		return uint64(binary.BigEndian.Uint16(b)), true, nil
	default:
		return uint64(binary.BigEndian.Uint32(b)), true, nil
	}
}
