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

// BenchmarkDense: the N^2 baseline, y = W x with a dense N x N float32 W
// (gonum Sgemv over the workers), to set beside BenchmarkStep.
func BenchmarkDense(b *testing.B) {
	enginetest.BenchmarkDense(b, cpu.New(0))
}
