package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfld/bpfld/runtime/kernel"
)

// TestBench runs bpfld bench on the reference programs and checks that
// both outputs carry each engine's result and the instructions a run
// executes: the VM's own count, and the same count borrowed, and labeled
// so, for the kernel.
func TestBench(t *testing.T) {
	input := filepath.Join(t.TempDir(), "zeros")
	if err := os.WriteFile(input, make([]byte, 1500), 0o644); err != nil {
		t.Fatal(err)
	}
	bench := func(prog string, extra ...string) (string, string) {
		t.Helper()
		args := append([]string{"bench", "../../testdata/bench/bench.yaml", "--prog", prog, "--input-file", input, "--repeat", "10"}, extra...)
		code, stdout, stderr := run(args...)
		if code != 0 {
			t.Fatalf("bpfld %s: exit code %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
		}
		return stdout, stderr
	}
	for _, tt := range []struct {
		prog   string
		retval uint32
		insns  uint64
	}{
		{"loop", 114, 5007},
		{"csum", 255, 9018},
		{"tc_sub", 2, 205},
	} {
		t.Run(tt.prog+"/json", func(t *testing.T) {
			stdout, _ := bench(tt.prog, "--json")
			var out struct {
				Program string `json:"program"`
				Results []struct {
					Engine           string   `json:"engine"`
					Retval           *uint32  `json:"retval"`
					NsPerRun         *float64 `json:"ns_per_run"`
					Runs             *int     `json:"runs"`
					Instructions     *uint64  `json:"instructions"`
					NsPerInsn        *float64 `json:"ns_per_insn"`
					InstructionsFrom string   `json:"instructions_from"`
				} `json:"results"`
			}
			if err := json.Unmarshal([]byte(stdout), &out); err != nil {
				t.Fatalf("%v:\n%s", err, stdout)
			}
			if out.Program != tt.prog || len(out.Results) == 0 || out.Results[0].Engine != "interp" {
				t.Fatalf("want program %s with the interp engine first:\n%s", tt.prog, stdout)
			}
			for _, r := range out.Results {
				if r.Retval == nil || r.NsPerRun == nil || r.Runs == nil || r.Instructions == nil || r.NsPerInsn == nil {
					t.Fatalf("%s: a field is missing:\n%s", r.Engine, stdout)
				}
				if *r.Retval != tt.retval || *r.Runs != 10 || *r.Instructions != tt.insns {
					t.Errorf("%s: retval %d, runs %d, instructions %d; want %d, 10, %d", r.Engine, *r.Retval, *r.Runs, *r.Instructions, tt.retval, tt.insns)
				}
				if *r.NsPerRun > 0 && *r.NsPerInsn != *r.NsPerRun/float64(*r.Instructions) {
					t.Errorf("%s: ns_per_insn %g is not ns_per_run %g / instructions %d", r.Engine, *r.NsPerInsn, *r.NsPerRun, *r.Instructions)
				}
				if want := map[string]string{"kernel": "interp"}[r.Engine]; r.InstructionsFrom != want {
					t.Errorf("%s: instructions_from %q, want %q", r.Engine, r.InstructionsFrom, want)
				}
			}
		})
	}
	t.Run("text", func(t *testing.T) {
		stdout, _ := bench("loop")
		for _, want := range []string{"NS/RUN", "INSNS", "NS/INSN", " 5007 "} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
		if kernel.Available() == nil && !strings.Contains(stdout, "5007*") {
			t.Errorf("the kernel's borrowed count is not marked:\n%s", stdout)
		}
	})
}
