package insn

import "testing"

func TestHelperName(t *testing.T) {
	tests := []struct {
		id   int32
		want string
	}{
		{0, "bpf_unspec"},
		{1, "bpf_map_lookup_elem"},
		{2, "bpf_map_update_elem"},
		{12, "bpf_tail_call"},
		{14, "bpf_get_current_pid_tgid"},
		{130, "bpf_ringbuf_output"},
		{209, "bpf_user_ringbuf_drain"},
		{211, "bpf_cgrp_storage_delete"},
		{int32(len(helperNames)), "unknown#212"},
		{-1, "unknown#-1"},
	}
	for _, tt := range tests {
		if got := HelperName(tt.id); got != tt.want {
			t.Errorf("HelperName(%d) = %q, want %q", tt.id, got, tt.want)
		}
	}
	for id, name := range helperNames {
		if name == "" {
			t.Errorf("helper %d has no name", id)
			continue
		}
		if got, ok := HelperID(name); !ok || got != int32(id) {
			t.Errorf("HelperID(%q) = %d, %v, want %d", name, got, ok, id)
		}
	}
	if _, ok := HelperID("bpf_no_such_helper"); ok {
		t.Error("HelperID found bpf_no_such_helper")
	}
}
