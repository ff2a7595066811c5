package gl

import (
	"os"
	"strings"
	"testing"

	ogl "github.com/go-gl/gl/v4.3-core/gl"

	"github.com/iplgpu/iplgpu/shaders"
)

// A syntax error comes back with the file name, the line inside that file (not
// inside the assembled source) and the driver's message.
func TestCompileErrorNamesFileAndLine(t *testing.T) {
	c := needGL(t)
	body, err := os.ReadFile("testdata/broken.comp")
	if err != nil {
		t.Fatal(err)
	}
	err = c.Do(func() error {
		_, err := c.CompileCompute("broken.comp", string(body), map[string]string{"UNUSED": "1"})
		return err
	})
	if err == nil {
		t.Fatal("broken.comp compiled")
	}
	msg := err.Error()
	t.Logf("error:\n%s", msg)
	for _, want := range []string{"broken.comp", "error"} {
		if !strings.Contains(strings.ToLower(msg), strings.ToLower(want)) {
			t.Errorf("error lacks %q", want)
		}
	}
	if strings.Contains(strings.ToLower(c.Info().Vendor), "mesa") && !strings.Contains(msg, "broken.comp:6:") {
		t.Errorf("error does not point at broken.comp line 6 (Mesa's log format)")
	}
}

// A vertex or fragment stage's compile error names the stage and its file, with
// the line inside that file past an include; good stages link into a program
// without a local size.
func TestCompileProgramGraphics(t *testing.T) {
	c := needGL(t)
	const (
		vert   = "void main() { gl_Position = vec4(0.0); }\n"
		frag   = "out vec4 colour;\nvoid main() { colour = vec4(1.0); }\n"
		broken = "void main() {\n\tfloat x = ;\n}\n" // a syntax error: Mesa gives semantic ones source string 0
	)
	stage := func(kind uint32, file, body string) Stage {
		return Stage{
			Kind:     kind,
			Prelude:  "#version 430 core\n",
			Includes: []Source{{"include.glsl", "// one\n// two\n// three\n"}},
			Body:     Source{file, body},
		}
	}
	mesa := strings.Contains(strings.ToLower(c.Info().Vendor), "mesa")
	for _, tc := range []struct {
		want   string
		stages []Stage
	}{
		{"vertex shader broken.vert", []Stage{stage(ogl.VERTEX_SHADER, "broken.vert", broken), stage(ogl.FRAGMENT_SHADER, "good.frag", frag)}},
		{"fragment shader broken.frag", []Stage{stage(ogl.VERTEX_SHADER, "good.vert", vert), stage(ogl.FRAGMENT_SHADER, "broken.frag", broken)}},
	} {
		err := c.Do(func() error {
			_, err := c.CompileProgram("test", tc.stages...)
			return err
		})
		if err == nil {
			t.Errorf("%s compiled", tc.want)
			continue
		}
		msg := err.Error()
		t.Logf("error:\n%s", msg)
		if !strings.Contains(msg, tc.want) || !strings.Contains(strings.ToLower(msg), "error") {
			t.Errorf("error lacks %q", tc.want)
		}
		file := tc.want[strings.LastIndex(tc.want, " ")+1:]
		if mesa && !strings.Contains(msg, file+":2:") {
			t.Errorf("error does not point at %s line 2 (Mesa's log format)", file)
		}
	}
	// A fragment input no vertex output feeds fails at link time.
	err := c.Do(func() error {
		_, err := c.CompileProgram("unlinked", stage(ogl.VERTEX_SHADER, "good.vert", vert),
			stage(ogl.FRAGMENT_SHADER, "input.frag", "in vec4 vMissing;\nout vec4 colour;\nvoid main() { colour = vMissing; }\n"))
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "linking program unlinked") {
		t.Errorf("link failure: %v", err)
	} else {
		t.Logf("error:\n%s", err)
	}
	do(t, c, func() error {
		p, err := c.CompileProgram("good", stage(ogl.VERTEX_SHADER, "good.vert", vert), stage(ogl.FRAGMENT_SHADER, "good.frag", frag))
		if err != nil {
			return err
		}
		defer p.Delete()
		if p.LocalSize() != [3]int{} || p.Name() != "good" {
			t.Errorf("program %q has local size %v", p.Name(), p.LocalSize())
		}
		return nil
	})
}

func TestMapLog(t *testing.T) {
	files := map[int]string{0: "<prelude>", 1: "common.glsl", 2: "step.comp"}
	for _, c := range []struct{ in, want string }{
		{"2:6(32): error: syntax error, unexpected ';'", "\tstep.comp:6:32: error: syntax error, unexpected ';'"},
		{"1(40) : error C0000: syntax error", "\tcommon.glsl:40: error C0000: syntax error"},
		{"ERROR: 2:12: 'x' : undeclared identifier", "\tERROR: step.comp:12: 'x' : undeclared identifier"},
		{"7:1(1): error: odd", "\tsource 7:1:1: error: odd"},
		{"error: no location", "\terror: no location"},
	} {
		if got := mapLog(c.in, files); got != c.want {
			t.Errorf("mapLog(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// The prelude carries the rng numbers and the caller's defines; every embedded
// .comp compiles.
func TestEmbeddedShadersCompile(t *testing.T) {
	c := needGL(t)
	for _, name := range shaders.Names() {
		if !strings.HasSuffix(name, ".comp") {
			continue
		}
		do(t, c, func() error {
			p, err := c.NewProgram(name, nil)
			if err != nil {
				return err
			}
			t.Logf("%s: local size %v", name, p.LocalSize())
			p.Delete()
			return nil
		})
	}
	src, _ := computeStage("body.comp", "// common\n", "// body\n", map[string]string{"B_VALUE": "2", "A_VALUE": "1.5"}).source()
	a, b := strings.Index(src, "#define A_VALUE 1.5"), strings.Index(src, "#define B_VALUE 2")
	if !strings.HasPrefix(src, "#version 430\n") || a < 0 || b < a || !strings.Contains(src, "#define RNG_AFFERENT 1u") {
		t.Errorf("assembled source:\n%s", src)
	}
	if _, err := shaders.Source("missing.comp"); err == nil || !strings.Contains(err.Error(), "copy.comp") {
		t.Errorf("missing shader: %v", err)
	}
}

func TestBlockBinding(t *testing.T) {
	c := needGL(t)
	do(t, c, func() error {
		p, err := c.NewProgram("copy.comp", nil)
		if err != nil {
			return err
		}
		defer p.Delete()
		for block, want := range map[string]int{"CopySrc": 0, "CopyDst": 1} {
			got, err := p.BlockBinding(block)
			if err != nil {
				return err
			}
			if got != want {
				t.Errorf("binding of %s = %d, want %d", block, got, want)
			}
		}
		if _, err := p.BlockBinding("NoSuchBlock"); err == nil || !strings.Contains(err.Error(), "NoSuchBlock") {
			t.Errorf("missing block: %v", err)
		}
		if p.Uniform("uNoSuchUniform") != -1 {
			t.Error("missing uniform has a location")
		}
		p.SetUint("uNoSuchUniform", 1) // a no-op, as in GL
		return c.CheckError("setting a missing uniform")
	})
}
