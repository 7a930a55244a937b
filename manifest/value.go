package manifest

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// Value is a value the manifest gives for a map key, a map value or a
// global variable: an integer or a byte string ({hex: "..."}). Its size is
// only known from the image, so Encode fits it to a size then.
type Value struct {
	// Bytes is the byte string of {hex: ...}; nil for an integer.
	Bytes []byte
	// Int holds the integer's 64 bits, two's complement when Negative.
	Int      uint64
	Negative bool
	Line     int
}

// IsInt reports whether v is an integer rather than a byte string.
func (v Value) IsInt() bool { return v.Bytes == nil }

// String formats v as the manifest would write it.
func (v Value) String() string {
	switch {
	case !v.IsInt():
		return fmt.Sprintf("{hex: %x}", v.Bytes)
	case v.Negative:
		return strconv.FormatInt(int64(v.Int), 10)
	}
	return strconv.FormatUint(v.Int, 10)
}

// Encode returns v as size bytes in the host's byte order, as the kernel
// stores keys, values and variables. A byte string must have exactly size
// bytes; an integer must fit in size bytes (1 to 8), as an unsigned number or,
// when negative, a signed one.
func (v Value) Encode(size uint32) ([]byte, error) {
	if !v.IsInt() {
		if uint32(len(v.Bytes)) != size {
			return nil, fmt.Errorf("want %d bytes, got %d in %s", size, len(v.Bytes), v)
		}
		return bytes.Clone(v.Bytes), nil
	}
	if size == 0 || size > 8 {
		return nil, fmt.Errorf("want %d bytes, written as {hex: ...}, got the integer %s", size, v)
	}
	if !fits(v.Int, v.Negative, size) {
		return nil, fmt.Errorf("integer %s does not fit in %d bytes", v, size)
	}
	b := binary.NativeEndian.AppendUint64(nil, v.Int)
	if bigEndian {
		return b[8-size:], nil // the low bytes are the last ones
	}
	return b[:size], nil
}

// bigEndian is true on a big-endian host.
var bigEndian = binary.NativeEndian.Uint16([]byte{0, 1}) == 1

// fits reports whether an integer fits in size bytes (1 to 8).
func fits(bits uint64, negative bool, size uint32) bool {
	if size == 8 {
		return true
	}
	width := 8 * size
	if negative {
		return int64(bits) >= -(int64(1) << (width - 1))
	}
	return bits < uint64(1)<<width
}

// parseInteger parses a decimal, 0x hex, 0o octal or 0b binary integer with
// an optional sign, from -2^63 to 2^64-1. A leading 0 is decimal, as in
// YAML 1.2. It returns the two's complement bits of a negative number.
func parseInteger(s string) (bits uint64, negative bool, err error) {
	digits := s
	switch {
	case strings.HasPrefix(digits, "-"):
		negative = true
		digits = digits[1:]
	case strings.HasPrefix(digits, "+"):
		digits = digits[1:]
	}
	base := 10
	if len(digits) > 2 && digits[0] == '0' {
		switch digits[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 10 {
			digits = digits[2:]
		}
	}
	if digits == "" || digits[0] == '+' || digits[0] == '-' || strings.Contains(digits, "_") {
		return 0, false, fmt.Errorf("%q is not an integer", s)
	}
	u, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, false, fmt.Errorf("%s is out of range", s)
		}
		return 0, false, fmt.Errorf("%q is not an integer", s)
	}
	if !negative || u == 0 {
		return u, false, nil
	}
	if u > 1<<63 {
		return 0, false, fmt.Errorf("%s is out of range", s)
	}
	return -u, true, nil
}

// parseHex decodes a hex string; white space between digits is ignored so
// long packets can be written in groups or over several lines.
func parseHex(s string) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if clean == "" {
		return nil, fmt.Errorf("empty hex string")
	}
	for i, r := range clean {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return nil, fmt.Errorf("invalid hex digit %q at position %d", r, i)
		}
	}
	if len(clean)%2 != 0 {
		return nil, fmt.Errorf("odd number of hex digits (%d)", len(clean))
	}
	return hex.DecodeString(clean)
}

// hexString decodes the scalar n as a hex string. Any scalar counts, so an
// unquoted 00112233, which YAML reads as a number, still is hex.
func (d *decoder) hexString(n *yaml.Node, where string) ([]byte, bool) {
	s := deref(n)
	if s.Kind != yaml.ScalarNode || s.Tag == "!!null" {
		d.errorf(n, "%s: want a hex string, got %s", where, describe(s))
		return nil, false
	}
	b, err := parseHex(s.Value)
	if err != nil {
		d.errorf(n, "%s: %v", where, err)
		return nil, false
	}
	return b, true
}

// value decodes an integer or {hex: "..."}.
func (d *decoder) value(n *yaml.Node, where string) (Value, bool) {
	s := deref(n)
	if s.Kind == yaml.MappingNode {
		fs := d.fields(s, where, "hex")
		if len(fs) == 0 {
			if isEmptyMapping(s) {
				d.errorf(n, "%s: want an integer or {hex: ...}, got an empty mapping", where)
			}
			return Value{}, false
		}
		b, ok := d.hexString(fs[0].value, where+".hex")
		return Value{Bytes: b, Line: n.Line}, ok
	}
	if s.Kind != yaml.ScalarNode || s.Tag == "!!null" || isQuoted(s) {
		d.errorf(n, "%s: want an integer or {hex: ...}, got %s", where, describe(s))
		return Value{}, false
	}
	bits, negative, ok := d.integer(n, where)
	return Value{Int: bits, Negative: negative, Line: n.Line}, ok
}

// retval decodes an expected return value: the low 32 bits, so -1 and
// 4294967295 are the same, as BPF_PROG_TEST_RUN reports them.
func (d *decoder) retval(n *yaml.Node, where string) (uint32, bool) {
	bits, negative, ok := d.integer(n, where)
	if !ok {
		return 0, false
	}
	if (negative && int64(bits) < math.MinInt32) || (!negative && bits > math.MaxUint32) {
		d.errorf(n, "%s: %s does not fit in 32 bits", where, deref(n).Value)
		return 0, false
	}
	return uint32(bits), true
}
