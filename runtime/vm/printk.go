package vm

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"github.com/bpfld/bpfld/interp"
	"github.com/bpfld/bpfld/runtime/mem"
)

// Limits of the kernel's bpf_bprintf_prepare (kernel/bpf/helpers.c).
const (
	maxBprintfBuf     = 1024 // MAX_BPRINTF_BUF: the formatted output
	maxBprintfBinArgs = 512  // MAX_BPRINTF_BIN_ARGS: room for the strings
	maxBprintfVarargs = 12   // MAX_BPRINTF_VARARGS
)

// bpf_trace_printk(fmt, fmt_size, arg1, arg2, arg3): the line goes to the
// run's trace; the result is the length of the formatted text.
func tracePrintk(m *interp.Machine, pfmt, size, a1, a2, a3 uint64) uint64 {
	format, ok := argBytes(m, "bpf_trace_printk", pfmt, int(uint32(size)), false)
	if !ok {
		return 0
	}
	return printTrace(m, format, []uint64{a1, a2, a3})
}

// bpf_trace_vprintk(fmt, fmt_size, args, data_len): bpf_trace_printk with
// an array of up to 12 arguments.
func traceVprintk(m *interp.Machine, pfmt, size, pargs, dataLen, _ uint64) uint64 {
	const name = "bpf_trace_vprintk"
	format, ok := argBytes(m, name, pfmt, int(uint32(size)), false)
	if !ok {
		return 0
	}
	args, errno := varargs(m, name, pargs, uint32(dataLen))
	if errno != 0 {
		return errno
	}
	return printTrace(m, format, args)
}

func printTrace(m *interp.Machine, format []byte, args []uint64) uint64 {
	text, n, err := bprintf(m, format, args)
	if err != nil {
		return errno(err)
	}
	r := env(m)
	r.trace = append(r.trace, strings.TrimSuffix(text, "\n"))
	return uint64(n)
}

// bpf_snprintf(str, str_size, fmt, args, data_len): the length of the
// formatted text plus its NUL; str gets as much as fits, NUL-terminated.
func snprintf(m *interp.Machine, pstr, size, pfmt, pargs, dataLen uint64) uint64 {
	const name = "bpf_snprintf"
	str, ok := argBytes(m, name, pstr, int(uint32(size)), true)
	if !ok {
		return 0
	}
	args, errno := varargs(m, name, pargs, uint32(dataLen))
	if errno != 0 {
		return errno
	}
	format, err := cString(m, pfmt, 1<<16)
	if err != nil {
		return fail(m, name, "format: %v", err)
	}
	text, n, err := bprintf(m, format, args)
	if err != nil {
		return negErrno(syscall.EINVAL)
	}
	if len(str) > 0 {
		k := copy(str[:len(str)-1], text)
		str[k] = 0
	}
	return uint64(n + 1)
}

// varargs reads the u64 argument array of bpf_trace_vprintk and
// bpf_snprintf, or returns -EINVAL for a bad length.
func varargs(m *interp.Machine, name string, p uint64, dataLen uint32) ([]uint64, uint64) {
	if dataLen%8 != 0 || dataLen > maxBprintfVarargs*8 || (dataLen != 0 && p == 0) {
		return nil, negErrno(syscall.EINVAL)
	}
	raw, ok := argBytes(m, name, p, int(dataLen), false)
	if !ok {
		return nil, negErrno(syscall.EFAULT)
	}
	args := make([]uint64, dataLen/8)
	for i := range args {
		args[i] = ne.Uint64(raw[8*i:])
	}
	return args, 0
}

// cString returns the NUL-terminated string at addr, its NUL included,
// reading at most max bytes of program memory.
func cString(m *interp.Machine, addr uint64, max int) ([]byte, error) {
	b, err := mem.Find(addr, 1, false)
	if err != nil {
		return nil, err
	}
	avail := min(int(uint64(b.Addr())+uint64(b.Len())-addr), max)
	buf, err := m.Bytes(addr, avail, false)
	if err != nil {
		return nil, err
	}
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		return buf[:i+1], nil
	}
	return buf, nil
}

