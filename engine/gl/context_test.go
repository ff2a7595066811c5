package gl

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestContextInfo(t *testing.T) {
	c := needGL(t)
	info := c.Info()
	t.Logf("GL_RENDERER %q, GL_VERSION %q, GL_VENDOR %q, GLSL %q, software %v, via %s (%s)",
		info.Renderer, info.Version, info.Vendor, info.GLSLVersion, info.Software, info.Platform, info.EGL)
	if info.Major < NeedMajor || (info.Major == NeedMajor && info.Minor < NeedMinor) {
		t.Errorf("context is OpenGL %d.%d, want >= %d.%d", info.Major, info.Minor, NeedMajor, NeedMinor)
	}
	if info.Renderer == "" || info.Version == "" || info.Vendor == "" {
		t.Errorf("empty GL strings: %+v", info)
	}
	if strings.Contains(strings.ToLower(info.Renderer), "llvmpipe") && !info.Software {
		t.Errorf("llvmpipe not reported as software: %+v", info)
	}
	l := c.Limits()
	t.Logf("limits: %+v", l)
	if l.MaxSSBOBlockSize < 1<<24 || l.MaxWorkGroupCount[0] < 65535 || l.MaxWorkGroupInvocations < 1024 || l.MaxSSBOBindings < 8 {
		t.Errorf("limits below the GL 4.3 minimums: %+v", l)
	}
}

func TestSoftwareRendererNames(t *testing.T) {
	for _, c := range []struct {
		renderer string
		soft     bool
	}{
		{"llvmpipe (LLVM 15.0.6, 256 bits)", true},
		{"softpipe", true},
		{"Software Rasterizer (swrast)", true},
		{"zink (llvmpipe (LLVM 15.0.6, 256 bits))", true},
		{"NVIDIA H100 80GB HBM3/PCIe/SSE2", false},
		{"AMD Radeon RX 7900 XTX (radeonsi, navi31, LLVM 15.0.7, DRM 3.54, 6.5.0)", false},
		{"Mesa Intel(R) UHD Graphics 630 (CFL GT2)", false},
	} {
		if got := isSoftwareRenderer(c.renderer); got != c.soft {
			t.Errorf("isSoftwareRenderer(%q) = %v, want %v", c.renderer, got, c.soft)
		}
	}
}

func TestDo(t *testing.T) {
	c := needGL(t)
	want := errors.New("from f")
	if err := c.Do(func() error { return want }); err != want {
		t.Errorf("Do returned %v, want f's error", err)
	}
	// Reentrant Do runs on the GL thread directly instead of deadlocking.
	inner := false
	do(t, c, func() error {
		return c.Do(func() error { inner = true; return nil })
	})
	if !inner {
		t.Error("nested Do did not run")
	}
	// Do from many goroutines at once is serialised.
	var wg sync.WaitGroup
	count := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Do(func() error { count++; return nil })
		}()
	}
	wg.Wait()
	if count != 8 {
		t.Errorf("8 concurrent Do calls ran %d closures", count)
	}
}

func TestDoPanic(t *testing.T) {
	c := needGL(t)
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "boom") || !strings.Contains(s, "GL thread stack") {
			t.Errorf("panic in f re-raised as %v", r)
		}
		// The thread survives a panic.
		do(t, c, func() error { return nil })
	}()
	c.Do(func() error { panic("boom") })
	t.Error("Do did not re-raise the panic")
}

func TestGLOutsideDoPanics(t *testing.T) {
	c := needGL(t)
	defer func() {
		if s, _ := recover().(string); !strings.Contains(s, "must be called inside Context.Do") {
			t.Errorf("NewBuffer outside Do: panic %q", s)
		}
	}()
	c.NewBuffer("x", 16)
}

// A second context lives beside the shared one, does work, and closes; a third
// made afterwards works too (the display is reference-counted, not terminated
// under a live context).
func TestSecondContext(t *testing.T) {
	needGL(t)
	for i := 0; i < 2; i++ {
		c2, err := NewContext()
		if err != nil {
			t.Fatal(err)
		}
		do(t, c2, func() error {
			b, err := c2.NewBuffer("second", 64)
			if err != nil {
				return err
			}
			defer b.Delete()
			in := []float32{1, 2, 3, 4}
			if err := Upload(b, 4, in); err != nil {
				return err
			}
			out := make([]float32, 8)
			if err := Download(b, 0, out); err != nil {
				return err
			}
			if out[0] != 0 || out[4] != 1 || out[7] != 4 {
				t.Errorf("round trip in second context: %v", out)
			}
			return nil
		})
		if err := c2.Close(); err != nil {
			t.Fatal(err)
		}
		if err := c2.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if err := c2.Do(func() error { return nil }); err != ErrClosed {
			t.Errorf("Do after Close: %v, want ErrClosed", err)
		}
	}
	// The shared context still works.
	do(t, testCtx, func() error { return testCtx.CheckError("after closing other contexts") })
}

func TestProbe(t *testing.T) {
	want := needGL(t).Info()
	info, err := Probe()
	if err != nil {
		t.Fatal(err)
	}
	if info.Renderer != want.Renderer || info.Software != want.Software {
		t.Errorf("Probe = %+v, shared context %+v", info, want)
	}
}

// The EGL device platform is the route on NVIDIA; Mesa lists its software
// rasteriser as a device too, so the route can be tested here.
func TestDevicePlatformRoute(t *testing.T) {
	needGL(t)
	eglMu.Lock()
	eglRouteFilter = func(name string) bool { return strings.HasPrefix(name, "EGL device") }
	eglMu.Unlock()
	defer func() {
		eglMu.Lock()
		eglRouteFilter = nil
		eglMu.Unlock()
	}()
	// Twice: closing the only context on the device display terminates it, and
	// the next context must initialise it again.
	for i := 0; i < 2; i++ {
		c2, err := NewContext()
		if err != nil {
			t.Skipf("no EGL device route on this machine: %v", err)
		}
		info := c2.Info()
		if !strings.HasPrefix(info.Platform, "EGL device") {
			t.Errorf("route %q, want an EGL device", info.Platform)
		}
		do(t, c2, func() error {
			p, err := c2.NewProgram("copy.comp", nil)
			if err != nil {
				return err
			}
			p.Delete()
			return nil
		})
		if err := c2.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d via %s: %s", i, info.Platform, info)
	}
}

// DeviceMemory answers on a hardware driver that has the NVIDIA or AMD query,
// and not on a software renderer, whose memory is the host's.
func TestDeviceMemory(t *testing.T) {
	c := needGL(t)
	total, free, ok := c.DeviceMemory()
	t.Logf("%s: device memory %d MiB, %d MiB free, reported %v", c.Info().Renderer, total>>20, free>>20, ok)
	if c.Info().Software && ok {
		t.Errorf("a software renderer reported %d bytes of device memory", total)
	}
	if ok && (total <= 0 || free < 0 || free > total) {
		t.Errorf("total %d, free %d", total, free)
	}
}
