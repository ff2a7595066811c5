package glbackend

import (
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/enginetest"
)

// BenchmarkBackendStep: one step of the GL backend; compare with the CPU
// backend's BenchmarkStep and engine/gl's BenchmarkCopyBandwidth.
func BenchmarkBackendStep(b *testing.B) {
	enginetest.BenchmarkStep(b, func(tb testing.TB) engine.Backend { return newTestBackend(tb) })
}

// BenchmarkDense: the N^2 baseline on the GL device; compare with
// BenchmarkBackendStep.
func BenchmarkDense(b *testing.B) {
	enginetest.BenchmarkDense(b, newTestBackend(b))
}
