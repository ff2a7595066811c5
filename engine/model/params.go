package model

import (
	"math"

	"github.com/iplgpu/iplgpu/engine/rng"
)

// Params are the float32 constants of the dynamics, derived once from the config
// so that every backend uses the same rounded values. The model is stated in
// continuous time (docs/model.md sections 5 and 6); these are its exact
// discretisation at the step DtS:
//
//   - afferent events of spine k in a step: n_k ~ Poisson(mu_k), mu_k = lambda_k dt,
//     lambda_k = Rate0Hz + PeakHz vm(phi_k - frame) g_k (Hz), so that
//     P(n_k >= 1) = 1 - exp(-lambda_k dt), drawn by time rescaling (afferent.go);
//   - spine potential, tau_s ds/dt = -s + L + tau_s q sum_j delta(t - t_j), with the
//     lateral input L held over the step: s' = s SDecay + SLat L + Q n, SDecay =
//     exp(-dt/tau_s), SLat = 1 - SDecay, Q = q (1 - SDecay) tau_s/dt (an event at
//     a uniform time inside the step has decayed by that factor on average, so
//     the mean of s does not depend on dt);
//   - coincidence traces x_k' = x_k CDecay + n_k (CDecay = exp(-dt/tau_c)); the
//     coincidences of edge kl in a step are C = CNorm (n_k x_l + n_l x_k - n_k n_l)
//     (new traces): every pair of events of the two spines counted with weight
//     exp(-|t_k - t_l|/tau_c), the same-step pairs once; CNorm = (2/a) tanh(a/2),
//     a = dt/tau_c, makes the expected count of two independent Poisson trains
//     2 tau_c lambda_k lambda_l per second at any dt;
//   - fast efficacy e' = e EDecay + min(j_e C, 1) (1 - e EDecay), with the decay
//     applied lazily inside a segment (EScale);
//   - structural weight w' = w + min(eta_w C, 1) (1 - w) when learning; its decay
//     (lambda_w, hours) is applied once per segment as the exact factor
//     exp(-lambda_w T) over the segment's time T, since a per-step factor would be
//     lost to float32 rounding at small dt;
//   - neuron: V = mean_k s_k + b, b an exact OU update (BgDecayPerStep, BgNoisePerStep), rate =
//     h G rgain max(V - r0, 0) with G the shared gain of the step (host), spikes
//     ~ Poisson(rate dt), with V the trapezoid mean over the step (its values
//     before and after the step), so that a step's count is centred on the step.
type Params struct {
	Key            [2]uint32 // Philox key (run seed)
	DtS            float32   // step (s)
	Rate0Hz        float32   // afferent event rate without drive (Hz)
	PeakHz         float32   // extra afferent rate at the preferred orientation (Hz)
	Kappa          float32   // tuning concentration
	Beta           float32   // task excitability
	SDecay         float32   // exp(-dt / tau_s)
	SLat           float32   // 1 - exp(-dt / tau_s): weight of the lateral input held over a step
	Q              float32   // jump of s per event at the end of its step (see above)
	SBlank         float32   // stationary s under a blank screen without coupling: q rate0 tau_s
	GLat           float32   // lateral gain
	Diffusive      bool      // coupling form
	CDecay         float32   // exp(-dt / tau_c): coincidence trace decay per step
	CNorm          float32   // (2/a) tanh(a/2), a = dt / tau_c
	WInit          float32   // initial w
	EtaW           float32   // w growth per coincidence
	JE             float32   // e jump per coincidence
	EDecayPerStep  float32   // exp(-dt / tau_e)
	BgDecayPerStep float32   // exp(-dt / tau_b)
	BgNoisePerStep float32   // sd sqrt(1 - exp(-2 dt / tau_b)): exact OU update
	BgSd           float32   // stationary sd of b
	TauBS          float64   // tau_b (s)
	TauSS          float64   // tau_s (s)
	TauES          float64   // tau_e (s)
	TauCS          float64   // tau_c (s)
	LambdaW        float64   // lambda_w (1/s)
	RateGainHz     float32
	RateThreshold  float32
}

// SegmentDecay holds the float32 factors applied at the end of a segment. An
// analytic inter-trial interval of T s (ITI): s relaxes towards SBlank by S, e
// decays by E, the traces by C, and the OU background follows b' = b B + Noise z
// with z standard normal. W is the structural decay exp(-lambda_w T_all) over
// the whole segment (its steps and the ITI), applied when the segment learns.
type SegmentDecay struct {
	ITI        bool // the ITI factors apply (DecayS > 0)
	S, E, C, B float32
	Noise      float32
	W          float32
	LearnW     bool // W applies
}

