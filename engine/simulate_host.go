package engine

import (
	"fmt"
	"math"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/engine/rng"
)

// simulator turns planned trials into backend segments: it owns the global step
// counter, the top-down gate m (a deterministic function of the mode history),
// the shared gain fluctuation G (one OU process for the whole population) and
// the slow homeostatic gains.
type simulator struct {
	d    *model.Derived
	cfg  *model.Config
	net  *model.Network
	be   Backend
	tm   model.Timing
	step uint64
	gate float64

	counts []uint16
	gates  []float32

	// shared gain: G = exp(sigma z - sigma^2/2), z a unit OU process (exact
	// update per step, Philox purpose SharedGain), sigma following the gate
	// (model.Derived).
	z       float64
	shareds []float32

	// homeostasis
	refSum   []float64 // summed rates over the reference trials
	refN     int
	target   []float64 // per-neuron target rate (Hz), set after the reference trials
	avg      []float64 // running rate (Hz)
	gain     []float32
	gainSent bool

	lastGateStart float32

	// feedback (docs/model.md section 7): the gain k_fb, grown per training trial,
	// and the segment's per-step term k_fb m delta.
	kfb float64
	fbs []float32
}

func newSimulator(d *model.Derived, net *model.Network, be Backend) *simulator {
	tm := d.Timing
	s := &simulator{
		d: d, cfg: d.Config, net: net, be: be, tm: tm,
		counts:  make([]uint16, tm.Bins*net.N),
		gates:   make([]float32, max(tm.TrialSteps, tm.ITISteps)),
		shareds: make([]float32, max(tm.TrialSteps, tm.ITISteps)),
		gain:    make([]float32, net.N),
		fbs:     make([]float32, tm.TrialSteps),
		gate:    -1,
	}
	for i := range s.gain {
		s.gain[i] = 1
	}
	// z starts in its stationary distribution (element 2 of step 0).
	s.z = rng.NormalF64(rng.New(d.Config.Seed).Block(rng.SharedGain, 0, 2))
	return s
}

// hostVar is one variable of the host's state, for checkpoints (model.Var
// without the "host/" prefix).
type hostVar struct {
	Name string
	Ptr  any
}

// vars lists every variable of the host's state that one trial hands to the
// next: what a checkpoint saves and a resumed run restores. Everything else
// in simulator is fixed for the run or scratch that each trial overwrites
// (TestHostStateIsCheckpointed keeps the two lists complete). A new host
// variable is one line here.
func (s *simulator) vars() []hostVar {
	return []hostVar{
		{"step", &s.step},
		{"gate", &s.gate},
		{"shared_z", &s.z},
		{"feedback_k", &s.kfb},
		{"homeostasis_ref_sum", &s.refSum},
		{"homeostasis_ref_n", &s.refN},
		{"homeostasis_target", &s.target},
		{"homeostasis_avg", &s.avg},
		{"gain", &s.gain},
		{"gain_sent", &s.gainSent},
	}
}

// checkRestored refuses restored host state whose arrays do not fit the
// network, or whose values no run reaches after done trials: a step counter
// other than done trials' steps, a gate outside [min(m_passive, 1), max(m_passive, 1)]
// (or set before the first trial), a feedback gain outside [0, k_max], a
// value that is not finite, a negative gain or rate.
func (s *simulator) checkRestored(done int) error {
	N := s.net.N
	for _, a := range []struct {
		name  string
		n     int
		unset bool // may be nil
	}{
		{"homeostasis_ref_sum", len(s.refSum), true},
		{"homeostasis_target", len(s.target), true},
		{"homeostasis_avg", len(s.avg), true},
		{"gain", len(s.gain), false},
	} {
		if a.n != N && !(a.unset && a.n == 0) {
			return fmt.Errorf("host state %s holds %d values for %d neurons", a.name, a.n, N)
		}
	}
	if (s.target == nil) != (s.avg == nil) {
		return fmt.Errorf("host state: homeostasis_target and homeostasis_avg must be set together")
	}
	if want := uint64(done) * uint64(s.tm.TrialSteps+s.tm.ITISteps); s.step != want {
		return fmt.Errorf("host state step is %d; after %d trials it is %d", s.step, done, want)
	}
	lo, hi := min(s.d.MPassive, 1), max(s.d.MPassive, 1)
	const tol = 1e-9
	switch {
	case done == 0 && s.gate != -1:
		return fmt.Errorf("host state gate is %v before the first trial; want -1 (unset)", s.gate)
	case done > 0 && !(s.gate >= lo-tol && s.gate <= hi+tol):
		return fmt.Errorf("host state gate is %v, outside [%v, %v]", s.gate, lo, hi)
	case math.IsNaN(s.z) || math.IsInf(s.z, 0):
		return fmt.Errorf("host state shared_z is %v", s.z)
	case !(s.kfb >= 0 && s.kfb <= s.d.KMax+tol):
		return fmt.Errorf("host state feedback_k is %v, outside [0, %v]", s.kfb, s.d.KMax)
	case s.refN < 0 || s.refN > done:
		return fmt.Errorf("host state homeostasis_ref_n is %d after %d trials", s.refN, done)
	}
	for _, a := range []struct {
		name string
		v    []float64
	}{{"homeostasis_ref_sum", s.refSum}, {"homeostasis_target", s.target}, {"homeostasis_avg", s.avg}} {
		for i, v := range a.v {
			if !(v >= 0) || math.IsInf(v, 0) {
				return fmt.Errorf("host state %s holds %v at neuron %d", a.name, v, i)
			}
		}
	}
	for i, g := range s.gain {
		if !(g >= 0) || math.IsInf(float64(g), 0) {
			return fmt.Errorf("host state gain holds %v at neuron %d", g, i)
		}
	}
	return nil
}

