package enginetest

import (
	"fmt"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/model"
)

// BenchmarkStep times one step of the backends f makes (learning, task mode,
// recording, frames changing), as engine.BenchStep times it for iplgpu bench,
// at 1,000, 5,000 and 20,000 neurons x 32 spines; it reports ns/step, spine
// updates per second and the GB/s of the performance model's bytes.
func BenchmarkStep(b *testing.B, f Factory) {
	for _, n := range []int{1000, 5000, 20000} {
		b.Run(fmt.Sprintf("N%d_M32", n), func(b *testing.B) {
			cfg, net := SmallNetwork(b, fmt.Sprintf("network.neurons=%d", n), "network.spines_per_neuron=32")
			be := load(b, f, net, model.ParamsFromConfig(cfg))
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

// BenchmarkDense times the dense N x N baseline of `iplgpu bench -scaling`
// (engine.DenseCoupler) at 1,000, 5,000 and 20,000 neurons; it reports
// ns/step and the GB/s of the matrix's bytes.
func BenchmarkDense(b *testing.B, dc engine.DenseCoupler) {
	for _, n := range []int{1000, 5000, 20000} {
		b.Run(fmt.Sprintf("N%d", n), func(b *testing.B) {
			var sec float64
			for i := 0; i < b.N; i++ {
				var err error
				if sec, err = dc.DenseCouplingStep(n, 3); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(sec*1e9, "ns/step")
			b.ReportMetric(float64(engine.DenseBytesPerStep(n))/sec/1e9, "GB/s")
		})
	}
}
