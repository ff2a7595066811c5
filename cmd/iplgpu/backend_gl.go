package main

import (
	"errors"

	"github.com/iplgpu/iplgpu/engine"
)

// openGL opens the OpenGL compute backend.
func openGL() (engine.Backend, error) {
	return nil, errors.New("the OpenGL backend is not part of this build yet")
}

// probeHardwareGL reports whether a hardware (non-software) GL device is present.
func probeHardwareGL() (bool, string) {
	return false, "no OpenGL backend in this build"
}
