// Package enginetest is the behaviour every engine.Backend must show, written once
// and run against each backend (the CPU reference and the GL backend).
package enginetest

import (
	"fmt"
	"math"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/engine/rng"
)

// Factory returns a fresh backend.
type Factory func(t testing.TB) engine.Backend

// SmallNetwork builds a test network from default-config overrides.
func SmallNetwork(t testing.TB, sets ...string) (*model.Config, *model.Network) {
	t.Helper()
	cfg, err := model.LoadConfig("", "", sets)
	if err != nil {
		t.Fatal(err)
	}
	net, err := model.BuildNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, net
}

// Segment returns a segment of n steps with constant gate and one frame
// orientation for all steps (NaN = blank).
func Segment(step0 uint64, n int, frame float32, gate float32) *engine.Segment {
	g := make([]float32, n)
	for i := range g {
		g[i] = gate
	}
	return &engine.Segment{Step0: step0, Steps: n, FrameSteps: n, Frames: []float32{frame}, Gate: g}
}

func load(t testing.TB, f Factory, net *model.Network, p model.Params) engine.Backend {
	t.Helper()
	be := f(t)
	t.Cleanup(func() { be.Close() })
	if err := be.Load(net, p); err != nil {
		t.Fatal(err)
	}
	return be
}

func state(t testing.TB, be engine.Backend) *engine.State {
	t.Helper()
	var st engine.State
	if err := be.State(&st); err != nil {
		t.Fatal(err)
	}
	return &st
}

// Run runs every conformance test against the backend.
func Run(t *testing.T, f Factory) {
	t.Run("EventsAreThePhiloxDraws", func(t *testing.T) { EventsAreThePhiloxDraws(t, f) })
	t.Run("EventRateMatchesMean", func(t *testing.T) { EventRateMatchesMean(t, f) })
	t.Run("EdgesFollowCoincidences", func(t *testing.T) { EdgesFollowCoincidences(t, f) })
	t.Run("NoLearningKeepsW", func(t *testing.T) { NoLearningKeepsW(t, f) })
	t.Run("NoEdgesNoLateral", func(t *testing.T) { NoEdgesNoLateral(t, f) })
	t.Run("LearningGrowsCoactiveLinks", func(t *testing.T) { LearningGrowsCoactiveLinks(t, f) })
	t.Run("Reproducible", func(t *testing.T) { Reproducible(t, f) })
	t.Run("CountsMatchRate", func(t *testing.T) { CountsMatchRate(t, f) })
	t.Run("StateRoundTrip", func(t *testing.T) { StateRoundTrip(t, f) })
	t.Run("ResumeContinues", func(t *testing.T) { ResumeContinues(t, f) })
	t.Run("FeedbackTermIsHandComputed", func(t *testing.T) { FeedbackTermIsHandComputed(t, f) })
	t.Run("HandComputedSteps", func(t *testing.T) { HandComputedSteps(t, f) })
	t.Run("SubnormalsFlushed", func(t *testing.T) { SubnormalsFlushed(t, f) })
}

