package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/bpfld/bpfld/link"
)

func init() {
	register(&command{
		name:    "link",
		usage:   "-o OUT.o IN.o... [--allow-unresolved]",
		summary: "static-link BPF objects into one relocatable BPF ELF object, as bpftool gen object does; OUT.o loads with bpfld, libbpf and cilium/ebpf",
		run:     runLink,
	})
}

func runLink(env *cmdEnv, args []string) error {
	fs, level := env.newFlagSet(lookupCommand("link"))
	out := fs.String("o", "", "the output object (required)")
	allow := fs.Bool("allow-unresolved", false, "keep externs that no input defines: a partial link, to be linked again")
	inputs, err := env.parse(fs, level, args)
	if err != nil {
		return err
	}
	if *out == "" || len(inputs) == 0 {
		return usageErrorf("link needs -o OUT.o and at least one input object")
	}
	defer tuneLinkMemory(linkHeapEstimate(inputs))()
	objs, err := link.ReadObjects(inputs)
	if err != nil {
		return inputError(err)
	}
	// Write to memory first: a failed link must not leave a truncated
	// OUT.o behind, nor destroy one that was there.
	var buf bytes.Buffer
	if err := link.WriteObject(&buf, objs, link.Options{AllowUnresolved: *allow}); err != nil {
		return inputError(err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	env.log.Infof("linked %d objects into %s (%d bytes)", len(objs), *out, buf.Len())
	if env.json {
		return env.printJSON(map[string]any{"output": *out, "inputs": inputs, "size": buf.Len()})
	}
	return nil
}

// linkHeapEstimate guesses how large the heap of a link of the inputs
// grows: about eight times their size (the 100x20 benchmark set, 2.8 MB,
// allocates 21 MB in all).
func linkHeapEstimate(inputs []string) int64 {
	var n int64
	for _, p := range inputs {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return min(8*n, 1<<30)
}
