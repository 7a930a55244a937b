package manifest

import (
	"bytes"
	"testing"
)

func TestParseInteger(t *testing.T) {
	for _, c := range []struct {
		in       string
		bits     uint64
		negative bool
		err      string
	}{
		{in: "0"},
		{in: "-0"},
		{in: "42", bits: 42},
		{in: "+42", bits: 42},
		{in: "010", bits: 10},
		{in: "0x2A", bits: 42},
		{in: "0o17", bits: 15},
		{in: "0b101", bits: 5},
		{in: "-1", bits: 0xffffffffffffffff, negative: true},
		{in: "-0x10", bits: 0xfffffffffffffff0, negative: true},
		{in: "18446744073709551615", bits: 0xffffffffffffffff},
		{in: "-9223372036854775808", bits: 1 << 63, negative: true},
		{in: "18446744073709551616", err: "18446744073709551616 is out of range"},
		{in: "-9223372036854775809", err: "-9223372036854775809 is out of range"},
		{in: "1_000", err: `"1_000" is not an integer`},
		{in: "0x", err: `"0x" is not an integer`},
		{in: "--1", err: `"--1" is not an integer`},
		{in: "+-1", err: `"+-1" is not an integer`},
		{in: "", err: `"" is not an integer`},
		{in: "1e3", err: `"1e3" is not an integer`},
		{in: "0x1g", err: `"0x1g" is not an integer`},
	} {
		bits, negative, err := parseInteger(c.in)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("parseInteger(%q): error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || bits != c.bits || negative != c.negative {
			t.Errorf("parseInteger(%q) = %#x, %v, %v; want %#x, %v", c.in, bits, negative, err, c.bits, c.negative)
		}
	}
}

func TestParseHex(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []byte
		err  string
	}{
		{in: "00ff", want: []byte{0, 0xff}},
		{in: "DEADbeef", want: []byte{0xde, 0xad, 0xbe, 0xef}},
		{in: " 00 11\n\t22 ", want: []byte{0, 0x11, 0x22}},
		{in: "", err: "empty hex string"},
		{in: "  ", err: "empty hex string"},
		{in: "0x00", err: "invalid hex digit 'x' at position 1"},
		{in: "abc", err: "odd number of hex digits (3)"},
		{in: "00:11", err: "invalid hex digit ':' at position 2"},
	} {
		got, err := parseHex(c.in)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("parseHex(%q): error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("parseHex(%q) = %x, %v; want %x", c.in, got, err, c.want)
		}
	}
}

func TestValueEncode(t *testing.T) {
	neg := func(v int64) Value { return Value{Int: uint64(v), Negative: true} }
	for _, c := range []struct {
		v    Value
		size uint32
		want []byte
		err  string
	}{
		{v: Value{Int: 1}, size: 4, want: []byte{1, 0, 0, 0}},
		{v: Value{Int: 0x0102}, size: 2, want: []byte{2, 1}},
		{v: Value{Int: 255}, size: 1, want: []byte{255}},
		{v: Value{Int: 0xffffffff}, size: 4, want: []byte{255, 255, 255, 255}},
		{v: neg(-1), size: 4, want: []byte{255, 255, 255, 255}},
		{v: neg(-128), size: 1, want: []byte{0x80}},
		{v: neg(-1), size: 8, want: []byte{255, 255, 255, 255, 255, 255, 255, 255}},
		{v: Value{Int: 1 << 63}, size: 8, want: []byte{0, 0, 0, 0, 0, 0, 0, 0x80}},
		{v: Value{Bytes: []byte{1, 2, 3}}, size: 3, want: []byte{1, 2, 3}},
		{v: Value{Int: 256}, size: 1, err: "integer 256 does not fit in 1 bytes"},
		{v: neg(-129), size: 1, err: "integer -129 does not fit in 1 bytes"},
		{v: Value{Int: 1 << 32}, size: 4, err: "integer 4294967296 does not fit in 4 bytes"},
		{v: Value{Int: 1}, size: 16, err: "want 16 bytes, written as {hex: ...}, got the integer 1"},
		{v: Value{Int: 1}, size: 0, err: "want 0 bytes, written as {hex: ...}, got the integer 1"},
		{v: Value{Bytes: []byte{1}}, size: 2, err: "want 2 bytes, got 1 in {hex: 01}"},
	} {
		got, err := c.v.Encode(c.size)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%s.Encode(%d): error %v, want %q", c.v, c.size, err, c.err)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("%s.Encode(%d) = %x, %v; want %x", c.v, c.size, got, err, c.want)
		}
	}
}

func TestValueString(t *testing.T) {
	for _, c := range []struct {
		v    Value
		want string
	}{
		{Value{Int: 7}, "7"},
		{Value{Int: 0xffffffffffffffff}, "18446744073709551615"},
		{Value{Int: 0xffffffffffffffff, Negative: true}, "-1"},
		{Value{Bytes: []byte{0xab, 0}}, "{hex: ab00}"},
	} {
		if got := c.v.String(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}
