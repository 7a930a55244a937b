package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/sirupsen/logrus"
)

// cmdEnv is what every command gets: where to write, the logger and the
// global flags.
type cmdEnv struct {
	stdout, stderr io.Writer
	log            *logrus.Logger
	json           bool
}

// newFlagSet returns a flag set with the global flags every command takes.
func (env *cmdEnv) newFlagSet(c *command) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("bpfld "+c.name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "usage: bpfld %s %s\n\n%s\n\nflags:\n", c.name, c.usage, c.summary)
		fs.PrintDefaults()
	}
	level := fs.String("log-level", "warning", "log level: panic, fatal, error, warning, info, debug or trace")
	fs.BoolVar(&env.json, "json", false, "write machine-readable JSON to stdout")
	return fs, level
}

// parse parses args with flags and positional arguments in any order
// (`bpfld run m.yaml --prog x` as well as `bpfld run --prog x m.yaml`) and
// returns the positional ones.
func (env *cmdEnv) parse(fs *flag.FlagSet, level *string, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, &exitError{exitOK, errQuiet}
			}
			return nil, usageErrorf("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			positional = append(positional, args[1:]...)
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	lvl, err := logrus.ParseLevel(*level)
	if err != nil {
		return nil, usageErrorf("--log-level: %v", err)
	}
	env.log.SetLevel(lvl)
	return positional, nil
}

// printJSON writes v to stdout as indented JSON.
func (env *cmdEnv) printJSON(v any) error {
	enc := json.NewEncoder(env.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
