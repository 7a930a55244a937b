package vm

import (
	"encoding/binary"
	"testing"

	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/reloc"
	"github.com/bpfld/bpfld/runtime"
)

// vmLink are the link options for images the VM runs with its stand-ins
// for kernel symbols.
func vmLink() link.Options {
	return link.Options{Ksyms: reloc.NewStandInResolver(StandIns())}
}

// TestStandIns runs the objects with .ksyms externs on images linked with
// the VM's stand-ins: kfunc calls and kernel variables.
func TestStandIns(t *testing.T) {
	cases := []struct {
		obj, prog string
		in        runtime.RunInput
		retval    uint32
	}{
		{"kconfig.bpf.o", "kfunc_len", runtime.RunInput{Data: zeros(64)}, 64},
		{"kconfig.bpf.o", "kconfig_values", runtime.RunInput{Context: zeros(64)}, 7},
		{"ksyms.bpf.o", "ksym_addrs", runtime.RunInput{Context: zeros(64)}, 15},
	}
	for _, tc := range cases {
		t.Run(tc.prog, func(t *testing.T) {
			img := linkObjectsWith(t, vmLink(), tc.obj)
			res, err := newVM(t, img).Run(tc.prog, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Retval != tc.retval {
				t.Errorf("retval %d, want %d", res.Retval, tc.retval)
			}
		})
	}
}

// TestTypelessKsymAddresses checks that a typeless ksym is the kernel's
// address from /proc/kallsyms, a plain number as in Linux, where kallsyms
// shows addresses (as root): a program that stores or subtracts them
// (&__stop_BTF - &__start_BTF) gets what it gets in the kernel.
func TestTypelessKsymAddresses(t *testing.T) {
	addrs, err := kallsymsAddrs()
	if err != nil || addrs["__start_BTF"] == 0 || addrs["do_nanosleep"] == 0 {
		t.Skipf("/proc/kallsyms shows no addresses here (they need root): %v", err)
	}
	img := linkObjectsWith(t, vmLink(), "ksyms.bpf.o")
	c := newVM(t, img)
	if _, err := c.Run("ksym_addrs", runtime.RunInput{Context: zeros(64)}); err != nil {
		t.Fatal(err)
	}
	bss, err := c.Lookup(".bss", make([]byte, 4))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range img.Maps {
		for _, v := range m.Variables {
			want := map[string]uint64{"btf_addr": addrs["__start_BTF"], "func_addr": addrs["do_nanosleep"]}[v.Name]
			if m.Name != ".bss" || want == 0 {
				continue
			}
			if got := binary.NativeEndian.Uint64(bss[v.Offset:]); got != want {
				t.Errorf("%s = %#x, want the kernel's %#x", v.Name, got, want)
			}
		}
	}
}
