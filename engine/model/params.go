package model

import (
	"math"

	"github.com/iplgpu/iplgpu/engine/rng"
)

// Params are the float32 constants of the dynamics, derived once from the config
// so that every backend uses the same rounded values.
type Params struct {
	Key            [2]uint32 // Philox key (run seed)
	DtS            float32   // step (s)
	StepOverTauS   float32   // dt / tau_s
	P0, Pmax       float32   // event probabilities per step
	Kappa          float32   // tuning concentration
	Beta           float32   // task excitability
	GLat           float32   // lateral gain
	Diffusive      bool      // coupling form
	WInit          float32   // initial w
	EtaW           float32   // w growth per co-activation
	WDecayPerStep  float32   // lambda_w * dt
	JE             float32   // e jump per co-activation
	EDecayPerStep  float32   // exp(-dt / tau_e)
	BgDecayPerStep float32   // exp(-dt / tau_b)
	BgNoisePerStep float32   // sd sqrt(1 - exp(-2 dt / tau_b)): exact OU update
	BgSd           float32   // stationary sd of b
	BgTauS         float32   // tau_b (s)
	TauSS          float32   // tau_s (s)
	TauES          float32   // tau_e (s)
	LambdaW        float32   // lambda_w (1/s)
	RateGainHz     float32
	RateThreshold  float32
}

// ITIDecay holds the float32 factors of an analytic inter-trial interval of T s:
// s relaxes towards p0 by S, e decays by E, w (when learning) by W, and the OU
// background follows b' = b B + Noise z with z standard normal.
type ITIDecay struct {
	S, E, W, B, Noise float32
}

// ITIDecayOf computes the factors once, the same for every backend.
func (p *Params) ITIDecayOf(T float32) ITIDecay {
	fb := float32(math.Exp(float64(-T / p.BgTauS)))
	return ITIDecay{
		S:     float32(math.Exp(float64(-T / p.TauSS))),
		E:     float32(math.Exp(float64(-T / p.TauES))),
		W:     float32(math.Exp(float64(-T * p.LambdaW))),
		B:     fb,
		Noise: p.BgSd * float32(math.Sqrt(float64(1-fb*fb))),
	}
}

// ParamsFromConfig rounds the config's constants to the backends' float32 values.
func ParamsFromConfig(c *Config) Params {
	d := &c.Dynamics
	dt := d.DtMs / 1000
	tauB := d.BackgroundTauMs / 1000
	bgDecay := math.Exp(-dt / tauB)
	return Params{
		Key:            rng.New(c.Seed).Key(),
		DtS:            float32(dt),
		StepOverTauS:   float32(d.DtMs / d.TauSMs),
		P0:             float32(d.P0),
		Pmax:           float32(d.Pmax),
		Kappa:          float32(d.Kappa),
		Beta:           float32(d.Beta),
		GLat:           float32(d.GLat),
		Diffusive:      d.Coupling == "diffusive",
		WInit:          float32(d.WInit),
		EtaW:           float32(d.EtaW),
		WDecayPerStep:  float32(d.LambdaWPerS * dt),
		JE:             float32(d.JE),
		EDecayPerStep:  float32(math.Exp(-d.DtMs / d.TauEMs)),
		BgDecayPerStep: float32(bgDecay),
		BgNoisePerStep: float32(d.BackgroundSd * math.Sqrt(1-bgDecay*bgDecay)),
		BgSd:           float32(d.BackgroundSd),
		BgTauS:         float32(tauB),
		TauSS:          float32(d.TauSMs / 1000),
		TauES:          float32(d.TauEMs / 1000),
		LambdaW:        float32(d.LambdaWPerS),
		RateGainHz:     float32(d.RateGainHz),
		RateThreshold:  float32(d.RateThreshold),
	}
}

// Vm is the spine tuning function vm(x) = exp(kappa (cos 2x - 1)) in float32,
// the same expression as in shaders/common.glsl.
func Vm(kappa, x float32) float32 {
	return float32(math.Exp(float64(kappa * (float32(math.Cos(float64(2*x))) - 1))))
}

// TaskGain is the multiplicative excitability of a spine tuned to phi in task mode.
func TaskGain(p *Params, phi, a float32) float32 {
	va := Vm(p.Kappa, phi-a)
	vb := Vm(p.Kappa, phi-a-math.Pi/2)
	return 1 + p.Beta*max(va, vb)
}

// EventProb is the afferent event probability of a spine with tuning phi, gain g,
// under a frame of orientation frame (NaN = blank).
func EventProb(p *Params, phi, g, frame float32) float32 {
	if frame != frame {
		return min(max(p.P0, 0), 1)
	}
	return min(max(p.P0+p.Pmax*Vm(p.Kappa, phi-frame)*g, 0), 1)
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
	TaskA            float32 // orientation A (rad); B = A + pi/2
	SimulateITI      bool    // the inter-trial interval is stepped (else decayed analytically)
	ITISeconds       float32 // length of the analytic inter-trial interval (s)
	TrialSeconds     float64 // stimulus duration of a trial (s)
}

// Derive computes the derived parameters of a validated config.
func Derive(c *Config) *Derived {
	tm := TimingOf(c)
	p := ParamsFromConfig(c)
	return &Derived{
		Config:           c,
		Params:           p,
		Timing:           tm,
		GateDecayPerStep: math.Exp(-c.Dynamics.DtMs / 1000 / c.Dynamics.TauMS),
		MPassive:         c.Dynamics.MPassive,
		TaskA:            float32(c.Stimulus.TaskOrientationDeg * math.Pi / 180),
		SimulateITI:      c.Stimulus.ITI == "simulate",
		ITISeconds:       float32(float64(tm.ITISteps) * float64(p.DtS)),
		TrialSeconds:     float64(tm.TrialSteps) * float64(p.DtS),
	}
}
