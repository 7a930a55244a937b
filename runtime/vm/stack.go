package vm

// StackDepth returns the stack depth of loaded program name, in bytes:
// the deepest chain of its bpf-to-bpf calls, each frame rounded as the
// kernel's JIT rounds it. It implements runtime.StackReporter.
func (c *Collection) StackDepth(name string) (int, bool) {
	p := c.program(name)
	if p == nil {
		return 0, false
	}
	return p.code.StackDepth(), true
}
