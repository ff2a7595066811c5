package gl

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	ogl "github.com/go-gl/gl/v4.3-core/gl"
)

// The GL version every kernel is written for: compute shaders and SSBOs are core
// in 4.3.
const (
	NeedMajor = 4
	NeedMinor = 3
)

// ErrClosed is returned by Do on a closed Context.
var ErrClosed = errors.New("engine/gl: context is closed")

// Info describes the GL implementation behind a Context.
type Info struct {
	Vendor      string // GL_VENDOR
	Renderer    string // GL_RENDERER
	Version     string // GL_VERSION
	GLSLVersion string // GL_SHADING_LANGUAGE_VERSION
	Major       int    // GL_MAJOR_VERSION
	Minor       int    // GL_MINOR_VERSION
	// Software is true for a CPU rasteriser (Mesa llvmpipe, softpipe, swrast,
	// SwiftShader): the GL backend works there but is no faster than the CPU one.
	Software bool
	Platform string // the EGL route to the display, e.g. "Mesa surfaceless platform"
	EGL      string // EGL_VENDOR and EGL_VERSION of that display
}

func (i Info) String() string {
	kind := "hardware"
	if i.Software {
		kind = "software"
	}
	return fmt.Sprintf("%s (%s), OpenGL %s, %s, via %s", i.Renderer, kind, i.Version, i.Vendor, i.Platform)
}

// Limits are the implementation limits the kernels are sized against.
type Limits struct {
	MaxSSBOBlockSize        int64  // GL_MAX_SHADER_STORAGE_BLOCK_SIZE, bytes one SSBO binding may span
	MaxSSBOBindings         int    // GL_MAX_SHADER_STORAGE_BUFFER_BINDINGS
	SSBOOffsetAlignment     int    // GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT, bytes, for BindRange
	MaxWorkGroupCount       [3]int // GL_MAX_COMPUTE_WORK_GROUP_COUNT per axis
	MaxWorkGroupSize        [3]int // GL_MAX_COMPUTE_WORK_GROUP_SIZE per axis
	MaxWorkGroupInvocations int    // GL_MAX_COMPUTE_WORK_GROUP_INVOCATIONS
	MaxSharedMemory         int    // GL_MAX_COMPUTE_SHARED_MEMORY_SIZE, bytes per work group
}

// Context is a headless OpenGL context and the one locked OS thread that owns it.
// Every GL call goes through Do. Several Contexts may exist in one process.
type Context struct {
	mu     sync.Mutex // held by a Do caller for the whole call; serialises Do and Close
	closed bool
	work   chan func()
	result chan callResult
	exited chan struct{}

	// Set on the GL thread before NewContext returns, read-only afterwards
	// (limits is changed only by tests, between calls).
	tid    int
	egl    *eglContext
	info   Info
	limits Limits

	// Owned by the GL thread.
	activeTimer *Timer
	copyProg    *Program
}

type callResult struct {
	err      error
	panicked bool
	value    any
	stack    []byte
}

// glInit guards go-gl's function table, which is process-wide. EGL's
// eglGetProcAddress returns pointers that do not depend on the context, so one
// load serves every Context.
var (
	glInitMu   sync.Mutex
	glInitDone bool
)

// NewContext creates a headless GL 4.3+ core context (EGL, no surface, no display
// server) on a new locked OS thread. It fails with what was found and what is
// needed when the machine has no such GL.
func NewContext() (*Context, error) {
	c := &Context{
		work:   make(chan func()),
		result: make(chan callResult, 1),
		exited: make(chan struct{}),
	}
	ready := make(chan error, 1)
	go c.loop(ready)
	if err := <-ready; err != nil {
		<-c.exited
		return nil, err
	}
	return c, nil
}

// loop is the GL thread: it locks itself to its OS thread, makes the context
// current there, runs the closures Do hands it, and destroys the context when
// the work channel closes. It never unlocks, so the OS thread exits with it and
// takes any per-thread driver state along.
func (c *Context) loop(ready chan<- error) {
	defer close(c.exited)
	runtime.LockOSThread()
	c.tid = threadID()
	e, err := openEGL(NeedMajor, NeedMinor)
	if err != nil {
		ready <- err
		return
	}
	c.egl = e
	if err := c.setup(); err != nil {
		e.close()
		ready <- err
		return
	}
	ready <- nil
	for f := range c.work {
		f()
	}
	e.close()
}

