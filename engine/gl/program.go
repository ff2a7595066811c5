package gl

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	ogl "github.com/go-gl/gl/v4.3-core/gl"

	"github.com/iplgpu/iplgpu/engine/rng"
	"github.com/iplgpu/iplgpu/shaders"
)

// Program is a linked program: a compute program (NewProgram, CompileCompute)
// or any other set of stages (CompileProgram). Its methods must be called
// inside Context.Do.
type Program struct {
	c         *Context
	id        uint32
	name      string
	localSize [3]int // zero unless the program has a compute stage
	uniforms  map[string]int32
	blocks    map[string]int
}

// Source is a named piece of a shader stage's source, e.g. an embedded file.
// Compiler messages about its lines name it.
type Source struct {
	Name, Text string
}

// Stage is one shader stage of a program: Prelude (the #version line and
// #defines), Includes in order, then Body, each part after the prelude
// started with a "#line 1 N" directive of its own source-string number so
// that CompileProgram can turn the driver's "N:line" back into "file:line".
type Stage struct {
	Kind     uint32 // GL shader type: COMPUTE_SHADER, VERTEX_SHADER, FRAGMENT_SHADER, ...
	Prelude  string
	Includes []Source
	Body     Source // the stage's own file, which errors name
}

// source returns the stage's full source and the file of each source-string
// number in it: 0 is the prelude, named "<Body.Name prelude>", then the
// includes, then the body.
func (st Stage) source() (string, map[int]string) {
	var sb strings.Builder
	sb.WriteString(st.Prelude)
	files := map[int]string{0: "<" + st.Body.Name + " prelude>"}
	parts := append(append([]Source(nil), st.Includes...), st.Body)
	for i, part := range parts {
		if i > 0 {
			sb.WriteString("\n")
		}
		fmt.Fprintf(&sb, "#line 1 %d\n", i+1)
		sb.WriteString(part.Text)
		files[i+1] = part.Name
	}
	sb.WriteString("\n")
	return sb.String(), files
}

// CompileProgram compiles the stages and links them into a program, named name
// in errors. A compile failure returns an error naming the stage's kind and
// Body file with the driver's info log, its locations rewritten to file:line;
// a link failure returns the link log (mapped the same way when there is one
// stage; stages number their parts alike). Call inside Do.
func (c *Context) CompileProgram(name string, stages ...Stage) (*Program, error) {
	c.mustOnThread("CompileProgram")
	ids := make([]uint32, 0, len(stages))
	defer func() {
		for _, sh := range ids {
			ogl.DeleteShader(sh)
		}
	}()
	compute := false
	for _, st := range stages {
		sh, err := compileStage(st)
		if err != nil {
			return nil, err
		}
		ids = append(ids, sh)
		compute = compute || st.Kind == ogl.COMPUTE_SHADER
	}

	p := &Program{c: c, name: name, uniforms: map[string]int32{}, blocks: map[string]int{}}
	p.id = ogl.CreateProgram()
	for _, sh := range ids {
		ogl.AttachShader(p.id, sh)
	}
	ogl.LinkProgram(p.id)
	for _, sh := range ids {
		ogl.DetachShader(p.id, sh)
	}
	var ok int32
	ogl.GetProgramiv(p.id, ogl.LINK_STATUS, &ok)
	if ok == ogl.FALSE {
		var files map[int]string
		if len(stages) == 1 {
			_, files = stages[0].source()
		}
		log := mapLog(infoLog(p.id, ogl.GetProgramiv, ogl.GetProgramInfoLog), files)
		ogl.DeleteProgram(p.id)
		return nil, fmt.Errorf("engine/gl: linking program %s:\n%s", name, log)
	}
	if compute {
		var ls [3]int32
		ogl.GetProgramiv(p.id, ogl.COMPUTE_WORK_GROUP_SIZE, &ls[0])
		p.localSize = [3]int{int(ls[0]), int(ls[1]), int(ls[2])}
	}
	if err := glError("building program " + name); err != nil {
		ogl.DeleteProgram(p.id)
		return nil, err
	}
	return p, nil
}

