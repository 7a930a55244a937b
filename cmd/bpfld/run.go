package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/bpfld/bpfld/manifest"
	"github.com/bpfld/bpfld/runtime"
)

func init() {
	register(&command{
		name:    "run",
		usage:   "MANIFEST --prog NAME [--input HEX|--input-file F] [--repeat N] [--backend vm|kernel] [--engine interp|jit]",
		summary: "load, then run one program once (or N times) and print 'retval: N' (and 'ns/run: X' with --repeat)",
		run:     runRun,
	})
}

// inputFlags give a program's input.
type inputFlags struct {
	hex    string
	file   string
	repeat int
}

func (in *inputFlags) register(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
}, defaultRepeat int) {
	fs.StringVar(&in.hex, "input", "", "the input (packet, or context for other program types) in hex")
	fs.StringVar(&in.file, "input-file", "", "read the input from this file")
	fs.IntVar(&in.repeat, "repeat", defaultRepeat, "run this many times")
}

// bytes returns the input: 64 zero bytes when none is given, as in a manifest.
func (in *inputFlags) bytes() ([]byte, error) {
	switch {
	case in.hex != "" && in.file != "":
		return nil, usageErrorf("give --input or --input-file, not both")
	case in.hex != "":
		b, err := hex.DecodeString(strings.ReplaceAll(in.hex, " ", ""))
		if err != nil {
			return nil, usageErrorf("--input: %v", err)
		}
		return b, nil
	case in.file != "":
		b, err := os.ReadFile(in.file)
		if err != nil {
			return nil, inputError(err)
		}
		return b, nil
	}
	return make([]byte, manifest.DefaultInputSize), nil
}

// runInput builds a run's input for a program type, as a step without ctx would.
func runInput(progType uint32, data []byte, repeat int, engine string) runtime.RunInput {
	in := runtime.RunInput{Repeat: repeat, Engine: engine}
	if runtime.ContextKindOf(progType) == runtime.ContextRaw {
		in.Context = data
	} else {
		in.Data = data
	}
	return in
}

func runRun(env *cmdEnv, args []string) error {
	fs, level := env.newFlagSet(lookupCommand("run"))
	var bf backendFlags
	bf.register(fs)
	var inf inputFlags
	inf.register(fs, 1)
	prog := fs.String("prog", "", "the program to run (required)")
	paths, err := env.parse(fs, level, args)
	if err != nil {
		return err
	}
	if len(paths) != 1 || *prog == "" {
		return usageErrorf("run needs one manifest and --prog NAME")
	}
	data, err := inf.bytes()
	if err != nil {
		return err
	}
	r, err := bf.loadManifest(paths[0])
	if err != nil {
		return err
	}
	defer r.Collection.Close()
	p := r.Image.Program(*prog)
	if p == nil {
		return errNoProgram(r.Image, *prog)
	}
	if err := r.Wire(); err != nil {
		return bf.loadError(err)
	}
	if err := r.Collection.LoadProgram(*prog); err != nil {
		return bf.loadError(err)
	}
	res, err := r.Collection.Run(*prog, runInput(p.Type, data, inf.repeat, bf.engine))
	if err != nil {
		return err
	}
	if env.json {
		out := map[string]any{"program": *prog, "retval": res.Retval, "trace": res.Trace}
		if inf.repeat > 1 {
			out["ns_per_run"] = res.PerRun.Nanoseconds()
		}
		if res.Output != nil {
			out["output"] = hex.EncodeToString(res.Output)
		}
		return env.printJSON(out)
	}
	for _, line := range res.Trace {
		fmt.Fprintf(env.stdout, "trace: %s\n", line)
	}
	fmt.Fprintf(env.stdout, "retval: %d\n", res.Retval)
	if inf.repeat > 1 {
		fmt.Fprintf(env.stdout, "ns/run: %d\n", res.PerRun.Nanoseconds())
	}
	return nil
}