// setup loads the GL functions, checks the version and reads Info and Limits.
func (c *Context) setup() error {
	glInitMu.Lock()
	if !glInitDone {
		if err := ogl.InitWithProcAddrFunc(glProcAddress); err != nil {
			glInitMu.Unlock()
			return fmt.Errorf("engine/gl: loading OpenGL functions through eglGetProcAddress: %s is missing (need OpenGL %d.%d core)", err, NeedMajor, NeedMinor)
		}
		glInitDone = true
	}
	glInitMu.Unlock()

	str := func(name uint32) string {
		if p := ogl.GetString(name); p != nil {
			return ogl.GoStr(p)
		}
		return ""
	}
	var major, minor int32
	ogl.GetIntegerv(ogl.MAJOR_VERSION, &major)
	ogl.GetIntegerv(ogl.MINOR_VERSION, &minor)
	c.info = Info{
		Vendor:      str(ogl.VENDOR),
		Renderer:    str(ogl.RENDERER),
		Version:     str(ogl.VERSION),
		GLSLVersion: str(ogl.SHADING_LANGUAGE_VERSION),
		Major:       int(major),
		Minor:       int(minor),
		Platform:    c.egl.platform,
		EGL:         c.egl.eglVer,
	}
	c.info.Software = c.egl.software || isSoftwareRenderer(c.info.Renderer)
	if major < NeedMajor || (major == NeedMajor && minor < NeedMinor) {
		return fmt.Errorf("engine/gl: OpenGL %d.%d core with compute shaders is needed, found GL_VERSION %q, GL_RENDERER %q",
			NeedMajor, NeedMinor, c.info.Version, c.info.Renderer)
	}

	l := &c.limits
	ogl.GetInteger64v(ogl.MAX_SHADER_STORAGE_BLOCK_SIZE, &l.MaxSSBOBlockSize)
	l.MaxSSBOBindings = getInt(ogl.MAX_SHADER_STORAGE_BUFFER_BINDINGS)
	l.SSBOOffsetAlignment = getInt(ogl.SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT)
	l.MaxWorkGroupInvocations = getInt(ogl.MAX_COMPUTE_WORK_GROUP_INVOCATIONS)
	l.MaxSharedMemory = getInt(ogl.MAX_COMPUTE_SHARED_MEMORY_SIZE)
	for i := 0; i < 3; i++ {
		var v int32
		ogl.GetIntegeri_v(ogl.MAX_COMPUTE_WORK_GROUP_COUNT, uint32(i), &v)
		l.MaxWorkGroupCount[i] = int(v)
		ogl.GetIntegeri_v(ogl.MAX_COMPUTE_WORK_GROUP_SIZE, uint32(i), &v)
		l.MaxWorkGroupSize[i] = int(v)
	}
	if err := glError("reading limits"); err != nil || l.MaxWorkGroupCount[0] < 1 || l.MaxSSBOBlockSize < 1 {
		return fmt.Errorf("engine/gl: %s (GL_VERSION %q) reports no usable compute shaders or SSBOs (max work groups %v, max SSBO block %d bytes, %v); OpenGL %d.%d core with compute shaders is needed",
			c.info.Renderer, c.info.Version, l.MaxWorkGroupCount, l.MaxSSBOBlockSize, err, NeedMajor, NeedMinor)
	}
	if l.SSBOOffsetAlignment < 1 {
		l.SSBOOffsetAlignment = 256
	}
	return nil
}

func getInt(name uint32) int {
	var v int32
	ogl.GetIntegerv(name, &v)
	return int(v)
}

func isSoftwareRenderer(renderer string) bool {
	r := strings.ToLower(renderer)
	for _, s := range []string{"llvmpipe", "softpipe", "swrast", "swiftshader"} {
		if strings.Contains(r, s) {
			return true
		}
	}
	return false
}

// Info describes the GL implementation. Safe from any goroutine.
func (c *Context) Info() Info { return c.info }

// Limits returns the implementation limits. Safe from any goroutine.
func (c *Context) Limits() Limits { return c.limits }

// SetLimits makes c report l instead of the driver's limits, so that tests can
// reach the refusal paths of code sized against them; it returns the previous
// limits. Call it between uses of c, never while another goroutine uses it.
func (c *Context) SetLimits(l Limits) Limits {
	old := c.limits
	c.limits = l
	return old
}