// EventsAreThePhiloxDraws: the afferent residuals start at
// model.AfferentStart, and every step's counts and residuals are
// model.AfferentEvents of the last step's residuals with the growth exp(mu_k)
// of the step's frame and gain: checked against the host's own computation, in
// task mode and passive, under frames and a blank screen, at a step of 5 ms
// where counts above 1 occur.
func EventsAreThePhiloxDraws(t *testing.T, f Factory) {
	cfg, net := SmallNetwork(t, "network.neurons=60", "network.spines_per_neuron=32", "dynamics.dt_ms=5", "dynamics.afferent_peak_hz=80")
	p := model.ParamsFromConfig(cfg)
	be := load(t, f, net, p)
	taskA := float32(math.Pi / 4)
	frames := []float32{0.3, float32(math.Pi / 4), float32(math.NaN())}
	prev := state(t, be)
	for k, z := range prev.Z {
		if want := model.AfferentStart(p.Key, k); z != want {
			t.Fatalf("spine %d starts with residual %v, want %v", k, z, want)
		}
	}
	mismatch, total, multi := 0, 0, 0
	for step := uint64(0); step < 30; step++ {
		seg := Segment(step, 1, frames[step%3], 1)
		seg.Task, seg.TaskA = step%2 == 0, taskA
		if err := be.Run(seg, nil); err != nil {
			t.Fatal(err)
		}
		st := state(t, be)
		for k := 0; k < net.Spines(); k++ {
			g := float32(1)
			if seg.Task {
				g = model.TaskGain(&p, net.Phi[k], taskA)
			}
			mu := model.EventMean(&p, net.Phi[k], g, frames[step%3])
			want, z := model.AfferentEvents(p.Key, k, step, model.AfferentGrowth(mu), prev.Z[k])
			if int(st.Events[k]) != want || st.Z[k] != z {
				mismatch++
				if mismatch <= 3 {
					t.Errorf("step %d spine %d: %d events, residual %v; want %d, %v", step, k, st.Events[k], st.Z[k], want, z)
				}
			}
			if want > 1 {
				multi++
			}
			total++
		}
		prev = st
	}
	// Every operation is a float32 product of values both backends round alike
	// (AfferentGrowth is correctly rounded on both), so nothing may differ.
	if mismatch > 0 {
		t.Fatalf("%d of %d afferent event counts or residuals differ from the host's", mismatch, total)
	}
	if multi == 0 {
		t.Fatal("no step with two events in a spine: the test proves little")
	}
}

// EventRateMatchesMean: the mean event count under a blank screen is rate0 dt,
// and under a frame the mean of mu_k, within 4 standard errors (Poisson).
func EventRateMatchesMean(t *testing.T, f Factory) {
	cfg, net := SmallNetwork(t, "network.neurons=100", "network.spines_per_neuron=32", "dynamics.dt_ms=2")
	p := model.ParamsFromConfig(cfg)
	be := load(t, f, net, p)
	for _, frame := range []float32{float32(math.NaN()), 1.0} {
		var sumMu float64
		for k := 0; k < net.Spines(); k++ {
			sumMu += float64(model.EventMean(&p, net.Phi[k], 1, frame))
		}
		const steps = 200
		var events float64
		for s := 0; s < steps; s++ {
			if err := be.Run(Segment(uint64(1000+s), 1, frame, 1), nil); err != nil {
				t.Fatal(err)
			}
			for _, a := range state(t, be).Events {
				events += float64(a)
			}
		}
		want := sumMu * steps
		if sd := math.Sqrt(want); math.Abs(events-want) > 4*sd {
			t.Errorf("frame %v: %v events, want %.0f ± %.0f", frame, events, want, 4*sd)
		}
	}
}

