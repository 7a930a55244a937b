// SPDX-License-Identifier: GPL-2.0
// DELIBERATELY INCOMPLETE: uses a function and a variable that no object of
// testdata defines. Linking it must fail naming missing_fn (or
// missing_var) and this object, unless unresolved externs are allowed
// (bpftool gen object allows them; loading then fails).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int missing_fn(int x);
extern int missing_var;

SEC("tc")
int unresolved_prog(struct __sk_buff *skb)
{
	return missing_fn(missing_var);
}

char _license[] SEC("license") = "GPL";
