package vm

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/cilium/ebpf/btf"

	"github.com/bpfld/bpfld/interp"
	"github.com/bpfld/bpfld/runtime/mem"
)

// currentTask returns the address of the VM's stand-in for the current
// task's struct task_struct, which bpf_get_current_task returns: a
// read-only block laid out as the running kernel's BTF says, with the
// fields programs commonly read through CO-RE (pid, tgid, comm,
// real_parent, parent, group_leader) filled for this process; its parent
// is a second stand-in for the parent process. The caller holds c.mu.
func (c *Collection) currentTask() (uint64, error) {
	if c.task != nil {
		return uint64(c.task.Addr()), nil
	}
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		return 0, fmt.Errorf("a stand-in struct task_struct needs the kernel's BTF: %w", err)
	}
	var ts *btf.Struct
	if err := spec.TypeByName("task_struct", &ts); err != nil {
		return 0, fmt.Errorf("kernel BTF: struct task_struct: %w", err)
	}
	size := int(ts.Size)
	b, err := mem.Alloc(2*size, false, "task_struct stand-in")
	if err != nil {
		return 0, err
	}
	self, parent := uint64(b.Addr()), uint64(b.Addr())+uint64(size)
	buf := b.Bytes()
	fillTask(ts, buf[:size], os.Getpid(), comm(), parent, self)
	ppid := os.Getppid()
	pcomm, _ := os.ReadFile("/proc/" + strconv.Itoa(ppid) + "/comm")
	fillTask(ts, buf[size:], ppid, strings.TrimSuffix(string(pcomm), "\n"), parent, parent)
	c.task = b
	return self, nil
}

// fillTask fills the fields of a task_struct stand-in that BTF locates.
func fillTask(ts *btf.Struct, task []byte, pid int, name string, parent, leader uint64) {
	put := func(field string, f func(b []byte)) {
		if off, ok := memberOffset(ts, field); ok && int(off) < len(task) {
			f(task[off:])
		}
	}
	put("pid", func(b []byte) { ne.PutUint32(b, uint32(pid)) })
	put("tgid", func(b []byte) { ne.PutUint32(b, uint32(pid)) })
	put("real_parent", func(b []byte) { ne.PutUint64(b, parent) })
	put("parent", func(b []byte) { ne.PutUint64(b, parent) })
	put("group_leader", func(b []byte) { ne.PutUint64(b, leader) })
	put("comm", func(b []byte) {
		const taskCommLen = 16
		clear(b[:taskCommLen])
		copy(b[:taskCommLen-1], name)
	})
}

// memberOffset finds a member by name in a struct, also inside its
// anonymous structs and unions, and returns its byte offset.
func memberOffset(t btf.Type, name string) (uint32, bool) {
	var members []btf.Member
	switch t := btf.UnderlyingType(t).(type) {
	case *btf.Struct:
		members = t.Members
	case *btf.Union:
		members = t.Members
	default:
		return 0, false
	}
	for _, m := range members {
		if m.Name == name {
			return m.Offset.Bytes(), true
		}
		if m.Name == "" {
			if off, ok := memberOffset(m.Type, name); ok {
				return m.Offset.Bytes() + off, true
			}
		}
	}
	return 0, false
}

// kernelSpace is where the kernel's half of the x86-64 address space
// starts.
const kernelSpace = 0xffff800000000000

// readFault is the error of a probe read of memory the program may not
// read. The VM's memory is all one, but the kernel's probe_read_kernel
// helpers refuse user and non-canonical addresses with -ERANGE before
// they try (copy_from_kernel_nofault_allowed), and the VM takes every
// address below the kernel's half for one.
func readFault(kernel bool, addr uint64) uint64 {
	if kernel && addr < kernelSpace {
		return negErrno(syscall.ERANGE)
	}
	return negErrno(syscall.EFAULT)
}

// probeRead returns bpf_probe_read_kernel(dst, size, unsafe_ptr) (kernel
// true), or its user and legacy forms, which x86-64 serves from user
// memory: a pointer the program may not read gives an error and a zeroed
// dst.
func probeRead(kernel bool) interp.Helper {
	return func(m *interp.Machine, pdst, size, src, _, _ uint64) uint64 {
		dst, ok := argBytes(m, "bpf_probe_read", pdst, int(uint32(size)), true)
		if !ok {
			return 0
		}
		if len(dst) == 0 {
			if kernel && mem.Check(src, 1, false) != nil {
				return readFault(kernel, src)
			}
			return 0
		}
		b, err := m.Bytes(src, len(dst), false)
		if err != nil {
			clear(dst)
			return readFault(kernel, src)
		}
		copy(dst, b)
		return 0
	}
}

// probeReadStr returns bpf_probe_read_kernel_str(dst, size, unsafe_ptr)
// (kernel true) or its user and legacy forms: the string with its NUL,
// cut to size; the result is the bytes copied, NUL included.
func probeReadStr(kernel bool) interp.Helper {
	return func(m *interp.Machine, pdst, size, src, _, _ uint64) uint64 {
		dst, ok := argBytes(m, "bpf_probe_read_str", pdst, int(uint32(size)), true)
		if !ok || len(dst) == 0 {
			return 0
		}
		s, err := cString(m, src, len(dst))
		switch {
		case err != nil, len(s) < len(dst) && (len(s) == 0 || s[len(s)-1] != 0):
			clear(dst)
			return readFault(kernel, src)
		}
		copy(dst, s)
		if s[len(s)-1] != 0 {
			dst[len(dst)-1] = 0
		}
		return uint64(len(s))
	}
}
