package main

import (
	"fmt"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/gl"
	"github.com/iplgpu/iplgpu/engine/glbackend"
)

// openGL opens the OpenGL compute backend on a headless context of its own. It
// works on any GL 4.3 device, Mesa llvmpipe included (how CI tests it).
func openGL() (engine.Backend, error) {
	return glbackend.NewBackend()
}

// probeHardwareGL reports whether a hardware (non-software) GL device is present,
// and why not when it is not: -backend auto takes the GL backend only there,
// since on a software renderer the CPU backend is faster.
func probeHardwareGL() (bool, string) {
	info, err := gl.Probe()
	if err != nil {
		return false, fmt.Sprintf("no GL: %v", err)
	}
	if info.Software {
		return false, fmt.Sprintf("only a software renderer (%s): the CPU backend is faster", info.Renderer)
	}
	return true, fmt.Sprintf("hardware GL: %s, OpenGL %s", info.Renderer, info.Version)
}
