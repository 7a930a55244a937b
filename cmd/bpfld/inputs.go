package main

import (
	"flag"
	"path/filepath"
	"strings"

	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/manifest"
	"github.com/bpfld/bpfld/runtime"
)

// isManifest tells a manifest from an object by its name.
func isManifest(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yaml" || ext == ".yml"
}

// linkFlags are the flags of every command that links.
type linkFlags struct {
	kernelBTF string
	kconfig   kconfigFlag
}

// register adds the link flags to fs.
func (f *linkFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.kernelBTF, "kernel-btf", "", "target BTF for CO-RE and ksyms (default /sys/kernel/btf/vmlinux)")
	fs.Var(&f.kconfig, "kconfig", "set a .kconfig value, NAME=VALUE (repeatable)")
}

// options returns the link options the flags give.
func (f *linkFlags) options() link.Options {
	return link.Options{KernelBTF: f.kernelBTF, Kconfig: f.kconfig.values}
}

// openInput links what a command was given: a manifest (its objects, with
// its overrides, checked against the image) or object files. Objects that
// are dumped alone may keep externs unresolved.
func openInput(args []string, opts link.Options, allowUnresolved bool) (*link.Image, *manifest.Manifest, error) {
	if len(args) == 1 && isManifest(args[0]) {
		m, err := manifest.Load(args[0])
		if err != nil {
			return nil, nil, inputError(err)
		}
		img, err := runtime.LinkManifest(m, opts)
		if err != nil {
			return nil, nil, inputError(err)
		}
		return img, m, nil
	}
	for _, a := range args {
		if isManifest(a) {
			return nil, nil, usageErrorf("give one manifest, or object files")
		}
	}
	opts.AllowUnresolved = allowUnresolved
	img, err := runtime.LinkFiles(args, opts)
	if err != nil {
		return nil, nil, inputError(err)
	}
	return img, nil, nil
}

// kconfigFlag collects repeated --kconfig NAME=VALUE flags.
type kconfigFlag struct{ values map[string]string }

func (k *kconfigFlag) String() string { return "" }

func (k *kconfigFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return usageErrorf("--kconfig wants NAME=VALUE, got %q", s)
	}
	if k.values == nil {
		k.values = map[string]string{}
	}
	k.values[name] = value
	return nil
}
