package gl

import (
	"fmt"
	"math"

	ogl "github.com/go-gl/gl/v4.3-core/gl"
)

// dispatchPart is one glDispatchCompute of a split 1-D launch.
type dispatchPart struct {
	base   int // index of its first invocation (uInvocationBase)
	groups int // work groups along x
}

// planDispatch splits n invocations in groups of local into dispatches of at most
// maxGroups groups each. The parts cover [0, n) in order; the last group of the
// last part may run past n (the kernel checks uInvocationCount).
func planDispatch(n, local, maxGroups int) []dispatchPart {
	if n < 0 || local < 1 || maxGroups < 1 {
		panic(fmt.Sprintf("engine/gl: planDispatch(n=%d, local=%d, maxGroups=%d)", n, local, maxGroups))
	}
	groups := (n + local - 1) / local
	parts := make([]dispatchPart, 0, (groups+maxGroups-1)/maxGroups)
	for g := 0; g < groups; g += maxGroups {
		parts = append(parts, dispatchPart{base: g * local, groups: min(maxGroups, groups-g)})
	}
	return parts
}

// Dispatch1D launches n invocations of a 1-D program (local_size_y = z = 1),
// setting uInvocationBase and uInvocationCount (common.glsl) so that the kernel's
// invocationIndex() runs over [0, n). When n needs more work groups than
// GL_MAX_COMPUTE_WORK_GROUP_COUNT allows, it issues several dispatches; their
// invocations are independent, so no barrier separates them. Bind buffers and set
// the other uniforms first; put Context.Barrier between dependent launches.
// Call inside Do.
func (p *Program) Dispatch1D(n int) {
	p.c.mustOnThread("Program.Dispatch1D")
	if p.localSize[1] != 1 || p.localSize[2] != 1 {
		panic(fmt.Sprintf("engine/gl: Dispatch1D of %s, whose local size is %v, not 1-D", p.name, p.localSize))
	}
	if n < 0 || n > math.MaxUint32 {
		panic(fmt.Sprintf("engine/gl: Dispatch1D of %s with n = %d outside [0, 2^32)", p.name, n))
	}
	if n == 0 {
		return
	}
	ogl.UseProgram(p.id)
	p.SetUint("uInvocationCount", uint32(n))
	base := p.Uniform("uInvocationBase")
	for _, part := range planDispatch(n, p.localSize[0], p.c.limits.MaxWorkGroupCount[0]) {
		ogl.ProgramUniform1ui(p.id, base, uint32(part.base))
		ogl.DispatchCompute(uint32(part.groups), 1, 1)
	}
}
