package main

import (
	"errors"

	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/runtime"
)

// openVM loads an image on the in-process VM.
func openVM(img *link.Image) (runtime.Collection, error) {
	return nil, errors.New("the vm backend is not built yet")
}
