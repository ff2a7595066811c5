package cpu_test

import (
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/enginetest"
)

// BenchmarkStep: one step of the CPU backend (all cores).
func BenchmarkStep(b *testing.B) {
	enginetest.BenchmarkStep(b, func(testing.TB) engine.Backend { return cpu.New(0) })
}
