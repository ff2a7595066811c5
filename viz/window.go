package viz

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/iplgpu/iplgpu/engine/gl"
)

// ErrNoDisplay is wrapped by the errors of OpenWindow when there is no display
// to open a window on (no DISPLAY, or GLFW cannot reach it).
var ErrNoDisplay = errors.New("no display")

// WindowOptions are the window's size and title.
type WindowOptions struct {
	Width, Height int    // client area (screen coordinates); 0: 1280 x 900
	Title         string // "" = "iplgpu"
	Hidden        bool   // do not show the window (tests draw offscreen)
	// DisplayTimeout bounds the wait for the X server (ProbeDisplay); 0:
	// DefaultDisplayTimeout.
	DisplayTimeout time.Duration
}

// Window is a GLFW window with an OpenGL 4.3+ core context, wrapped as an
// engine/gl Context: the GL backend (glbackend.NewBackendOn(w.Context())) and a
// Renderer share it, so the renderer draws the simulation's buffers. GLFW
// calls, like GL calls, run on the Context's locked thread (inside Do).
//
// GLFW is process-global: one Window may be open at a time.
type Window struct {
	ctx *gl.Context
	win *glfw.Window // used on the GL thread only
}

var (
	windowMu   sync.Mutex
	windowOpen bool
)

// OpenWindow creates the window and its context on a new locked OS thread,
// which initialises GLFW, creates the window, makes its context current and
// loads the GL functions through glfw.GetProcAddress.
//
// On Linux (X11) GLFW may run on any one thread, and here it is the GL
// thread; macOS would require the process's main thread (and offers no
// OpenGL 4.3), so the viewer runs on Linux only. Without a display the error
// wraps ErrNoDisplay and suggests xvfb-run.
func OpenWindow(opt WindowOptions) (*Window, error) {
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" {
		return nil, fmt.Errorf("viz: %w: DISPLAY is not set (a virtual X server provides one: xvfb-run -a)", ErrNoDisplay)
	}
	if runtime.GOOS == "linux" {
		timeout := opt.DisplayTimeout
		if timeout <= 0 {
			timeout = DefaultDisplayTimeout
		}
		if err := ProbeDisplay(os.Getenv("DISPLAY"), timeout); err != nil {
			return nil, err
		}
	}
	windowMu.Lock()
	defer windowMu.Unlock()
	if windowOpen {
		return nil, errors.New("viz: a window is already open in this process (GLFW allows one viewer per process)")
	}
	if opt.Width <= 0 || opt.Height <= 0 {
		opt.Width, opt.Height = 1280, 900
	}
	if opt.Title == "" {
		opt.Title = "iplgpu"
	}
	w := &Window{}
	setup := func() (func(), error) {
		if err := initGLFW(); err != nil {
			return nil, err
		}
		glfw.WindowHint(glfw.ContextVersionMajor, gl.NeedMajor)
		glfw.WindowHint(glfw.ContextVersionMinor, gl.NeedMinor)
		glfw.WindowHint(glfw.OpenGLProfile, glfw.OpenGLCoreProfile)
		glfw.WindowHint(glfw.OpenGLForwardCompatible, glfw.True)
		glfw.WindowHint(glfw.Resizable, glfw.True)
		glfw.WindowHint(glfw.DoubleBuffer, glfw.True)
		if opt.Hidden {
			glfw.WindowHint(glfw.Visible, glfw.False)
		} else {
			glfw.WindowHint(glfw.Visible, glfw.True)
		}
		win, err := glfw.CreateWindow(opt.Width, opt.Height, opt.Title, nil, nil)
		if err != nil || win == nil {
			glfw.Terminate()
			if err == nil {
				err = errors.New("see the GLFW message above")
			}
			return nil, fmt.Errorf("viz: no OpenGL %d.%d core window on DISPLAY=%q: %v", gl.NeedMajor, gl.NeedMinor, os.Getenv("DISPLAY"), err)
		}
		win.MakeContextCurrent()
		// No vsync: a frame between trials must not hold up the simulation; the
		// viewer paces its own idle redraws.
		glfw.SwapInterval(0)
		w.win = win
		return func() {
			win.Destroy()
			glfw.Terminate()
		}, nil
	}
	ctx, err := gl.NewContextOn("GLFW window (X11 "+os.Getenv("DISPLAY")+")", setup, glfw.GetProcAddress)
	if err != nil {
		return nil, err
	}
	w.ctx = ctx
	windowOpen = true
	return w, nil
}

// initGLFW initialises GLFW. go-gl/glfw only logs GLFW's platform errors (such as
// an X server that does not answer) and returns nil, so a call that needs an
// initialised library checks that it worked.
func initGLFW() (err error) {
	if err := glfw.Init(); err != nil {
		return fmt.Errorf("viz: %w: GLFW: %v", ErrNoDisplay, err)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("viz: %w: GLFW could not initialise on DISPLAY=%q (is an X server running there? GLFW's own message is logged above; %v)", ErrNoDisplay, os.Getenv("DISPLAY"), r)
		}
	}()
	glfw.GetTime() // panics with GLFW_NOT_INITIALIZED when Init failed
	return nil
}

// Context is the window's GL context, for glbackend.NewBackendOn and NewRenderer.
func (w *Window) Context() *gl.Context { return w.ctx }

// GLFW returns the GLFW window; use it on the GL thread only (inside Do).
func (w *Window) GLFW() *glfw.Window { return w.win }

// FramebufferSize is the window's size in pixels. Call inside Do.
func (w *Window) FramebufferSize() (int, int) { return w.win.GetFramebufferSize() }

// Close destroys the window and its context (on the GL thread) and ends the
// thread. Close objects made in the context (backends, renderers) first.
func (w *Window) Close() error {
	err := w.ctx.Close()
	windowMu.Lock()
	windowOpen = false
	windowMu.Unlock()
	return err
}