// EdgesFollowCoincidences: over one step, every trace follows x' = x CDecay + n
// and every edge's e follows e' = e EDecay + min(j_e C, 1)(1 - e EDecay) and w
// (learning on) w' = w + min(eta_w C, 1)(1 - w) with C = model.Coincidences of
// the step's counts and new traces; then the end-of-segment decay multiplies w by
// the factor of the segment.
func EdgesFollowCoincidences(t *testing.T, f Factory) {
	cfg, net := SmallNetwork(t, "network.neurons=80", "dynamics.dt_ms=2", "dynamics.afferent_peak_hz=80",
		"dynamics.eta_w=0.05", "dynamics.w_init=0.2", "dynamics.lambda_w_per_s=1")
	p := model.ParamsFromConfig(cfg)
	be := load(t, f, net, p)
	warm := Segment(0, 30, 0.6, 1)
	warm.Task, warm.TaskA = true, 0.6
	if err := be.Run(warm, nil); err != nil {
		t.Fatal(err)
	}
	before := state(t, be)
	seg := Segment(30, 1, 0.6, 1)
	seg.Task, seg.TaskA, seg.Learn = true, 0.6, true
	if err := be.Run(seg, nil); err != nil {
		t.Fatal(err)
	}
	after := state(t, be)
	near := func(a, b float32) bool { return math.Abs(float64(a-b)) <= 1e-6+1e-5*math.Abs(float64(b)) }
	for k := range after.X {
		want := before.X[k]*p.CDecay + float32(after.Events[k])
		if !near(after.X[k], want) {
			t.Fatalf("spine %d: trace %v, want %v", k, after.X[k], want)
		}
	}
	wf := seg.EndDecay(&p).W
	coincident := 0
	for ed := range after.E {
		a, b := net.EdgeA[ed], net.EdgeB[ed]
		na, nb := after.Events[a], after.Events[b]
		e := before.E[ed] * p.EDecayPerStep
		w := before.W[ed]
		if na|nb != 0 {
			c := model.Coincidences(&p, na, nb, after.X[a], after.X[b])
			e += min(p.JE*c, 1) * (1 - e)
			w += min(p.EtaW*c, 1) * (1 - w)
			coincident++
		}
		w *= wf
		if !near(after.E[ed], e) || !near(after.W[ed], w) {
			t.Fatalf("edge %d (counts %d, %d): e = %v, w = %v; want %v, %v", ed, na, nb, after.E[ed], after.W[ed], e, w)
		}
	}
	if coincident == 0 {
		t.Fatal("no edge had an event: the test proves nothing")
	}
}

// NoLearningKeepsW: with learning off, w is bit-for-bit unchanged, even with
// coincidences (strong drive) and after an analytic inter-trial decay.
func NoLearningKeepsW(t *testing.T, f Factory) {
	cfg, net := SmallNetwork(t, "network.neurons=60", "dynamics.w_init=0.4", "dynamics.afferent_peak_hz=90")
	be := load(t, f, net, model.ParamsFromConfig(cfg))
	seg := Segment(0, 100, 0.5, 1)
	seg.DecayS = 1
	if err := be.Run(seg, nil); err != nil {
		t.Fatal(err)
	}
	st := state(t, be)
	for e, w := range st.W {
		if w != 0.4 {
			t.Fatalf("edge %d: w = %v after a block without learning, want 0.4", e, w)
		}
	}
	var coactive bool
	for _, e := range st.E {
		coactive = coactive || e > 0
	}
	if !coactive {
		t.Fatal("no coincidence happened: the test proves nothing")
	}
}

// NoEdgesNoLateral: without edges (or with lateral spread blocked) a spine follows
// s' = s exp(-dt/tau_s) + Q n exactly.
func NoEdgesNoLateral(t *testing.T, f Factory) {
	for _, tc := range []struct {
		name string
		sets []string
		blk  bool
	}{
		{"no edges", []string{"network.contact_distance_um=0.001"}, false},
		{"lateral blocked", []string{"dynamics.w_init=1"}, true},
	} {
		cfg, net := SmallNetwork(t, append([]string{"network.neurons=50"}, tc.sets...)...)
		if tc.name == "no edges" && net.Edges() != 0 {
			t.Fatalf("%d edges at d_c = 0.001 um", net.Edges())
		}
		p := model.ParamsFromConfig(cfg)
		be := load(t, f, net, p)
		// Charge the spines so the lateral term would matter.
		warm := Segment(0, 20, 0.7, 1)
		warm.BlockLat = tc.blk
		if err := be.Run(warm, nil); err != nil {
			t.Fatal(err)
		}
		before := state(t, be)
		seg := Segment(20, 1, 0.7, 1)
		seg.BlockLat = tc.blk
		if err := be.Run(seg, nil); err != nil {
			t.Fatal(err)
		}
		after := state(t, be)
		for k := range after.S {
			a := float32(after.Events[k])
			want := before.S[k]*p.SDecay + p.Q*a
			if d := math.Abs(float64(after.S[k] - want)); d > 1e-6 {
				t.Fatalf("%s: spine %d: s = %v, want %v without lateral input", tc.name, k, after.S[k], want)
			}
		}
	}
}

