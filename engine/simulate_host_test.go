package engine

import (
	"math"
	"testing"

	"github.com/iplgpu/iplgpu/engine/model"
)

// nopBackend steps nothing: the host's gate and homeostasis do not depend on
// what a backend computes.
type nopBackend struct{}

func (nopBackend) Name() string                            { return "nop" }
func (nopBackend) Load(*model.Network, model.Params) error { return nil }
func (nopBackend) Run(*Segment, []uint16) error            { return nil }
func (nopBackend) State(*State) error                      { return nil }
func (nopBackend) Close() error                            { return nil }

var gateSets = []string{"network.neurons=40", "network.spines_per_neuron=8"}

// The gate relaxes to m_passive with time constant tau_m.
func TestGateRelaxes(t *testing.T) {
	cfg, err := model.LoadConfig("", "", append(append([]string{}, gateSets...), "dynamics.tau_m_s=2", "dynamics.m_passive=0.15"))
	if err != nil {
		t.Fatal(err)
	}
	net, _ := model.BuildNetwork(cfg)
	be := nopBackend{}
	s := newSimulator(model.Derive(cfg), net, be)
	task := &model.Block{BlockConfig: model.BlockConfig{Mode: "task"}}
	passive := &model.Block{BlockConfig: model.BlockConfig{Mode: "passive"}}
	tr := &model.Trial{Coherence: 0.3, Frames: make([]float32, 16)}
	if _, _, err := s.trial(task, tr); err != nil {
		t.Fatal(err)
	}
	if s.gate != 1 {
		t.Fatalf("gate in task mode %v, want 1", s.gate)
	}
	// After one passive trial + ITI (2.6 s): m = 0.15 + 0.85 exp(-2.6 / 2).
	if _, _, err := s.trial(passive, tr); err != nil {
		t.Fatal(err)
	}
	want := 0.15 + 0.85*math.Exp(-2.6/2)
	if math.Abs(s.gate-want) > 1e-9 {
		t.Fatalf("gate after 2.6 s passive: %v, want %v", s.gate, want)
	}
	for i := 0; i < 20; i++ {
		s.trial(passive, tr)
	}
	if math.Abs(s.gate-0.15) > 1e-4 {
		t.Fatalf("gate after 55 s passive: %v, want 0.15", s.gate)
	}
}
