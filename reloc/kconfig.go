package reloc

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"
)

// Names of libbpf's virtual .kconfig values: not kernel options, but facts
// about the running kernel that libbpf fills in itself.
const (
	// KconfigKernelVersion is the kernel's version as KERNEL_VERSION(a, b, c)
	// encodes it: a<<16 + b<<8 + min(c, 255).
	KconfigKernelVersion = "LINUX_KERNEL_VERSION"
	// KconfigHasBPFCookie is 1 when the kernel has the helper
	// bpf_get_attach_cookie.
	KconfigHasBPFCookie = "LINUX_HAS_BPF_COOKIE"
	// KconfigHasSyscallWrapper is 1 when system calls enter the kernel
	// through arch-specific wrappers (__x64_sys_bpf), which decides how a
	// BPF_KSYSCALL program reads its arguments.
	KconfigHasSyscallWrapper = "LINUX_HAS_SYSCALL_WRAPPER"
)

// Kconfig holds the values that .kconfig externs resolve to, by name:
// CONFIG_* options the way a kernel config file writes them ("y", "m", "n",
// numbers, quoted strings), and the virtual LINUX_* values. The zero value
// is an empty set. Like a map, copies of a Kconfig share its values.
type Kconfig struct {
	values map[string]string
	// noConfig says why no kernel config file could be read; it is the
	// error of a CONFIG_* extern that nothing else gives a value.
	noConfig error
}

// ParseKconfig reads a kernel config file, plain text, as libbpf does:
// lines that do not start with "CONFIG_" (comments, "# CONFIG_X is not
// set") are skipped, every other must be NAME=VALUE, and of two values for
// one name the first counts.
func ParseKconfig(r io.Reader) (Kconfig, error) {
	k := Kconfig{values: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if !strings.HasPrefix(text, "CONFIG_") {
			continue
		}
		name, value, err := ParseKconfigAssignment(text)
		if err != nil {
			return Kconfig{}, fmt.Errorf("line %d: %w", line, err)
		}
		if _, ok := k.values[name]; !ok {
			k.values[name] = value
		}
	}
	if err := sc.Err(); err != nil {
		return Kconfig{}, err
	}
	return k, nil
}

// ParseKconfigAssignment splits "NAME=VALUE", as a config file line or a
// command-line override (--kconfig CONFIG_X=y) gives it.
func ParseKconfigAssignment(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, "=")
	switch {
	case !ok:
		return "", "", fmt.Errorf("%q: no '=' between name and value", s)
	case name == "":
		return "", "", fmt.Errorf("%q: no name", s)
	case value == "":
		return "", "", fmt.Errorf("%q: no value", s)
	}
	return name, value, nil
}

// LoadKconfig reads the kernel config at path, gzip-compressed or not, and
// adds the virtual LINUX_* values of the running kernel. With path empty
// it reads the running kernel's own config where libbpf looks for it,
// /boot/config-$(uname -r) and then /proc/config.gz; when neither can be
// read, that is no error here but the error of any CONFIG_* extern that is
// not given a value otherwise (with Set), as it is in libbpf.
func LoadKconfig(path string) (Kconfig, error) {
	var k Kconfig
	if path != "" {
		var err error
		if k, err = readKconfigFile(path); err != nil {
			return Kconfig{}, err
		}
	} else {
		var uts unix.Utsname
		if err := unix.Uname(&uts); err != nil {
			return Kconfig{}, fmt.Errorf("uname: %w", err)
		}
		var tried []string
		for _, p := range []string{"/boot/config-" + unix.ByteSliceToString(uts.Release[:]), "/proc/config.gz"} {
			var err error
			if k, err = readKconfigFile(p); err == nil {
				break
			} else if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, os.ErrPermission) {
				return Kconfig{}, err
			}
			tried = append(tried, p)
		}
		if k.values == nil {
			k.noConfig = fmt.Errorf("no kernel config (tried %s)", strings.Join(tried, ", "))
		}
	}
	for name, value := range runningKernelValues() {
		k.Set(name, value)
	}
	return k, nil
}

