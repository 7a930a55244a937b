package interp

import (
	"errors"
	"fmt"
	"math/bits"
	"sync/atomic"
)

// exec runs p from op pc in a new function frame, the m.depth-th, with R1
// to R5 set to r1 to r5, until that frame exits, and returns R0. Calls to
// BPF functions and tail calls are handled here, without Go recursion;
// only callbacks (through a helper and Machine.Callback) nest.
//
// This is the interpreter's hot loop: the switch compiles to a jump table
// over the dense op codes, registers are a local array indexed with a
// mask that spares bounds checks, and each memory access first tries the
// stack and the last block it touched before searching.
func (m *Machine) exec(p *Program, pc int, r1, r2, r3, r4, r5 uint64) (uint64, error) {
	var r [16]uint64
	r[1], r[2], r[3], r[4], r[5] = r1, r2, r3, r4, r5
	r[10] = m.stackTop - uint64(m.depth)*frameSize
	base := m.depth
	code := p.code
	helpers := p.helpers
	budget := uint64(MaxLoops) // may_goto
	m.cur = p
	for {
		in := &code[pc]
		pc++
		switch in.code {
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
			pc = int(in.off)
		case opMayGoto:
			if budget == 0 {
				pc = int(in.off)
			} else {
				budget--
			}
		case opJeq64K:
			if r[in.dst&15] == in.imm {
				pc = int(in.off)
			}
		case opJgt64K:
			if r[in.dst&15] > in.imm {
				pc = int(in.off)
			}
		case opJge64K:
			if r[in.dst&15] >= in.imm {
				pc = int(in.off)
			}
		case opJset64K:
			if r[in.dst&15]&in.imm != 0 {
				pc = int(in.off)
			}
		case opJne64K:
			if r[in.dst&15] != in.imm {
				pc = int(in.off)
			}
		case opJsgt64K:
			if int64(r[in.dst&15]) > int64(in.imm) {
				pc = int(in.off)
			}
		case opJsge64K:
			if int64(r[in.dst&15]) >= int64(in.imm) {
				pc = int(in.off)
			}
		case opJlt64K:
			if r[in.dst&15] < in.imm {
				pc = int(in.off)
			}
		case opJle64K:
			if r[in.dst&15] <= in.imm {
				pc = int(in.off)
			}
		case opJslt64K:
			if int64(r[in.dst&15]) < int64(in.imm) {
				pc = int(in.off)
			}
		case opJsle64K:
			if int64(r[in.dst&15]) <= int64(in.imm) {
				pc = int(in.off)
			}
		case opJeq64X:
			if r[in.dst&15] == r[in.src&15] {
				pc = int(in.off)
			}
		case opJgt64X:
			if r[in.dst&15] > r[in.src&15] {
				pc = int(in.off)
			}
		case opJge64X:
			if r[in.dst&15] >= r[in.src&15] {
				pc = int(in.off)
			}
		case opJset64X:
			if r[in.dst&15]&r[in.src&15] != 0 {
				pc = int(in.off)
			}
		case opJne64X:
			if r[in.dst&15] != r[in.src&15] {
				pc = int(in.off)
			}
		case opJsgt64X:
			if int64(r[in.dst&15]) > int64(r[in.src&15]) {
				pc = int(in.off)
			}
		case opJsge64X:
			if int64(r[in.dst&15]) >= int64(r[in.src&15]) {
				pc = int(in.off)
			}
		case opJlt64X:
			if r[in.dst&15] < r[in.src&15] {
				pc = int(in.off)
			}
		case opJle64X:
			if r[in.dst&15] <= r[in.src&15] {
				pc = int(in.off)
			}
		case opJslt64X:
			if int64(r[in.dst&15]) < int64(r[in.src&15]) {
				pc = int(in.off)
			}
		case opJsle64X:
			if int64(r[in.dst&15]) <= int64(r[in.src&15]) {
				pc = int(in.off)
			}
		case opJeq32K:
			if uint32(r[in.dst&15]) == uint32(in.imm) {
				pc = int(in.off)
			}
		case opJgt32K:
			if uint32(r[in.dst&15]) > uint32(in.imm) {
				pc = int(in.off)
			}
		case opJge32K:
			if uint32(r[in.dst&15]) >= uint32(in.imm) {
				pc = int(in.off)
			}
		case opJset32K:
			if uint32(r[in.dst&15])&uint32(in.imm) != 0 {
				pc = int(in.off)
			}
		case opJne32K:
			if uint32(r[in.dst&15]) != uint32(in.imm) {
				pc = int(in.off)
			}
		case opJsgt32K:
			if int32(r[in.dst&15]) > int32(in.imm) {
				pc = int(in.off)
			}
		case opJsge32K:
			if int32(r[in.dst&15]) >= int32(in.imm) {
				pc = int(in.off)
			}
		case opJlt32K:
			if uint32(r[in.dst&15]) < uint32(in.imm) {
				pc = int(in.off)
			}
		case opJle32K:
			if uint32(r[in.dst&15]) <= uint32(in.imm) {
				pc = int(in.off)
			}
		case opJslt32K:
			if int32(r[in.dst&15]) < int32(in.imm) {
				pc = int(in.off)
			}
		case opJsle32K:
			if int32(r[in.dst&15]) <= int32(in.imm) {
				pc = int(in.off)
			}
		case opJeq32X:
			if uint32(r[in.dst&15]) == uint32(r[in.src&15]) {
				pc = int(in.off)
			}
		case opJgt32X:
			if uint32(r[in.dst&15]) > uint32(r[in.src&15]) {
				pc = int(in.off)
			}
		case opJge32X:
			if uint32(r[in.dst&15]) >= uint32(r[in.src&15]) {
				pc = int(in.off)
			}
		case opJset32X:
			if uint32(r[in.dst&15])&uint32(r[in.src&15]) != 0 {
				pc = int(in.off)
			}
		case opJne32X:
			if uint32(r[in.dst&15]) != uint32(r[in.src&15]) {
				pc = int(in.off)
			}
		case opJsgt32X:
			if int32(r[in.dst&15]) > int32(r[in.src&15]) {
				pc = int(in.off)
			}
		case opJsge32X:
			if int32(r[in.dst&15]) >= int32(r[in.src&15]) {
				pc = int(in.off)
			}
		case opJlt32X:
			if uint32(r[in.dst&15]) < uint32(r[in.src&15]) {
				pc = int(in.off)
			}
		case opJle32X:
			if uint32(r[in.dst&15]) <= uint32(r[in.src&15]) {
				pc = int(in.off)
			}
		case opJslt32X:
			if int32(r[in.dst&15]) < int32(r[in.src&15]) {
				pc = int(in.off)
			}
		case opJsle32X:
			if int32(r[in.dst&15]) <= int32(r[in.src&15]) {
				pc = int(in.off)
			}
		case opLdxB:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-1 && a-m.readLo > m.readSpan-1 {
				if err := m.miss(a, 1, false); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			r[in.dst&15] = uint64(*(*uint8)(ptr(a)))
		case opLdxH:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-2 && a-m.readLo > m.readSpan-2 {
				if err := m.miss(a, 2, false); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			r[in.dst&15] = uint64(*(*uint16)(ptr(a)))
		case opLdxW:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-4 && a-m.readLo > m.readSpan-4 {
				if err := m.miss(a, 4, false); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			r[in.dst&15] = uint64(*(*uint32)(ptr(a)))
		case opLdxDW:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-8 && a-m.readLo > m.readSpan-8 {
				if err := m.miss(a, 8, false); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			r[in.dst&15] = *(*uint64)(ptr(a))
		case opLdxsxB:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-1 && a-m.readLo > m.readSpan-1 {
				if err := m.miss(a, 1, false); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			r[in.dst&15] = uint64(*(*int8)(ptr(a)))
		case opLdxsxH:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-2 && a-m.readLo > m.readSpan-2 {
				if err := m.miss(a, 2, false); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			r[in.dst&15] = uint64(*(*int16)(ptr(a)))
		case opLdxsxW:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-4 && a-m.readLo > m.readSpan-4 {
				if err := m.miss(a, 4, false); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			r[in.dst&15] = uint64(*(*int32)(ptr(a)))
		case opStxB:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-1 && a-m.writeLo > m.writeSpan-1 {
				if err := m.miss(a, 1, true); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			*(*uint8)(ptr(a)) = uint8(r[in.src&15])
		case opStxH:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-2 && a-m.writeLo > m.writeSpan-2 {
				if err := m.miss(a, 2, true); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			*(*uint16)(ptr(a)) = uint16(r[in.src&15])
		case opStxW:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-4 && a-m.writeLo > m.writeSpan-4 {
				if err := m.miss(a, 4, true); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			*(*uint32)(ptr(a)) = uint32(r[in.src&15])
		case opStxDW:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-8 && a-m.writeLo > m.writeSpan-8 {
				if err := m.miss(a, 8, true); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			*(*uint64)(ptr(a)) = r[in.src&15]
		case opStB:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-1 && a-m.writeLo > m.writeSpan-1 {
				if err := m.miss(a, 1, true); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			*(*uint8)(ptr(a)) = uint8(in.imm)
		case opStH:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-2 && a-m.writeLo > m.writeSpan-2 {
				if err := m.miss(a, 2, true); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			*(*uint16)(ptr(a)) = uint16(in.imm)
		case opStW:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-4 && a-m.writeLo > m.writeSpan-4 {
				if err := m.miss(a, 4, true); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			*(*uint32)(ptr(a)) = uint32(in.imm)
		case opStDW:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-8 && a-m.writeLo > m.writeSpan-8 {
				if err := m.miss(a, 8, true); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			*(*uint64)(ptr(a)) = in.imm
		case opAtomicAdd32:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			atomic.AddUint32((*uint32)(ptr(a)), uint32(r[in.src&15]))
		case opAtomicOr32:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			atomic.OrUint32((*uint32)(ptr(a)), uint32(r[in.src&15]))
		case opAtomicAnd32:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			atomic.AndUint32((*uint32)(ptr(a)), uint32(r[in.src&15]))
		case opAtomicXor32:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			xor32((*uint32)(ptr(a)), uint32(r[in.src&15]))
		case opAtomicFetchAdd32:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			v := uint32(r[in.src&15])
			r[in.src&15] = uint64(atomic.AddUint32((*uint32)(ptr(a)), v) - v)
		case opAtomicFetchOr32:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			r[in.src&15] = uint64(atomic.OrUint32((*uint32)(ptr(a)), uint32(r[in.src&15])))
		case opAtomicFetchAnd32:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			r[in.src&15] = uint64(atomic.AndUint32((*uint32)(ptr(a)), uint32(r[in.src&15])))
		case opAtomicFetchXor32:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			r[in.src&15] = uint64(xor32((*uint32)(ptr(a)), uint32(r[in.src&15])))
		case opAtomicXchg32:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			r[in.src&15] = uint64(atomic.SwapUint32((*uint32)(ptr(a)), uint32(r[in.src&15])))
		case opAtomicCmpXchg32:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 4)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			r[0] = uint64(cmpxchg32((*uint32)(ptr(a)), uint32(r[0]), uint32(r[in.src&15])))
		case opAtomicAdd64:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			atomic.AddUint64((*uint64)(ptr(a)), r[in.src&15])
		case opAtomicOr64:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			atomic.OrUint64((*uint64)(ptr(a)), r[in.src&15])
		case opAtomicAnd64:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			atomic.AndUint64((*uint64)(ptr(a)), r[in.src&15])
		case opAtomicXor64:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			xor64((*uint64)(ptr(a)), r[in.src&15])
		case opAtomicFetchAdd64:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			v := r[in.src&15]
			r[in.src&15] = atomic.AddUint64((*uint64)(ptr(a)), v) - v
		case opAtomicFetchOr64:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			r[in.src&15] = atomic.OrUint64((*uint64)(ptr(a)), r[in.src&15])
		case opAtomicFetchAnd64:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			r[in.src&15] = atomic.AndUint64((*uint64)(ptr(a)), r[in.src&15])
		case opAtomicFetchXor64:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			r[in.src&15] = xor64((*uint64)(ptr(a)), r[in.src&15])
		case opAtomicXchg64:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			r[in.src&15] = atomic.SwapUint64((*uint64)(ptr(a)), r[in.src&15])
		case opAtomicCmpXchg64:
			a, err := m.atomicAddr(r[in.dst&15]+uint64(int64(in.off)), 8)
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			r[0] = cmpxchg64((*uint64)(ptr(a)), r[0], r[in.src&15])
		case opLoadAcqB:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-1 && a-m.readLo > m.readSpan-1 {
				if err := m.miss(a, 1, false); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			r[in.dst&15] = uint64(*(*uint8)(ptr(a)))
		case opStoreRelB:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-1 && a-m.writeLo > m.writeSpan-1 {
				if err := m.miss(a, 1, true); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			*(*uint8)(ptr(a)) = uint8(r[in.src&15])
		case opLoadAcqH:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-2 && a-m.readLo > m.readSpan-2 {
				if err := m.miss(a, 2, false); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			r[in.dst&15] = uint64(*(*uint16)(ptr(a)))
		case opStoreRelH:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-2 && a-m.writeLo > m.writeSpan-2 {
				if err := m.miss(a, 2, true); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			*(*uint16)(ptr(a)) = uint16(r[in.src&15])
		case opLoadAcqW:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-4 && a-m.readLo > m.readSpan-4 {
				if err := m.miss(a, 4, false); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			r[in.dst&15] = uint64(atomic.LoadUint32((*uint32)(ptr(a))))
		case opStoreRelW:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-4 && a-m.writeLo > m.writeSpan-4 {
				if err := m.miss(a, 4, true); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			atomic.StoreUint32((*uint32)(ptr(a)), uint32(r[in.src&15]))
		case opLoadAcqDW:
			a := r[in.src&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-8 && a-m.readLo > m.readSpan-8 {
				if err := m.miss(a, 8, false); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			r[in.dst&15] = atomic.LoadUint64((*uint64)(ptr(a)))
		case opStoreRelDW:
			a := r[in.dst&15] + uint64(int64(in.off))
			if a-m.stackLo > stackSize-8 && a-m.writeLo > m.writeSpan-8 {
				if err := m.miss(a, 8, true); err != nil {
					return 0, m.fault(p, pc, err)
				}
			}
			atomic.StoreUint64((*uint64)(ptr(a)), r[in.src&15])
		case opCall:
			r[0] = helpers[in.imm](m, r[1], r[2], r[3], r[4], r[5])
			if m.err != nil {
				return 0, m.fault(p, pc, m.err)
			}
		case opCallLocal:
			if m.depth+1 >= maxFrames {
				return 0, m.fault(p, pc, fmt.Errorf("the call stack of %d frames is too deep", m.depth+2))
			}
			f := &m.frames[m.depth]
			f.prog, f.ret, f.budget = p, pc, budget
			f.saved = [4]uint64{r[6], r[7], r[8], r[9]}
			m.depth++
			r[10] -= frameSize
			budget = MaxLoops
			pc = int(in.off)
		case opTailCall:
			// As the kernel's JITs: an index out of range or an empty
			// slot falls through without counting; so does the call
			// after MaxTailCalls. The target reuses this frame.
			if m.tailCalls < MaxTailCalls && m.TailCalls != nil {
				if t := m.TailCalls.TailCallTarget(r[2], uint32(r[3])); t != nil {
					m.tailCalls++
					p, code, helpers, m.cur = t, t.code, t.helpers, t
					pc = 0
					budget = MaxLoops
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
			pc, budget = f.ret, f.budget
			if f.prog != p {
				p = f.prog
				code, helpers, m.cur = p.code, p.helpers, p
			}
		case opLdAbs, opLdInd:
			off := int32(in.imm)
			if in.code == opLdInd {
				off += int32(r[in.src&15])
			}
			v, ok, err := m.loadPacket(r[6], off, int(in.size))
			if err != nil {
				return 0, m.fault(p, pc, err)
			}
			r[0] = v
			if !ok {
				// Out of the packet: the program returns 0.
				pc = len(code) - 1
			}
		case opLdxCtx:
			b := r[in.src&15]
			a, size := b+uint64(int64(in.off)), int(in.size&^sxFlag)
			if b == m.ctx {
				a, size = b+uint64(int64(int16(in.imm>>32))), int(in.imm>>48)
			}
			v, err := m.load(a, size, in.size&sxFlag != 0)
			if err != nil {
				return 0, m.fault(p, pc, err)
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
			if err := m.store(a, size, v); err != nil {
				return 0, m.fault(p, pc, err)
			}
		default:
			return 0, m.fault(p, pc, errors.New("internal error: unknown operation"))
		}
	}
}

// fault returns the error of a run that stopped at the op before pc.
func (m *Machine) fault(p *Program, pc int, err error) error {
	return errorAt(p.insns, int(p.slots[pc-1]), err)
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
