package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

func init() {
	register(&command{
		name:    "bench",
		usage:   "MANIFEST --prog NAME [--input HEX|--input-file F] [--repeat N]",
		summary: "run one program on every available engine (vm interp, vm jit, kernel) in one process; print ns/run, ns per executed instruction and the ratios",
		run:     runBench,
	})
}

// benchResult is one engine's line of bpfld bench.
type benchResult struct {
	Engine   string  `json:"engine"`
	Retval   uint32  `json:"retval"`
	NsPerRun float64 `json:"ns_per_run"`
	Runs     int     `json:"runs"`
	// Instructions is the number of instructions one run executes, which
	// the VM counts in an extra run outside the timed ones; NsPerInsn is
	// NsPerRun divided by it.
	Instructions uint64  `json:"instructions"`
	NsPerInsn    float64 `json:"ns_per_insn"`
	// InstructionsFrom names the engine that counted Instructions when
	// this one cannot count (the kernel): its NsPerInsn divides its own
	// time by another engine's count of the same program on the same
	// input.
	InstructionsFrom string `json:"instructions_from,omitempty"`
	// Skipped says why an engine did not run; such results are left out
	// of the JSON results.
	Skipped string `json:"-"`
}

// countingEngine is the engine whose instruction count stands in for the
// engines that cannot count.
const countingEngine = "interp"

func runBench(env *cmdEnv, args []string) error {
	fs, level := env.newFlagSet(lookupCommand("bench"))
	var bf backendFlags
	bf.linkFlags.register(fs)
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
	borrowCounts(results)

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
	fmt.Fprintf(tw, "ENGINE\tRETVAL\tRUNS\tNS/RUN\tINSNS\tNS/INSN\t\n")
	var borrowed []string
	for _, r := range results {
		if r.Skipped != "" {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t  (%s)\n", r.Engine, r.Skipped)
			continue
		}
		insns, perInsn := "-", "-"
		if r.Instructions > 0 {
			insns, perInsn = fmt.Sprint(r.Instructions), fmt.Sprintf("%.2f", r.NsPerInsn)
		}
		if r.InstructionsFrom != "" {
			insns += "*"
			borrowed = append(borrowed, r.Engine)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%s\t%s\t\n", r.Engine, r.Retval, r.Runs, r.NsPerRun, insns, perInsn)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(borrowed) > 0 {
		fmt.Fprintf(env.stdout, "* %s cannot count instructions: INSNS is the %s engine's count of the same program on the same input\n",
			strings.Join(borrowed, ", "), countingEngine)
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

// borrowCounts gives the results of engines that did not count
// instructions the count of countingEngine, marked as borrowed, and fills
// in ns per instruction.
func borrowCounts(results []benchResult) {
	var count uint64
	for _, r := range results {
		if r.Engine == countingEngine && r.Skipped == "" {
			count = r.Instructions
		}
	}
	for i := range results {
		r := &results[i]
		if r.Skipped != "" {
			continue
		}
		if r.Instructions == 0 && count > 0 {
			r.Instructions, r.InstructionsFrom = count, countingEngine
		}
		if r.Instructions > 0 {
			r.NsPerInsn = r.NsPerRun / float64(r.Instructions)
		}
	}
}

// benchOne measures one engine: loads the manifest afresh, wires it, runs
// the program repeat times and, on the VM, once more to count the
// instructions a run executes, so that counting never slows the timed
// runs.
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
	out := &benchResult{Retval: res.Retval, NsPerRun: float64(res.PerRun.Nanoseconds()), Runs: repeat}
	if r.Collection.Backend() == "vm" {
		in := runInput(p.Type, data, 1, bf.engine)
		in.CountInstructions = true
		counted, err := r.Collection.Run(prog, in)
		if err != nil {
			return nil, fmt.Errorf("counting run: %w", err)
		}
		out.Instructions = counted.Instructions
	}
	return out, nil
}
