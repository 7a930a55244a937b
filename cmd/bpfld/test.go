package main

import (
	"fmt"
	"regexp"

	"github.com/bpfld/bpfld/runtime"
)

func init() {
	register(&command{
		name:    "test",
		usage:   "MANIFEST... [--backend vm|kernel] [--engine interp|jit] [--run REGEXP]",
		summary: "run the manifests' test steps; one line a step, then 'N passed, N failed'",
		run:     runTest,
	})
}

type jsonStep struct {
	Manifest string `json:"manifest"`
	Name     string `json:"name"`
	Passed   bool   `json:"passed"`
	Failure  string `json:"failure,omitempty"`
	Retval   *int64 `json:"retval,omitempty"`
}

func runTest(env *cmdEnv, args []string) error {
	fs, level := env.newFlagSet(lookupCommand("test"))
	var bf backendFlags
	bf.register(fs)
	run := fs.String("run", "", "run only the steps whose name matches this regular expression")
	paths, err := env.parse(fs, level, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usageErrorf("test needs a manifest")
	}
	var filter *regexp.Regexp
	if *run != "" {
		if filter, err = regexp.Compile(*run); err != nil {
			return usageErrorf("--run: %v", err)
		}
	}

	var steps []jsonStep
	passed, failed := 0, 0
	for _, path := range paths {
		r, err := bf.loadManifest(path)
		if err != nil {
			return err
		}
		p, f := r.Run(filter, func(res runtime.StepResult) {
			js := jsonStep{Manifest: path, Name: res.Name, Passed: res.Passed(), Failure: res.Failure}
			if res.Result != nil {
				v := int64(res.Result.Retval)
				js.Retval = &v
			}
			steps = append(steps, js)
			if env.json {
				return
			}
			if res.Passed() {
				fmt.Fprintf(env.stdout, "ok   %s\n", res.Name)
			} else {
				fmt.Fprintf(env.stdout, "FAIL %s: %s\n", res.Name, res.Failure)
			}
			if res.Result != nil {
				for _, line := range res.Result.Trace {
					env.log.Infof("%s: trace: %s", res.Name, line)
				}
			}
		})
		r.Collection.Close()
		passed += p
		failed += f
	}
	if env.json {
		if err := env.printJSON(map[string]any{"steps": steps, "passed": passed, "failed": failed}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(env.stdout, "%d passed, %d failed\n", passed, failed)
	}
	if failed > 0 {
		return &exitError{exitFailed, errQuiet}
	}
	return nil
}