// readKconfigFile reads a plain or gzip-compressed config file.
func readKconfigFile(path string) (Kconfig, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Kconfig{}, fmt.Errorf("kernel config: %w", err)
	}
	var r io.Reader = bytes.NewReader(raw)
	if bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return Kconfig{}, fmt.Errorf("kernel config %s: %w", path, err)
		}
		r = gz
	}
	k, err := ParseKconfig(r)
	if err != nil {
		return Kconfig{}, fmt.Errorf("kernel config %s: %w", path, err)
	}
	return k, nil
}

// Value returns the value of name, as the config file (or Set) wrote it.
func (k Kconfig) Value(name string) (string, bool) {
	v, ok := k.values[name]
	return v, ok
}

// Set gives name a value, replacing the config file's: a user override.
// Values of the virtual LINUX_* names must be numbers.
func (k *Kconfig) Set(name, value string) {
	if k.values == nil {
		k.values = map[string]string{}
	}
	k.values[name] = value
}

// Override sets every value of o in k, as Set does.
func (k *Kconfig) Override(o Kconfig) {
	for name, value := range o.values {
		k.Set(name, value)
	}
}

// RunningKernelVersion returns the running kernel's version encoded as
// LINUX_KERNEL_VERSION, found as libbpf finds it: Ubuntu's
// /proc/version_signature, then the Debian version in uname's version
// string, then uname's release.
func RunningKernelVersion() (uint32, error) {
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return 0, fmt.Errorf("uname: %w", err)
	}
	signature, _ := os.ReadFile("/proc/version_signature")
	release := unix.ByteSliceToString(uts.Release[:])
	v := kernelVersion(string(signature), release, unix.ByteSliceToString(uts.Version[:]))
	if v == 0 {
		return 0, fmt.Errorf("kernel release %q has no a.b.c version", release)
	}
	return v, nil
}

// kernelVersion computes LINUX_KERNEL_VERSION from the Ubuntu version
// signature ("Ubuntu 5.4.0-12.15-generic 5.4.8"), uname's version
// ("#1 SMP Debian 4.19.260-1 (2022-09-29)") and release ("6.18.44-fc"),
// the first that has a version; 0 when none has.
func kernelVersion(signature, release, version string) uint32 {
	if f := strings.Fields(signature); len(f) >= 3 {
		if v, ok := scanVersion(f[2]); ok {
			return v
		}
	}
	if _, deb, ok := strings.Cut(version, "Debian "); ok {
		if v, ok := scanVersion(deb); ok {
			return v
		}
	}
	v, _ := scanVersion(release)
	return v
}

// scanVersion reads "a.b.c" at the start of s, as sscanf("%u.%u.%u") does,
// and encodes it as the kernel's KERNEL_VERSION macro: the patch level is
// capped at 255 so that it does not spill into the minor number.
func scanVersion(s string) (uint32, bool) {
	var n [3]uint32
	for i := range n {
		end := 0
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		v, err := strconv.ParseUint(s[:end], 10, 32)
		if err != nil {
			return 0, false
		}
		n[i] = uint32(v)
		s = s[end:]
		if i < 2 {
			if !strings.HasPrefix(s, ".") {
				return 0, false
			}
			s = s[1:]
		}
	}
	return n[0]<<16 + n[1]<<8 + min(n[2], 255), true
}

// runningKernelValues returns the virtual LINUX_* values of the running
// kernel. libbpf finds the two LINUX_HAS_* by loading probe programs; the
// kernel's BTF tells the same without privileges: the helper is in enum
// bpf_func_id, and the syscall wrapper is a kernel function. Without
// kernel BTF both are 0, as a failed libbpf probe makes them.
func runningKernelValues() map[string]string {
	values := map[string]string{KconfigHasBPFCookie: "0", KconfigHasSyscallWrapper: "0"}
	if v, err := RunningKernelVersion(); err == nil {
		values[KconfigKernelVersion] = strconv.FormatUint(uint64(v), 10)
	}
	kernel, err := btf.LoadKernelSpec()
	if err != nil {
		return values
	}
	if hasEnumValue(kernel, "bpf_func_id", "BPF_FUNC_get_attach_cookie") {
		values[KconfigHasBPFCookie] = "1"
	}
	if pfx := syscallPrefix(); pfx != "" && hasFunc(kernel, "__"+pfx+"_sys_bpf") {
		values[KconfigHasSyscallWrapper] = "1"
	}
	return values
}

