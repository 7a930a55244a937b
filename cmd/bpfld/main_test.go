package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfld/bpfld/runtime/kernel"
)

// run runs bpfld with args and returns its exit code, stdout and stderr.
func run(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := runMain(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestCommands(t *testing.T) {
	tmp := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		kernel bool // needs the kernel backend
		code   int
		stdout []string // each must appear in stdout
		stderr string   // must appear in stderr
	}{
		{name: "help", args: []string{"help"}, code: 0, stdout: []string{"bpfld COMMAND", "dump", "bench"}},
		{name: "no command", args: nil, code: 2},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, stderr: `unknown command "frobnicate"`},
		{name: "dump", args: []string{"dump", "../../testdata/objs/tailcall.bpf.o"}, code: 0,
			stdout: []string{"jmp_table: prog_array key 4 value 4 max_entries 8", "[1] = target_one",
				"program tail_const: section \"tc\", type tc", "(18) r2 = map[jmp_table]", "(85) call bpf_tail_call#12",
				"(85) call pc+2#tail_in_sub"}},
		{name: "dump one program", args: []string{"dump", "../../testdata/objs/tailcall.bpf.o", "--prog", "tail_oob"}, code: 0,
			stdout: []string{"program tail_oob"}},
		{name: "dump globals", args: []string{"dump", "../../testdata/objs/globals.bpf.o"}, code: 0,
			stdout: []string{".rodata: array", "read-only", "data_var", "map[.data][0]+",
				"4 bytes  const volatile __u32", "16 bytes  __u32[4]", "16 bytes  struct pair"}},
		{name: "dump json", args: []string{"dump", "--json", "../../testdata/objs/calls.bpf.o"}, code: 0,
			stdout: []string{`"name": "calls_tc"`, `"text": "exit"`}},
		{name: "dump with a kfunc the kernel lacks", args: []string{"dump", "../../elf/testdata/externs.o"}, code: 0,
			stdout: []string{"call <call to unresolved weak kfunc>#"}},
		{name: "dump unknown program", args: []string{"dump", "../../testdata/objs/tailcall.bpf.o", "--prog", "nope"}, code: 2,
			stderr: "no program nope"},
		{name: "dump not an object", args: []string{"dump", "testdata/notelf.o"}, code: 2, stderr: "testdata/notelf.o: not an ELF file"},
		{name: "dump missing file", args: []string{"dump", "testdata/missing.o"}, code: 2, stderr: "testdata/missing.o: no such file or directory"},
		{name: "bad flag", args: []string{"dump", "--frob"}, code: 2, stderr: "flag provided but not defined"},
		{name: "link", args: []string{"link", "-o", filepath.Join(tmp, "linked.o"), "../../testdata/objs/link_main.bpf.o", "../../testdata/objs/link_lib.bpf.o"}, code: 0},
		{name: "dump linked", args: []string{"dump", filepath.Join(tmp, "linked.o")}, code: 0, stdout: []string{"program link_entry", "call pc+12#pick"}},
		{name: "link conflict", args: []string{"link", "-o", filepath.Join(tmp, "conflict.o"), "../../testdata/objs/conflict_a.bpf.o", "../../testdata/objs/conflict_b.bpf.o"}, code: 2,
			stderr: `function "dup_fn" is defined in both ../../testdata/objs/conflict_a.bpf.o and ../../testdata/objs/conflict_b.bpf.o (neither definition is __weak)`},
		{name: "link unresolved", args: []string{"link", "-o", filepath.Join(tmp, "unresolved.o"), "../../testdata/objs/unresolved.bpf.o"}, code: 2,
			stderr: `unresolved extern function "missing_fn", needed by ../../testdata/objs/unresolved.bpf.o`},
		{name: "link partial", args: []string{"link", "--allow-unresolved", "-o", filepath.Join(tmp, "partial.o"), "../../testdata/objs/unresolved.bpf.o"}, code: 0},
		{name: "link needs -o", args: []string{"link", "../../testdata/objs/unresolved.bpf.o"}, code: 2, stderr: "-o OUT.o"},
		{name: "verify vm", args: []string{"verify", "../../testdata/objs/bad_stack.bpf.o"}, code: 3,
			stdout: []string{"FAIL bad_stack_read: instruction 0 (r0 = *(u64 *)(r10 -520)): combined stack size of 1 calls is 528 bytes, more than 512"}},
		{name: "verify kernel", args: []string{"verify", "../../testdata/objs/bad_null.bpf.o", "--backend", "kernel"}, kernel: true, code: 3,
			stdout: []string{"FAIL bad_null_deref: R0 invalid mem access 'map_value_or_null'", "7: (79) r0 = *(u64 *)(r0 +0)"}},
		{name: "verify ok", args: []string{"verify", "../../testdata/manifests/tailcall.yaml"}, code: 0, stdout: []string{"ok   tail_const"}},
		{name: "prog array of another type", args: []string{"test", "testdata/caller_type.yaml"}, code: 2,
			stderr: "program xdp_pass is of type xdp, but proto_table holds programs of type tc (dispatch, which tail-calls through it)"},
		{name: "run needs --prog", args: []string{"run", "testdata/failing.yaml"}, code: 2, stderr: "--prog"},
		{name: "failing test", args: []string{"test", "testdata/failing.yaml", "--backend", "kernel"}, kernel: true, code: 1,
			stdout: []string{"ok   right", "FAIL wrong: retval: expected 7, got 1", "1 passed, 1 failed"}},
		{name: "run", args: []string{"run", "testdata/failing.yaml", "--prog", "tail_const", "--backend", "kernel"}, kernel: true, code: 0,
			stdout: []string{"retval: 1"}},
		{name: "rejected", args: []string{"run", "../../testdata/manifests/unsafe.yaml", "--prog", "bad_stack_read", "--backend", "kernel"}, kernel: true, code: 3,
			stderr: "invalid read from stack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.kernel {
				if err := kernel.Available(); err != nil {
					t.Skipf("needs the kernel backend: %v", err)
				}
			}
			code, stdout, stderr := run(tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, stderr)
			}
		})
	}
}

// TestManifests runs every manifest of testdata on every backend
// available here: each was checked against Linux, so both must pass.
func TestManifests(t *testing.T) {
	paths, _ := filepath.Glob("../../testdata/manifests/*.yaml")
	paths = append(paths, "../../testdata/bench/bench.yaml")
	for _, backend := range []string{"vm", "kernel"} {
		for _, path := range paths {
			t.Run(backend+"/"+filepath.Base(path), func(t *testing.T) {
				if backend == "kernel" {
					if err := kernel.Available(); err != nil {
						t.Skipf("needs the kernel backend: %v", err)
					}
				}
				code, stdout, stderr := run("test", path, "--backend", backend)
				if code != 0 || !strings.HasSuffix(stdout, " passed, 0 failed\n") {
					t.Errorf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
				}
			})
		}
	}
}
