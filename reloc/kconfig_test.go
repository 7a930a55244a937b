package reloc

import (
	"bytes"
	"compress/gzip"
	goelf "debug/elf"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/internal/kerneltest"
)

// BTF of the C types a .kconfig extern may have, and some it may not.
var (
	kBool     = &btf.Int{Name: "_Bool", Size: 1, Encoding: btf.Bool}
	kChar     = &btf.Int{Name: "char", Size: 1, Encoding: btf.Signed}
	kU8       = &btf.Int{Name: "unsigned char", Size: 1}
	kS8       = &btf.Int{Name: "signed char", Size: 1, Encoding: btf.Signed}
	kU16      = &btf.Int{Name: "unsigned short", Size: 2}
	kS16      = &btf.Int{Name: "short", Size: 2, Encoding: btf.Signed}
	kInt      = &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	kU32      = &btf.Int{Name: "unsigned int", Size: 4}
	kU64      = &btf.Int{Name: "unsigned long long", Size: 8}
	kS64      = &btf.Int{Name: "long long", Size: 8, Encoding: btf.Signed}
	kTristate = &btf.Enum{Name: "libbpf_tristate", Size: 4, Values: []btf.EnumValue{{Name: "TRI_NO", Value: 0}, {Name: "TRI_YES", Value: 1}, {Name: "TRI_MODULE", Value: 2}}}
	kEnum     = &btf.Enum{Name: "other", Size: 4}
	kIndex    = &btf.Int{Name: "__ARRAY_SIZE_TYPE__", Size: 4}
	kIntArr   = &btf.Array{Index: kIndex, Type: kInt, Nelems: 2}
)

func kCharArr(n uint32) *btf.Array { return &btf.Array{Index: kIndex, Type: kChar, Nelems: n} }

func sampleKconfig(t *testing.T) Kconfig {
	t.Helper()
	f, err := os.Open("testdata/kconfig.sample")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	k, err := ParseKconfig(f)
	if err != nil {
		t.Fatal(err)
	}
	k.Set(KconfigKernelVersion, "397868")
	return k
}

func le(n uint64, size int) []byte {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, n)
	return b[:size]
}