// SegmentDecayOf computes the end-of-segment factors once, the same for every
// backend, for a segment of steps steps followed by an analytic inter-trial
// interval of decayS s (none when 0), learning or not.
func (p *Params) SegmentDecayOf(steps int, decayS float32, learn bool) SegmentDecay {
	var d SegmentDecay
	if T := float64(decayS); T > 0 {
		fb := math.Exp(-T / p.TauBS)
		d.ITI = true
		d.S = float32(math.Exp(-T / p.TauSS))
		d.E = float32(math.Exp(-T / p.TauES))
		d.C = float32(math.Exp(-T / p.TauCS))
		d.B = float32(fb)
		d.Noise = p.BgSd * float32(math.Sqrt(1-fb*fb))
	}
	if learn && p.LambdaW > 0 {
		T := float64(steps)*float64(p.DtS) + float64(decayS)
		d.W = float32(math.Exp(-T * p.LambdaW))
		d.LearnW = true
	}
	return d
}

// ParamsFromConfig rounds the config's constants to the backends' float32 values.
func ParamsFromConfig(c *Config) Params {
	d := &c.Dynamics
	dt := d.DtMs / 1000
	tauS := d.TauSMs / 1000
	tauB := d.BackgroundTauMs / 1000
	tauC := d.CoincidenceMs / 1000
	bgDecay := math.Exp(-dt / tauB)
	sDecay := math.Exp(-dt / tauS)
	a := dt / tauC
	gLat, etaW, wInit := d.GLat, d.EtaW, d.WInit
	if c.Mechanism == "feedback" {
		// No IPLs (docs/model.md section 7): w stays 0 and nothing spreads.
		gLat, etaW, wInit = 0, 0, 0
	}
	return Params{
		Key:            rng.New(c.Seed).Key(),
		DtS:            float32(dt),
		Rate0Hz:        float32(d.AfferentRateHz),
		PeakHz:         float32(d.AfferentPeakHz),
		Kappa:          float32(d.Kappa),
		Beta:           float32(d.Beta),
		SDecay:         float32(sDecay),
		SLat:           float32(-math.Expm1(-dt / tauS)),
		Q:              float32(d.EventJump * -math.Expm1(-dt/tauS) * tauS / dt),
		SBlank:         float32(d.EventJump * d.AfferentRateHz * tauS),
		GLat:           float32(gLat),
		Diffusive:      d.Coupling == "diffusive",
		CDecay:         float32(math.Exp(-a)),
		CNorm:          float32(2 / a * math.Tanh(a/2)),
		WInit:          float32(wInit),
		EtaW:           float32(etaW),
		JE:             float32(d.JE),
		EDecayPerStep:  float32(math.Exp(-d.DtMs / d.TauEMs)),
		BgDecayPerStep: float32(bgDecay),
		BgNoisePerStep: float32(d.BackgroundSd * math.Sqrt(1-bgDecay*bgDecay)),
		BgSd:           float32(d.BackgroundSd),
		TauBS:          tauB,
		TauSS:          tauS,
		TauES:          d.TauEMs / 1000,
		TauCS:          tauC,
		LambdaW:        d.LambdaWPerS,
		RateGainHz:     float32(d.RateGainHz),
		RateThreshold:  float32(d.RateThreshold),
	}
}

// Vm is the spine tuning function vm(x) = exp(kappa (cos 2x - 1)) in float32,
// the same expression as in shaders/common.glsl.
func Vm(kappa, x float32) float32 {
	return Exp32(kappa * (Cos32(2*x) - 1))
}

// TaskGain is the multiplicative excitability of a spine tuned to phi in task mode.
func TaskGain(p *Params, phi, a float32) float32 {
	va := Vm(p.Kappa, phi-a)
	vb := Vm(p.Kappa, phi-a-math.Pi/2)
	return 1 + p.Beta*max(va, vb)
}

// FeedbackU is u(theta) = vm(theta - A) - vm(theta - B) in float32: the
// task-relevant tuning of a neuron preferring theta, the direction in which
// the fed-back belief moves it (docs/model.md section 7.2). Both backends use these
// values (the GL backend uploads them), so the term is bit-identical.
func FeedbackU(p *Params, theta, a float32) float32 {
	return Vm(p.Kappa, theta-a) - Vm(p.Kappa, theta-a-math.Pi/2)
}

// EvidenceU is u(frame) in float64 for the host's belief (0 for a blank
// frame, NaN).
func EvidenceU(kappa, frame, a float64) float64 {
	if frame != frame {
		return 0
	}
	vm := func(x float64) float64 { return math.Exp(kappa * (math.Cos(2*x) - 1)) }
	return vm(frame-a) - vm(frame-a-math.Pi/2)
}

