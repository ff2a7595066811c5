package glbackend

import (
	"fmt"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/enginetest"
	"github.com/iplgpu/iplgpu/engine/model"
)

// BenchmarkBackendStep: one step of the GL backend (learning, task mode,
// recording, frames changing), as engine.BenchStep times it for `iplgpu bench`;
// compare with engine's BenchmarkStep (CPU) and BenchmarkCopyBandwidth.
func BenchmarkBackendStep(b *testing.B) {
	for _, n := range []int{1000, 5000, 20000} {
		b.Run(fmt.Sprintf("N%d_M32", n), func(b *testing.B) {
			cfg, net := enginetest.SmallNetwork(b, fmt.Sprintf("network.neurons=%d", n), "network.spines_per_neuron=32")
			be := newTestBackend(b)
			defer be.Close()
			if err := be.Load(net, model.ParamsFromConfig(cfg)); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			sec, err := engine.BenchStep(be, net, max(b.N, 5))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(sec*1e9, "ns/step")
			b.ReportMetric(float64(net.Spines())/sec, "spines/s")
			b.ReportMetric(float64(engine.BytesPerStep(net))/sec/1e9, "GB/s")
		})
	}
}
