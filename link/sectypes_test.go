package link

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestSectionType(t *testing.T) {
	tests := []struct {
		sec        string
		progType   uint32
		attachType uint32
		attachTo   string
	}{
		{"tc", unix.BPF_PROG_TYPE_SCHED_CLS, 0, ""},
		{"raw_tp/sys_enter", unix.BPF_PROG_TYPE_RAW_TRACEPOINT, 0, "sys_enter"},
		{"xdp/devmap", unix.BPF_PROG_TYPE_XDP, unix.BPF_XDP_DEVMAP, ""},
		// A leading '?' only turns off libbpf's autoload (the kernel
		// selftests use it): the type is that of the rest.
		{"?raw_tp/sys_enter", unix.BPF_PROG_TYPE_RAW_TRACEPOINT, 0, "sys_enter"},
		{"?tc", unix.BPF_PROG_TYPE_SCHED_CLS, 0, ""},
		{"?", 0, 0, ""},
		{"no_such_section", 0, 0, ""},
	}
	for _, tt := range tests {
		p, a, to := sectionType(tt.sec)
		if p != tt.progType || a != tt.attachType || to != tt.attachTo {
			t.Errorf("sectionType(%q) = %d, %d, %q; want %d, %d, %q", tt.sec, p, a, to, tt.progType, tt.attachType, tt.attachTo)
		}
	}
}