// EventMean is the expected afferent event count in one step, mu = lambda dt, of
// a spine with tuning phi and task gain g under a frame of orientation frame (NaN =
// blank screen): lambda = rate0 + peak vm(phi - frame) g (Hz).
func EventMean(p *Params, phi, g, frame float32) float32 {
	if frame != frame {
		return p.Rate0Hz * p.DtS
	}
	return (p.Rate0Hz + p.PeakHz*Vm(p.Kappa, phi-frame)*g) * p.DtS
}

// Coincidences is the weighted count of coincident event pairs of an edge in a
// step, from the event counts nk, nl of its spines in the step and their traces
// xk, xl after it (see Params). It is symmetric bit for bit, Coincidences(p,
// nk, nl, xk, xl) == Coincidences(p, nl, nk, xl, xk): each product is rounded
// on its own (the conversions forbid a fused multiply-add, as the shader's
// precise does) and IEEE addition and multiplication are commutative, so an
// edge may be updated from either of its spines. A subnormal result is
// flushed to zero (Flush32).
func Coincidences(p *Params, nk, nl uint8, xk, xl float32) float32 {
	fk, fl := float32(nk), float32(nl)
	return Flush32((float32(fk*xl) + float32(fl*xk) - float32(fk*fl)) * p.CNorm)
}

// Derived is what everything downstream of the config needs, computed once
// from it: the backends' constants, the step counts of a trial, and the host's
// own constants (gate, task orientation, inter-trial interval).
type Derived struct {
	Config *Config
	Params Params // the backends' float32 constants
	Timing Timing // steps per frame, trial, bin and inter-trial interval

	GateDecayPerStep float64 // exp(-dt / tau_m): the gate's relaxation per step
	MPassive         float64 // gate level in passive mode (task mode: 1)
	// The shared gain G = exp(sigma z - sigma^2/2) of every neuron's rate: z a
	// unit OU process (exact update per step), sigma from SharedSdPassive at
	// m = m_passive to SharedSdTask at m = 1, following the gate.
	SharedDecayPerStep float64 // exp(-dt / tau_z)
	SharedSdTask       float64 // sigma in task mode
	SharedSdPassive    float64 // sigma in passive mode
	TaskA              float32 // orientation A (rad); B = A + pi/2
	SimulateITI        bool    // the inter-trial interval is stepped (else decayed analytically)
	ITISeconds         float32 // length of the analytic inter-trial interval (s)
	TrialSeconds       float64 // stimulus duration of a trial (s)

	// Feedback (docs/model.md section 7), on under mechanism feedback or both:
	// the belief's exact per-step update delta' = mu + (delta - mu) BeliefDecay
	// + BeliefNoise xi, mu = k_e u(frame), and the gain's growth per training
	// trial.
	Feedback    bool
	BeliefDecay float64 // exp(-dt / tau_d)
	BeliefNoise float64 // sigma_d sqrt(1 - exp(-2 dt / tau_d))
	KE          float64
	KMax        float64
	EtaFb       float64
}

// Derive computes the derived parameters of a validated config.
func Derive(c *Config) *Derived {
	tm := TimingOf(c)
	p := ParamsFromConfig(c)
	bd := math.Exp(-c.Dynamics.DtMs / c.Feedback.TauDMs)
	return &Derived{
		Feedback:           c.Mechanism == "feedback" || c.Mechanism == "both",
		BeliefDecay:        bd,
		BeliefNoise:        c.Feedback.SigmaD * math.Sqrt(1-bd*bd),
		KE:                 c.Feedback.KE,
		KMax:               c.Feedback.KMax,
		EtaFb:              c.Feedback.EtaFb,
		Config:             c,
		Params:             p,
		Timing:             tm,
		GateDecayPerStep:   math.Exp(-c.Dynamics.DtMs / 1000 / c.Dynamics.TauMS),
		MPassive:           c.Dynamics.MPassive,
		SharedDecayPerStep: math.Exp(-c.Dynamics.DtMs / c.Dynamics.SharedTauMs),
		SharedSdTask:       c.Dynamics.SharedSdTask,
		SharedSdPassive:    c.Dynamics.SharedSdPassive,
		TaskA:              float32(c.Stimulus.TaskOrientationDeg * math.Pi / 180),
		SimulateITI:        c.Stimulus.ITI == "simulate",
		ITISeconds:         float32(float64(tm.ITISteps) * float64(p.DtS)),
		TrialSeconds:       float64(tm.TrialSteps) * float64(p.DtS),
	}
}