func hasEnumValue(spec *btf.Spec, enum, value string) bool {
	var e *btf.Enum
	if err := spec.TypeByName(enum, &e); err != nil {
		return false
	}
	return slices.ContainsFunc(e.Values, func(v btf.EnumValue) bool { return v.Name == value })
}

func hasFunc(spec *btf.Spec, name string) bool {
	var fn *btf.Func
	return spec.TypeByName(name, &fn) == nil
}

// syscallPrefix is the architecture's prefix of syscall wrapper names, as
// libbpf's arch_specific_syscall_pfx gives it; "" where there is none.
func syscallPrefix() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x64"
	case "386":
		return "ia32"
	case "s390x":
		return "s390x"
	case "arm":
		return "arm"
	case "arm64":
		return "arm64"
	case "mips", "mipsle", "mips64", "mips64le":
		return "mips"
	case "riscv64":
		return "riscv"
	case "ppc64", "ppc64le":
		return "powerpc"
	}
	return ""
}

// KconfigExtern is one .kconfig extern of a linked program.
type KconfigExtern struct {
	Name string
	// Type is the extern's *btf.Var (as elf.Extern has it) or its type.
	Type btf.Type
	// Weak is true for an extern declared __weak: one without a value is 0.
	Weak bool
	// Offset is the extern's byte offset in the .kconfig map's value.
	Offset uint32
}

// kcfgKind is what a .kconfig extern's C type makes of a value, as
// libbpf's find_kcfg_type classifies it.
type kcfgKind int

const (
	kcfgChar     kcfgKind = iota // char: 'y', 'n', 'm' or a number
	kcfgBool                     // bool: y/n or 0/1
	kcfgInt                      // integer of 2, 4 or 8 bytes
	kcfgTristate                 // enum libbpf_tristate: y, n or m
	kcfgCharArr                  // char[N]: a quoted string
)

// kcfgType is the classified type of a .kconfig extern.
type kcfgType struct {
	kind   kcfgKind
	size   uint32
	align  uint32
	signed bool
}

// classifyKconfig classifies t, a .kconfig extern's type, the way libbpf's
// find_kcfg_type does; other types are unsupported.
func classifyKconfig(t btf.Type) (kcfgType, error) {
	if v, ok := t.(*btf.Var); ok {
		t = v.Type
	}
	switch u := btf.UnderlyingType(t).(type) {
	case *btf.Int:
		switch {
		case u.Encoding&btf.Bool != 0:
			if u.Size == 1 {
				return kcfgType{kind: kcfgBool, size: 1, align: 1}, nil
			}
		case u.Size == 1:
			return kcfgType{kind: kcfgChar, size: 1, align: 1, signed: u.Encoding&btf.Signed != 0}, nil
		case u.Size == 2 || u.Size == 4 || u.Size == 8:
			return kcfgType{kind: kcfgInt, size: u.Size, align: u.Size, signed: u.Encoding&btf.Signed != 0}, nil
		}
	case *btf.Enum:
		if u.Name == "libbpf_tristate" && (u.Size == 4 || u.Size == 8) {
			return kcfgType{kind: kcfgTristate, size: u.Size, align: u.Size}, nil
		}
	case *btf.Array:
		if elem, err := classifyKconfig(u.Type); err == nil && elem.kind == kcfgChar && u.Nelems > 0 {
			return kcfgType{kind: kcfgCharArr, size: u.Nelems, align: 1}, nil
		}
	}
	return kcfgType{}, fmt.Errorf("type %v is not a .kconfig type (bool, char, an integer, enum libbpf_tristate or char[N])", t)
}

