package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bpfld/bpfld/runtime"
	"github.com/bpfld/bpfld/runtime/kernel"
)

func init() {
	register(&command{
		name:    "verify",
		usage:   "MANIFEST|FILE.o... [--prog NAME] [--log] [--backend vm|kernel]",
		summary: "check every (or one) program as loading would and print, for a rejection, the instruction, the reason and (kernel) the register state there; the vm checks instructions, jumps, calls, stack bounds and context accesses, the kernel runs its verifier",
		run:     runVerify,
	})
}

// logTail is how many lines of a verifier log a rejection shows without --log.
const logTail = 12

func runVerify(env *cmdEnv, args []string) error {
	fs, level := env.newFlagSet(lookupCommand("verify"))
	var bf backendFlags
	bf.register(fs)
	prog := fs.String("prog", "", "verify only this program")
	args, err := env.parse(fs, level, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usageErrorf("verify needs a manifest or object files")
	}
	img, _, err := openInput(args, bf.linkOptions(), false)
	if err != nil {
		return err
	}
	if *prog != "" && img.Program(*prog) == nil {
		return errNoProgram(img, *prog)
	}
	var opts kernel.Options
	if bf.fullLog && bf.backend == "kernel" {
		opts.LogLevel = 1 // LogLevelBranch: the whole log, not only on failure
	}
	coll, err := bf.openWith(img, opts)
	if err != nil {
		return err
	}
	defer coll.Close()

	type result struct {
		Program string `json:"program"`
		OK      bool   `json:"ok"`
		Reason  string `json:"reason,omitempty"`
		Log     string `json:"log,omitempty"`
	}
	var results []result
	rejected := 0
	for _, p := range img.Programs {
		if *prog != "" && p.Name != *prog {
			continue
		}
		err := coll.LoadProgram(p.Name)
		r := result{Program: p.Name, OK: err == nil}
		var rej *runtime.RejectedError
		switch {
		case errors.As(err, &rej):
			r.Reason, r.Log = rej.Reason, rej.Log
			rejected++
		case err != nil:
			return err
		}
		results = append(results, r)
		if env.json {
			continue
		}
		if r.OK {
			fmt.Fprintf(env.stdout, "ok   %s\n", p.Name)
			continue
		}
		fmt.Fprintf(env.stdout, "FAIL %s: %s\n", p.Name, r.Reason)
		if r.Log != "" {
			fmt.Fprintln(env.stdout, indent(tail(r.Log, bf.fullLog)))
		}
	}
	if env.json {
		if err := env.printJSON(results); err != nil {
			return err
		}
	}
	if rejected > 0 {
		return &exitError{exitRejected, errQuiet}
	}
	return nil
}

// tail returns the last logTail lines of a log, or all of it.
func tail(log string, all bool) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	if !all && len(lines) > logTail+1 {
		lines = append([]string{fmt.Sprintf("... (%d lines; --log shows all)", len(lines)-logTail)}, lines[len(lines)-logTail:]...)
	}
	return strings.Join(lines, "\n")
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
