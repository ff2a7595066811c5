package cpu_test

import (
	"fmt"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/model"
)

func benchConfig(b *testing.B, n, m int) *model.Config {
	b.Helper()
	c, err := model.LoadConfig("", "", []string{fmt.Sprintf("network.neurons=%d", n), fmt.Sprintf("network.spines_per_neuron=%d", m)})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkStep: one step of the CPU backend (learning, task mode, recording).
func BenchmarkStep(b *testing.B) {
	for _, n := range []int{1000, 5000, 20000} {
		b.Run(fmt.Sprintf("N%d_M32", n), func(b *testing.B) {
			cfg := benchConfig(b, n, 32)
			net, err := model.BuildNetwork(cfg)
			if err != nil {
				b.Fatal(err)
			}
			be := cpu.New(0)
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
