package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseMapper(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   map[int]string
	}{
		{
			name: "numbered by position (linux 6.1)",
			header: `#define __BPF_FUNC_MAPPER(FN)		\
	FN(unspec),			\
	FN(map_lookup_elem),		\
	FN(tail_call),			\
	/* */
enum bpf_func_id {`,
			want: map[int]string{0: "bpf_unspec", 1: "bpf_map_lookup_elem", 2: "bpf_tail_call"},
		},
		{
			name: "explicit numbers (linux 6.2 and later)",
			header: `#define ___BPF_FUNC_MAPPER(FN, ctx...)			\
	FN(unspec, 0, ##ctx)				\
	FN(map_lookup_elem, 1, ##ctx)			\
	FN(cgrp_storage_delete, 211, ##ctx)		\
	/* */

#define __BPF_FUNC_MAPPER_APPLY(name, value, FN) FN(name),
#define __BPF_FUNC_MAPPER(FN) ___BPF_FUNC_MAPPER(__BPF_FUNC_MAPPER_APPLY, FN)`,
			want: map[int]string{0: "bpf_unspec", 1: "bpf_map_lookup_elem", 211: "bpf_cgrp_storage_delete"},
		},
	}
	for _, tt := range tests {
		got, err := parseMapper(strings.NewReader(tt.header))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	if _, err := parseMapper(strings.NewReader("enum bpf_func_id {};")); err == nil {
		t.Error("a header without the mapper list parsed without error")
	}
}

func TestHelperDef(t *testing.T) {
	tests := map[string][]string{
		`static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) 1;`:                   {"bpf_map_lookup_elem", "1"},
		`static long (* const bpf_cgrp_storage_delete)(void *map, struct cgroup *cgroup) = (void *) 211;`: {"bpf_cgrp_storage_delete", "211"},
		`struct bpf_fib_lookup;`: nil,
	}
	for line, want := range tests {
		m := helperDef.FindStringSubmatch(line)
		if want == nil {
			if m != nil {
				t.Errorf("%q matched", line)
			}
			continue
		}
		if m == nil || m[1] != want[0] || m[2] != want[1] {
			t.Errorf("%q: got %v, want %v", line, m, want)
		}
	}
}

func TestMergeConflict(t *testing.T) {
	if _, err := merge(map[int]string{1: "bpf_a"}, map[int]string{1: "bpf_b"}); err == nil {
		t.Error("conflicting names merged without error")
	}
}
