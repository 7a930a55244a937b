// Command bpfld links clang-compiled BPF objects into one program image,
// verifies it and runs it in an in-process VM or in the Linux kernel, with
// chains of programs wired through prog arrays from a YAML manifest.
//
// Run `bpfld help` for the commands; ../../README.md and SPEC.md describe
// the manifest.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/sirupsen/logrus"
)

// command is one subcommand of bpfld.
type command struct {
	name    string
	usage   string // the argument synopsis
	summary string // one line for `bpfld help`
	run     func(env *cmdEnv, args []string) error
}

// commands lists every subcommand, in the order `bpfld help` shows them.
var commands []*command

func register(c *command) { commands = append(commands, c) }

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// runMain runs bpfld with args and returns the process exit code. Tests
// call it directly.
func runMain(args []string, stdout, stderr io.Writer) int {
	log := logrus.New()
	log.SetOutput(stderr)
	log.SetLevel(logrus.WarnLevel)

	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c := lookupCommand(args[1]); c != nil {
				fmt.Fprintf(stdout, "usage: bpfld %s %s\n", c.name, c.usage)
				return exitOK
			}
		}
		printHelp(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	c := lookupCommand(args[0])
	if c == nil {
		fmt.Fprintf(stderr, "bpfld: unknown command %q (run 'bpfld help')\n", args[0])
		return exitUsage
	}
	env := &cmdEnv{stdout: stdout, stderr: stderr, log: log}
	err := c.run(env, args[1:])
	if err == nil {
		return exitOK
	}
	code := exitCodeOf(err)
	if !errors.Is(err, errQuiet) {
		fmt.Fprintf(stderr, "bpfld %s: %v\n", c.name, err)
	}
	return code
}

func lookupCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `bpfld links clang-compiled BPF objects into one program image, verifies it,
and runs it in an in-process VM (no privileges needed) or in the Linux kernel.

usage: bpfld COMMAND [ARGS] [FLAGS]

commands:
`)
	names := make([]*command, len(commands))
	copy(names, commands)
	sort.SliceStable(names, func(i, j int) bool { return order(names[i].name) < order(names[j].name) })
	for _, c := range names {
		fmt.Fprintf(w, "  %-7s %s\n          %s\n", c.name, c.usage, c.summary)
	}
	fmt.Fprint(w, `
Every command takes --log-level LEVEL (panic, fatal, error, warning, info,
debug, trace; default warning) and --json (machine-readable output).
Run 'bpfld COMMAND --help' for a command's flags.

Exit codes: 0 success, 1 a failed check or test, 2 bad usage or bad input
(unreadable object, malformed manifest, unknown program), 3 a rejected
program (verifier or kernel).
`)
}

// order fixes the help order to the pipeline's.
func order(name string) int {
	for i, n := range []string{"link", "dump", "verify", "load", "run", "test", "bench"} {
		if n == name {
			return i
		}
	}
	return 100
}
