package viz

import (
	ogl "github.com/go-gl/gl/v4.3-core/gl"

	"github.com/iplgpu/iplgpu/engine/gl"
	"github.com/iplgpu/iplgpu/shaders"
)

// commonFile is the include viz puts before every vertex shader.
const commonFile = "viz_common.glsl"

// newProgram compiles the embedded vertex shader (after viz_common.glsl) and
// fragment shader and links them with c.CompileProgram: a failure names the file
// and carries the driver's info log with file:line locations. Call inside Do.
func newProgram(c *gl.Context, vertFile, fragFile string) (*gl.Program, error) {
	vert, err := stage(ogl.VERTEX_SHADER, vertFile, commonFile)
	if err != nil {
		return nil, err
	}
	frag, err := stage(ogl.FRAGMENT_SHADER, fragFile)
	if err != nil {
		return nil, err
	}
	return c.CompileProgram(vertFile+"+"+fragFile, vert, frag)
}

// stage is a shader stage of kind: "#version 430 core", the embedded includes,
// then the embedded file.
func stage(kind uint32, file string, includes ...string) (gl.Stage, error) {
	st := gl.Stage{Kind: kind, Prelude: "#version 430 core\n"}
	for _, name := range includes {
		text, err := shaders.Source(name)
		if err != nil {
			return st, err
		}
		st.Includes = append(st.Includes, gl.Source{Name: name, Text: text})
	}
	text, err := shaders.Source(file)
	st.Body = gl.Source{Name: file, Text: text}
	return st, err
}
