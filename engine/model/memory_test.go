package model

import (
	"strings"
	"testing"
)

// The estimate is an upper bound on what certainly stays allocated (the
// network's arrays and the CPU backend's state, counted from the slices of a
// built network), and not a wild one.
func TestEstimateBytesBoundsTheArrays(t *testing.T) {
	// Five sessions (the plan, which this test does not count, grows with the
	// trials: about 2 MB at the default ten).
	cfg := testConfig(t, "network.neurons=2000", "network.spines_per_neuron=16", "protocol.sessions=5")
	net, err := BuildNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	S, E, N := int64(net.Spines()), int64(net.Edges()), int64(net.N)
	f32 := func(s ...[]float32) (n int64) {
		for _, a := range s {
			n += 4 * int64(len(a))
		}
		return n
	}
	i32 := func(s ...[]int32) (n int64) {
		for _, a := range s {
			n += 4 * int64(len(a))
		}
		return n
	}
	network := f32(net.SomaX, net.SomaY, net.SomaZ, net.Theta, net.SpineX, net.SpineY, net.SpineZ, net.Phi) +
		i32(net.EdgeA, net.EdgeB, net.RowPtr, net.Partner, net.EdgeOf)
	cpuState := S*(4+4+1+4+4+4+4) + E*(4+4) + E*2*(4+4) + N*(4+4) // s, s next, event counts, trace, gain, afferent growth and residual; w and e per edge; w x e and mirror in both CSR entries; b, h
	live := network + cpuState
	est := EstimateBytes(cfg)
	if est < live || est > 4*live {
		t.Fatalf("estimate %d bytes for %d bytes of arrays: want between 1 and 4 times", est, live)
	}
	if line := MemoryReport(cfg); !strings.Contains(line, "32000 spines need about") {
		t.Errorf("report %q", line)
	}
}
