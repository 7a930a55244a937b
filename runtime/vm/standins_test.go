package vm

import (
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
