package vm

import (
	"fmt"
	"slices"
	"testing"

	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/runtime"
)

// TestTracePrintk checks the text bpf_trace_printk formats, as the
// kernel's bstr_printf would, and its result: the text's length or an
// error.
func TestTracePrintk(t *testing.T) {
	cases := []struct {
		format     string
		a1, a2, a3 uint64
		want       string // "" for an error
		ret        int32
	}{
		{"hello\n", 0, 0, 0, "hello", 6},
		{"%d %u %x", 0xffffffff, 0xffffffff, 0xffffffff, "-1 4294967295 ffffffff", 22},
		{"%ld %lu %lx", 1<<64 - 1, 1<<64 - 1, 1<<64 - 1, "-1 18446744073709551615 ffffffffffffffff", 40},
		{"%lld %llu %llx", 1 << 63, 1 << 63, 1 << 63, "-9223372036854775808 9223372036854775808 8000000000000000", 57},
		{"%i %X %%", 42, 0xabc, 0, "42 ABC %", 8},
		{"%5d|%-5d|%05d", 42, 42, 42, "   42|42   |00042", 17},
		{"%+d % d %+u", 42, 42, 42, "+42  42 42", 10},
		{"%05d %-05d", 0xfffffffe, 0xfffffffe, 0, "-0002 -2   ", 11},
		{"%c%c%c", 'a', 'b', 'c', "abc", 3},
		{"%s|%6s|%-5s|", strArg, strArg, strArg, "str|   str|str  |", 17},
		{"[%s]", 0, 0, 0, "[]", 2},
		{"%pI4 %pi4", strArg, strArg, 0, "115.116.114.0 115.116.114.000", 29},
		{"%px", 0x1234, 0, 0, "0000000000001234", 16},
		{"%pks.", strArg, 0, 0, "str.", 4},
		{"%d %d %d %d", 1, 2, 3, "", -22},
		{"%q", 1, 0, 0, "", -22},
		{"%sx", strArg, 0, 0, "", -22},
		{"%hd", 1, 0, 0, "", -22},
		{"bell\a", 0, 0, 0, "", -22},
	}
	var progs []*link.Program
	for i, c := range cases {
		progs = append(progs, asmProgram(fmt.Sprintf("p%d", i), typeTC, printkCall(c.format, c.a1, c.a2, c.a3), exit()))
	}
	c := newVM(t, &link.Image{Programs: progs})
	for i, tc := range cases {
		res, err := c.Run(fmt.Sprintf("p%d", i), runtime.RunInput{Data: zeros(64)})
		if err != nil {
			t.Errorf("%q: %v", tc.format, err)
			continue
		}
		var want []string
		if tc.want != "" {
			want = []string{tc.want}
		}
		if int32(res.Retval) != tc.ret || !slices.Equal(res.Trace, want) {
			t.Errorf("%q: %d %q, want %d %q", tc.format, int32(res.Retval), res.Trace, tc.ret, want)
		}
	}
}