func (s *simulator) gateTarget(mode string) float64 {
	if mode == "task" {
		return 1
	}
	return s.d.MPassive
}

// fillGate writes the gate of n steps relaxing towards target, and advances it;
// it also writes the shared gain of those steps (global steps step0...).
func (s *simulator) fillGate(step0 uint64, n int, target float64) (gate, shared []float32) {
	g := s.gates[:n]
	sh := s.shareds[:n]
	st := rng.New(s.cfg.Seed)
	zd := s.d.SharedDecayPerStep
	sd := math.Sqrt(1 - zd*zd)
	for t := range g {
		g[t] = float32(s.gate)
		sigma := s.sharedSigma(s.gate)
		sh[t] = float32(math.Exp(sigma*s.z - sigma*sigma/2))
		s.gate = target + (s.gate-target)*s.d.GateDecayPerStep
		s.z = s.z*zd + sd*rng.NormalF64(st.Block(rng.SharedGain, step0+uint64(t), 0))
	}
	return g, sh
}

// sharedSigma is the sd of the log shared gain at gate m: SharedSdTask at
// m = 1, SharedSdPassive at m = m_passive, linear in between, so that task
// engagement lowers the shared variability with the gate's time constant.
func (s *simulator) sharedSigma(m float64) float64 {
	d := s.d
	if d.MPassive >= 1 {
		return d.SharedSdTask
	}
	f := math.Min(math.Max((m-d.MPassive)/(1-d.MPassive), 0), 1)
	return d.SharedSdPassive + (d.SharedSdTask-d.SharedSdPassive)*f
}

// skipShared advances the shared OU process exactly over n steps with one draw
// (an analytic inter-trial interval whose first step is step: the draw is
// element 1 of that step, so it never repeats a per-step draw).
func (s *simulator) skipShared(step uint64, n int) {
	f := math.Pow(s.d.SharedDecayPerStep, float64(n))
	s.z = s.z*f + math.Sqrt(1-f*f)*rng.NormalF64(rng.New(s.cfg.Seed).Block(rng.SharedGain, step, 1))
}

// trial runs one trial and its inter-trial interval; it returns the counts
// (bins x neurons) and the population mean rate (Hz).
func (s *simulator) trial(b *model.Block, t *model.Trial) ([]uint16, float64, error) {
	target := s.gateTarget(b.Mode)
	if s.gate < 0 {
		s.gate = target
	}
	s.lastGateStart = float32(s.gate)
	gate, shared := s.fillGate(s.step, s.tm.TrialSteps, target)
	seg := &Segment{
		Step0: s.step, Steps: s.tm.TrialSteps, FrameSteps: s.tm.FrameSteps, Frames: t.Frames,
		Gate: gate, Shared: shared,
		Task: b.Mode == "task" || b.TaskGain, TaskA: s.d.TaskA,
		Learn: b.Learning, BlockForm: b.Ablation == "formation", BlockLat: b.Ablation == "lateral",
		Record: true, BinSteps: s.tm.BinSteps,
	}
	if s.d.Feedback && b.Mode == "task" {
		seg.Feedback = s.feedback(s.step, t.Frames)
	}
	if !s.gainSent {
		seg.Gain = s.gain
		s.gainSent = true
	}
	simulateITI := s.d.SimulateITI
	if !simulateITI && s.tm.ITISteps > 0 {
		seg.DecayS = s.d.ITISeconds
	}
	if err := s.be.Run(seg, s.counts); err != nil {
		return nil, 0, err
	}
	s.step += uint64(s.tm.TrialSteps)
	if s.tm.ITISteps > 0 {
		if simulateITI {
			gate, shared := s.fillGate(s.step, s.tm.ITISteps, target)
			iti := &Segment{
				Step0: s.step, Steps: s.tm.ITISteps, Gate: gate, Shared: shared,
				Task: seg.Task, TaskA: s.d.TaskA, Learn: seg.Learn, BlockForm: seg.BlockForm, BlockLat: seg.BlockLat,
			}
			if err := s.be.Run(iti, nil); err != nil {
				return nil, 0, err
			}
		} else {
			s.gate = target + (s.gate-target)*math.Pow(s.d.GateDecayPerStep, float64(s.tm.ITISteps))
			s.skipShared(s.step, s.tm.ITISteps)
		}
		// The ITI consumes its step indices in both modes (one draw index for the
		// analytic decay), so the two ITI modes never share random numbers.
		s.step += uint64(s.tm.ITISteps)
	}
	if s.d.Feedback && b.Learning {
		s.kfb += s.d.EtaFb * (s.d.KMax - s.kfb)
	}
	rates := s.rates()
	mean := 0.0
	for _, r := range rates {
		mean += r
	}
	mean /= float64(len(rates))
	if s.cfg.Homeostasis.Enabled && b.Learning {
		s.homeostasis(rates)
	}
	return s.counts, mean, nil
}

