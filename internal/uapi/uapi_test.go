package uapi

import (
	"testing"

	"golang.org/x/sys/unix"
)

// The tables follow the kernel's enums: check them against the values
// golang.org/x/sys/unix has.
func TestNames(t *testing.T) {
	maps := map[uint32]string{
		unix.BPF_MAP_TYPE_HASH: "hash", unix.BPF_MAP_TYPE_PROG_ARRAY: "prog_array",
		unix.BPF_MAP_TYPE_LRU_PERCPU_HASH: "lru_percpu_hash", unix.BPF_MAP_TYPE_RINGBUF: "ringbuf",
		unix.BPF_MAP_TYPE_CGRP_STORAGE: "cgrp_storage", 33: "arena",
	}
	for typ, want := range maps {
		if got, ok := MapTypeName(typ); got != want || !ok {
			t.Errorf("MapTypeName(%d) = %q, %v, want %q", typ, got, ok, want)
		}
	}
	if got, ok := MapTypeName(999); ok {
		t.Errorf("MapTypeName(999) = %q, want none", got)
	}
	progs := map[uint32]string{
		unix.BPF_PROG_TYPE_SOCKET_FILTER: "socket_filter", unix.BPF_PROG_TYPE_SCHED_CLS: "sched_cls",
		unix.BPF_PROG_TYPE_XDP: "xdp", unix.BPF_PROG_TYPE_RAW_TRACEPOINT: "raw_tracepoint",
		unix.BPF_PROG_TYPE_LWT_SEG6LOCAL: "lwt_seg6local", unix.BPF_PROG_TYPE_SYSCALL: "syscall",
		unix.BPF_PROG_TYPE_NETFILTER: "netfilter",
	}
	for typ, want := range progs {
		if got, ok := ProgTypeName(typ); got != want || !ok {
			t.Errorf("ProgTypeName(%d) = %q, %v, want %q", typ, got, ok, want)
		}
	}
	for _, typ := range []uint32{0, 999} {
		if got, ok := ProgTypeName(typ); ok {
			t.Errorf("ProgTypeName(%d) = %q, want none", typ, got)
		}
	}
}

func TestContextOf(t *testing.T) {
	tests := []struct {
		typ  uint32
		want Context
		eth  bool
	}{
		{unix.BPF_PROG_TYPE_SOCKET_FILTER, ContextSKB, false},
		{unix.BPF_PROG_TYPE_SCHED_CLS, ContextSKB, true},
		{unix.BPF_PROG_TYPE_SCHED_ACT, ContextSKB, true},
		{unix.BPF_PROG_TYPE_CGROUP_SKB, ContextSKB, false},
		{unix.BPF_PROG_TYPE_LWT_XMIT, ContextSKB, false},
		{unix.BPF_PROG_TYPE_SK_SKB, ContextSKB, false},
		{unix.BPF_PROG_TYPE_XDP, ContextXDP, false},
		{unix.BPF_PROG_TYPE_RAW_TRACEPOINT, ContextRaw, false},
		{unix.BPF_PROG_TYPE_LWT_SEG6LOCAL, ContextRaw, false},
		{unix.BPF_PROG_TYPE_KPROBE, ContextRaw, false},
	}
	for _, tt := range tests {
		if got := ContextOf(tt.typ); got != tt.want {
			t.Errorf("ContextOf(%d) = %d, want %d", tt.typ, got, tt.want)
		}
		if got := PacketFromEthernet(tt.typ); got != tt.eth {
			t.Errorf("PacketFromEthernet(%d) = %v, want %v", tt.typ, got, tt.eth)
		}
	}
}
