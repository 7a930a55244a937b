package main

import (
	"errors"
	"fmt"
)

// Exit codes of SPEC.md.
const (
	exitOK       = 0
	exitFailed   = 1 // a failed check or test
	exitUsage    = 2 // bad usage or bad input
	exitRejected = 3 // a program rejected by the verifier or the kernel
)

// exitError attaches an exit code to an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// errQuiet ends a command with its exit code and no further message: what
// had to be said was printed already.
var errQuiet = errors.New("quiet")

func usageErrorf(format string, args ...any) error {
	return &exitError{exitUsage, fmt.Errorf(format, args...)}
}

// inputError marks err as bad input (exit 2).
func inputError(err error) error { return &exitError{exitUsage, err} }

// rejectedError marks err as a rejected program (exit 3).
func rejectedError(err error) error { return &exitError{exitRejected, err} }

// exitCodeOf returns the exit code err carries; errors without one are
// bad input, since everything that can go wrong in bpfld short of a failed
// check or a rejected program is about what the user gave it.
func exitCodeOf(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitUsage
}