func TestBuildKconfigData(t *testing.T) {
	k := sampleKconfig(t)
	withCookie := sampleKconfig(t)
	withCookie.Set(KconfigHasBPFCookie, "1")
	noVersion, err := ParseKconfig(strings.NewReader("CONFIG_HZ=250\n"))
	if err != nil {
		t.Fatal(err)
	}
	noConfig := Kconfig{noConfig: errors.New("no kernel config (tried /boot/config-6.18.44, /proc/config.gz)")}
	overridden := noConfig
	overridden.Set("CONFIG_BPF_SYSCALL", "y")

	tests := []struct {
		name   string
		ext    KconfigExtern
		k      Kconfig
		want   []byte
		errMsg string
	}{
		{"bool y", KconfigExtern{Name: "CONFIG_BPF_SYSCALL", Type: kBool}, k, []byte{1}, ""},
		{"bool n", KconfigExtern{Name: "CONFIG_BPF_LSM", Type: kBool}, k, []byte{0}, ""},
		{"bool m", KconfigExtern{Name: "CONFIG_NET_CLS_BPF", Type: kBool}, k, nil, "kconfig CONFIG_NET_CLS_BPF: value 'm' implies a tristate or char type, not bool"},
		{"bool from a number", KconfigExtern{Name: "CONFIG_HZ", Type: kBool}, k, nil, `kconfig CONFIG_HZ: value "250" implies an integer type, not bool`},
		{"tristate y", KconfigExtern{Name: "CONFIG_BPF_JIT", Type: kTristate}, k, le(1, 4), ""},
		{"tristate m", KconfigExtern{Name: "CONFIG_NET_CLS_BPF", Type: kTristate}, k, le(2, 4), ""},
		{"tristate n", KconfigExtern{Name: "CONFIG_BPF_LSM", Type: kTristate}, k, le(0, 4), ""},
		{"tristate from a number", KconfigExtern{Name: "CONFIG_HZ", Type: kTristate}, k, nil, `kconfig CONFIG_HZ: value "250" implies an integer type, not enum libbpf_tristate`},
		{"char m", KconfigExtern{Name: "CONFIG_NET_CLS_BPF", Type: kChar}, k, []byte{'m'}, ""},
		{"int from y", KconfigExtern{Name: "CONFIG_BPF_JIT", Type: kInt}, k, nil, "kconfig CONFIG_BPF_JIT: value 'y' implies a bool, tristate or char type, not integer"},
		{"int, first of two values", KconfigExtern{Name: "CONFIG_HZ", Type: kInt}, k, le(250, 4), ""},
		{"unsigned char", KconfigExtern{Name: "CONFIG_HZ", Type: kU8}, k, []byte{250}, ""},
		{"signed char too small", KconfigExtern{Name: "CONFIG_HZ", Type: kS8}, k, nil, "kconfig CONFIG_HZ: value 250 does not fit in 1 bytes"},
		{"u16", KconfigExtern{Name: "CONFIG_NR_CPUS", Type: kU16}, k, le(256, 2), ""},
		{"u16 too small", KconfigExtern{Name: "CONFIG_BIG", Type: kU16}, k, nil, "kconfig CONFIG_BIG: value 65536 does not fit in 2 bytes"},
		{"hex u64", KconfigExtern{Name: "CONFIG_ILLEGAL_POINTER_VALUE", Type: kU64}, k, le(0xdead000000000000, 8), ""},
		{"hex too big for u32", KconfigExtern{Name: "CONFIG_ILLEGAL_POINTER_VALUE", Type: kU32}, k, nil, "kconfig CONFIG_ILLEGAL_POINTER_VALUE: value 16045481047390945280 does not fit in 4 bytes"},
		{"hex s64", KconfigExtern{Name: "CONFIG_PHYSICAL_ALIGN", Type: kS64}, k, le(0x1000000, 8), ""},
		{"octal", KconfigExtern{Name: "CONFIG_OCTAL", Type: kInt}, k, le(0o755, 4), ""},
		{"negative int", KconfigExtern{Name: "CONFIG_NEGATIVE", Type: kInt}, k, le(0xffffffff, 4), ""},
		{"negative signed char", KconfigExtern{Name: "CONFIG_NEGATIVE", Type: kS8}, k, []byte{0xff}, ""},
		{"negative unsigned", KconfigExtern{Name: "CONFIG_NEGATIVE", Type: kU32}, k, nil, "kconfig CONFIG_NEGATIVE: value 18446744073709551615 does not fit in 4 bytes"},
		{"-129 in short", KconfigExtern{Name: "CONFIG_MINUS_129", Type: kS16}, k, le(0xff7f, 2), ""},
		{"-129 in signed char", KconfigExtern{Name: "CONFIG_MINUS_129", Type: kS8}, k, nil, "kconfig CONFIG_MINUS_129: value 18446744073709551487 does not fit in 1 bytes"},
		{"not a number", KconfigExtern{Name: "CONFIG_NOT_A_NUMBER", Type: kInt}, k, nil, `kconfig CONFIG_NOT_A_NUMBER: value "12abc" is not a valid integer`},
		{"string", KconfigExtern{Name: "CONFIG_DEFAULT_HOSTNAME", Type: kCharArr(8)}, k, []byte("(none)\x00\x00"), ""},
		{"string cut to fit its NUL", KconfigExtern{Name: "CONFIG_CC_VERSION_TEXT", Type: kCharArr(4)}, k, []byte("gcc\x00"), ""},
		{"empty string", KconfigExtern{Name: "CONFIG_EMPTY_STRING", Type: kCharArr(2)}, k, []byte{0, 0}, ""},
		{"string without closing quote", KconfigExtern{Name: "CONFIG_UNTERMINATED", Type: kCharArr(8)}, k, nil, `kconfig CONFIG_UNTERMINATED: invalid string value "abc`},
		{"string into an int", KconfigExtern{Name: "CONFIG_CC_VERSION_TEXT", Type: kInt}, k, nil, `kconfig CONFIG_CC_VERSION_TEXT: value "gcc (GCC) 15.3.0" implies a char array type, not integer`},
		{"number into a string", KconfigExtern{Name: "CONFIG_HZ", Type: kCharArr(4)}, k, nil, `kconfig CONFIG_HZ: value "250" implies an integer type, not char array`},
		{"typedef", KconfigExtern{Name: "CONFIG_HZ", Type: &btf.Typedef{Name: "u32", Type: kU32}}, k, le(250, 4), ""},
		{"const volatile", KconfigExtern{Name: "CONFIG_HZ", Type: &btf.Const{Type: &btf.Volatile{Type: kInt}}}, k, le(250, 4), ""},
		{"the extern's VAR", KconfigExtern{Name: "CONFIG_HZ", Type: &btf.Var{Name: "CONFIG_HZ", Type: kInt, Linkage: btf.ExternVar}}, k, le(250, 4), ""},
		{"at an offset", KconfigExtern{Name: "CONFIG_HZ", Type: kU16, Offset: 6}, k, []byte{0, 0, 0, 0, 0, 0, 250, 0}, ""},
		{"int array", KconfigExtern{Name: "CONFIG_HZ", Type: kIntArr}, k, nil, "kconfig CONFIG_HZ: type Array[index=Int:\"__ARRAY_SIZE_TYPE__\" type=Int:\"int\" n=2] is not a .kconfig type (bool, char, an integer, enum libbpf_tristate or char[N])"},
		{"other enum", KconfigExtern{Name: "CONFIG_HZ", Type: kEnum}, k, nil, "kconfig CONFIG_HZ: type Enum:\"other\"[size=4 values=0] is not a .kconfig type (bool, char, an integer, enum libbpf_tristate or char[N])"},
		{"missing weak", KconfigExtern{Name: "CONFIG_BPFLD_NONE", Type: kBool, Weak: true}, k, []byte{0}, ""},
		{"missing weak string", KconfigExtern{Name: "CONFIG_BPFLD_NONE", Type: kCharArr(3), Weak: true}, k, []byte{0, 0, 0}, ""},
		{"missing strong", KconfigExtern{Name: "CONFIG_BPFLD_NONE", Type: kBool}, k, nil, "kconfig CONFIG_BPFLD_NONE: not set in the kernel config, and not __weak"},
		{"no kernel config, weak", KconfigExtern{Name: "CONFIG_BPF_SYSCALL", Type: kBool, Weak: true}, noConfig, nil, "kconfig CONFIG_BPF_SYSCALL: no kernel config (tried /boot/config-6.18.44, /proc/config.gz)"},
		{"no kernel config, overridden", KconfigExtern{Name: "CONFIG_BPF_SYSCALL", Type: kBool}, overridden, []byte{1}, ""},
		{"kernel version", KconfigExtern{Name: KconfigKernelVersion, Type: kInt}, k, le(397868, 4), ""},
		{"kernel version unknown", KconfigExtern{Name: KconfigKernelVersion, Type: kInt, Weak: true}, noVersion, nil, "kconfig LINUX_KERNEL_VERSION: the kernel's version is unknown"},
		{"kernel version too big", KconfigExtern{Name: KconfigKernelVersion, Type: kU16}, k, nil, "kconfig LINUX_KERNEL_VERSION: value 397868 does not fit in 2 bytes"},
		{"bpf cookie", KconfigExtern{Name: KconfigHasBPFCookie, Type: kBool}, withCookie, []byte{1}, ""},
		{"bpf cookie unknown", KconfigExtern{Name: KconfigHasBPFCookie, Type: kBool}, k, []byte{0}, ""},
		{"syscall wrapper unknown", KconfigExtern{Name: KconfigHasSyscallWrapper, Type: kInt}, k, le(0, 4), ""},
		{"virtual into a string", KconfigExtern{Name: KconfigHasBPFCookie, Type: kCharArr(2)}, withCookie, nil, "kconfig LINUX_HAS_BPF_COOKIE: value 1 implies an integer, char or bool type, not char array"},
		{"unknown virtual, weak", KconfigExtern{Name: "LINUX_BPFLD_UNKNOWN", Type: kInt, Weak: true}, k, le(0, 4), ""},
		{"unknown virtual, weak string", KconfigExtern{Name: "LINUX_BPFLD_UNKNOWN", Type: kCharArr(4), Weak: true}, k, nil, "kconfig LINUX_BPFLD_UNKNOWN: value 0 implies an integer, char or bool type, not char array"},
		{"unknown virtual, strong", KconfigExtern{Name: "LINUX_BPFLD_UNKNOWN", Type: kInt}, k, nil, "kconfig LINUX_BPFLD_UNKNOWN: not a virtual value libbpf knows (LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER), and not __weak"},
		{"neither CONFIG_ nor LINUX_", KconfigExtern{Name: "BPFLD_OPTION", Type: kInt, Weak: true}, k, nil, "kconfig BPFLD_OPTION: only CONFIG_* and LINUX_* .kconfig externs exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BuildKconfigData([]KconfigExtern{tt.ext}, tt.k)
			if tt.errMsg != "" {
				if err == nil || err.Error() != tt.errMsg {
					t.Fatalf("got error %v\nwant %s", err, tt.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("got % x, want % x", got, tt.want)
			}
		})
	}
}

func TestLayoutKconfig(t *testing.T) {
	externs := []KconfigExtern{
		{Name: "CONFIG_A", Type: kBool},
		{Name: "CONFIG_B", Type: kS64},
		{Name: "CONFIG_C", Type: kCharArr(5)},
		{Name: "CONFIG_F", Type: kTristate},
		{Name: "CONFIG_D", Type: kInt},
		{Name: "CONFIG_E", Type: kU16},
	}
	size, err := LayoutKconfig(externs)
	if err != nil {
		t.Fatal(err)
	}
	// libbpf's order: alignment 8, 4 (then by name), 2, 1 (then by size).
	want := map[string]uint32{"CONFIG_B": 0, "CONFIG_D": 8, "CONFIG_F": 12, "CONFIG_E": 16, "CONFIG_A": 18, "CONFIG_C": 19}
	for _, e := range externs {
		if e.Offset != want[e.Name] {
			t.Errorf("%s at %d, want %d", e.Name, e.Offset, want[e.Name])
		}
	}
	if size != 24 {
		t.Errorf("size %d, want 24", size)
	}

	errs := []struct {
		name    string
		externs []KconfigExtern
		want    string
	}{
		{"twice", []KconfigExtern{{Name: "CONFIG_A", Type: kBool}, {Name: "CONFIG_A", Type: kBool}}, "kconfig CONFIG_A: listed twice"},
		{"bad type", []KconfigExtern{{Name: "CONFIG_A", Type: kIntArr}}, "kconfig CONFIG_A: type Array[index=Int:\"__ARRAY_SIZE_TYPE__\" type=Int:\"int\" n=2] is not a .kconfig type (bool, char, an integer, enum libbpf_tristate or char[N])"},
	}
	for _, tt := range errs {
		if _, err := LayoutKconfig(tt.externs); err == nil || err.Error() != tt.want {
			t.Errorf("%s: got error %v, want %s", tt.name, err, tt.want)
		}
	}
}

func TestParseKconfig(t *testing.T) {
	k := sampleKconfig(t)
	values := []struct{ name, want string }{
		{"CONFIG_BPF_SYSCALL", "y"},
		{"CONFIG_HZ", "250"},
		{"CONFIG_DEFAULT_HOSTNAME", `"(none)"`},
		{"CONFIG_UNTERMINATED", `"abc`},
	}
	for _, v := range values {
		if got, ok := k.Value(v.name); !ok || got != v.want {
			t.Errorf("%s = %q, %v; want %q", v.name, got, ok, v.want)
		}
	}
	if v, ok := k.Value("CONFIG_BPF_PRELOAD"); ok {
		t.Errorf("CONFIG_BPF_PRELOAD, not set, has value %q", v)
	}

	errs := []struct{ text, want string }{
		{"# comment\nCONFIG_X\n", `line 2: "CONFIG_X": no '=' between name and value`},
		{"CONFIG_X=\n", `line 1: "CONFIG_X=": no value`},
	}
	for _, tt := range errs {
		if _, err := ParseKconfig(strings.NewReader(tt.text)); err == nil || err.Error() != tt.want {
			t.Errorf("%q: got error %v, want %s", tt.text, err, tt.want)
		}
	}
}

func TestParseKconfigAssignment(t *testing.T) {
	tests := []struct{ in, name, value, err string }{
		{"CONFIG_X=y", "CONFIG_X", "y", ""},
		{`CONFIG_S="a=b"`, "CONFIG_S", `"a=b"`, ""},
		{"LINUX_KERNEL_VERSION=394240", "LINUX_KERNEL_VERSION", "394240", ""},
		{"CONFIG_X", "", "", `"CONFIG_X": no '=' between name and value`},
		{"=y", "", "", `"=y": no name`},
		{"CONFIG_X=", "", "", `"CONFIG_X=": no value`},
	}
	for _, tt := range tests {
		name, value, err := ParseKconfigAssignment(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: got error %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || name != tt.name || value != tt.value {
			t.Errorf("%q: got %q, %q, %v", tt.in, name, value, err)
		}
	}
}

func TestLoadKconfig(t *testing.T) {
	dir := t.TempDir()
	plain, err := os.ReadFile("testdata/kconfig.sample")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(plain)
	w.Close()
	gzPath := filepath.Join(dir, "config.gz")
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("CONFIG_X\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")

	tests := []struct{ name, path, err string }{
		{"plain", "testdata/kconfig.sample", ""},
		{"gzip", gzPath, ""},
		{"malformed", bad, "kernel config " + bad + `: line 1: "CONFIG_X": no '=' between name and value`},
		{"missing", missing, "kernel config: open " + missing + ": no such file or directory"},
	}
	version, versionErr := RunningKernelVersion()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := LoadKconfig(tt.path)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("got error %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := k.Value("CONFIG_NET_CLS_BPF"); v != "m" {
				t.Errorf("CONFIG_NET_CLS_BPF = %q, want m", v)
			}
			if versionErr == nil {
				if v, _ := k.Value(KconfigKernelVersion); v != strconv.Itoa(int(version)) {
					t.Errorf("LINUX_KERNEL_VERSION = %q, want %d", v, version)
				}
			}
		})
	}
}

