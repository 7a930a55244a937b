package manifest

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ctxLayout is where Bytes puts each field: struct and field name as C
// spells them, offset and size. TestCtxLayoutMatchesHeader checks it
// against linux/bpf.h.
var ctxLayout = []struct {
	strct, field string
	offset, size int
}{
	{"__sk_buff", "mark", 8, 4},
	{"__sk_buff", "priority", 32, 4},
	{"__sk_buff", "ingress_ifindex", 36, 4},
	{"__sk_buff", "ifindex", 40, 4},
	{"__sk_buff", "cb", 48, 20},
	{"__sk_buff", "tstamp", 152, 8},
	{"__sk_buff", "wire_len", 160, 4},
	{"__sk_buff", "gso_segs", 164, 4},
	{"__sk_buff", "gso_size", 176, 4},
	{"__sk_buff", "hwtstamp", 184, 8},
	{"xdp_md", "data", 0, 4},
	{"xdp_md", "data_end", 4, 4},
	{"xdp_md", "ingress_ifindex", 12, 4},
	{"xdp_md", "rx_queue_index", 16, 4},
}

func TestSkBuffBytes(t *testing.T) {
	c := SkBuffCtx{
		Mark: 1, Priority: 2, IngressIfindex: 3, Ifindex: 4, CB: [5]uint32{5, 6, 7, 8, 9},
		Tstamp: 10, WireLen: 11, GSOSegs: 12, GSOSize: 13, HWTstamp: 14,
	}
	b := c.Bytes()
	if len(b) != SkBuffSize {
		t.Fatalf("%d bytes, want %d", len(b), SkBuffSize)
	}
	want := make([]byte, SkBuffSize)
	ne := binary.NativeEndian
	for i, v := range []uint32{1, 2, 3, 4} {
		ne.PutUint32(want[ctxLayout[i].offset:], v)
	}
	for i := range 5 {
		ne.PutUint32(want[48+4*i:], uint32(5+i))
	}
	ne.PutUint64(want[152:], 10)
	ne.PutUint32(want[160:], 11)
	ne.PutUint32(want[164:], 12)
	ne.PutUint32(want[176:], 13)
	ne.PutUint64(want[184:], 14)
	if !bytes.Equal(b, want) {
		t.Errorf("got\n%x\nwant\n%x", b, want)
	}
}

func TestXDPBytes(t *testing.T) {
	b := XDPCtx{Data: 8, IngressIfindex: 2, RxQueueIndex: 3}.Bytes(100)
	want := make([]byte, XDPMdSize)
	ne := binary.NativeEndian
	ne.PutUint32(want[0:], 8)
	ne.PutUint32(want[4:], 100)
	ne.PutUint32(want[12:], 2)
	ne.PutUint32(want[16:], 3)
	if !bytes.Equal(b, want) {
		t.Errorf("got %x, want %x", b, want)
	}
}

// TestCtxLayoutMatchesHeader compiles a C program that prints the offsets
// of ctxLayout from the installed linux/bpf.h.
func TestCtxLayoutMatchesHeader(t *testing.T) {
	clang, err := exec.LookPath("clang-19")
	if err != nil {
		t.Skipf("clang-19 not installed: %v", err)
	}
	if _, err := os.Stat("/usr/include/linux/bpf.h"); err != nil {
		t.Skipf("linux/bpf.h not installed: %v", err)
	}
	var src strings.Builder
	src.WriteString("#include <stdio.h>\n#include <stddef.h>\n#include <linux/bpf.h>\nint main(void) {\n")
	for _, f := range ctxLayout {
		src.WriteString("\tprintf(\"%zu %zu\\n\", offsetof(struct " + f.strct + ", " + f.field +
			"), sizeof(((struct " + f.strct + " *)0)->" + f.field + "));\n")
	}
	src.WriteString("\tprintf(\"%zu %zu\\n\", sizeof(struct __sk_buff), sizeof(struct xdp_md));\n}\n")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "layout.c"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "layout")
	if out, err := exec.Command(clang, "-I/usr/include/x86_64-linux-gnu", "-o", bin, filepath.Join(dir, "layout.c")).CombinedOutput(); err != nil {
		t.Skipf("clang-19 cannot build a host program here: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	pair := func(line string) (int, int) {
		f := strings.Fields(line)
		a, _ := strconv.Atoi(f[0])
		b, _ := strconv.Atoi(f[1])
		return a, b
	}
	for i, f := range ctxLayout {
		if off, size := pair(lines[i]); off != f.offset || size != f.size {
			t.Errorf("struct %s.%s at %d, %d bytes; linux/bpf.h says %d, %d bytes", f.strct, f.field, f.offset, f.size, off, size)
		}
	}
	if skb, xdp := pair(lines[len(ctxLayout)]); skb != SkBuffSize || xdp != XDPMdSize {
		t.Errorf("sizes %d, %d; linux/bpf.h says %d, %d", SkBuffSize, XDPMdSize, skb, xdp)
	}
}
