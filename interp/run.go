package interp

import (
	"errors"
	"fmt"
	"math/bits"
	"unsafe"
)

// opSize is the size of an op in bytes: jump and call targets are byte
// displacements from the next op.
const opSize = int32(unsafe.Sizeof(op{}))

var errUnknownOp = errors.New("internal error: unknown operation")

// exec runs p from the op at start (in m.body(p)) in a new function frame,
// the m.depth-th, with R1 to R5 set to r1 to r5, until that frame exits,
// and returns R0. Calls to BPF functions and tail calls are handled here,
// without Go recursion; only callbacks (through a helper and
// Machine.Callback) nest.
//
// This is the interpreter's hot loop, written for the Go compiler:
//   - the switch compiles to a jump table over the dense op codes;
//   - registers are a local array indexed with a mask, which spares
//     bounds checks;
//   - the loop carries a single value, ip, a pointer to the next op, and
//     keeps it out of the way of calls: the register allocator spills a
//     value that lives across any call in the loop on every iteration, so
//     every call is bracketed by m.ip = ip and ip = m.ip, and rare
//     operations run in slowOp;
//   - a load or store checks its address against the stack and the last
//     block it touched inline, and only searches the registered blocks
//     (miss) when both fail.
func (m *Machine) exec(p *Program, start unsafe.Pointer, r1, r2, r3, r4, r5 uint64) (uint64, error) {
	var r [16]uint64
	r[1], r[2], r[3], r[4], r[5] = r1, r2, r3, r4, r5
	r[10] = m.stackTop - uint64(m.depth)*frameSize
	base := m.depth
	m.cur = p
	m.budget = MaxLoops
	ip := start
	for {
		in := (*op)(ip)
		ip = unsafe.Add(ip, opSize)
		switch in.code {
		case opInvalid:
			return 0, m.fault(ip, errUnknownOp)
		case opAdd64K:
			r[in.dst&15] += in.imm
		case opSub64K:
			r[in.dst&15] -= in.imm
		case opMul64K:
			r[in.dst&15] *= in.imm
		case opOr64K:
			r[in.dst&15] |= in.imm
		case opAnd64K:
			r[in.dst&15] &= in.imm
		case opXor64K:
			r[in.dst&15] ^= in.imm
		case opDiv64K:
			if s := in.imm; s != 0 {
				r[in.dst&15] /= s
			} else {
				r[in.dst&15] = 0
			}
		case opSdiv64K:
			if s := int64(in.imm); s != 0 {
				r[in.dst&15] = uint64(int64(r[in.dst&15]) / s)
			} else {
				r[in.dst&15] = 0
			}
		case opMod64K:
			if s := in.imm; s != 0 {
				r[in.dst&15] %= s
			}
		case opSmod64K:
			if s := int64(in.imm); s != 0 {
				r[in.dst&15] = uint64(int64(r[in.dst&15]) % s)
			}
		case opLsh64K:
			r[in.dst&15] <<= in.imm & 63
		case opRsh64K:
			r[in.dst&15] >>= in.imm & 63
		case opArsh64K:
			r[in.dst&15] = uint64(int64(r[in.dst&15]) >> (in.imm & 63))
		case opMov64K:
			r[in.dst&15] = in.imm
		case opAdd64X:
			r[in.dst&15] += r[in.src&15]
		case opSub64X:
			r[in.dst&15] -= r[in.src&15]
		case opMul64X:
			r[in.dst&15] *= r[in.src&15]
		case opOr64X:
			r[in.dst&15] |= r[in.src&15]
		case opAnd64X:
			r[in.dst&15] &= r[in.src&15]
		case opXor64X:
			r[in.dst&15] ^= r[in.src&15]
		case opDiv64X:
			if s := r[in.src&15]; s != 0 {
				r[in.dst&15] /= s
			} else {
				r[in.dst&15] = 0
			}
		case opSdiv64X:
			if s := int64(r[in.src&15]); s != 0 {
				r[in.dst&15] = uint64(int64(r[in.dst&15]) / s)
			} else {
				r[in.dst&15] = 0
			}
		case opMod64X:
			if s := r[in.src&15]; s != 0 {
				r[in.dst&15] %= s
			}
		case opSmod64X:
			if s := int64(r[in.src&15]); s != 0 {
				r[in.dst&15] = uint64(int64(r[in.dst&15]) % s)
			}
		case opLsh64X:
			r[in.dst&15] <<= r[in.src&15] & 63
		case opRsh64X:
			r[in.dst&15] >>= r[in.src&15] & 63
		case opArsh64X:
			r[in.dst&15] = uint64(int64(r[in.dst&15]) >> (r[in.src&15] & 63))
		case opMov64X:
			r[in.dst&15] = r[in.src&15]
		case opNeg64:
			r[in.dst&15] = -r[in.dst&15]
		case opMovsx64B:
			r[in.dst&15] = uint64(int8(r[in.src&15]))
		case opMovsx64H:
			r[in.dst&15] = uint64(int16(r[in.src&15]))
		case opMovsx64W:
			r[in.dst&15] = uint64(int32(r[in.src&15]))
		case opAdd32K:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) + uint32(in.imm))
		case opSub32K:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) - uint32(in.imm))
		case opMul32K:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) * uint32(in.imm))
		case opOr32K:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) | uint32(in.imm))
		case opAnd32K:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) & uint32(in.imm))
		case opXor32K:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) ^ uint32(in.imm))
		case opDiv32K:
			if s := uint32(in.imm); s != 0 {
				r[in.dst&15] = uint64(uint32(r[in.dst&15]) / s)
			} else {
				r[in.dst&15] = 0
			}
		case opSdiv32K:
			if s := int32(in.imm); s != 0 {
				r[in.dst&15] = uint64(uint32(int32(r[in.dst&15]) / s))
			} else {
				r[in.dst&15] = 0
			}
		case opMod32K:
			if s := uint32(in.imm); s != 0 {
				r[in.dst&15] = uint64(uint32(r[in.dst&15]) % s)
			} else {
				r[in.dst&15] = uint64(uint32(r[in.dst&15]))
			}
		case opSmod32K:
			if s := int32(in.imm); s != 0 {
				r[in.dst&15] = uint64(uint32(int32(r[in.dst&15]) % s))
			} else {
				r[in.dst&15] = uint64(uint32(r[in.dst&15]))
			}
		case opLsh32K:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) << (in.imm & 31))
		case opRsh32K:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) >> (in.imm & 31))
		case opArsh32K:
			r[in.dst&15] = uint64(uint32(int32(r[in.dst&15]) >> (in.imm & 31)))
		case opMov32K:
			r[in.dst&15] = uint64(uint32(in.imm))
		case opAdd32X:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) + uint32(r[in.src&15]))
		case opSub32X:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) - uint32(r[in.src&15]))
		case opMul32X:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) * uint32(r[in.src&15]))
		case opOr32X:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) | uint32(r[in.src&15]))
		case opAnd32X:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) & uint32(r[in.src&15]))
		case opXor32X:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) ^ uint32(r[in.src&15]))
		case opDiv32X:
			if s := uint32(r[in.src&15]); s != 0 {
				r[in.dst&15] = uint64(uint32(r[in.dst&15]) / s)
			} else {
				r[in.dst&15] = 0
			}
		case opSdiv32X:
			if s := int32(r[in.src&15]); s != 0 {
				r[in.dst&15] = uint64(uint32(int32(r[in.dst&15]) / s))
			} else {
				r[in.dst&15] = 0
			}
		case opMod32X:
			if s := uint32(r[in.src&15]); s != 0 {
				r[in.dst&15] = uint64(uint32(r[in.dst&15]) % s)
			} else {
				r[in.dst&15] = uint64(uint32(r[in.dst&15]))
			}
		case opSmod32X:
			if s := int32(r[in.src&15]); s != 0 {
				r[in.dst&15] = uint64(uint32(int32(r[in.dst&15]) % s))
			} else {
				r[in.dst&15] = uint64(uint32(r[in.dst&15]))
			}
		case opLsh32X:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) << (r[in.src&15] & 31))
		case opRsh32X:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]) >> (r[in.src&15] & 31))
		case opArsh32X:
			r[in.dst&15] = uint64(uint32(int32(r[in.dst&15]) >> (r[in.src&15] & 31)))
		case opMov32X:
			r[in.dst&15] = uint64(uint32(r[in.src&15]))
		case opNeg32:
			r[in.dst&15] = uint64(-uint32(r[in.dst&15]))
		case opMovsx32B:
			r[in.dst&15] = uint64(uint32(int8(r[in.src&15])))
		case opMovsx32H:
			r[in.dst&15] = uint64(uint32(int16(r[in.src&15])))
		case opZext16:
			r[in.dst&15] = uint64(uint16(r[in.dst&15]))
		case opZext32:
			r[in.dst&15] = uint64(uint32(r[in.dst&15]))
		case opSwap16:
			r[in.dst&15] = uint64(bits.ReverseBytes16(uint16(r[in.dst&15])))
		case opSwap32:
			r[in.dst&15] = uint64(bits.ReverseBytes32(uint32(r[in.dst&15])))
		case opSwap64:
			r[in.dst&15] = bits.ReverseBytes64(r[in.dst&15])
		case opNop:
		case opJA:
			ip = unsafe.Add(ip, in.off)
		case opMayGoto:
			if m.budget == 0 {
				ip = unsafe.Add(ip, in.off)
			} else {
				m.budget--
			}
		case opJeq64K:
			if r[in.dst&15] == in.imm {
				ip = unsafe.Add(ip, in.off)
			}
		case opJgt64K:
			if r[in.dst&15] > in.imm {
				ip = unsafe.Add(ip, in.off)
			}
		case opJge64K:
			if r[in.dst&15] >= in.imm {
				ip = unsafe.Add(ip, in.off)
			}
		case opJset64K:
			if r[in.dst&15]&in.imm != 0 {
				ip = unsafe.Add(ip, in.off)
			}
		case opJne64K:
			if r[in.dst&15] != in.imm {
				ip = unsafe.Add(ip, in.off)
			}
		case opJsgt64K:
			if int64(r[in.dst&15]) > int64(in.imm) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJsge64K:
			if int64(r[in.dst&15]) >= int64(in.imm) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJlt64K:
			if r[in.dst&15] < in.imm {
				ip = unsafe.Add(ip, in.off)
			}
		case opJle64K:
			if r[in.dst&15] <= in.imm {
				ip = unsafe.Add(ip, in.off)
			}
		case opJslt64K:
			if int64(r[in.dst&15]) < int64(in.imm) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJsle64K:
			if int64(r[in.dst&15]) <= int64(in.imm) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJeq64X:
			if r[in.dst&15] == r[in.src&15] {
				ip = unsafe.Add(ip, in.off)
			}
		case opJgt64X:
			if r[in.dst&15] > r[in.src&15] {
				ip = unsafe.Add(ip, in.off)
			}
		case opJge64X:
			if r[in.dst&15] >= r[in.src&15] {
				ip = unsafe.Add(ip, in.off)
			}
		case opJset64X:
			if r[in.dst&15]&r[in.src&15] != 0 {
				ip = unsafe.Add(ip, in.off)
			}
		case opJne64X:
			if r[in.dst&15] != r[in.src&15] {
				ip = unsafe.Add(ip, in.off)
			}
		case opJsgt64X:
			if int64(r[in.dst&15]) > int64(r[in.src&15]) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJsge64X:
			if int64(r[in.dst&15]) >= int64(r[in.src&15]) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJlt64X:
			if r[in.dst&15] < r[in.src&15] {
				ip = unsafe.Add(ip, in.off)
			}
		case opJle64X:
			if r[in.dst&15] <= r[in.src&15] {
				ip = unsafe.Add(ip, in.off)
			}
		case opJslt64X:
			if int64(r[in.dst&15]) < int64(r[in.src&15]) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJsle64X:
			if int64(r[in.dst&15]) <= int64(r[in.src&15]) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJeq32K:
			if uint32(r[in.dst&15]) == uint32(in.imm) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJgt32K:
			if uint32(r[in.dst&15]) > uint32(in.imm) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJge32K:
			if uint32(r[in.dst&15]) >= uint32(in.imm) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJset32K:
			if uint32(r[in.dst&15])&uint32(in.imm) != 0 {
				ip = unsafe.Add(ip, in.off)
			}
		case opJne32K:
			if uint32(r[in.dst&15]) != uint32(in.imm) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJsgt32K:
			if int32(r[in.dst&15]) > int32(in.imm) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJsge32K:
			if int32(r[in.dst&15]) >= int32(in.imm) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJlt32K:
			if uint32(r[in.dst&15]) < uint32(in.imm) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJle32K:
			if uint32(r[in.dst&15]) <= uint32(in.imm) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJslt32K:
			if int32(r[in.dst&15]) < int32(in.imm) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJsle32K:
			if int32(r[in.dst&15]) <= int32(in.imm) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJeq32X:
			if uint32(r[in.dst&15]) == uint32(r[in.src&15]) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJgt32X:
			if uint32(r[in.dst&15]) > uint32(r[in.src&15]) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJge32X:
			if uint32(r[in.dst&15]) >= uint32(r[in.src&15]) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJset32X:
			if uint32(r[in.dst&15])&uint32(r[in.src&15]) != 0 {
				ip = unsafe.Add(ip, in.off)
			}
		case opJne32X:
			if uint32(r[in.dst&15]) != uint32(r[in.src&15]) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJsgt32X:
			if int32(r[in.dst&15]) > int32(r[in.src&15]) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJsge32X:
			if int32(r[in.dst&15]) >= int32(r[in.src&15]) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJlt32X:
			if uint32(r[in.dst&15]) < uint32(r[in.src&15]) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJle32X:
			if uint32(r[in.dst&15]) <= uint32(r[in.src&15]) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJslt32X:
			if int32(r[in.dst&15]) < int32(r[in.src&15]) {
				ip = unsafe.Add(ip, in.off)
			}
		case opJsle32X:
			if int32(r[in.dst&15]) <= int32(r[in.src&15]) {
				ip = unsafe.Add(ip, in.off)
			}
		case opLdxB:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-1 && a-m.readLo > m.readSpan-1 {
				m.ip = ip
				if err := m.miss(a, 1, false); err != nil {
					return 0, m.fault(m.ip, err)
				}
				ip = m.ip
				in = (*op)(unsafe.Add(ip, -opSize))
				a = r[in.src&15] + uint64(int64(in.off))
			}
			r[in.dst&15] = uint64(*(*uint8)(ptr(a)))
		case opLdxH:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-2 && a-m.readLo > m.readSpan-2 {
				m.ip = ip
				if err := m.miss(a, 2, false); err != nil {
					return 0, m.fault(m.ip, err)
				}
				ip = m.ip
				in = (*op)(unsafe.Add(ip, -opSize))
				a = r[in.src&15] + uint64(int64(in.off))
			}
			r[in.dst&15] = uint64(*(*uint16)(ptr(a)))
		case opLdxW:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-4 && a-m.readLo > m.readSpan-4 {
				m.ip = ip
				if err := m.miss(a, 4, false); err != nil {
					return 0, m.fault(m.ip, err)
				}
				ip = m.ip
				in = (*op)(unsafe.Add(ip, -opSize))
				a = r[in.src&15] + uint64(int64(in.off))
			}
			r[in.dst&15] = uint64(*(*uint32)(ptr(a)))
		case opLdxDW:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-8 && a-m.readLo > m.readSpan-8 {
				m.ip = ip
				if err := m.miss(a, 8, false); err != nil {
					return 0, m.fault(m.ip, err)
				}
				ip = m.ip
				in = (*op)(unsafe.Add(ip, -opSize))
				a = r[in.src&15] + uint64(int64(in.off))
			}
			r[in.dst&15] = *(*uint64)(ptr(a))
		case opLdxsxB:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-1 && a-m.readLo > m.readSpan-1 {
				m.ip = ip
				if err := m.miss(a, 1, false); err != nil {
					return 0, m.fault(m.ip, err)
				}
				ip = m.ip
				in = (*op)(unsafe.Add(ip, -opSize))
				a = r[in.src&15] + uint64(int64(in.off))
			}
			r[in.dst&15] = uint64(*(*int8)(ptr(a)))
		case opLdxsxH:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-2 && a-m.readLo > m.readSpan-2 {
				m.ip = ip
				if err := m.miss(a, 2, false); err != nil {
					return 0, m.fault(m.ip, err)
				}
				ip = m.ip
				in = (*op)(unsafe.Add(ip, -opSize))
				a = r[in.src&15] + uint64(int64(in.off))
			}
			r[in.dst&15] = uint64(*(*int16)(ptr(a)))
		case opLdxsxW:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-4 && a-m.readLo > m.readSpan-4 {
				m.ip = ip
				if err := m.miss(a, 4, false); err != nil {
					return 0, m.fault(m.ip, err)
				}
				ip = m.ip
				in = (*op)(unsafe.Add(ip, -opSize))
				a = r[in.src&15] + uint64(int64(in.off))
			}
			r[in.dst&15] = uint64(*(*int32)(ptr(a)))
		case opStxB:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-1 && a-m.writeLo > m.writeSpan-1 {
				m.ip = ip
				if err := m.miss(a, 1, true); err != nil {
					return 0, m.fault(m.ip, err)
				}
				ip = m.ip
				in = (*op)(unsafe.Add(ip, -opSize))
				a = r[in.dst&15] + uint64(int64(in.off))
			}
			*(*uint8)(ptr(a)) = uint8(r[in.src&15])
		case opStxH:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-2 && a-m.writeLo > m.writeSpan-2 {
				m.ip = ip
				if err := m.miss(a, 2, true); err != nil {
					return 0, m.fault(m.ip, err)
				}
				ip = m.ip
				in = (*op)(unsafe.Add(ip, -opSize))
				a = r[in.dst&15] + uint64(int64(in.off))
			}
			*(*uint16)(ptr(a)) = uint16(r[in.src&15])
		case opStxW:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-4 && a-m.writeLo > m.writeSpan-4 {
				m.ip = ip
				if err := m.miss(a, 4, true); err != nil {
					return 0, m.fault(m.ip, err)
				}
				ip = m.ip
				in = (*op)(unsafe.Add(ip, -opSize))
				a = r[in.dst&15] + uint64(int64(in.off))
			}
			*(*uint32)(ptr(a)) = uint32(r[in.src&15])
		case opStxDW:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-8 && a-m.writeLo > m.writeSpan-8 {
				m.ip = ip
				if err := m.miss(a, 8, true); err != nil {
					return 0, m.fault(m.ip, err)
				}
				ip = m.ip
				in = (*op)(unsafe.Add(ip, -opSize))
				a = r[in.dst&15] + uint64(int64(in.off))
			}
			*(*uint64)(ptr(a)) = r[in.src&15]
		case opStB:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-1 && a-m.writeLo > m.writeSpan-1 {
				m.ip = ip
				if err := m.miss(a, 1, true); err != nil {
					return 0, m.fault(m.ip, err)
				}
				ip = m.ip
				in = (*op)(unsafe.Add(ip, -opSize))
				a = r[in.dst&15] + uint64(int64(in.off))
			}
			*(*uint8)(ptr(a)) = uint8(in.imm)
		case opStH:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-2 && a-m.writeLo > m.writeSpan-2 {
				m.ip = ip
				if err := m.miss(a, 2, true); err != nil {
					return 0, m.fault(m.ip, err)
				}
				ip = m.ip
				in = (*op)(unsafe.Add(ip, -opSize))
				a = r[in.dst&15] + uint64(int64(in.off))
			}
			*(*uint16)(ptr(a)) = uint16(in.imm)
		case opStW:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-4 && a-m.writeLo > m.writeSpan-4 {
				m.ip = ip
				if err := m.miss(a, 4, true); err != nil {
					return 0, m.fault(m.ip, err)
				}
				ip = m.ip
				in = (*op)(unsafe.Add(ip, -opSize))
				a = r[in.dst&15] + uint64(int64(in.off))
			}
			*(*uint32)(ptr(a)) = uint32(in.imm)
		case opStDW:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-8 && a-m.writeLo > m.writeSpan-8 {
				m.ip = ip
				if err := m.miss(a, 8, true); err != nil {
					return 0, m.fault(m.ip, err)
				}
				ip = m.ip
				in = (*op)(unsafe.Add(ip, -opSize))
				a = r[in.dst&15] + uint64(int64(in.off))
			}
			*(*uint64)(ptr(a)) = in.imm
		case opCall:
			m.ip = ip
			r[0] = m.cur.helpers[in.imm](m, r[1], r[2], r[3], r[4], r[5])
			if m.err != nil {
				return 0, m.fault(m.ip, m.err)
			}
			ip = m.ip
		case opCallLocal:
			if m.depth+1 >= maxFrames {
				return 0, m.tooDeep(ip)
			}
			f := &m.frames[m.depth]
			f.prog, f.ret, f.budget = m.cur, ip, m.budget
			f.saved = [4]uint64{r[6], r[7], r[8], r[9]}
			m.depth++
			r[10] -= frameSize
			m.budget = MaxLoops
			ip = unsafe.Add(ip, in.off)
		case opTailCall:
			// As the kernel's JITs: an index out of range or an empty
			// slot falls through without counting; so does the call
			// after MaxTailCalls. The target reuses this frame.
			if m.tailCalls < MaxTailCalls && m.TailCalls != nil {
				m.ip = ip
				t := m.TailCalls.TailCallTarget(r[2], uint32(r[3]))
				ip = m.ip
				if t != nil {
					m.tailCalls++
					m.cur = t
					m.budget = MaxLoops
					ip = m.entry(t)
				}
			}
		case opExit:
			if m.depth == base {
				return r[0], nil
			}
			m.depth--
			f := &m.frames[m.depth]
			r[6], r[7], r[8], r[9] = f.saved[0], f.saved[1], f.saved[2], f.saved[3]
			r[10] += frameSize
			ip, m.budget, m.cur = f.ret, f.budget, f.prog
		case opAtomicAdd32, opAtomicOr32, opAtomicAnd32, opAtomicXor32,
			opAtomicFetchAdd32, opAtomicFetchOr32, opAtomicFetchAnd32,
			opAtomicFetchXor32, opAtomicXchg32, opAtomicCmpXchg32,
			opAtomicAdd64, opAtomicOr64, opAtomicAnd64, opAtomicXor64,
			opAtomicFetchAdd64, opAtomicFetchOr64, opAtomicFetchAnd64,
			opAtomicFetchXor64, opAtomicXchg64, opAtomicCmpXchg64,
			opLoadAcqB, opStoreRelB, opLoadAcqH, opStoreRelH, opLoadAcqW,
			opStoreRelW, opLoadAcqDW, opStoreRelDW, opLdAbs, opLdInd,
			opLdxCtx, opStxCtx, opStCtx:
			m.ip = ip
			if err := m.slowOp(in, &r); err != nil {
				return 0, m.fault(m.ip, err)
			}
			ip = m.ip
		case opCount:
			m.insns += in.imm
		default:
			return 0, m.fault(ip, errUnknownOp)
		}
	}
}

// fault returns the error of a run that stopped at the op before ip in
// the running program.
func (m *Machine) fault(ip unsafe.Pointer, err error) error {
	p := m.cur
	b := m.body(p)
	pc := (uintptr(ip)-uintptr(unsafe.Pointer(&b.code[0])))/uintptr(opSize) - 1
	return errorAt(p.insns, int(b.slots[pc]), err)
}

// tooDeep is the error of a bpf-to-bpf call at the op before ip that would
// exceed the frames a run may have.
func (m *Machine) tooDeep(ip unsafe.Pointer) error {
	return m.fault(ip, fmt.Errorf("the call stack of %d frames is too deep", m.depth+2))
}
