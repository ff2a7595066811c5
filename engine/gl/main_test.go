package gl

import (
	"fmt"
	"os"
	"testing"
)

// The tests share one Context, made once in TestMain: a context costs tens of
// milliseconds and a thread, and GL tests must run inside one anyway.
var (
	testCtx    *Context
	testCtxErr error
)

func TestMain(m *testing.M) {
	// Mesa's EGL_DEFAULT_DISPLAY route needs this on a machine without a display
	// server; the platform routes NewContext tries first do not.
	if os.Getenv("EGL_PLATFORM") == "" {
		os.Setenv("EGL_PLATFORM", "surfaceless")
	}
	testCtx, testCtxErr = NewContext()
	if testCtx != nil {
		fmt.Fprintf(os.Stderr, "engine/gl tests on %s\n", testCtx.Info())
	}
	code := m.Run()
	if testCtx != nil {
		testCtx.Close()
	}
	os.Exit(code)
}

// needGL returns the shared context, or skips the test with the reason there is
// none; with IPLGPU_REQUIRE_GL=1 (CI) the test fails instead.
func needGL(t testing.TB) *Context {
	t.Helper()
	if testCtx == nil {
		if os.Getenv("IPLGPU_REQUIRE_GL") == "1" {
			t.Fatalf("IPLGPU_REQUIRE_GL=1 but no GL context: %v", testCtxErr)
		}
		t.Skipf("no OpenGL %d.%d context on this machine (set IPLGPU_REQUIRE_GL=1 to fail instead): %v", NeedMajor, NeedMinor, testCtxErr)
	}
	return testCtx
}

// do runs f inside the shared context and fails the test on its error.
func do(t testing.TB, c *Context, f func() error) {
	t.Helper()
	if err := c.Do(f); err != nil {
		t.Fatal(err)
	}
}
