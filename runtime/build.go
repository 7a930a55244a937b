package runtime

import (
	"fmt"

	"github.com/bpfld/bpfld/insn"
	"github.com/bpfld/bpfld/link"
	"github.com/bpfld/bpfld/manifest"
)

// LinkFiles reads the objects at paths and links them into one image.
func LinkFiles(paths []string, opts link.Options) (*link.Image, error) {
	objs, err := link.ReadObjects(paths)
	if err != nil {
		return nil, err
	}
	return link.Link(objs, opts)
}

// LinkManifest links the manifest's objects, applies its program type and
// map overrides to the image and checks the manifest against the result.
func LinkManifest(m *manifest.Manifest, opts link.Options) (*link.Image, error) {
	img, err := LinkFiles(m.Objects, opts)
	if err != nil {
		return nil, err
	}
	for name, o := range m.Programs {
		if p := img.Program(name); p != nil {
			p.Type = o.ProgType
		}
	}
	for name, o := range m.Maps {
		mp := img.Map(name)
		if mp == nil {
			continue // Validate names it
		}
		if o.MaxEntries != nil {
			mp.MaxEntries = *o.MaxEntries
		}
		if o.Flags != nil {
			mp.Flags = *o.Flags
		}
	}
	if err := m.Validate(imageInfo{img}); err != nil {
		return nil, err
	}
	return img, nil
}

// imageInfo answers the manifest's questions about a linked image.
type imageInfo struct{ img *link.Image }

func (i imageInfo) ProgramType(name string) (uint32, bool) {
	if p := i.img.Program(name); p != nil {
		return p.Type, true
	}
	return 0, false
}

func (i imageInfo) MapInfo(name string) (manifest.MapInfo, bool) {
	m := i.img.Map(name)
	if m == nil {
		return manifest.MapInfo{}, false
	}
	return manifest.MapInfo{Type: m.Type, KeySize: m.KeySize, ValueSize: m.ValueSize, MaxEntries: m.MaxEntries,
		GlobalData: m.IsGlobalData(), Slots: m.Slots, Users: i.users(name)}, true
}

// users lists the entry programs whose instructions load map name.
func (i imageInfo) users(name string) []string {
	index := -1
	for n, m := range i.img.Maps {
		if m.Name == name {
			index = n
		}
	}
	var users []string
	for _, p := range i.img.Programs {
		for _, ins := range p.Insns {
			if ins.IsLoadImm64() && ins.Src == insn.PseudoMapIdx && int(ins.Imm) == index {
				users = append(users, p.Name)
				break
			}
		}
	}
	return users
}

func (i imageInfo) Global(name string) (manifest.GlobalInfo, bool) {
	m, v, err := findGlobal(i.img, name)
	if err != nil {
		return manifest.GlobalInfo{}, false
	}
	return manifest.GlobalInfo{Map: m.Name, Size: v.Size, ReadOnly: m.Frozen}, true
}

// findGlobal finds the global variable name in the image's data maps.
func findGlobal(img *link.Image, name string) (*link.MapSpec, *link.Variable, error) {
	for _, m := range img.Maps {
		for i := range m.Variables {
			if m.Variables[i].Name == name {
				return m, &m.Variables[i], nil
			}
		}
	}
	return nil, nil, fmt.Errorf("no global variable %s", name)
}