// readString reads a string argument of %s as bpf_trace_copy_string does:
// at most room-1 bytes, and nothing where the pointer is not readable.
func readString(m *interp.Machine, addr uint64, room int) string {
	if room <= 1 {
		return ""
	}
	s, err := cString(m, addr, room-1)
	if err != nil {
		return ""
	}
	return string(bytes.TrimSuffix(s, []byte{0}))
}

// bprintf formats like the kernel's bpf_bprintf_prepare and bstr_printf:
// the conversions %d %i %u %x %X with the l and ll modifiers, %c, %s,
// %p (%px, %pK, %ps, %pS, %pB as the raw pointer; %pks, %pus as %s;
// %pI4 %pi4 %pI6 %pi6 as addresses) and %%, with the flags 0, +, -, space
// and a width. Anything else, a non-printable character or more
// conversions than arguments is -EINVAL. It returns the text, cut to the
// kernel's buffer, and its full length.
func bprintf(m *interp.Machine, format []byte, args []uint64) (string, int, error) {
	end := bytes.IndexByte(format, 0)
	if end < 0 {
		return "", 0, fmt.Errorf("format is not NUL-terminated: %w", syscall.EINVAL)
	}
	f := format[:end]
	at := func(i int) byte {
		if i < len(f) {
			return f[i]
		}
		return 0
	}
	var out strings.Builder
	spec, strRoom := 0, maxBprintfBinArgs
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c >= 0x80 || (!isPrint(c) && !isSpace(c)) {
			return "", 0, fmt.Errorf("format: character %#x at %d: %w", c, i, syscall.EINVAL)
		}
		if c != '%' {
			out.WriteByte(c)
			continue
		}
		if at(i+1) == '%' {
			out.WriteByte('%')
			i++
			continue
		}
		if spec >= len(args) {
			return "", 0, fmt.Errorf("format: more conversions than %d arguments: %w", len(args), syscall.EINVAL)
		}
		arg := args[spec]
		spec++
		i++
		var fl fmtFlags
		for ; strings.IndexByte("0+- ", at(i)) >= 0; i++ {
			fl.set(at(i))
		}
		if at(i) >= '1' && at(i) <= '9' {
			for ; at(i) >= '0' && at(i) <= '9'; i++ {
				fl.width = fl.width*10 + int(at(i)-'0')
			}
		}
		switch at(i) {
		case 'p':
			next := at(i + 1)
			switch {
			case next == 0 || isSpace(next) || isPunct(next):
				out.WriteString(fl.pad(fmt.Sprintf("%016x", arg)))
				continue
			case (next == 'k' || next == 'u') && at(i+2) == 's':
				i += 2
				if n := at(i + 1); n != 0 && !isSpace(n) && !isPunct(n) {
					return "", 0, fmt.Errorf("format: %%p%cs followed by %q: %w", next, n, syscall.EINVAL)
				}
				s := readString(m, arg, strRoom)
				strRoom -= len(s) + 1
				out.WriteString(fl.pad(s))
				continue
			case strings.IndexByte("KxsSB", next) >= 0:
				i++
				if next == 's' || next == 'S' || next == 'B' {
					out.WriteString(fl.pad(fmt.Sprintf("%#x", arg)))
				} else {
					out.WriteString(fl.pad(fmt.Sprintf("%016x", arg)))
				}
				continue
			case (next == 'i' || next == 'I') && (at(i+2) == '4' || at(i+2) == '6'):
				out.WriteString(fl.pad(formatIP(m, arg, next == 'I', at(i+2) == '4')))
				i += 2
				continue
			}
			return "", 0, fmt.Errorf("format: unsupported %%p%c: %w", next, syscall.EINVAL)
		case 's':
			if n := at(i + 1); n != 0 && !isSpace(n) && !isPunct(n) {
				return "", 0, fmt.Errorf("format: %%s followed by %q: %w", n, syscall.EINVAL)
			}
			s := readString(m, arg, strRoom)
			strRoom -= len(s) + 1
			out.WriteString(fl.pad(s))
			continue
		case 'c':
			out.WriteString(fl.pad(string([]byte{byte(arg)})))
			continue
		}
		size := 4
		if at(i) == 'l' {
			size = 8
			i++
		}
		if at(i) == 'l' {
			i++
		}
		verb := at(i)
		if strings.IndexByte("iduxX", verb) < 0 {
			return "", 0, fmt.Errorf("format: unsupported conversion %q: %w", verb, syscall.EINVAL)
		}
		out.WriteString(fl.number(arg, size, verb))
	}
	text := out.String()
	n := len(text)
	if n >= maxBprintfBuf {
		text = text[:maxBprintfBuf-1]
	}
	return text, n, nil
}

