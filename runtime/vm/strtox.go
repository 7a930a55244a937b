package vm

import (
	"encoding/binary"
	"math"
	"math/bits"
	"syscall"

	"github.com/bpfld/bpfld/interp"
)

// strtoxBaseMask is the part of the flags of bpf_strtol and bpf_strtoul
// that holds the base; the other bits must be 0.
const strtoxBaseMask = 0x1f

// bpf_strtol(buf, buf_len, flags, res): the kernel's parse of a signed
// integer at the start of buf into *res (0 on error); the number of
// characters consumed, or -EINVAL, -ERANGE.
func strtol(m *interp.Machine, pbuf, size, flags, pres, _ uint64) uint64 {
	return strtox(m, "bpf_strtol", pbuf, size, flags, pres, true)
}

// bpf_strtoul(buf, buf_len, flags, res): as bpf_strtol for an unsigned
// integer; a leading '-' is -EINVAL.
func strtoul(m *interp.Machine, pbuf, size, flags, pres, _ uint64) uint64 {
	return strtox(m, "bpf_strtoul", pbuf, size, flags, pres, false)
}

// strtox is bpf_strtol (signed) and bpf_strtoul.
func strtox(m *interp.Machine, name string, pbuf, size, flags, pres uint64, signed bool) uint64 {
	buf, ok := argBytes(m, name, pbuf, int(uint32(size)), false)
	if !ok {
		return 0
	}
	res, ok := argBytes(m, name, pres, 8, true)
	if !ok {
		return 0
	}
	binary.NativeEndian.PutUint64(res, 0)
	v, neg, n := parseStrtox(buf, flags)
	if n < 0 {
		return uint64(n)
	}
	switch {
	case neg && !signed:
		return errno(syscall.EINVAL)
	case neg && int64(-v) > 0, !neg && signed && int64(v) < 0:
		return errno(syscall.ERANGE)
	case neg:
		v = -v
	}
	binary.NativeEndian.PutUint64(res, v)
	return uint64(n)
}

// parseStrtox parses buf as the kernel's __bpf_strtoull does: leading
// white space, an optional '-', then at most 63 characters of digits in
// the base of flags (0: 0x for 16, 0 for 8, else 10). n is the number of
// characters consumed, or a negative errno.
func parseStrtox(buf []byte, flags uint64) (v uint64, neg bool, n int64) {
	base := uint64(flags & strtoxBaseMask)
	if len(buf) == 0 || flags&^strtoxBaseMask != 0 || (base != 0 && base != 8 && base != 10 && base != 16) {
		return 0, false, int64(errno(syscall.EINVAL))
	}
	i := 0
	for i < len(buf) && isKernelSpace(buf[i]) {
		i++
	}
	neg = i < len(buf) && buf[i] == '-'
	if neg {
		i++
	}
	if i == len(buf) {
		return 0, false, int64(errno(syscall.EINVAL))
	}
	// The kernel copies at most 63 characters into a NUL-terminated buffer.
	s := make([]byte, min(len(buf)-i, 63), 66)
	copy(s, buf[i:])
	s = append(s, 0, 0)
	j := 0
	if base == 0 {
		switch {
		case s[0] != '0':
			base = 10
		case lower(s[1]) == 'x' && digitValue(s[2]) < 16:
			base = 16
		default:
			base = 8
		}
	}
	if base == 16 && s[0] == '0' && lower(s[1]) == 'x' {
		j = 2
	}
	start, overflow := j, false
	for ; ; j++ {
		d := digitValue(s[j])
		if d >= base {
			break
		}
		hi, lo := bits.Mul64(v, base)
		sum, carry := bits.Add64(lo, d, 0)
		if hi != 0 || carry != 0 {
			overflow = true
		}
		v = sum
	}
	switch {
	case overflow:
		return 0, false, int64(errno(syscall.ERANGE))
	case j == start:
		return 0, false, int64(errno(syscall.EINVAL))
	}
	return v, neg, int64(i + j)
}

// isKernelSpace is the kernel's isspace: the ASCII white space and the
// Latin-1 no-break space.
func isKernelSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0
}

// lower folds an ASCII letter to lower case.
func lower(c byte) byte { return c | 0x20 }

// digitValue is the value of c as a digit of a base up to 16, or
// math.MaxUint64 if it is none.
func digitValue(c byte) uint64 {
	switch {
	case c >= '0' && c <= '9':
		return uint64(c - '0')
	case lower(c) >= 'a' && lower(c) <= 'f':
		return uint64(lower(c)-'a') + 10
	}
	return math.MaxUint64
}