// LayoutKconfig gives every extern its offset in the .kconfig map's value
// the way libbpf lays it out (by alignment, largest first, then by size,
// then by name, each at its natural alignment) and returns the value's
// size. A linker that keeps the offsets of its input need not call it.
func LayoutKconfig(externs []KconfigExtern) (uint32, error) {
	types := make([]kcfgType, len(externs))
	order := make([]int, len(externs))
	seen := map[string]bool{}
	for i, e := range externs {
		t, err := classifyKconfig(e.Type)
		if err != nil {
			return 0, fmt.Errorf("kconfig %s: %w", e.Name, err)
		}
		if seen[e.Name] {
			return 0, fmt.Errorf("kconfig %s: listed twice", e.Name)
		}
		seen[e.Name] = true
		types[i], order[i] = t, i
	}
	slices.SortFunc(order, func(a, b int) int {
		ta, tb := types[a], types[b]
		if ta.align != tb.align {
			return int(tb.align) - int(ta.align)
		}
		if ta.size != tb.size {
			return int(ta.size) - int(tb.size)
		}
		return strings.Compare(externs[a].Name, externs[b].Name)
	})
	var off uint32
	for _, i := range order {
		a := types[i].align
		externs[i].Offset = (off + a - 1) / a * a
		off = externs[i].Offset + types[i].size
	}
	return off, nil
}

// BuildKconfigData returns the contents of the .kconfig map's value: every
// extern's value from k at its offset, checked against its type as libbpf
// checks it (set_kcfg_value_tri, _num and _str). The value is as long as
// the furthest extern reaches.
//
// CONFIG_* externs take the config's value; a __weak one without a value
// is 0, a strong one is an error. LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE
// and LINUX_HAS_SYSCALL_WRAPPER take the virtual values LoadKconfig adds;
// other LINUX_* externs are 0 when __weak, unless k has a value for them.
// Any other name is an error, as in libbpf.
func BuildKconfigData(externs []KconfigExtern, k Kconfig) ([]byte, error) {
	types := make([]kcfgType, len(externs))
	var size uint32
	for i, e := range externs {
		t, err := classifyKconfig(e.Type)
		if err != nil {
			return nil, fmt.Errorf("kconfig %s: %w", e.Name, err)
		}
		types[i] = t
		size = max(size, e.Offset+t.size)
	}
	data := make([]byte, size)
	for i, e := range externs {
		val := data[e.Offset : e.Offset+types[i].size]
		if err := setKconfig(e, types[i], k, val); err != nil {
			return nil, fmt.Errorf("kconfig %s: %w", e.Name, err)
		}
	}
	return data, nil
}

// setKconfig writes the value of one extern into val, as libbpf's
// bpf_object__resolve_externs decides it.
func setKconfig(e KconfigExtern, t kcfgType, k Kconfig, val []byte) error {
	value, ok := k.values[e.Name]
	switch {
	case strings.HasPrefix(e.Name, "CONFIG_"):
		switch {
		case ok:
			return setConfigValue(t, value, val)
		case k.noConfig != nil:
			return k.noConfig
		case !e.Weak:
			return errors.New("not set in the kernel config, and not __weak")
		}
		return nil
	case strings.HasPrefix(e.Name, "LINUX_"):
		var n uint64
		if ok {
			var err error
			if n, err = parseKconfigInt(value); err != nil {
				return fmt.Errorf("value %q is not a number", value)
			}
		} else {
			switch e.Name {
			case KconfigKernelVersion:
				return errors.New("the kernel's version is unknown")
			case KconfigHasBPFCookie, KconfigHasSyscallWrapper:
				// 0, as when libbpf's probe fails
			default:
				if !e.Weak {
					return errors.New("not a virtual value libbpf knows (LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER), and not __weak")
				}
			}
		}
		return setNum(t, n, val)
	}
	return errors.New("only CONFIG_* and LINUX_* .kconfig externs exist")
}