// compileStage compiles st into a new shader object, or returns an error with
// the mapped info log and deletes the object.
func compileStage(st Stage) (uint32, error) {
	src, files := st.source()
	sh := ogl.CreateShader(st.Kind)
	csrc, free := ogl.Strs(src + "\x00")
	length := int32(len(src))
	ogl.ShaderSource(sh, 1, csrc, &length)
	free()
	ogl.CompileShader(sh)
	var ok int32
	ogl.GetShaderiv(sh, ogl.COMPILE_STATUS, &ok)
	if ok == ogl.FALSE {
		log := mapLog(infoLog(sh, ogl.GetShaderiv, ogl.GetShaderInfoLog), files)
		ogl.DeleteShader(sh)
		return 0, fmt.Errorf("engine/gl: compiling %s shader %s:\n%s", stageKind(st.Kind), st.Body.Name, log)
	}
	return sh, nil
}

// stageKind names a GL shader type in errors.
func stageKind(kind uint32) string {
	switch kind {
	case ogl.COMPUTE_SHADER:
		return "compute"
	case ogl.VERTEX_SHADER:
		return "vertex"
	case ogl.FRAGMENT_SHADER:
		return "fragment"
	case ogl.GEOMETRY_SHADER:
		return "geometry"
	case ogl.TESS_CONTROL_SHADER:
		return "tessellation control"
	case ogl.TESS_EVALUATION_SHADER:
		return "tessellation evaluation"
	}
	return fmt.Sprintf("type 0x%04x", kind)
}

// rngDefines are the numbers common.glsl and the kernels take from engine/rng, so
// that GLSL never restates them. A new rng.Purpose that a kernel uses is added here.
var rngDefines = []struct {
	name  string
	value uint32
}{
	{"RNG_AFFERENT", uint32(rng.Afferent)},
	{"RNG_AFFERENT_BLOCK_SHIFT", rng.AfferentBlockShift},
	{"RNG_BACKGROUND", uint32(rng.Background)},
	{"RNG_SPIKES", uint32(rng.Spikes)},
	{"RNG_FRAMES", uint32(rng.Frames)},
	{"RNG_TRIALS", uint32(rng.Trials)},
	{"RNG_ITI", uint32(rng.ITI)},
	{"RNG_HOMEOSTASIS", uint32(rng.Homeostasis)},
	{"RNG_SYNTHETIC", uint32(rng.Synthetic)},
}

var defineName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// NewProgram compiles the embedded shader file (e.g. "copy.comp") with the given
// #defines (name -> replacement text, may be nil) and links it. Call inside Do.
func (c *Context) NewProgram(file string, defines map[string]string) (*Program, error) {
	c.mustOnThread("NewProgram")
	body, err := shaders.Source(file)
	if err != nil {
		return nil, err
	}
	return c.CompileCompute(file, body, defines)
}

// CompileCompute compiles and links a compute program from body, named name in
// errors, as "#version 430", the engine/rng defines, the given defines (sorted by
// name), common.glsl, then body. A compile or link failure returns an error with
// the program's name and the driver's info log, its locations rewritten to
// file:line (common.glsl or name). Call inside Do.
func (c *Context) CompileCompute(name, body string, defines map[string]string) (*Program, error) {
	c.mustOnThread("CompileCompute")
	common, err := shaders.Source(shaders.Common)
	if err != nil {
		return nil, err
	}
	return c.CompileProgram(name, computeStage(name, common, body, defines))
}

