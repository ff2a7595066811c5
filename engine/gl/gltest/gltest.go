// Package gltest gives the tests of packages built on engine/gl one shared GL
// context: Main makes it in TestMain, Need hands it to a test or skips the test
// with the reason there is none (fails instead under IPLGPU_REQUIRE_GL=1, as in
// CI). A context costs tens of milliseconds and a thread, so a test binary makes
// one.
package gltest

import (
	"fmt"
	"os"
	"testing"

	"github.com/iplgpu/iplgpu/engine/gl"
)

var (
	ctx    *gl.Context
	ctxErr error
)

// Main makes the shared context (setting EGL_PLATFORM=surfaceless when unset,
// which Mesa's default-display route needs without a display server), runs the
// tests and closes it; it returns m.Run's exit code. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(gltest.Main(m)) }
func Main(m *testing.M) int {
	if os.Getenv("EGL_PLATFORM") == "" {
		os.Setenv("EGL_PLATFORM", "surfaceless")
	}
	ctx, ctxErr = gl.NewContext()
	if ctx != nil {
		fmt.Fprintf(os.Stderr, "GL tests on %s\n", ctx.Info())
		defer ctx.Close()
	}
	return m.Run()
}

// Need returns the shared context, or skips t with the reason there is none;
// with IPLGPU_REQUIRE_GL=1 it fails t instead.
func Need(t testing.TB) *gl.Context {
	t.Helper()
	if ctx == nil {
		if os.Getenv("IPLGPU_REQUIRE_GL") == "1" {
			t.Fatalf("IPLGPU_REQUIRE_GL=1 but no GL context: %v", ctxErr)
		}
		t.Skipf("no OpenGL %d.%d context on this machine (set IPLGPU_REQUIRE_GL=1 to fail instead): %v", gl.NeedMajor, gl.NeedMinor, ctxErr)
	}
	return ctx
}

// Do runs f inside c and fails t on its error.
func Do(t testing.TB, c *gl.Context, f func() error) {
	t.Helper()
	if err := c.Do(f); err != nil {
		t.Fatal(err)
	}
}
