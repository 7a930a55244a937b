package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/runtime/kernel"
)

func TestLoadPin(t *testing.T) {
	if err := kernel.Available(); err != nil {
		t.Skipf("needs the kernel backend: %v", err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/bpf", &st); err != nil || uint32(st.Type) != unix.BPF_FS_MAGIC {
		t.Skip("no bpffs mounted at /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)")
	}
	dir := fmt.Sprintf("/sys/fs/bpf/bpfld-test-%d", os.Getpid())
	defer os.RemoveAll(dir)

	code, stdout, stderr := run("load", "../../testdata/manifests/tailcall.yaml", "--backend", "kernel", "--pin", dir)
	if code != 0 {
		t.Fatalf("exit code %d\n%s%s", code, stdout, stderr)
	}
	for _, name := range []string{"jmp_table", "tail_const", "target_one"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("not pinned: %v", err)
		}
	}

	code, _, stderr = run("load", "../../testdata/manifests/tailcall.yaml", "--backend", "kernel", "--pin", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "is not on a bpffs") {
		t.Errorf("pin outside bpffs: exit code %d, stderr %q", code, stderr)
	}
}