// setConfigValue writes a config file's value: a tristate letter, a quoted
// string or a number, as libbpf's bpf_object__process_kconfig_line
// dispatches on the first character.
func setConfigValue(t kcfgType, value string, val []byte) error {
	if value == "" {
		return errors.New("empty value")
	}
	switch value[0] {
	case 'y', 'n', 'm':
		return setTristate(t, value[0], val)
	case '"':
		return setString(t, value, val)
	}
	n, err := parseKconfigInt(value)
	if err != nil {
		return fmt.Errorf("value %q is not a valid integer", value)
	}
	if t.kind != kcfgInt && t.kind != kcfgChar {
		return fmt.Errorf("value %q implies an integer type, not %s", value, t.kind)
	}
	return setNum(t, n, val)
}

// setTristate is libbpf's set_kcfg_value_tri.
func setTristate(t kcfgType, c byte, val []byte) error {
	switch t.kind {
	case kcfgBool:
		if c == 'm' {
			return fmt.Errorf("value 'm' implies a tristate or char type, not %s", t.kind)
		}
		if c == 'y' {
			val[0] = 1
		}
	case kcfgTristate:
		// enum libbpf_tristate { TRI_NO = 0, TRI_YES = 1, TRI_MODULE = 2 }
		tri := map[byte]uint64{'n': 0, 'y': 1, 'm': 2}[c]
		putUint(val, tri)
	case kcfgChar:
		val[0] = c
	default:
		return fmt.Errorf("value '%c' implies a bool, tristate or char type, not %s", c, t.kind)
	}
	return nil
}

// setString is libbpf's set_kcfg_value_str: the string between the quotes,
// without unescaping, cut to fit with its NUL.
func setString(t kcfgType, value string, val []byte) error {
	if t.kind != kcfgCharArr {
		return fmt.Errorf("value %s implies a char array type, not %s", value, t.kind)
	}
	if len(value) < 2 || value[len(value)-1] != '"' {
		return fmt.Errorf("invalid string value %s", value)
	}
	s := value[1 : len(value)-1]
	if len(s) >= len(val) {
		s = s[:len(val)-1]
	}
	copy(val, s)
	return nil
}

// setNum is libbpf's set_kcfg_value_num: n must fit the extern's type.
func setNum(t kcfgType, n uint64, val []byte) error {
	if t.kind != kcfgInt && t.kind != kcfgChar && t.kind != kcfgBool {
		return fmt.Errorf("value %d implies an integer, char or bool type, not %s", n, t.kind)
	}
	if t.kind == kcfgBool && n > 1 {
		return fmt.Errorf("value %d is not a bool", n)
	}
	if !fitsKconfig(t, n) {
		return fmt.Errorf("value %d does not fit in %d bytes", n, t.size)
	}
	putUint(val, n)
	return nil
}

// fitsKconfig is libbpf's is_kcfg_value_in_range: n, read as the 64-bit
// result of strtoull (negative numbers wrapped), fits the type without loss.
func fitsKconfig(t kcfgType, n uint64) bool {
	bits := t.size * 8
	if bits == 64 {
		return true
	}
	if t.signed {
		return n+1<<(bits-1) < 1<<bits
	}
	return n>>bits == 0
}

func putUint(val []byte, n uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], n)
	copy(val, b[:len(val)])
}

// parseKconfigInt parses a number as C's strtoull(s, &end, 0) with *end
// required to be the end: leading white space, an optional sign (a minus
// negates in 64 bits), then hex after 0x, octal after 0, decimal otherwise.
func parseKconfigInt(s string) (uint64, error) {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	base := 10
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") && isDigit(s[2], 16):
		base, s = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	for _, c := range []byte(s) {
		if !isDigit(c, base) {
			return 0, fmt.Errorf("invalid digit %q", c)
		}
	}
	n, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		return 0, err
	}
	if neg {
		n = -n
	}
	return n, nil
}

func isDigit(c byte, base int) bool {
	switch {
	case c >= '0' && c <= '9':
		return int(c-'0') < base
	case c >= 'a' && c <= 'f':
		return base == 16
	case c >= 'A' && c <= 'F':
		return base == 16
	}
	return false
}

func (k kcfgKind) String() string {
	return [...]string{"char", "bool", "integer", "enum libbpf_tristate", "char array"}[k]
}
