package maps

import (
	"errors"
	"os"
	"runtime"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfld/bpfld/internal/kerneltest"
)

// This file drives real kernel maps through raw bpf(2) calls, so that
// tests compare the VM's maps with the kernel's errno for errno.

const (
	bpfMapCreate          = 0
	bpfMapLookupElem      = 1
	bpfMapUpdateElem      = 2
	bpfMapDeleteElem      = 3
	bpfMapGetNextKey      = 4
	bpfMapLookupAndDelete = 21
	bpfMapFreeze          = 22
)

type mapCreateAttr struct {
	MapType, KeySize, ValueSize, MaxEntries, MapFlags, InnerMapFd, NumaNode uint32
	MapName                                                                 [16]byte
	MapIfindex, BtfFd, BtfKeyTypeID, BtfValueTypeID, BtfVmlinuxValueTypeID  uint32
	MapExtra                                                                uint64
}

type mapElemAttr struct {
	MapFd uint32
	_     uint32
	Key   uint64
	Value uint64
	Flags uint64
}

func bpf(cmd int, attr unsafe.Pointer, size uintptr) (uintptr, error) {
	r, _, errno := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(attr), size)
	if errno != 0 {
		return r, errno
	}
	return r, nil
}

// kernelMap is a map in the kernel.
type kernelMap struct {
	fd        int
	keySize   int
	valueSize int // as bpf(2) exchanges it
}

// kernelBTF describes the BTF a kernel map is created with.
type kernelBTF struct {
	fd         int
	key, value uint32
	innerMapFD int
}

func newKernelMap(t *testing.T, s Spec, b *kernelBTF) (*kernelMap, error) {
	t.Helper()
	attr := mapCreateAttr{
		MapType: uint32(s.Type), KeySize: s.KeySize, ValueSize: s.ValueSize,
		MaxEntries: s.MaxEntries, MapFlags: s.Flags, NumaNode: s.NumaNode, MapExtra: s.MapExtra,
	}
	if b != nil {
		attr.BtfFd, attr.BtfKeyTypeID, attr.BtfValueTypeID = uint32(b.fd), b.key, b.value
		attr.InnerMapFd = uint32(b.innerMapFD)
	}
	fd, err := bpf(bpfMapCreate, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	if err != nil {
		return nil, err
	}
	k := &kernelMap{fd: int(fd), keySize: int(s.KeySize), valueSize: userSize(s)}
	t.Cleanup(func() { unix.Close(k.fd) })
	return k, nil
}

// userSize is bpf_map_value_size for a spec.
func userSize(s Spec) int {
	switch s.Type {
	case TypePerCPUArray, TypePerCPUHash, TypeLRUPerCPUHash:
		return int(round8(s.ValueSize)) * PossibleCPUs()
	case TypeProgArray, TypeArrayOfMaps, TypeHashOfMaps, TypePerfEventArray:
		return 4
	}
	return int(s.ValueSize)
}

func ptr(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&b[0])))
}

func (k *kernelMap) elem(cmd int, key, value []byte, flags uint64) error {
	attr := mapElemAttr{MapFd: uint32(k.fd), Key: ptr(key), Value: ptr(value), Flags: flags}
	_, err := bpf(cmd, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	runtime.KeepAlive(key)
	runtime.KeepAlive(value)
	return err
}

func (k *kernelMap) lookup(key []byte, flags uint64) ([]byte, error) {
	out := make([]byte, max(k.valueSize, 1))
	if err := k.elem(bpfMapLookupElem, key, out, flags); err != nil {
		return nil, err
	}
	return out[:k.valueSize], nil
}

func (k *kernelMap) update(key, value []byte, flags uint64) error {
	return k.elem(bpfMapUpdateElem, key, value, flags)
}

func (k *kernelMap) delete(key []byte) error { return k.elem(bpfMapDeleteElem, key, nil, 0) }

func (k *kernelMap) lookupAndDelete(key []byte, flags uint64) ([]byte, error) {
	out := make([]byte, max(k.valueSize, 1))
	if err := k.elem(bpfMapLookupAndDelete, key, out, flags); err != nil {
		return nil, err
	}
	return out[:k.valueSize], nil
}

func (k *kernelMap) nextKey(key []byte) ([]byte, error) {
	out := make([]byte, max(k.keySize, 1))
	if err := k.elem(bpfMapGetNextKey, key, out, 0); err != nil {
		return nil, err
	}
	return out[:k.keySize], nil
}

func (k *kernelMap) freeze() error {
	attr := mapElemAttr{MapFd: uint32(k.fd)}
	_, err := bpf(bpfMapFreeze, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return err
}

// requireKernel skips the test unless this process may use bpf(2), or
// when BPFLD_NO_KERNEL is set.
func requireKernel(t *testing.T) {
	t.Helper()
	if os.Getenv("BPFLD_NO_KERNEL") != "" {
		t.Skip("kernel comparison disabled by BPFLD_NO_KERNEL")
	}
	kerneltest.Require(t)
}

// errnoOf returns the errno an error carries, or 0 for nil. Errors without
// an errno fail the test.
func errnoOf(t *testing.T, err error) syscall.Errno {
	t.Helper()
	if err == nil {
		return 0
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		t.Fatalf("error %q carries no errno", err)
	}
	return errno
}
