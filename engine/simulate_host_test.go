package engine

import (
	"math"
	"reflect"
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
func (nopBackend) SetState(*State) error                   { return nil }
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

// recordBackend keeps the task flag and the gate of each segment it runs.
type recordBackend struct {
	nopBackend
	task []bool
	gate []float32
}

func (r *recordBackend) Run(seg *Segment, _ []uint16) error {
	r.task = append(r.task, seg.Task)
	r.gate = append(r.gate, seg.Gate[0])
	return nil
}

// A passive block with task_gain keeps the task gain (the segment's Task
// flag) while its gate relaxes to m_passive like a plain passive block's.
func TestPassiveWithTaskGain(t *testing.T) {
	cfg, err := model.LoadConfig("", "", append(append([]string{}, gateSets...), "dynamics.tau_m_s=2", "stimulus.iti=decay"))
	if err != nil {
		t.Fatal(err)
	}
	net, _ := model.BuildNetwork(cfg)
	tr := &model.Trial{Coherence: 0.3, Frames: make([]float32, 16)}
	gates := map[bool][]float32{}
	for _, gain := range []bool{false, true} {
		be := &recordBackend{}
		s := newSimulator(model.Derive(cfg), net, be)
		task := &model.Block{BlockConfig: model.BlockConfig{Mode: "task"}}
		passive := &model.Block{BlockConfig: model.BlockConfig{Mode: "passive", TaskGain: gain}}
		s.trial(task, tr)
		for range 3 {
			s.trial(passive, tr)
		}
		if !be.task[0] || be.task[1] != gain || be.task[3] != gain {
			t.Errorf("task_gain %v: segments' task flags %v", gain, be.task)
		}
		gates[gain] = be.gate
	}
	for k := range gates[false] {
		if gates[false][k] != gates[true][k] {
			t.Errorf("segment %d: gate %v with the task gain kept, %v without; the gate must not depend on it", k, gates[true][k], gates[false][k])
		}
	}
}

// Every field of simulator is either host state that a checkpoint saves
// (simulator.vars) or named here as fixed for the run or overwritten by every
// trial before it is read. A field added to simulator fails this test until
// it is put in one of the two lists: a resumed run must not lose state.
func TestHostStateIsCheckpointed(t *testing.T) {
	notState := map[string]string{
		"d": "fixed", "cfg": "fixed", "net": "fixed", "be": "fixed", "tm": "fixed",
		"counts":        "scratch: the backend fills it every trial",
		"gates":         "scratch: fillGate writes the steps it hands over",
		"shareds":       "scratch: fillGate writes the steps it hands over",
		"fbs":           "scratch: feedback writes the steps it hands over",
		"lastGateStart": "scratch: set at the start of every trial",
	}
	cfg, err := model.LoadConfig("", "", gateSets)
	if err != nil {
		t.Fatal(err)
	}
	net, _ := model.BuildNetwork(cfg)
	s := newSimulator(model.Derive(cfg), net, nopBackend{})
	saved := map[uintptr]string{}
	for _, v := range s.vars() {
		saved[reflect.ValueOf(v.Ptr).Pointer()] = v.Name
	}
	sv := reflect.ValueOf(s).Elem()
	for i := range sv.NumField() {
		f := sv.Type().Field(i)
		_, isSaved := saved[sv.Field(i).Addr().Pointer()]
		_, isNot := notState[f.Name]
		switch {
		case isSaved && isNot:
			t.Errorf("simulator.%s is both checkpointed and listed as not state", f.Name)
		case !isSaved && !isNot:
			t.Errorf("simulator.%s is neither in simulator.vars (checkpointed) nor listed here as fixed or scratch: a resumed run would lose it", f.Name)
		}
	}
	if len(saved) != len(s.vars()) {
		t.Errorf("simulator.vars names a field twice")
	}
}