// TestLoadKconfigSystem reads the running kernel's config and virtual
// values.
func TestLoadKconfigSystem(t *testing.T) {
	k, err := LoadKconfig("")
	if err != nil {
		t.Fatal(err)
	}
	if k.noConfig != nil {
		t.Skipf("the running kernel's config is not readable: %v", k.noConfig)
	}
	if v, ok := k.Value("CONFIG_BPF_SYSCALL"); !ok || v != "y" {
		t.Errorf("CONFIG_BPF_SYSCALL = %q, %v; want y", v, ok)
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skipf("no kernel BTF for the LINUX_HAS_* values: %v", err)
	}
	// Every kernel with BTF this project runs on (6.x) has both.
	for _, name := range []string{KconfigHasBPFCookie, KconfigHasSyscallWrapper} {
		if v, _ := k.Value(name); v != "1" {
			t.Errorf("%s = %q, want 1", name, v)
		}
	}
}

func TestKernelVersion(t *testing.T) {
	tests := []struct {
		name, signature, release, version string
		want                              uint32
	}{
		{"uname release", "", "6.18.44-fc-v782", "#1 SMP PREEMPT_DYNAMIC @0", 6<<16 | 18<<8 | 44},
		{"patch level capped", "", "4.9.337", "#1 SMP", 4<<16 | 9<<8 | 255},
		{"Ubuntu signature", "Ubuntu 5.4.0-12.15-generic 5.4.8\n", "5.4.0-12-generic", "#13-Ubuntu SMP", 5<<16 | 4<<8 | 8},
		{"Debian version", "", "4.19.0-22-amd64", "#1 SMP Debian 4.19.260-1 (2022-09-29)", 4<<16 | 19<<8 | 255},
		{"short signature ignored", "Ubuntu", "6.1.0", "", 6<<16 | 1<<8},
		{"no patch level", "", "6.18-rc1", "", 0},
	}
	for _, tt := range tests {
		if got := kernelVersion(tt.signature, tt.release, tt.version); got != tt.want {
			t.Errorf("%s: got %#x, want %#x", tt.name, got, tt.want)
		}
	}
}

