package main

import (
	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/runtime"
	"github.com/bpfld/bpfld/runtime/vm"
)

// openVM loads an image on the in-process VM.
func openVM(img *link.Image) (runtime.Collection, error) {
	return vm.New(img, vm.Options{})
}
