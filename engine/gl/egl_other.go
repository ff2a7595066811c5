//go:build !linux

package gl

import (
	"errors"
	"unsafe"
)

// Headless contexts use EGL without a display server, which iplgpu supports on
// Linux only; elsewhere NewContext fails and -backend auto picks the CPU backend.

type eglContext struct {
	platform string
	software bool
	eglVer   string
}

func openEGL(major, minor int) (*eglContext, error) {
	return nil, errors.New("engine/gl: headless OpenGL contexts (EGL without a display) are supported on Linux only")
}

func (e *eglContext) close() {}

func glProcAddress(name string) unsafe.Pointer { return nil }

// threadID is unused where no context can exist.
func threadID() int { return -1 }
