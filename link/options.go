package link

import "github.com/bpfld/bpfld/reloc"

// DefaultKernelBTF is where Linux exposes its own BTF, the default target
// of CO-RE relocations and of .ksyms lookups.
const DefaultKernelBTF = "/sys/kernel/btf/vmlinux"

// DefaultKallsyms is where Linux lists its symbols' addresses, which
// typeless .ksyms externs resolve to.
const DefaultKallsyms = "/proc/kallsyms"

// Options tune a link.
type Options struct {
	// AllowUnresolved keeps externs that no input defines instead of
	// failing: a partial link, whose output is meant to be linked again.
	// In an Image, a call to a missing function becomes a call of the
	// invalid helper reloc.ExternPoison and the program lists the extern
	// in Program.Unresolved.
	AllowUnresolved bool
	// KernelBTF is the path of the target kernel's BTF for CO-RE
	// relocations and .ksyms; empty means DefaultKernelBTF when it exists.
	// Only Link reads it: WriteObject keeps CO-RE records for the loader.
	KernelBTF string
	// Kconfig overrides or adds .kconfig values, by name
	// (CONFIG_FOO: "y", "m", "n", a number or a quoted string;
	// LINUX_KERNEL_VERSION: a number), over what the running kernel reports.
	Kconfig map[string]string
	// Ksyms resolves .ksyms externs; nil means against the target kernel's
	// BTF and DefaultKallsyms, as libbpf does. The in-process VM gives its
	// stand-ins here (reloc.NewStandInResolver).
	Ksyms reloc.KsymResolver
}
