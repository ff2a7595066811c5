package engine

import (
	"math"
	"testing"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/engine/rng"
)

// fbBackend keeps a copy of each segment's feedback term.
type fbBackend struct {
	nopBackend
	fb   [][]float32
	task []bool
}

func (r *fbBackend) Run(seg *Segment, _ []uint16) error {
	r.fb = append(r.fb, append([]float32(nil), seg.Feedback...))
	r.task = append(r.task, seg.Task)
	return nil
}

func feedbackSim(t *testing.T, sets ...string) (*simulator, *fbBackend, *model.Config) {
	t.Helper()
	cfg, err := model.LoadConfig("", "", append([]string{"network.neurons=40", "network.spines_per_neuron=8", "mechanism=feedback"}, sets...))
	if err != nil {
		t.Fatal(err)
	}
	net, err := model.BuildNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	be := &fbBackend{}
	return newSimulator(model.Derive(cfg), net, be), be, cfg
}

// TestBeliefHandComputed checks the host's belief and feedback term against
// the equations of docs/model.md section 7 worked by hand: k_fb after n training
// trials is k_max (1 - (1 - eta_fb)^n); without belief noise and with frame A
// throughout, delta(t) = k_e u(A) (1 - exp(-t/tau_d)) exactly, and the term of
// step j is k_fb (delta(j dt) + delta((j+1) dt))/2; with noise, each step adds
// sigma_d sqrt(1 - exp(-2 dt/tau_d)) times the Normal of (Belief, step, 0);
// passive trials get none; the belief restarts at 0 every trial.
func TestBeliefHandComputed(t *testing.T) {
	s, be, cfg := feedbackSim(t, "feedback.sigma_d=0", "feedback.k_max=0.5", "feedback.eta_fb=0.1", "feedback.tau_d_ms=300", "feedback.k_e=2")
	a := float32(math.Pi / 4)
	frames := make([]float32, 16)
	for i := range frames {
		frames[i] = a
	}
	train := &model.Block{BlockConfig: model.BlockConfig{Mode: "task", Learning: true}}
	passive := &model.Block{BlockConfig: model.BlockConfig{Mode: "passive"}}
	tr := &model.Trial{Coherence: 1, Frames: frames}
	for n := 0; n < 3; n++ {
		if _, _, err := s.trial(train, tr); err != nil {
			t.Fatal(err)
		}
	}
	// The first trial ran at k_fb = 0; the third at k_max (1 - 0.9^2) = 0.095.
	for j, v := range be.fb[0] {
		if v != 0 {
			t.Fatalf("trial 1 step %d: term %v at k_fb = 0, want 0", j, v)
		}
	}
	kfb := 0.5 * (1 - 0.9*0.9)
	u := 1 - math.Exp(3*(math.Cos(math.Pi)-1)) // u(A) = vm(0) - vm(-90 deg)
	dt := cfg.Dynamics.DtMs / 1000
	for j, got := range be.fb[2] {
		d0 := 2 * u * (1 - math.Exp(-float64(j)*dt/0.3))
		d1 := 2 * u * (1 - math.Exp(-float64(j+1)*dt/0.3))
		want := kfb * (d0 + d1) / 2
		if math.Abs(float64(got)-want) > 1e-6*math.Max(1, want) {
			t.Fatalf("trial 3 step %d: term %v, want %v by hand", j, got, want)
		}
	}
	if want := 0.5 * (1 - math.Pow(0.9, 3)); math.Abs(s.kfb-want) > 1e-12 {
		t.Fatalf("k_fb after 3 training trials %v, want %v", s.kfb, want)
	}
	if _, _, err := s.trial(passive, tr); err != nil {
		t.Fatal(err)
	}
	if be.fb[3] != nil {
		t.Fatalf("passive trial got a feedback term")
	}

	// With noise: the exact OU step with the Philox normal of each step.
	s, be, cfg = feedbackSim(t, "feedback.sigma_d=0.7", "feedback.k_max=0.5", "feedback.eta_fb=1", "feedback.tau_d_ms=300", "feedback.k_e=2")
	mixed := []float32{a, 0.1, float32(a + math.Pi/2), 2.5, a, a, 1, 0, a, 3, a, a, 1.4, a, 2, a}
	tr = &model.Trial{Coherence: 0.3, Frames: mixed}
	s.trial(train, tr) // k_fb becomes 0.5
	step0 := s.step
	s.trial(train, tr)
	st := rng.New(cfg.Seed)
	f := math.Exp(-dt / 0.3)
	vm := func(x float64) float64 { return math.Exp(3 * (math.Cos(2*x) - 1)) }
	fs := int(math.Round(cfg.Stimulus.FrameMs / cfg.Dynamics.DtMs))
	delta := 0.0
	for j, got := range be.fb[1] {
		x := float64(mixed[j/fs])
		mu := 2 * (vm(x-math.Pi/4) - vm(x-3*math.Pi/4))
		next := mu + (delta-mu)*f + 0.7*math.Sqrt(1-f*f)*rng.NormalF64(st.Block(rng.Belief, step0+uint64(j), 0))
		want := 0.5 * (delta + next) / 2
		if math.Abs(float64(got)-want) > 1e-6 {
			t.Fatalf("noisy belief step %d: term %v, want %v by hand", j, got, want)
		}
		delta = next
	}
}

// TestBeliefStationarySd: with no evidence (k_e = 0) the belief is an OU
// process from 0 whose variance at time T is sigma_d^2 (1 - exp(-2T/tau_d)),
// the same at dt = 1 and 10 ms (the update is exact, not Euler); checked over
// 400 trials (the sd of a variance estimate is about 7%).
func TestBeliefStationarySd(t *testing.T) {
	for _, dt := range []string{"1", "10"} {
		s, be, _ := feedbackSim(t, "dynamics.dt_ms="+dt, "dynamics.tau_s_ms=30", "feedback.k_e=0", "feedback.sigma_d=0.8",
			"feedback.k_max=1", "feedback.eta_fb=1", "feedback.tau_d_ms=400", "stimulus.iti=decay")
		train := &model.Block{BlockConfig: model.BlockConfig{Mode: "task", Learning: true}}
		tr := &model.Trial{Coherence: 0.3, Frames: make([]float32, 16)}
		s.trial(train, tr)
		var sum2 float64
		const n = 400
		for i := 0; i < n; i++ {
			s.trial(train, tr)
			fb := be.fb[len(be.fb)-1]
			// The last step's term is (delta(T - dt) + delta(T))/2: at T = 0.8 s
			// read the step ending at 0.8 s, nearly delta(0.8).
			j := len(fb)/2 - 1
			sum2 += float64(fb[j]) * float64(fb[j])
		}
		v := sum2 / n
		want := 0.64 * (1 - math.Exp(-2*0.8/0.4))
		if math.Abs(v-want) > 0.25*want {
			t.Errorf("dt %s ms: belief variance at 0.8 s %.4f, want %.4f (OU from 0) within 25%%", dt, v, want)
		}
		t.Logf("dt %s ms: belief variance at 0.8 s %.4f (exact %.4f)", dt, v, want)
	}
}
