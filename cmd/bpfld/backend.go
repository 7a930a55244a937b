package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/manifest"
	"github.com/bpfld/bpfld/reloc"
	"github.com/bpfld/bpfld/runtime"
	"github.com/bpfld/bpfld/runtime/kernel"
	"github.com/bpfld/bpfld/runtime/vm"
)

// backendFlags are the flags of the commands that load programs.
type backendFlags struct {
	backend string
	engine  string
	// fullLog shows a rejected program's whole verifier log, not its tail.
	fullLog bool
	linkFlags
}

func (b *backendFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&b.backend, "backend", "vm", "where programs run: vm (in-process, no privileges) or kernel (bpf(2), needs root or CAP_BPF)")
	fs.StringVar(&b.engine, "engine", "interp", "the VM's engine: interp (the jit engine is not built yet)")
	fs.BoolVar(&b.fullLog, "log", false, "show a rejected program's whole verifier log, not its tail")
	b.linkFlags.register(fs)
}

// linkOptions are the link options for the chosen backend: on the VM,
// .ksyms externs resolve to the VM's stand-ins instead of kernel addresses.
func (b *backendFlags) linkOptions() link.Options {
	opts := b.options()
	if b.backend == "vm" {
		opts.Ksyms = reloc.NewStandInResolver(vm.StandIns())
	}
	return opts
}

// open loads a linked image on the chosen backend.
func (b *backendFlags) open(img *link.Image) (runtime.Collection, error) {
	return b.openWith(img, kernel.Options{})
}

// openWith is open with options for the kernel backend.
func (b *backendFlags) openWith(img *link.Image, kopts kernel.Options) (runtime.Collection, error) {
	switch b.backend {
	case "vm":
		return openVM(img)
	case "kernel":
		if err := kernel.Available(); err != nil {
			return nil, inputError(err)
		}
		c, err := kernel.New(img, kopts)
		if errors.Is(err, kernel.ErrPermission) {
			return nil, inputError(err)
		}
		return c, err
	}
	return nil, usageErrorf("--backend: want vm or kernel, got %q", b.backend)
}

// loadManifest links a manifest and loads it on the chosen backend, with
// its prog arrays wired.
func (b *backendFlags) loadManifest(path string) (*runtime.Runner, error) {
	m, err := manifest.Load(path)
	if err != nil {
		return nil, inputError(err)
	}
	img, err := runtime.LinkManifest(m, b.linkOptions())
	if err != nil {
		return nil, inputError(err)
	}
	coll, err := b.open(img)
	if err != nil {
		return nil, err
	}
	return &runtime.Runner{Collection: coll, Image: img, Manifest: m, Engine: b.engine}, nil
}

// loadError gives a load failure its exit code, 3 for a rejected
// program, and adds the verifier's log where there is one: its tail, or
// all of it with --log.
func (b *backendFlags) loadError(err error) error {
	var rej *runtime.RejectedError
	if !errors.As(err, &rej) {
		return err
	}
	if rej.Log != "" {
		return rejectedError(fmt.Errorf("%w\n%s", err, indent(tail(rej.Log, b.fullLog))))
	}
	return rejectedError(err)
}

// errNoProgram is an unknown --prog.
func errNoProgram(img *link.Image, name string) error {
	return inputError(fmt.Errorf("no program %s (have: %s)", name, programNames(img)))
}
