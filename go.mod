module github.com/bpfld/bpfld

go 1.26.0

require (
	github.com/cilium/ebpf v0.22.0
	github.com/sirupsen/logrus v1.10.2
	golang.org/x/sys v0.50.0
	gopkg.in/yaml.v3 v3.0.1
)
