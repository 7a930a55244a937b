package main

import (
	"fmt"
	"text/tabwriter"
)

func init() {
	register(&command{
		name:    "bench",
		usage:   "MANIFEST --prog NAME [--input HEX|--input-file F] [--repeat N]",
		summary: "run one program on every available engine (vm interp, vm jit, kernel) in one process; print ns/run and the ratios",
		run:     runBench,
	})
}

type benchResult struct {
	Engine   string  `json:"engine"`
	Retval   uint32  `json:"retval"`
	NsPerRun float64 `json:"ns_per_run"`
	Runs     int     `json:"runs"`
	// Skipped says why an engine did not run; such results are left out
	// of the JSON results.
	Skipped string `json:"-"`
}

func runBench(env *cmdEnv, args []string) error {
	fs, level := env.newFlagSet(lookupCommand("bench"))
	var bf backendFlags
	fs.StringVar(&bf.kernelBTF, "kernel-btf", "", "target BTF for CO-RE and ksyms (default /sys/kernel/btf/vmlinux)")
	fs.Var(&bf.kconfig, "kconfig", "set a .kconfig value, NAME=VALUE (repeatable)")
	var inf inputFlags
	inf.register(fs, 10000)
	prog := fs.String("prog", "", "the program to measure (required)")
	paths, err := env.parse(fs, level, args)
	if err != nil {
		return err
	}
	if len(paths) != 1 || *prog == "" {
		return usageErrorf("bench needs one manifest and --prog NAME")
	}
	if inf.repeat < 1 {
		return usageErrorf("--repeat must be at least 1")
	}
	data, err := inf.bytes()
	if err != nil {
		return err
	}

	var results []benchResult
	for _, e := range []struct{ backend, engine string }{{"vm", "interp"}, {"vm", "jit"}, {"kernel", ""}} {
		bf.backend, bf.engine = e.backend, e.engine
		name := e.engine
		if name == "" {
			name = e.backend
		}
		res, err := benchOne(&bf, paths[0], *prog, data, inf.repeat)
		if err != nil {
			if e.backend == "vm" && e.engine == "interp" {
				return err // the default engine must work
			}
			env.log.Infof("bench: %s: %v", name, err)
			results = append(results, benchResult{Engine: name, Skipped: err.Error()})
			continue
		}
		res.Engine = name
		results = append(results, *res)
	}

	if env.json {
		ran := []benchResult{}
		for _, r := range results {
			if r.Skipped == "" {
				ran = append(ran, r)
			}
		}
		return env.printJSON(map[string]any{"program": *prog, "results": ran})
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "ENGINE\tRETVAL\tRUNS\tNS/RUN\t\n")
	for _, r := range results {
		if r.Skipped != "" {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t  (%s)\n", r.Engine, r.Skipped)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t\n", r.Engine, r.Retval, r.Runs, r.NsPerRun)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for i, a := range results {
		for _, b := range results[i+1:] {
			if a.Skipped == "" && b.Skipped == "" && b.NsPerRun > 0 {
				fmt.Fprintf(env.stdout, "%s/%s: %.2f\n", a.Engine, b.Engine, a.NsPerRun/b.NsPerRun)
			}
		}
	}
	return nil
}

// benchOne measures one engine: loads the manifest afresh, wires it and
// runs the program repeat times.
func benchOne(bf *backendFlags, path, prog string, data []byte, repeat int) (*benchResult, error) {
	r, err := bf.loadManifest(path)
	if err != nil {
		return nil, err
	}
	defer r.Collection.Close()
	p := r.Image.Program(prog)
	if p == nil {
		return nil, errNoProgram(r.Image, prog)
	}
	if err := r.Wire(); err != nil {
		return nil, bf.loadError(err)
	}
	if err := r.Collection.LoadProgram(prog); err != nil {
		return nil, bf.loadError(err)
	}
	res, err := r.Collection.Run(prog, runInput(p.Type, data, repeat, bf.engine))
	if err != nil {
		return nil, err
	}
	return &benchResult{Retval: res.Retval, NsPerRun: float64(res.PerRun.Nanoseconds()), Runs: repeat}, nil
}
