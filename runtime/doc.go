// Package runtime turns a linked image into live programs and maps on a
// backend — the in-process VM (package runtime/vm) or the Linux kernel
// (package runtime/kernel) — and runs a manifest's test steps against them.
//
// A backend gives a Collection; everything above it (the test runner, the
// CLI) is written against that interface, so a manifest's tests run
// unchanged on either backend and can be compared step by step.
package runtime
