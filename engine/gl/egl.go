//go:build linux

package gl

/*
#cgo LDFLAGS: -lEGL
#include <stdlib.h>
#include <string.h>
#include <EGL/egl.h>
#include <EGL/eglext.h>

// Extension entry points, loaded through eglGetProcAddress so that only libEGL's
// core symbols are linked. Loaded under engine/gl's eglMu.
static PFNEGLGETPLATFORMDISPLAYEXTPROC ipl_getPlatformDisplay;
static PFNEGLQUERYDEVICESEXTPROC ipl_queryDevices;
static PFNEGLQUERYDEVICESTRINGEXTPROC ipl_queryDeviceString;

static void ipl_load(void) {
	if (!ipl_getPlatformDisplay) {
		ipl_getPlatformDisplay = (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	}
	if (!ipl_queryDevices) {
		ipl_queryDevices = (PFNEGLQUERYDEVICESEXTPROC)eglGetProcAddress("eglQueryDevicesEXT");
	}
	if (!ipl_queryDeviceString) {
		ipl_queryDeviceString = (PFNEGLQUERYDEVICESTRINGEXTPROC)eglGetProcAddress("eglQueryDeviceStringEXT");
	}
}

static int ipl_has_platform_display(void) { return ipl_getPlatformDisplay != NULL; }
static int ipl_has_devices(void) { return ipl_queryDevices != NULL && ipl_queryDeviceString != NULL; }

static EGLDisplay ipl_platform_display(EGLenum platform, void *native) {
	return ipl_getPlatformDisplay(platform, native, NULL);
}

static EGLDisplay ipl_default_display(void) { return eglGetDisplay(EGL_DEFAULT_DISPLAY); }

// ipl_devices fills devs with up to max devices and returns how many, or -1.
static int ipl_devices(EGLDeviceEXT *devs, int max) {
	EGLint n = 0;
	if (!ipl_queryDevices(max, devs, &n)) {
		return -1;
	}
	return n;
}

static const char *ipl_device_string(EGLDeviceEXT dev, EGLint name) {
	return ipl_queryDeviceString(dev, name);
}

static const char *ipl_client_extensions(void) {
	return eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
}

static int ipl_has_word(const char *list, const char *word) {
	size_t n = strlen(word);
	const char *p = list;
	if (list == NULL) {
		return 0;
	}
	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) {
			return 1;
		}
		p += n;
	}
	return 0;
}

// ipl_create_context binds desktop OpenGL, creates a context on dpy (version
// major.minor core profile when major > 0, the driver's default otherwise) and makes
// it current with no surface. It returns EGL_SUCCESS or the EGL error, with *step
// naming the call that failed.
static EGLint ipl_create_context(EGLDisplay dpy, EGLint major, EGLint minor, EGLContext *out, const char **step) {
	EGLConfig cfg = EGL_NO_CONFIG_KHR;
	const char *exts = eglQueryString(dpy, EGL_EXTENSIONS);
	EGLint attrs[8];
	int i = 0;
	EGLContext ctx;
	EGLint err;

	*out = EGL_NO_CONTEXT;
	if (!eglBindAPI(EGL_OPENGL_API)) {
		*step = "eglBindAPI(EGL_OPENGL_API)";
		return eglGetError();
	}
	if (!ipl_has_word(exts, "EGL_KHR_no_config_context") && !ipl_has_word(exts, "EGL_MESA_configless_context")) {
		EGLint want[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, EGL_DONT_CARE, EGL_NONE};
		EGLint n = 0;
		if (!eglChooseConfig(dpy, want, &cfg, 1, &n) || n < 1) {
			*step = "eglChooseConfig(EGL_OPENGL_BIT)";
			err = eglGetError();
			return err != EGL_SUCCESS ? err : EGL_BAD_CONFIG;
		}
	}
	if (major > 0) {
		attrs[i++] = EGL_CONTEXT_MAJOR_VERSION;
		attrs[i++] = major;
		attrs[i++] = EGL_CONTEXT_MINOR_VERSION;
		attrs[i++] = minor;
		attrs[i++] = EGL_CONTEXT_OPENGL_PROFILE_MASK;
		attrs[i++] = EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT;
	}
	attrs[i] = EGL_NONE;
	ctx = eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, attrs);
	if (ctx == EGL_NO_CONTEXT) {
		*step = "eglCreateContext";
		return eglGetError();
	}
	if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
		*step = "eglMakeCurrent(EGL_NO_SURFACE)";
		err = eglGetError();
		eglDestroyContext(dpy, ctx);
		return err;
	}
	*out = ctx;
	return EGL_SUCCESS;
}

static void ipl_destroy_context(EGLDisplay dpy, EGLContext ctx) {
	eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
	eglDestroyContext(dpy, ctx);
}

typedef const unsigned char *(*ipl_get_string_fn)(unsigned int);

// ipl_gl_string reads a glGetString value through eglGetProcAddress, for the
// error message when the GL found is too old for the bindings to load.
static const char *ipl_gl_string(unsigned int name) {
	ipl_get_string_fn f = (ipl_get_string_fn)eglGetProcAddress("glGetString");
	if (f == NULL) {
		return NULL;
	}
	return (const char *)f(name);
}

static void *ipl_proc_address(const char *name) {
	return (void *)eglGetProcAddress(name);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"unsafe"
)

// eglMu serialises display and context creation and destruction across Contexts:
// the extension pointers, the display reference counts and eglInitialize /
// eglTerminate are process-wide.
var (
	eglMu   sync.Mutex
	eglRefs = map[C.EGLDisplay]int{} // live Contexts per initialised display

	// eglRouteFilter, when set (by tests only), limits the routes tried to those
	// whose name it accepts: it lets the device-platform route be tested on Mesa.
	eglRouteFilter func(name string) bool
)

// eglContext is one headless EGL context, current on the thread that made it.
type eglContext struct {
	dpy      C.EGLDisplay
	ctx      C.EGLContext
	platform string // how the display was found, for Info
	software bool   // the EGL device says it is a software renderer
	eglVer   string // EGL_VENDOR and EGL_VERSION of the display
}

// eglDisplayCandidate is one way to a display, tried in order.
type eglDisplayCandidate struct {
	name     string
	dpy      C.EGLDisplay
	software bool
}

const (
	glVendor   = 0x1F00
	glRenderer = 0x1F01
	glVersion  = 0x1F02
)

// openEGL creates a GL major.minor core context with no surface and makes it
// current on the calling (locked) thread. It tries hardware EGL devices first
// (EGL_EXT_platform_device: NVIDIA, or Mesa with a GPU), then Mesa's surfaceless
// platform, then software EGL devices, then EGL_DEFAULT_DISPLAY.
func openEGL(major, minor int) (*eglContext, error) {
	eglMu.Lock()
	defer eglMu.Unlock()
	C.ipl_load()

	var client string
	if s := C.ipl_client_extensions(); s != nil {
		client = C.GoString(s)
	}
	hasClient := func(ext string) bool { return hasWord(client, ext) }

	var hardware, software []eglDisplayCandidate
	var failures []string
	if C.ipl_has_platform_display() != 0 && C.ipl_has_devices() != 0 &&
		hasClient("EGL_EXT_platform_device") && (hasClient("EGL_EXT_device_enumeration") || hasClient("EGL_EXT_device_base")) {
		var devs [16]C.EGLDeviceEXT
		n := int(C.ipl_devices(&devs[0], C.int(len(devs))))
		if n < 0 {
			failures = append(failures, "eglQueryDevicesEXT failed: "+eglErrorName(C.eglGetError()))
		}
		for i := 0; i < n; i++ {
			var exts string
			if s := C.ipl_device_string(devs[i], C.EGL_EXTENSIONS); s != nil {
				exts = C.GoString(s)
			}
			soft := hasWord(exts, "EGL_MESA_device_software")
			name := fmt.Sprintf("EGL device %d", i)
			if hasWord(exts, "EGL_EXT_device_drm") {
				if s := C.ipl_device_string(devs[i], C.EGL_DRM_DEVICE_FILE_EXT); s != nil {
					name += " (" + C.GoString(s) + ")"
				}
			}
			if soft {
				name += " (software)"
			}
			dpy := C.ipl_platform_display(C.EGL_PLATFORM_DEVICE_EXT, unsafe.Pointer(devs[i]))
			c := eglDisplayCandidate{name: name, dpy: dpy, software: soft}
			if soft {
				software = append(software, c)
			} else {
				hardware = append(hardware, c)
			}
		}
	}
	candidates := hardware
	if C.ipl_has_platform_display() != 0 && hasClient("EGL_MESA_platform_surfaceless") {
		candidates = append(candidates, eglDisplayCandidate{
			name: "Mesa surfaceless platform",
			dpy:  C.ipl_platform_display(C.EGL_PLATFORM_SURFACELESS_MESA, nil),
		})
	}
	candidates = append(candidates, software...)
	candidates = append(candidates, eglDisplayCandidate{name: "EGL_DEFAULT_DISPLAY", dpy: C.ipl_default_display()})

	for _, cand := range candidates {
		if eglRouteFilter != nil && !eglRouteFilter(cand.name) {
			continue
		}
		e, err := tryDisplay(cand, major, minor)
		if err == nil {
			return e, nil
		}
		failures = append(failures, cand.name+": "+err.Error())
	}
	return nil, fmt.Errorf("no EGL display gives an OpenGL %d.%d core context without a surface (need GL >= %d.%d with compute shaders; install Mesa's libegl-mesa0 and libgl1-mesa-dri, or a GPU driver with EGL):\n  %s",
		major, minor, major, minor, strings.Join(failures, "\n  "))
}

// tryDisplay initialises one display and creates the context on it, releasing
// the display again on failure.
func tryDisplay(cand eglDisplayCandidate, major, minor int) (*eglContext, error) {
	if cand.dpy == 0 { // EGL_NO_DISPLAY (cgo maps EGLDisplay to uintptr)
		return nil, errors.New("no display: " + eglErrorName(C.eglGetError()))
	}
	var vmaj, vmin C.EGLint
	if C.eglInitialize(cand.dpy, &vmaj, &vmin) == 0 {
		return nil, errors.New("eglInitialize: " + eglErrorName(C.eglGetError()))
	}
	eglRefs[cand.dpy]++
	fail := func(err error) (*eglContext, error) {
		releaseDisplay(cand.dpy)
		return nil, err
	}
	exts := C.GoString(C.eglQueryString(cand.dpy, C.EGL_EXTENSIONS))
	if !hasWord(exts, "EGL_KHR_surfaceless_context") {
		return fail(errors.New("EGL_KHR_surfaceless_context missing"))
	}
	var ctx C.EGLContext
	var step *C.char
	if code := C.ipl_create_context(cand.dpy, C.EGLint(major), C.EGLint(minor), &ctx, &step); code != C.EGL_SUCCESS {
		err := fmt.Errorf("%s: %s", C.GoString(step), eglErrorName(code))
		if found := probeDefaultGL(cand.dpy); found != "" {
			err = fmt.Errorf("%w; the driver's default context is %s", err, found)
		}
		return fail(err)
	}
	vendor := C.GoString(C.eglQueryString(cand.dpy, C.EGL_VENDOR))
	version := C.GoString(C.eglQueryString(cand.dpy, C.EGL_VERSION))
	return &eglContext{
		dpy:      cand.dpy,
		ctx:      ctx,
		platform: cand.name,
		software: cand.software,
		eglVer:   strings.TrimSpace(vendor + " " + version),
	}, nil
}

// probeDefaultGL makes a context with no version request and reports its
// GL_VERSION and GL_RENDERER, to say what was found when the asked-for version
// was refused. It returns "" when even that fails.
func probeDefaultGL(dpy C.EGLDisplay) string {
	var ctx C.EGLContext
	var step *C.char
	if C.ipl_create_context(dpy, 0, 0, &ctx, &step) != C.EGL_SUCCESS {
		return ""
	}
	defer C.ipl_destroy_context(dpy, ctx)
	str := func(name uint) string {
		if s := C.ipl_gl_string(C.uint(name)); s != nil {
			return C.GoString(s)
		}
		return "?"
	}
	return fmt.Sprintf("GL_VERSION %q, GL_RENDERER %q", str(glVersion), str(glRenderer))
}

// releaseDisplay drops one reference and terminates the display with the last.
func releaseDisplay(dpy C.EGLDisplay) {
	eglRefs[dpy]--
	if eglRefs[dpy] <= 0 {
		delete(eglRefs, dpy)
		C.eglTerminate(dpy)
	}
}

// close releases the context from the current thread and destroys it.
func (e *eglContext) close() {
	eglMu.Lock()
	defer eglMu.Unlock()
	C.ipl_destroy_context(e.dpy, e.ctx)
	C.eglReleaseThread()
	releaseDisplay(e.dpy)
}

// glProcAddress is the loader handed to go-gl.
func glProcAddress(name string) unsafe.Pointer {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return C.ipl_proc_address(cs)
}

// threadID identifies the calling OS thread (the GL thread is locked, so its id
// is stable while its Context lives).
func threadID() int { return syscall.Gettid() }

func hasWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if w == word {
			return true
		}
	}
	return false
}

var eglErrorNames = map[C.EGLint]string{
	C.EGL_SUCCESS:             "EGL_SUCCESS",
	C.EGL_NOT_INITIALIZED:     "EGL_NOT_INITIALIZED",
	C.EGL_BAD_ACCESS:          "EGL_BAD_ACCESS",
	C.EGL_BAD_ALLOC:           "EGL_BAD_ALLOC",
	C.EGL_BAD_ATTRIBUTE:       "EGL_BAD_ATTRIBUTE",
	C.EGL_BAD_CONFIG:          "EGL_BAD_CONFIG",
	C.EGL_BAD_CONTEXT:         "EGL_BAD_CONTEXT",
	C.EGL_BAD_CURRENT_SURFACE: "EGL_BAD_CURRENT_SURFACE",
	C.EGL_BAD_DISPLAY:         "EGL_BAD_DISPLAY",
	C.EGL_BAD_MATCH:           "EGL_BAD_MATCH",
	C.EGL_BAD_NATIVE_PIXMAP:   "EGL_BAD_NATIVE_PIXMAP",
	C.EGL_BAD_NATIVE_WINDOW:   "EGL_BAD_NATIVE_WINDOW",
	C.EGL_BAD_PARAMETER:       "EGL_BAD_PARAMETER",
	C.EGL_BAD_SURFACE:         "EGL_BAD_SURFACE",
	C.EGL_CONTEXT_LOST:        "EGL_CONTEXT_LOST",
}

func eglErrorName(code C.EGLint) string {
	if s, ok := eglErrorNames[code]; ok {
		return s
	}
	return fmt.Sprintf("EGL error 0x%04x", int(code))
}