// rates returns each neuron's mean rate (Hz) over the last trial.
func (s *simulator) rates() []float64 {
	N := s.net.N
	r := make([]float64, N)
	for bin := 0; bin < s.tm.Bins; bin++ {
		for i, c := range s.counts[bin*N : (bin+1)*N] {
			r[i] += float64(c)
		}
	}
	dur := s.d.TrialSeconds
	for i := range r {
		r[i] /= dur
	}
	return r
}

// homeostasis: the first reference_trials learning trials set each neuron's
// target rate; afterwards a running average of its rate (over tau_trials) drives
// its gain towards the target, a fraction `rate` of the relative error per trial.
func (s *simulator) homeostasis(rates []float64) {
	h := &s.cfg.Homeostasis
	N := s.net.N
	if s.target == nil {
		if s.refSum == nil {
			s.refSum = make([]float64, N)
		}
		for i, r := range rates {
			s.refSum[i] += r
		}
		s.refN++
		if s.refN >= h.ReferenceTrials {
			s.target = make([]float64, N)
			s.avg = make([]float64, N)
			for i := range s.target {
				s.target[i] = s.refSum[i] / float64(s.refN)
				s.avg[i] = s.target[i]
			}
		}
		return
	}
	const floorHz = 1.0 // keeps silent neurons from driving their gain to the bound
	for i, r := range rates {
		s.avg[i] += (r - s.avg[i]) / h.TauTrials
		rel := (s.target[i] - s.avg[i]) / (s.target[i] + floorHz)
		g := float64(s.gain[i]) * (1 + h.Rate*rel)
		s.gain[i] = float32(math.Min(math.Max(g, h.MinGain), h.MaxGain))
	}
	s.gainSent = false
}

// feedback computes the feedback term of every step of a task trial whose
// first step is step0 (docs/model.md section 7.1). The belief delta starts at 0 and
// follows the exact Ornstein-Uhlenbeck transition over each step with the
// frame's evidence mu = k_e u(frame) held over the step (frames change on step
// boundaries): delta' = mu + (delta - mu) exp(-dt/tau_d) + sigma_d
// sqrt(1 - exp(-2 dt/tau_d)) xi, xi the Normal of (Belief, global step,
// element 0). The term of a step is k_fb m (delta + delta')/2: the trapezoid
// mean over the step, as the neurons take V. The feedback's gate m is the
// mode itself (1 here, in task mode; passive trials get no feedback): there
// is no decision, hence no belief, outside the task, and it switches at once
// (signature (e)), unlike the IPL gate's tau_m.
func (s *simulator) feedback(step0 uint64, frames []float32) []float32 {
	d := s.d
	st := rng.New(s.cfg.Seed)
	a := float64(d.TaskA)
	kappa := s.cfg.Dynamics.Kappa
	out := s.fbs[:s.tm.TrialSteps]
	delta := 0.0
	for t := range out {
		fi := min(t/s.tm.FrameSteps, len(frames)-1)
		mu := d.KE * model.EvidenceU(kappa, float64(frames[fi]), a)
		next := mu + (delta-mu)*d.BeliefDecay + d.BeliefNoise*rng.NormalF64(st.Block(rng.Belief, step0+uint64(t), 0))
		out[t] = float32(s.kfb * (delta + next) / 2)
		delta = next
	}
	return out
}
