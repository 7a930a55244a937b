package maps

import (
	"fmt"
	"testing"
)

// TestKernelMapOfMaps compares which inner maps the kernel and the VM
// accept into a map of maps (bpf_map_meta_equal) and the errors of the
// fd-array and hash operations on them.
func TestKernelMapOfMaps(t *testing.T) {
	requireKernel(t)
	arr := Spec{Name: "in", Type: TypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 4}
	hash := Spec{Name: "in", Type: TypeHash, KeySize: 4, ValueSize: 8, MaxEntries: 4}
	with := func(s Spec, f func(*Spec)) Spec { f(&s); return s }
	templates := []Spec{arr, hash, with(arr, func(s *Spec) { s.Flags = FlagInnerMap })}
	candidates := []Spec{
		arr,
		hash,
		with(arr, func(s *Spec) { s.MaxEntries = 8 }),
		with(arr, func(s *Spec) { s.ValueSize = 16 }),
		with(arr, func(s *Spec) { s.Flags = FlagInnerMap }),
		with(arr, func(s *Spec) { s.Flags = FlagInnerMap; s.MaxEntries = 8 }),
		with(arr, func(s *Spec) { s.Flags = FlagRdonlyProg }),
		with(hash, func(s *Spec) { s.MaxEntries = 8 }),
		with(hash, func(s *Spec) { s.KeySize = 8 }),
		with(hash, func(s *Spec) { s.Flags = FlagNoPrealloc }),
	}
	for _, outerType := range []Type{TypeArrayOfMaps, TypeHashOfMaps} {
		for ti, tmpl := range templates {
			t.Run(fmt.Sprintf("%s/template%d", outerType, ti), func(t *testing.T) {
				ktmpl, err := newKernelMap(t, tmpl, nil)
				if err != nil {
					t.Fatal(err)
				}
				outer := Spec{Name: "out", Type: outerType, KeySize: 4, ValueSize: 4, MaxEntries: 2, Inner: &tmpl}
				kouter, err := newKernelMap(t, outer, &kernelBTF{innerMapFD: ktmpl.fd})
				if err != nil {
					t.Fatal(err)
				}
				mouter, err := New(outer)
				if err != nil {
					t.Fatal(err)
				}
				defer mouter.Close()
				for ci, cand := range candidates {
					kin, err := newKernelMap(t, cand, nil)
					if err != nil {
						t.Fatal(err)
					}
					min, err := New(cand)
					if err != nil {
						t.Fatal(err)
					}
					kerr := kouter.update(u32(0), u32(uint32(kin.fd)), UpdateAny)
					gerr := mouter.UpdateUser(u32(0), u32(min.ID()), UpdateAny)
					if ge, ke := errnoOf(t, gerr), errnoOf(t, kerr); ge != ke {
						t.Errorf("candidate %d %+v: VM %v, kernel %v", ci, cand, gerr, kerr)
					}
					if gerr == nil {
						got, err := mouter.LookupUser(u32(0), 0)
						if err != nil || ne.Uint32(got) != min.ID() {
							t.Errorf("candidate %d: lookup = %x, %v, want id %d", ci, got, err, min.ID())
						}
						if p, ok := mouter.Lookup(u32(0), 0); !ok || p != min.Pointer() {
							t.Errorf("candidate %d: program lookup = %#x, %v, want %#x", ci, p, ok, min.Pointer())
						}
					}
					min.Close()
				}
				// Flags and missing entries.
				runOuter := func(name string, g, k error) {
					if ge, ke := errnoOf(t, g), errnoOf(t, k); ge != ke {
						t.Errorf("%s: VM %v, kernel %v", name, g, k)
					}
				}
				kin, _ := newKernelMap(t, tmpl, nil)
				min, _ := New(tmpl)
				defer min.Close()
				runOuter("update NOEXIST", mouter.UpdateUser(u32(1), u32(min.ID()), UpdateNoExist), kouter.update(u32(1), u32(uint32(kin.fd)), UpdateNoExist))
				runOuter("update EXIST", mouter.UpdateUser(u32(1), u32(min.ID()), UpdateExist), kouter.update(u32(1), u32(uint32(kin.fd)), UpdateExist))
				runOuter("update 3", mouter.UpdateUser(u32(1), u32(min.ID()), 3), kouter.update(u32(1), u32(uint32(kin.fd)), 3))
				runOuter("update index 7", mouter.UpdateUser(u32(7), u32(min.ID()), 0), kouter.update(u32(7), u32(uint32(kin.fd)), 0))
				runOuter("update no map", mouter.UpdateUser(u32(1), u32(0x7ffffff0), 0), kouter.update(u32(1), u32(0x7ffffff0), 0))
				runOuter("delete 1", mouter.DeleteUser(u32(1)), kouter.delete(u32(1)))
				runOuter("delete 1 again", mouter.DeleteUser(u32(1)), kouter.delete(u32(1)))
				runOuter("delete 7", mouter.DeleteUser(u32(7)), kouter.delete(u32(7)))
				_, g := mouter.LookupUser(u32(1), 0)
				_, k := kouter.lookup(u32(1), 0)
				runOuter("lookup deleted", g, k)
				_, g = mouter.LookupAndDeleteUser(u32(0), 0)
				_, k = kouter.lookupAndDelete(u32(0), 0)
				runOuter("lookup and delete", g, k)
				runOuter("freeze", mouter.Freeze(), kouter.freeze())
			})
		}
	}
}

// TestKernelInnerTemplates compares which maps may be templates.
func TestKernelInnerTemplates(t *testing.T) {
	requireKernel(t)
	for _, tmpl := range []Spec{
		{Name: "p", Type: TypeProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 2},
		{Name: "q", Type: TypeQueue, ValueSize: 4, MaxEntries: 2},
		{Name: "r", Type: TypeRingBuf, MaxEntries: 4096},
		{Name: "d", Type: TypeDevMap, KeySize: 4, ValueSize: 4, MaxEntries: 2},
	} {
		t.Run(tmpl.Type.String(), func(t *testing.T) {
			ktmpl, err := newKernelMap(t, tmpl, nil)
			if err != nil {
				t.Fatal(err)
			}
			outer := Spec{Name: "out", Type: TypeArrayOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 2, Inner: &tmpl}
			_, kerr := newKernelMap(t, outer, &kernelBTF{innerMapFD: ktmpl.fd})
			m, err := New(outer)
			if err == nil {
				m.Close()
			}
			if ge, ke := errnoOf(t, err), errnoOf(t, kerr); ge != ke {
				t.Errorf("VM %v, kernel %v", err, kerr)
			}
		})
	}
}
