package viz

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	ogl "github.com/go-gl/gl/v4.3-core/gl"

	"github.com/iplgpu/iplgpu/shaders"
)

// commonFile is the include viz puts before every vertex shader.
const commonFile = "viz_common.glsl"

// program is a linked vertex + fragment program. Its methods run on the GL thread.
type program struct {
	id       uint32
	name     string
	uniforms map[string]int32
}

// Source-string numbers of a shader's parts, set with #line so that compiler
// messages say which file a line is in.
const (
	srcPrelude = 0
	srcCommon  = 1
	srcBody    = 2
)

// newProgram compiles the embedded vertex and fragment shader files and links
// them. A failure returns the driver's info log with file:line locations.
func newProgram(vertFile, fragFile string) (*program, error) {
	name := vertFile + "+" + fragFile
	vs, err := compileShader(ogl.VERTEX_SHADER, vertFile, true)
	if err != nil {
		return nil, err
	}
	defer ogl.DeleteShader(vs)
	fs, err := compileShader(ogl.FRAGMENT_SHADER, fragFile, false)
	if err != nil {
		return nil, err
	}
	defer ogl.DeleteShader(fs)
	id := ogl.CreateProgram()
	ogl.AttachShader(id, vs)
	ogl.AttachShader(id, fs)
	ogl.LinkProgram(id)
	ogl.DetachShader(id, vs)
	ogl.DetachShader(id, fs)
	var ok int32
	ogl.GetProgramiv(id, ogl.LINK_STATUS, &ok)
	if ok == ogl.FALSE {
		var n int32
		ogl.GetProgramiv(id, ogl.INFO_LOG_LENGTH, &n)
		log := make([]byte, n+1)
		ogl.GetProgramInfoLog(id, n, nil, &log[0])
		ogl.DeleteProgram(id)
		return nil, fmt.Errorf("viz: linking program %s:\n%s", name, strings.TrimRight(string(log), "\x00\n"))
	}
	return &program{id: id, name: name, uniforms: map[string]int32{}}, nil
}

// compileShader builds "#version 430 core", viz_common.glsl when withCommon,
// then the file's body.
func compileShader(kind uint32, file string, withCommon bool) (uint32, error) {
	body, err := shaders.Source(file)
	if err != nil {
		return 0, err
	}
	var src strings.Builder
	src.WriteString("#version 430 core\n")
	files := map[int]string{srcPrelude: "<" + file + " prelude>", srcBody: file}
	if withCommon {
		common, err := shaders.Source(commonFile)
		if err != nil {
			return 0, err
		}
		files[srcCommon] = commonFile
		fmt.Fprintf(&src, "#line 1 %d\n%s\n", srcCommon, common)
	}
	fmt.Fprintf(&src, "#line 1 %d\n%s\n", srcBody, body)
	text := src.String()

	sh := ogl.CreateShader(kind)
	csrc, free := ogl.Strs(text + "\x00")
	length := int32(len(text))
	ogl.ShaderSource(sh, 1, csrc, &length)
	free()
	ogl.CompileShader(sh)
	var ok int32
	ogl.GetShaderiv(sh, ogl.COMPILE_STATUS, &ok)
	if ok == ogl.FALSE {
		var n int32
		ogl.GetShaderiv(sh, ogl.INFO_LOG_LENGTH, &n)
		log := make([]byte, n+1)
		ogl.GetShaderInfoLog(sh, n, nil, &log[0])
		ogl.DeleteShader(sh)
		return 0, fmt.Errorf("viz: compiling %s:\n%s", file, mapLog(strings.TrimRight(string(log), "\x00\n"), files))
	}
	return sh, nil
}

// logLocation matches the "source:line" or "source(line)" at the start of a
// message, as Mesa and NVIDIA write them.
var logLocation = regexp.MustCompile(`(?m)^(?:ERROR: |WARNING: )?(\d+)[:(](\d+)`)

// mapLog rewrites source-string numbers in a compiler log to file names.
func mapLog(log string, files map[int]string) string {
	return logLocation.ReplaceAllStringFunc(log, func(m string) string {
		sub := logLocation.FindStringSubmatch(m)
		n, _ := strconv.Atoi(sub[1])
		f, ok := files[n]
		if !ok {
			return m
		}
		prefix := m[:strings.Index(m, sub[1])]
		return prefix + f + ":" + sub[2]
	})
}

// uniform returns a uniform's location, -1 when the compiler dropped it.
func (p *program) uniform(name string) int32 {
	if loc, ok := p.uniforms[name]; ok {
		return loc
	}
	cs, free := ogl.Strs(name + "\x00")
	loc := ogl.GetUniformLocation(p.id, *cs)
	free()
	p.uniforms[name] = loc
	return loc
}

func (p *program) setFloat(name string, v float32) { ogl.ProgramUniform1f(p.id, p.uniform(name), v) }

func (p *program) setVec2(name string, x, y float32) {
	ogl.ProgramUniform2f(p.id, p.uniform(name), x, y)
}

func (p *program) setVec3(name string, v Vec3) {
	ogl.ProgramUniform3f(p.id, p.uniform(name), v[0], v[1], v[2])
}

func (p *program) setMat4(name string, m Mat4) {
	ogl.ProgramUniformMatrix4fv(p.id, p.uniform(name), 1, false, &m[0])
}

// blockBinding returns the binding point of a storage block, false when the
// program does not use it.
func (p *program) blockBinding(block string) (uint32, bool) {
	cs, free := ogl.Strs(block + "\x00")
	idx := ogl.GetProgramResourceIndex(p.id, ogl.SHADER_STORAGE_BLOCK, *cs)
	free()
	if idx == ogl.INVALID_INDEX {
		return 0, false
	}
	prop := uint32(ogl.BUFFER_BINDING)
	var binding int32
	ogl.GetProgramResourceiv(p.id, ogl.SHADER_STORAGE_BLOCK, idx, 1, &prop, 1, nil, &binding)
	return uint32(binding), true
}

func (p *program) delete() {
	if p != nil && p.id != 0 {
		ogl.DeleteProgram(p.id)
		p.id = 0
	}
}