// LearningGrowsCoactiveLinks: under learning, w grows on edges whose spines had
// coincidences and only decays elsewhere; with formation blocked it never grows.
func LearningGrowsCoactiveLinks(t *testing.T, f Factory) {
	cfg, net := SmallNetwork(t, "network.neurons=80", "dynamics.eta_w=0.05", "dynamics.lambda_w_per_s=0.1", "dynamics.w_init=0.1")
	p := model.ParamsFromConfig(cfg)
	for _, block := range []bool{false, true} {
		be := load(t, f, net, p)
		grown := 0
		decayed := float32(0.1)
		for s := 0; s < 50; s++ {
			seg := Segment(uint64(s), 1, 0.9, 1)
			seg.Learn, seg.Task, seg.BlockForm = true, true, block
			if err := be.Run(seg, nil); err != nil {
				t.Fatal(err)
			}
			decayed *= seg.EndDecay(&p).W
		}
		st := state(t, be)
		for e, w := range st.W {
			if w > decayed*1.0001 {
				grown++
			}
			if w < decayed*0.9999 {
				t.Fatalf("edge %d: w = %v below pure decay %v", e, w, decayed)
			}
		}
		if block && grown > 0 {
			t.Fatalf("formation blocked, yet %d edges grew", grown)
		}
		if !block && grown == 0 {
			t.Fatal("no edge grew under learning with strong drive")
		}
	}
}

// Reproducible: two backends loaded with the same network and seed give the same
// state after a learning trial with recording.
func Reproducible(t *testing.T, f Factory) {
	cfg, net := SmallNetwork(t, "network.neurons=80", "dynamics.eta_w=0.05", "dynamics.w_init=0.2")
	p := model.ParamsFromConfig(cfg)
	run := func() (*engine.State, []uint16) {
		be := load(t, f, net, p)
		seg := Segment(0, 40, 0.2, 0.8)
		seg.Learn, seg.Task, seg.Record, seg.BinSteps = true, true, true, 5
		seg.DecayS = 0.5
		counts := make([]uint16, seg.Bins()*net.N)
		if err := be.Run(seg, counts); err != nil {
			t.Fatal(err)
		}
		return state(t, be), counts
	}
	s1, c1 := run()
	s2, c2 := run()
	if fmt.Sprint(s1) != fmt.Sprint(s2) || fmt.Sprint(c1) != fmt.Sprint(c2) {
		t.Fatal("same seed and network gave different states")
	}
}

// CountsMatchRate: spike counts are Poisson with mean h G rgain max(V - r0, 0) dt:
// with no afferent events, no background and r0 = -1 (V = 0, rate = rgain), the
// count over many steps matches, and a shared gain G = 2 doubles it.
func CountsMatchRate(t *testing.T, f Factory) {
	cfg, net := SmallNetwork(t, "network.neurons=200", "network.spines_per_neuron=4", "dynamics.background_sd=0",
		"dynamics.afferent_rate_hz=0", "dynamics.afferent_peak_hz=0", "network.contact_distance_um=0.001", "dynamics.rate_threshold=-1")
	p := model.ParamsFromConfig(cfg)
	be := load(t, f, net, p)
	for i, g := range []float32{1, 2} {
		seg := Segment(uint64(1000*i), 200, float32(math.NaN()), 1)
		seg.Record, seg.BinSteps = true, 5
		if g != 1 {
			seg.Shared = make([]float32, seg.Steps)
			for t := range seg.Shared {
				seg.Shared[t] = g
			}
		}
		counts := make([]uint16, seg.Bins()*net.N)
		if err := be.Run(seg, counts); err != nil {
			t.Fatal(err)
		}
		var total float64
		for _, c := range counts {
			total += float64(c)
		}
		want := float64(g) * float64(p.RateGainHz) * float64(p.DtS) * 200 * float64(net.N) // V = 0, r0 = -1
		if math.Abs(total-want) > 4*math.Sqrt(want) {
			t.Fatalf("shared gain %v: %v spikes, want %.0f ± %.0f (Poisson at %.0f Hz)", g, total, want, 4*math.Sqrt(want), float64(g)*float64(p.RateGainHz))
		}
	}
}

