// Package manifest reads bpfld's YAML manifest (SPEC.md, "The manifest"):
// the objects to link, program type and map overrides, the wiring of prog
// arrays (tail_calls) and the ordered test steps.
//
// Reading is strict: an unknown key, a value of the wrong type, bad hex or a
// test step that contradicts itself is an error that names the file and the
// line, as "manifest.yaml:12: tests[0] "tcp": expect: unknown key "retvl"".
// Parse collects every such error, not just the first, in an ErrorList.
//
// Parse only checks what the manifest says on its own (and that the files it
// names exist). Whether the names in it (programs, maps, globals) exist in
// the linked image, whether a slot fits its prog array and whether a value
// fits its map is checked by Manifest.Validate once the image is linked,
// through the small Image interface, so that this package does not depend on
// the linker.
package manifest
