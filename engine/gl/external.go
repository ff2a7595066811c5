package gl

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	ogl "github.com/go-gl/gl/v4.3-core/gl"
)

// NewContextOn creates a Context around a GL context that someone else makes,
// such as a GLFW window's (viz/), so that the GL backend and a renderer share
// it: NewBackendOn(c) then computes in the buffers the renderer draws from.
//
// The Context's locked goroutine runs setup first; setup creates the context and
// makes it current on the calling thread (for GLFW: glfw.Init, CreateWindow,
// MakeContextCurrent) and returns release, which the same thread runs when the
// Context closes (for GLFW: Destroy, Terminate). Every later GL call, and every
// call of the window system that must stay on the context's thread, goes
// through Do. getProc loads go-gl's functions (glfw.GetProcAddress) when no
// Context has loaded them yet; go-gl's function table is process-wide, and on
// Linux the GLX and EGL loaders both return libglvnd's dispatch stubs, which
// route every call to the context current on the calling thread, so one table
// serves EGL and window contexts alike. platform names the route in Info (e.g.
// "GLFW window (X11)"). The context must be OpenGL 4.3 core or newer; otherwise
// NewContextOn runs release and fails, saying what it found.
//
// Linux only: elsewhere the Context's thread cannot be identified (and macOS
// stops at OpenGL 4.1, without compute shaders).
func NewContextOn(platform string, setup func() (release func(), err error), getProc func(name string) unsafe.Pointer) (*Context, error) {
	if runtime.GOOS != "linux" {
		return nil, fmt.Errorf("engine/gl: contexts of a window are supported on Linux only, not %s (the GL backend needs OpenGL %d.%d core)", runtime.GOOS, NeedMajor, NeedMinor)
	}
	if setup == nil || getProc == nil {
		panic("engine/gl: NewContextOn needs a setup and a getProc function")
	}
	c := &Context{
		work:   make(chan func()),
		result: make(chan callResult, 1),
		exited: make(chan struct{}),
	}
	ready := make(chan error, 1)
	go c.loopOn(platform, setup, getProc, ready)
	if err := <-ready; err != nil {
		<-c.exited
		return nil, err
	}
	return c, nil
}

// loopOn is loop for an external context: setup instead of EGL, release at the end.
func (c *Context) loopOn(platform string, setup func() (func(), error), getProc func(string) unsafe.Pointer, ready chan<- error) {
	defer close(c.exited)
	runtime.LockOSThread()
	c.tid = threadID()
	release, err := callSetup(setup)
	if err != nil {
		ready <- err
		return
	}
	// setup reads the platform from the EGL record; an external context has no EGL
	// display, only the name.
	c.egl = &eglContext{platform: platform}
	glInitMu.Lock()
	if !glInitDone {
		if err := ogl.InitWithProcAddrFunc(getProc); err != nil {
			glInitMu.Unlock()
			release()
			ready <- fmt.Errorf("engine/gl: loading OpenGL functions through %s: %s is missing (need OpenGL %d.%d core)", platform, err, NeedMajor, NeedMinor)
			return
		}
		glInitDone = true
	}
	glInitMu.Unlock()
	if err := c.setup(); err != nil {
		release()
		ready <- err
		return
	}
	ready <- nil
	for f := range c.work {
		f()
	}
	release()
}

// callSetup runs setup, turning a panic (GLFW reports some failures so) into an
// error.
func callSetup(setup func() (func(), error)) (release func(), err error) {
	defer func() {
		if r := recover(); r != nil {
			release, err = nil, fmt.Errorf("engine/gl: creating the context: %v", r)
		}
	}()
	release, err = setup()
	if err == nil && release == nil {
		return nil, errors.New("engine/gl: NewContextOn: setup returned no error and no release function")
	}
	return release, err
}
