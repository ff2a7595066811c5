package glbackend

import (
	"testing"

	"github.com/iplgpu/iplgpu/engine/model"
)

// DeviceBytes is the sum of the arrays Load allocates.
func TestDeviceBytes(t *testing.T) {
	cfg, err := model.LoadConfig("", "", []string{"network.neurons=300", "network.spines_per_neuron=8"})
	if err != nil {
		t.Fatal(err)
	}
	net, err := model.BuildNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, s := range (&Backend{}).specs(net) {
		sum += int64(s.bytes)
	}
	if got := DeviceBytes(int64(net.Spines()), int64(net.Edges()), int64(net.N)); got != sum {
		t.Fatalf("DeviceBytes = %d, Load allocates %d", got, sum)
	}
}
