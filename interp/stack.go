package interp

import (
	"errors"
	"fmt"
)

// frameRound is the granularity the verifier rounds each frame's stack to
// when it adds up a call chain; 16 is what it uses when the program will be
// JIT-compiled, as it always is on x86-64 (round_up_stack_depth). Rounding
// like the JIT keeps the VM accepting exactly what the kernel accepts.
const frameRound = 16

// maxTailCallCallerStack is the stack the callers of a function that tail
// calls may use at most (check_max_stack_depth_subprog), so that 33 tail
// calls on top of deep frames stay within a kernel stack.
const maxTailCallCallerStack = 256

// checkStack follows every chain of calls from the entry point as the
// verifier's check_max_stack_depth does, callbacks counting as calls, and
// rejects a chain of more than MaxCallFrames frames or MaxStack bytes, and
// recursion. It returns the deepest chain's stack in bytes.
func checkStack(s *structure, an *analysis) (int, error) {
	c := stackChecker{
		s:      s,
		an:     an,
		onPath: make([]bool, len(s.entries)),
		seen:   make([]visitKey, len(s.entries)),
	}
	if err := c.visit(0, 0, 1, 0); err != nil {
		return 0, err
	}
	return c.max, nil
}

type stackChecker struct {
	s      *structure
	an     *analysis
	onPath []bool
	// seen holds, for each function, the worst callers' frames and stack
	// it has been checked under: a visit with no more of either can find
	// nothing new, which keeps shared callees from being walked again and
	// again.
	seen []visitKey
	max  int
}

type visitKey struct{ frames, depth int }

// visit enters function f, called at slot from, with callers' frames
// using depth bytes, as the frames-th frame of the chain.
func (c *stackChecker) visit(f, from, frames, depth int) error {
	if k := c.seen[f]; k.frames >= frames && k.depth >= depth {
		return nil
	}
	c.seen[f] = visitKey{max(c.seen[f].frames, frames), max(c.seen[f].depth, depth)}
	if frames > MaxCallFrames {
		return errorAt(c.s.insns, from, fmt.Errorf("the call stack of %d frames is too deep", frames))
	}
	if f != 0 && c.an.tailCalls[f] && depth >= maxTailCallCallerStack {
		return errorAt(c.s.insns, from, fmt.Errorf("tail calls are not allowed when the call stack of previous frames is %d bytes (at most %d)",
			depth, maxTailCallCallerStack-1))
	}
	depth += (c.an.depth[f] + frameRound - 1) / frameRound * frameRound
	if depth > MaxStack {
		return errorAt(c.s.insns, from, fmt.Errorf("combined stack size of %d calls is %d bytes, more than %d", frames, depth, MaxStack))
	}
	c.max = max(c.max, depth)
	c.onPath[f] = true
	for _, pc := range c.an.calls[f] {
		callee := c.s.funcOf[target(c.s.insns[pc], pc)]
		if c.onPath[callee] {
			return errorAt(c.s.insns, pc, errors.New("recursive call"))
		}
		if err := c.visit(callee, pc, frames+1, depth); err != nil {
			return err
		}
	}
	c.onPath[f] = false
	return nil
}
