package main

// default.pgo beside this file is a CPU profile of the interpreter and the
// VM running the reference programs; the go command builds bpfld with it
// (profile-guided optimization, -pgo=auto). Measured side by side with
// `bpfld bench` on testdata/bench, it makes the interpreter 25-40% faster
// and steadies its speed, which otherwise moves with where the linker
// places the run loop. Regenerate it after large changes to interp/ or
// runtime/vm/:
//
//	go test -run XXX -bench . -benchtime 2s -cpuprofile /tmp/interp.prof ./interp/
//	go test -run XXX -bench . -benchtime 2s -cpuprofile /tmp/vm.prof ./runtime/vm/
//	go tool pprof -proto /tmp/interp.prof /tmp/vm.prof > cmd/bpfld/default.pgo