// TestBuildKconfigDataLibbpf builds the .kconfig value of
// testdata/kconfig.bpf.o for the running kernel, laid out as libbpf lays it
// out, and compares it with the one libbpf builds when bpftool loads the
// object.
func TestBuildKconfigDataLibbpf(t *testing.T) {
	kerneltest.Require(t)
	if _, err := exec.LookPath("bpftool"); err != nil {
		t.Skipf("bpftool not installed: %v", err)
	}
	var fs unix.Statfs_t
	if err := unix.Statfs("/sys/fs/bpf", &fs); err != nil || fs.Type != unix.BPF_FS_MAGIC {
		t.Skip("no bpffs at /sys/fs/bpf to pin bpftool's objects in")
	}
	k, err := LoadKconfig("")
	if err != nil {
		t.Fatal(err)
	}
	if k.noConfig != nil {
		t.Skipf("the running kernel's config is not readable: %v", k.noConfig)
	}

	obj := readObject(t, "testdata/kconfig.bpf.o")
	var ds *btf.Datasec
	if err := obj.spec.TypeByName(".kconfig", &ds); err != nil {
		t.Fatal(err)
	}
	var externs []KconfigExtern
	for _, v := range ds.Vars {
		name := v.Type.TypeName()
		externs = append(externs, KconfigExtern{Name: name, Type: v.Type, Weak: obj.externs[name] == goelf.STB_WEAK})
	}
	if _, err := LayoutKconfig(externs); err != nil {
		t.Fatal(err)
	}
	ours, err := BuildKconfigData(externs, k)
	if err != nil {
		t.Fatal(err)
	}

	pin := fmt.Sprintf("/sys/fs/bpf/bpfld_reloc_%d", os.Getpid())
	t.Cleanup(func() { os.RemoveAll(pin); os.RemoveAll(pin + "_maps") })
	if out, err := exec.Command("bpftool", "prog", "loadall", "testdata/kconfig.bpf.o", pin, "pinmaps", pin+"_maps").CombinedOutput(); err != nil {
		t.Fatalf("bpftool prog loadall: %v\n%s", err, out)
	}
	out, err := exec.Command("bpftool", "-j", "map", "dump", "pinned", pin+"_maps/kconfig_kconfig").Output()
	if err != nil {
		t.Fatalf("bpftool map dump: %v", err)
	}
	var dump []struct {
		Value []string `json:"value"`
	}
	if err := json.Unmarshal(out, &dump); err != nil || len(dump) != 1 {
		t.Fatalf("bpftool map dump: %v\n%s", err, out)
	}
	var theirs []byte
	for _, h := range dump[0].Value {
		b, err := strconv.ParseUint(strings.TrimPrefix(h, "0x"), 16, 8)
		if err != nil {
			t.Fatal(err)
		}
		theirs = append(theirs, byte(b))
	}
	if !bytes.Equal(ours, theirs) {
		t.Errorf("bpfld's .kconfig\n% x\nlibbpf's\n% x", ours, theirs)
	}
}