// computeStage is the compute stage of CompileCompute: "#version 430", the
// engine/rng defines and defines (sorted by name), then common, then body.
func computeStage(name, common, body string, defines map[string]string) Stage {
	var sb strings.Builder
	sb.WriteString("#version 430\n")
	for _, d := range rngDefines {
		fmt.Fprintf(&sb, "#define %s %du\n", d.name, d.value)
	}
	fmt.Fprintf(&sb, "#define RNG_POISSON_MAX %d\n", rng.PoissonMax)
	fmt.Fprintf(&sb, "#define RNG_POISSON_LAMBDA_MAX %d\n", rng.PoissonLambdaMax)
	names := make([]string, 0, len(defines))
	for k := range defines {
		if !defineName.MatchString(k) {
			panic(fmt.Sprintf("engine/gl: #define name %q is not a GLSL identifier", k))
		}
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if strings.ContainsAny(defines[k], "\n\r") {
			panic(fmt.Sprintf("engine/gl: #define %s value %q spans lines", k, defines[k]))
		}
		fmt.Fprintf(&sb, "#define %s %s\n", k, defines[k])
	}
	return Stage{
		Kind:     ogl.COMPUTE_SHADER,
		Prelude:  sb.String(),
		Includes: []Source{{shaders.Common, common}},
		Body:     Source{name, body},
	}
}

// Info-log location formats: Mesa "0:12(5): error: ...", NVIDIA "0(12) : error ...",
// AMD and others "ERROR: 0:12: ...".
var (
	logMesa   = regexp.MustCompile(`^(\d+):(\d+)\((\d+)\):`)
	logNVIDIA = regexp.MustCompile(`^(\d+)\((\d+)\)\s*:`)
	logOther  = regexp.MustCompile(`^((?:ERROR|WARNING):\s*)(\d+):(\d+):`)
)

// mapLog rewrites the source-string numbers of the driver's messages to file names.
func mapLog(log string, files map[int]string) string {
	file := func(num string) string {
		n, _ := strconv.Atoi(num)
		if f, ok := files[n]; ok {
			return f
		}
		return "source " + num
	}
	lines := strings.Split(strings.TrimRight(log, "\x00\n "), "\n")
	for i, l := range lines {
		switch {
		case logMesa.MatchString(l):
			m := logMesa.FindStringSubmatch(l)
			lines[i] = fmt.Sprintf("%s:%s:%s:%s", file(m[1]), m[2], m[3], l[len(m[0]):])
		case logNVIDIA.MatchString(l):
			m := logNVIDIA.FindStringSubmatch(l)
			lines[i] = fmt.Sprintf("%s:%s:%s", file(m[1]), m[2], l[len(m[0]):])
		case logOther.MatchString(l):
			m := logOther.FindStringSubmatch(l)
			lines[i] = fmt.Sprintf("%s%s:%s:%s", m[1], file(m[2]), m[3], l[len(m[0]):])
		}
		lines[i] = "\t" + lines[i]
	}
	return strings.Join(lines, "\n")
}

// infoLog reads the info log of a shader (GetShaderiv, GetShaderInfoLog) or a
// program (GetProgramiv, GetProgramInfoLog).
func infoLog(id uint32, getiv func(uint32, uint32, *int32), getLog func(uint32, int32, *int32, *uint8)) string {
	var n int32
	getiv(id, ogl.INFO_LOG_LENGTH, &n)
	if n <= 0 {
		return "(the driver gave no info log)"
	}
	buf := make([]byte, n+1)
	getLog(id, n, nil, &buf[0])
	return strings.TrimRight(string(buf), "\x00")
}

// Name is the file or name the program was built from.
func (p *Program) Name() string { return p.name }

// ID is the GL program name.
func (p *Program) ID() uint32 { return p.id }

// LocalSize is the work-group size the compute shader declares (local_size_x,
// y, z); zero for a program without a compute stage.
func (p *Program) LocalSize() [3]int { return p.localSize }

// Delete frees the program. Call inside Do.
func (p *Program) Delete() {
	p.c.mustOnThread("Program.Delete")
	if p.id != 0 {
		ogl.DeleteProgram(p.id)
		p.id = 0
	}
}

