package main

import (
	"fmt"
	"io"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
)

// openBackend returns the backend asked for by name: cpu, gl, or auto (GL on a
// hardware GPU, the CPU backend otherwise). It says on log which it took and why.
func openBackend(name string, log io.Writer) (engine.Backend, error) {
	switch name {
	case "cpu":
		be := cpu.New(0)
		fmt.Fprintf(log, "backend: %s\n", be.Name())
		return be, nil
	case "gl":
		be, err := openGL()
		if err != nil {
			return nil, fmt.Errorf("backend gl: %w", err)
		}
		fmt.Fprintf(log, "backend: %s\n", be.Name())
		return be, nil
	case "auto":
		hw, why := probeHardwareGL()
		if hw {
			be, err := openGL()
			if err == nil {
				fmt.Fprintf(log, "backend: %s (auto: %s)\n", be.Name(), why)
				return be, nil
			}
			why = fmt.Sprintf("GL failed to start: %v", err)
		}
		be := cpu.New(0)
		fmt.Fprintf(log, "backend: %s (auto: %s)\n", be.Name(), why)
		return be, nil
	default:
		return nil, fmt.Errorf("-backend %q: allowed auto, cpu, gl", name)
	}
}