// FeedbackTermIsHandComputed: the fed-back belief adds F u(theta_i) to V_i,
// u(theta) = vm(theta - A) - vm(theta - B) (docs/model.md section 7.2). Without
// afferent events, background or contacts, V = 0 + F u_i, so with r0 = -1 the
// rate is rgain max(1 + F u_i, 0) and each step's count is the Poisson
// inversion of the Philox uniform of (neuron, step, Spikes): computed here by
// hand for every neuron and step, for F from -0.9 to 0.9 per step, and
// compared count for count. The same draws without feedback must give other
// counts, or the comparison would prove nothing.
func FeedbackTermIsHandComputed(t *testing.T, f Factory) {
	cfg, net := SmallNetwork(t, "network.neurons=120", "network.spines_per_neuron=2", "dynamics.background_sd=0",
		"dynamics.afferent_rate_hz=0", "dynamics.afferent_peak_hz=0", "network.contact_distance_um=0.001",
		"dynamics.rate_threshold=-1", "dynamics.rate_gain_hz=400", "dynamics.dt_ms=5")
	p := model.ParamsFromConfig(cfg)
	be := load(t, f, net, p)
	const steps = 40
	taskA := float32(math.Pi / 4)
	seg := Segment(5000, steps, taskA, 1)
	seg.Task, seg.TaskA, seg.Record, seg.BinSteps = true, taskA, true, 1
	seg.Feedback = make([]float32, steps)
	for s := range seg.Feedback {
		seg.Feedback[s] = float32(-0.9 + 1.8*float64(s)/(steps-1))
	}
	counts := make([]uint16, steps*net.N)
	if err := be.Run(seg, counts); err != nil {
		t.Fatal(err)
	}
	key := rng.New(cfg.Seed).Key()
	mismatch, differFromNone, spikes := 0, 0, 0
	for s := 0; s < steps; s++ {
		step := seg.Step0 + uint64(s)
		for i := 0; i < net.N; i++ {
			th := float64(net.Theta[i])
			vm := func(x float64) float64 { return math.Exp(float64(p.Kappa) * (math.Cos(2*x) - 1)) }
			u := vm(th-math.Pi/4) - vm(th-3*math.Pi/4)
			v := float64(seg.Feedback[s]) * u
			rate := float64(p.RateGainHz) * math.Max(v+1, 0)
			w := rng.Philox4x32([4]uint32{uint32(i), uint32(step), uint32(step >> 32), uint32(rng.Spikes)}, key)
			uni := rng.Uniform01(w[0])
			want := rng.Poisson(float32(rate*float64(p.DtS)), uni)
			none := rng.Poisson(p.RateGainHz*p.DtS, uni)
			got := int(counts[s*net.N+i])
			if got != want {
				// u in float64 here, float32 in the backends: a count may differ
				// only where the uniform lies on a Poisson step within that rounding.
				mismatch++
			}
			if want != none {
				differFromNone++
			}
			spikes += got
		}
	}
	t.Logf("%d of %d counts differ from the hand computation; %d differ from the counts without feedback; %d spikes", mismatch, steps*net.N, differFromNone, spikes)
	if mismatch > steps*net.N/1000 {
		t.Errorf("%d of %d counts differ from rgain max(1 + F u_i, 0) by hand, want at most 1 per mil", mismatch, steps*net.N)
	}
	if differFromNone < steps*net.N/10 {
		t.Errorf("only %d of %d counts change with the feedback: the test cannot tell the term from its absence", differFromNone, steps*net.N)
	}
}