// Do runs f on the GL thread and returns its error. It blocks until f returns;
// calls from several goroutines are run one at a time. A panic in f is re-raised
// in the caller with the GL thread's stack. Do called from inside f (on the GL
// thread) runs its argument directly. Do on a closed Context returns ErrClosed.
//
// Every method of Buffer, Program and Timer, and the Context methods documented
// as such, must run inside f; they panic when called from another goroutine.
func (c *Context) Do(f func() error) error {
	if c.onThread() {
		return f()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.work <- func() {
		defer func() {
			if r := recover(); r != nil {
				c.result <- callResult{panicked: true, value: r, stack: debug.Stack()}
			}
		}()
		c.result <- callResult{err: f()}
	}
	r := <-c.result
	if r.panicked {
		panic(fmt.Sprintf("engine/gl: panic on the GL thread: %v\n\nGL thread stack:\n%s", r.value, r.stack))
	}
	return r.err
}

// Close destroys the context and ends its thread. GL objects made in it die with
// it. Close is idempotent and must not be called inside Do.
func (c *Context) Close() error {
	if c.onThread() {
		panic("engine/gl: Context.Close called inside Context.Do")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	close(c.work)
	<-c.exited
	return nil
}

// onThread reports whether the caller runs on this Context's GL thread. The thread
// is locked to the GL goroutine, so no other goroutine can share its id while the
// Context lives.
func (c *Context) onThread() bool {
	return !c.isClosedUnlocked() && threadID() == c.tid
}

// isClosedUnlocked reads closed without the mutex; it is only a guard against a
// recycled thread id after Close, where a stale answer is harmless.
func (c *Context) isClosedUnlocked() bool {
	select {
	case <-c.exited:
		return true
	default:
		return false
	}
}

// mustOnThread panics unless called on the GL thread: GL calls from another
// thread would go to no context, or to another one.
func (c *Context) mustOnThread(what string) {
	if !c.onThread() {
		panic("engine/gl: " + what + " must be called inside Context.Do")
	}
}

// CheckError returns the pending GL errors, naming op, or nil. Call inside Do.
// GL records errors instead of returning them; checking after each call would
// stall some drivers, so the helpers check after bulk operations only.
func (c *Context) CheckError(op string) error {
	c.mustOnThread("CheckError")
	return glError(op)
}

func glError(op string) error {
	var codes []string
	for i := 0; i < 16; i++ { // a lost context can report errors forever
		code := ogl.GetError()
		if code == ogl.NO_ERROR {
			break
		}
		codes = append(codes, glErrorName(code))
	}
	if len(codes) == 0 {
		return nil
	}
	return fmt.Errorf("engine/gl: %s: %s", op, strings.Join(codes, ", "))
}

func glErrorName(code uint32) string {
	switch code {
	case ogl.INVALID_ENUM:
		return "GL_INVALID_ENUM"
	case ogl.INVALID_VALUE:
		return "GL_INVALID_VALUE"
	case ogl.INVALID_OPERATION:
		return "GL_INVALID_OPERATION"
	case ogl.INVALID_FRAMEBUFFER_OPERATION:
		return "GL_INVALID_FRAMEBUFFER_OPERATION"
	case ogl.OUT_OF_MEMORY:
		return "GL_OUT_OF_MEMORY"
	case ogl.STACK_UNDERFLOW:
		return "GL_STACK_UNDERFLOW"
	case ogl.STACK_OVERFLOW:
		return "GL_STACK_OVERFLOW"
	}
	return fmt.Sprintf("GL error 0x%04x", code)
}

// Barrier orders shader storage writes of earlier dispatches before reads of later
// ones (glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT)). Call inside Do, between
// dependent dispatches.
func (c *Context) Barrier() {
	c.mustOnThread("Barrier")
	ogl.MemoryBarrier(ogl.SHADER_STORAGE_BARRIER_BIT)
}

// Finish blocks until the GPU has done all submitted work. Call inside Do.
func (c *Context) Finish() {
	c.mustOnThread("Finish")
	ogl.Finish()
}

// Probe creates a context, reads what GL it is and closes it: for -backend auto,
// which picks the GL backend on hardware and the CPU one on a software renderer.
func Probe() (Info, error) {
	c, err := NewContext()
	if err != nil {
		return Info{}, err
	}
	info := c.Info()
	return info, c.Close()
}