// Uniform returns the location of a uniform, -1 when the program has no active
// uniform of that name (the compiler drops unused ones; setting -1 is a no-op in
// GL, so the setters below ignore it). Call inside Do.
func (p *Program) Uniform(name string) int32 {
	p.c.mustOnThread("Program.Uniform")
	if loc, ok := p.uniforms[name]; ok {
		return loc
	}
	cs, free := ogl.Strs(name + "\x00")
	loc := ogl.GetUniformLocation(p.id, *cs)
	free()
	p.uniforms[name] = loc
	return loc
}

// SetUint sets a uint uniform. Call inside Do.
func (p *Program) SetUint(name string, v uint32) {
	ogl.ProgramUniform1ui(p.id, p.Uniform(name), v)
}

// SetInt sets an int uniform. Call inside Do.
func (p *Program) SetInt(name string, v int32) {
	ogl.ProgramUniform1i(p.id, p.Uniform(name), v)
}

// SetFloat sets a float uniform. Call inside Do.
func (p *Program) SetFloat(name string, v float32) {
	ogl.ProgramUniform1f(p.id, p.Uniform(name), v)
}

// SetVec2 sets a vec2 uniform. Call inside Do.
func (p *Program) SetVec2(name string, x, y float32) {
	ogl.ProgramUniform2f(p.id, p.Uniform(name), x, y)
}

// SetVec3 sets a vec3 uniform. Call inside Do.
func (p *Program) SetVec3(name string, x, y, z float32) {
	ogl.ProgramUniform3f(p.id, p.Uniform(name), x, y, z)
}

// SetVec4 sets a vec4 uniform. Call inside Do.
func (p *Program) SetVec4(name string, x, y, z, w float32) {
	ogl.ProgramUniform4f(p.id, p.Uniform(name), x, y, z, w)
}

// SetMat4 sets a mat4 uniform from a column-major matrix. Call inside Do.
func (p *Program) SetMat4(name string, m [16]float32) {
	ogl.ProgramUniformMatrix4fv(p.id, p.Uniform(name), 1, false, &m[0])
}

// SetUvec2 sets a uvec2 uniform. Call inside Do.
func (p *Program) SetUvec2(name string, x, y uint32) {
	ogl.ProgramUniform2ui(p.id, p.Uniform(name), x, y)
}

// SetU64 sets a uvec2 uniform to (low word, high word) of v: the layout of
// 64-bit steps and seeds in common.glsl (rngBlock's step and key). Call inside Do.
func (p *Program) SetU64(name string, v uint64) {
	p.SetUvec2(name, uint32(v), uint32(v>>32))
}

// SetKey sets a uvec2 uniform to the Philox key of a stream. Call inside Do.
func (p *Program) SetKey(name string, s rng.Stream) {
	k := s.Key()
	p.SetUvec2(name, k[0], k[1])
}

// BlockBinding returns the binding point of the program's shader storage block
// named block (the block name, e.g. "CopySrc", not the instance or array name).
// Call inside Do.
func (p *Program) BlockBinding(block string) (int, error) {
	p.c.mustOnThread("Program.BlockBinding")
	if b, ok := p.blocks[block]; ok {
		return b, nil
	}
	cs, free := ogl.Strs(block + "\x00")
	idx := ogl.GetProgramResourceIndex(p.id, ogl.SHADER_STORAGE_BLOCK, *cs)
	free()
	if idx == ogl.INVALID_INDEX {
		return 0, fmt.Errorf("engine/gl: program %s has no active shader storage block %q (unused blocks are dropped by the compiler)", p.name, block)
	}
	prop := uint32(ogl.BUFFER_BINDING)
	var binding int32
	ogl.GetProgramResourceiv(p.id, ogl.SHADER_STORAGE_BLOCK, idx, 1, &prop, 1, nil, &binding)
	p.blocks[block] = int(binding)
	return int(binding), nil
}

// Bind binds buf to the binding point of the program's storage block named block,
// so Go need not repeat the shader's layout(binding = N). Call inside Do.
func (p *Program) Bind(block string, buf *Buffer) error {
	b, err := p.BlockBinding(block)
	if err != nil {
		return err
	}
	buf.BindBase(b)
	return nil
}
