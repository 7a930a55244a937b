package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/bpfld/bpfld/runtime"
	"github.com/bpfld/bpfld/runtime/kernel"
)

func init() {
	register(&command{
		name:    "load",
		usage:   "MANIFEST [--backend vm|kernel] [--pin DIR]",
		summary: "link, verify and load every program, wire the prog arrays, print a summary; --pin (kernel) pins maps and programs under a bpffs folder",
		run:     runLoad,
	})
}

func runLoad(env *cmdEnv, args []string) error {
	fs, level := env.newFlagSet(lookupCommand("load"))
	var bf backendFlags
	bf.register(fs)
	pin := fs.String("pin", "", "with --backend kernel: pin maps and programs under this bpffs folder")
	paths, err := env.parse(fs, level, args)
	if err != nil {
		return err
	}
	if len(paths) != 1 {
		return usageErrorf("load needs one manifest")
	}
	if *pin != "" && bf.backend != "kernel" {
		return usageErrorf("--pin needs --backend kernel")
	}
	r, err := bf.loadManifest(paths[0])
	if err != nil {
		return err
	}
	defer r.Collection.Close()
	for _, p := range r.Image.Programs {
		if err := r.Collection.LoadProgram(p.Name); err != nil {
			return bf.loadError(err)
		}
	}
	if err := r.Wire(); err != nil {
		return bf.loadError(err)
	}
	if *pin != "" {
		if err := os.MkdirAll(*pin, 0o755); err != nil {
			return inputError(err)
		}
		if err := r.Collection.(*kernel.Collection).Pin(*pin); err != nil {
			return inputError(err)
		}
	}

	type jsonProg struct {
		Name         string `json:"name"`
		Type         string `json:"type"`
		Instructions int    `json:"instructions"`
		Functions    int    `json:"functions"`
		// Stack is the stack depth in bytes; -1 where the backend does
		// not report it (the kernel).
		Stack int `json:"stack"`
	}
	type jsonMap struct {
		Name       string `json:"name"`
		Type       string `json:"type"`
		MaxEntries uint32 `json:"max_entries"`
	}
	var progs []jsonProg
	stacks, _ := r.Collection.(runtime.StackReporter)
	for _, p := range r.Image.Programs {
		stack := -1
		if stacks != nil {
			if depth, ok := stacks.StackDepth(p.Name); ok {
				stack = depth
			}
		}
		progs = append(progs, jsonProg{p.Name, progTypeName(p.Type), len(p.Insns), len(p.Functions), stack})
	}
	var maps []jsonMap
	for _, m := range r.Image.Maps {
		maps = append(maps, jsonMap{m.Name, mapTypeName(m.Type), m.MaxEntries})
	}
	if env.json {
		return env.printJSON(map[string]any{"backend": r.Collection.Backend(), "programs": progs, "maps": maps, "pinned": *pin})
	}
	fmt.Fprintf(env.stdout, "loaded %d programs and %d maps on %s\n\n", len(progs), len(maps), r.Collection.Backend())
	tw := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROGRAM\tTYPE\tINSNS\tFUNCTIONS\tSTACK")
	for _, p := range progs {
		stack := "-"
		if p.Stack >= 0 {
			stack = fmt.Sprint(p.Stack)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", p.Name, p.Type, p.Instructions, p.Functions, stack)
	}
	fmt.Fprintln(tw, "\nMAP\tTYPE\tMAX_ENTRIES\t")
	for _, m := range maps {
		fmt.Fprintf(tw, "%s\t%s\t%d\t\n", m.Name, m.Type, m.MaxEntries)
	}
	if *pin != "" {
		fmt.Fprintf(tw, "\npinned under %s\n", *pin)
	}
	return tw.Flush()
}