// fmtFlags are the flags and width of one conversion.
type fmtFlags struct {
	left, plus, space, zero bool
	width                   int
}

func (fl *fmtFlags) set(c byte) {
	switch c {
	case '-':
		fl.left = true
	case '+':
		fl.plus = true
	case ' ':
		fl.space = true
	case '0':
		fl.zero = true
	}
}

// pad pads s with spaces to the width, on the right with '-'.
func (fl *fmtFlags) pad(s string) string {
	n := fl.width - len(s)
	switch {
	case n <= 0:
		return s
	case fl.left:
		return s + strings.Repeat(" ", n)
	}
	return strings.Repeat(" ", n) + s
}

// number formats an integer conversion as the kernel's number() does:
// signs only for %d and %i, zero padding between sign and digits unless
// the field is left-aligned.
func (fl *fmtFlags) number(v uint64, size int, verb byte) string {
	var sign, digits string
	switch verb {
	case 'd', 'i':
		x := int64(v)
		if size == 4 {
			x = int64(int32(v))
		}
		mag := uint64(x)
		if x < 0 {
			sign, mag = "-", -mag
		} else if fl.plus {
			sign = "+"
		} else if fl.space {
			sign = " "
		}
		digits = strconv.FormatUint(mag, 10)
	default:
		if size == 4 {
			v = uint64(uint32(v))
		}
		switch verb {
		case 'u':
			digits = strconv.FormatUint(v, 10)
		case 'x':
			digits = strconv.FormatUint(v, 16)
		default:
			digits = strings.ToUpper(strconv.FormatUint(v, 16))
		}
	}
	n := fl.width - len(sign) - len(digits)
	switch {
	case n <= 0:
		return sign + digits
	case fl.left:
		return sign + digits + strings.Repeat(" ", n)
	case fl.zero:
		return sign + strings.Repeat("0", n) + digits
	}
	return strings.Repeat(" ", n) + sign + digits
}

// formatIP formats the IPv4 or IPv6 address at addr as %pI4/%pi4 or
// %pI6/%pi6 do; an address the program may not read reads as zeros.
func formatIP(m *interp.Machine, addr uint64, dotted, v4 bool) string {
	n := 16
	if v4 {
		n = 4
	}
	ip := make([]byte, n)
	if b, err := m.Bytes(addr, n, false); err == nil {
		copy(ip, b)
	}
	var parts []string
	switch {
	case v4 && dotted:
		for _, b := range ip {
			parts = append(parts, strconv.Itoa(int(b)))
		}
		return strings.Join(parts, ".")
	case v4:
		for _, b := range ip {
			parts = append(parts, fmt.Sprintf("%03d", b))
		}
		return strings.Join(parts, ".")
	case dotted:
		for i := 0; i < 16; i += 2 {
			parts = append(parts, fmt.Sprintf("%02x%02x", ip[i], ip[i+1]))
		}
		return strings.Join(parts, ":")
	}
	return fmt.Sprintf("%x", ip)
}

// The kernel's ctype classes for ASCII.
func isPrint(c byte) bool { return c >= 0x20 && c < 0x7f }
func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }
func isPunct(c byte) bool {
	return isPrint(c) && c != ' ' && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z')
}