// HandNetwork is a network written out by hand: two neurons of two spines
// (spines 0, 1 on neuron 0; 2, 3 on neuron 1), every spine tuned to 0, and
// three edges, (0, 2), (0, 3) and (1, 2), so that spine 0 has two partners,
// spine 2 two and spines 1 and 3 one.
func HandNetwork() *model.Network {
	net := &model.Network{
		N: 2, M: 2, SlabUm: [3]float64{10, 10, 10},
		SomaX: []float32{0, 5}, SomaY: []float32{0, 0}, SomaZ: []float32{0, 0}, Theta: []float32{0, 0},
		SpineX: []float32{1, 2, 3, 4}, SpineY: make([]float32, 4), SpineZ: make([]float32, 4),
		Phi:       make([]float32, 4),
		ContactUm: 2,
		EdgeA:     []int32{0, 0, 1},
		EdgeB:     []int32{2, 3, 2},
		RowPtr:    []int32{0, 2, 3, 5, 6},
		Partner:   []int32{2, 3, 2, 0, 1, 0},
		EdgeOf:    []int32{0, 1, 2, 0, 2, 1},
	}
	return net
}

// HandComputedSteps: over several single steps of the hand-made network
// (HandNetwork) under a strong preferred frame, with learning on and a gate
// of 0.8, every spine potential, coincidence trace, fast efficacy and
// structural weight is what docs/model.md sections 5 and 6 give when worked
// out in float64 from the config's continuous-time constants (not from
// model.Params): s' = s e^{-dt/tau_s} + (1 - e^{-dt/tau_s}) L + q (1 -
// e^{-dt/tau_s}) (tau_s/dt) n with L = g_lat sum_l alpha s_l / max(1, sum_l
// alpha) (additive) or g_lat sum_l alpha (s_l - s_k) / max(1, sum alpha)
// (diffusive), alpha = w m e of the previous step; x' = x e^{-dt/tau_c} + n; C
// = (2/a) tanh(a/2) (n_k x_l' + n_l x_k' - n_k n_l), a = dt/tau_c; e' = e
// e^{-dt/tau_e} + min(j_e C, 1)(1 - e e^{-dt/tau_e}); w' = (w + min(eta_w C,
// 1)(1 - w)) e^{-lambda_w dt}. The event counts n are the backend's (their
// draws are checked by EventsAreThePhiloxDraws); each step starts from the
// backend's state, so float32 rounding does not accumulate, and the margin is
// 2e-6 absolute plus 2e-5 relative. The test also checks that the steps
// exercised what it claims: coincidences, the clamp of j_e C at 1, and a
// lateral term that moved s by more than the margin.
func HandComputedSteps(t *testing.T, f Factory) {
	for _, coupling := range []string{"additive", "diffusive"} {
		t.Run(coupling, func(t *testing.T) {
			cfg, err := model.LoadConfig("", "", []string{
				"dynamics.dt_ms=5", "dynamics.tau_s_ms=30", "dynamics.event_jump=0.25",
				"dynamics.afferent_rate_hz=20", "dynamics.afferent_peak_hz=100", "dynamics.kappa=3",
				"dynamics.g_lat=0.9", "dynamics.coupling=" + coupling, "dynamics.coincidence_ms=10",
				"dynamics.w_init=0.5", "dynamics.eta_w=0.05", "dynamics.lambda_w_per_s=2",
				"dynamics.j_e=0.6", "dynamics.tau_e_ms=300",
			})
			if err != nil {
				t.Fatal(err)
			}
			d := cfg.Dynamics
			dt, tauS, tauC, tauE := d.DtMs/1000, d.TauSMs/1000, d.CoincidenceMs/1000, d.TauEMs/1000
			sDec, cDec, eDec := math.Exp(-dt/tauS), math.Exp(-dt/tauC), math.Exp(-dt/tauE)
			qStep := d.EventJump * (1 - sDec) * tauS / dt
			a := dt / tauC
			cNorm := 2 / a * math.Tanh(a/2)
			wDec := math.Exp(-d.LambdaWPerS * dt)
			const gate = 0.8

			net := HandNetwork()
			be := load(t, f, net, model.ParamsFromConfig(cfg))
			st := state(t, be)
			if blank := d.EventJump * d.AfferentRateHz * tauS; math.Abs(float64(st.S[0])-blank) > 1e-6 {
				t.Fatalf("s after Load = %v, want the blank-screen value q rate0 tau_s = %v", st.S[0], blank)
			}
			near := func(got float32, want float64) bool {
				return math.Abs(float64(got)-want) <= 2e-6+2e-5*math.Abs(want)
			}
			var coincident, clamped, lateral int
			for step := 0; step < 12; step++ {
				seg := Segment(uint64(step), 1, 0, gate)
				seg.Learn = true
				if err := be.Run(seg, nil); err != nil {
					t.Fatal(err)
				}
				nx := state(t, be)
				for k := 0; k < 4; k++ {
					n := float64(nx.Events[k])
					var num, den, diff float64
					for r := net.RowPtr[k]; r < net.RowPtr[k+1]; r++ {
						l, ed := net.Partner[r], net.EdgeOf[r]
						alpha := float64(st.W[ed]) * gate * float64(st.E[ed])
						num += alpha * float64(st.S[l])
						diff += alpha * (float64(st.S[l]) - float64(st.S[k]))
						den += alpha
					}
					L := d.GLat * num / math.Max(1, den)
					if coupling == "diffusive" {
						L = d.GLat * diff / math.Max(1, den)
					}
					if (1-sDec)*math.Abs(L) > 1e-4 {
						lateral++
					}
					want := float64(st.S[k])*sDec + (1-sDec)*L + qStep*n
					if !near(nx.S[k], want) {
						t.Fatalf("step %d spine %d (n = %v, L = %.6f): s = %v, want %.7f", step, k, n, L, nx.S[k], want)
					}
					if x := float64(st.X[k])*cDec + n; !near(nx.X[k], x) {
						t.Fatalf("step %d spine %d: trace %v, want %.7f", step, k, nx.X[k], x)
					}
				}
				for ed := range net.EdgeA {
					ka, kb := net.EdgeA[ed], net.EdgeB[ed]
					na, nb := float64(nx.Events[ka]), float64(nx.Events[kb])
					c := cNorm * (na*float64(nx.X[kb]) + nb*float64(nx.X[ka]) - na*nb)
					e := float64(st.E[ed]) * eDec
					w := float64(st.W[ed])
					if c > 0 {
						coincident++
						if d.JE*c >= 1 {
							clamped++
						}
					}
					e += math.Min(d.JE*c, 1) * (1 - e)
					w = (w + math.Min(d.EtaW*c, 1)*(1-w)) * wDec
					if !near(nx.E[ed], e) || !near(nx.W[ed], w) {
						t.Fatalf("step %d edge %d (counts %v, %v; C = %.6f): e = %v, w = %v; want %.7f, %.7f", step, ed, na, nb, c, nx.E[ed], nx.W[ed], e, w)
					}
				}
				st = nx
			}
			if coincident == 0 || clamped == 0 || lateral == 0 {
				t.Fatalf("the steps had %d coincident edge-steps, %d clamped at j_e C = 1, %d lateral moves: the test does not exercise what it claims; change the rates", coincident, clamped, lateral)
			}
			t.Logf("%d coincident edge-steps (%d with j_e C clamped at 1), %d spine-steps moved by the lateral term", coincident, clamped, lateral)
		})
	}
}
