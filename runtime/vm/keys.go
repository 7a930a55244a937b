package vm

import (
	"errors"
	"fmt"
	"syscall"
)

// Keys implements runtime.Collection.
func (c *Collection) Keys(name string) ([][]byte, error) {
	m, err := c.Map(name)
	if err != nil {
		return nil, err
	}
	var keys [][]byte
	var prev []byte // nil: the first key
	for {
		next, err := m.NextKey(prev)
		if errors.Is(err, syscall.ENOENT) {
			return keys, nil
		}
		if err != nil {
			return nil, fmt.Errorf("map %s: next key: %w", name, err)
		}
		keys = append(keys, next)
		prev = next
	}
}
