package engine

import (
	"fmt"
	"math"

	"github.com/iplgpu/iplgpu/engine/rng"
)

// Backend steps the model. The CPU backend (NewCPU) is the reference; the GL
// backend (engine/gl) must draw the same random numbers and match it within the
// tolerances stated in its tests.
//
// A backend owns the dynamic state: spine potentials s, last afferent events a,
// edge weights w and efficacies e, neuron backgrounds b and gains h. The host owns
// the protocol and hands it over one Segment (a trial, or an inter-trial interval)
// at a time.
type Backend interface {
	// Name says which backend and device this is (e.g. "cpu (2 workers)").
	Name() string
	// Load uploads the network and the constants and resets the state
	// (s = p0, w = w_init, e = 0, b = 0, h = 1).
	Load(net *Network, p Params) error
	// Run steps one segment. When seg.Record is set, counts (bins x neurons,
	// bins = seg.Steps / seg.BinSteps) receives the spike counts per bin.
	Run(seg *Segment, counts []uint16) error
	// State copies the dynamic state into dst, sizing its slices as needed.
	State(dst *State) error
	// Close releases the backend's resources.
	Close() error
}

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

// Segment is a run of steps with one stimulus sequence and one set of switches.
type Segment struct {
	Step0      uint64    // global index of the first step: the RNG counter
	Steps      int       // number of steps
	FrameSteps int       // steps per frame
	Frames     []float32 // orientation of each frame (rad); NaN = blank screen
	Gate       []float32 // top-down gate m at each step (len Steps), computed by the host
	Task       bool      // task mode: multiplicative bias on spines tuned to A or B
	TaskA      float32   // orientation A (rad); B = A + pi/2
	Learn      bool      // structural plasticity (w growth and decay) on
	BlockForm  bool      // ablation: w cannot grow
	BlockLat   bool      // ablation: no lateral spread (L = 0)
	Record     bool      // count spikes into bins
	BinSteps   int       // steps per count bin
	Gain       []float32 // if non-nil: new homeostatic gains h (len N) before the steps
	// DecayS, if > 0, is an inter-trial interval (s) applied analytically after the
	// steps: s relaxes towards p0, e decays, w decays if Learn, b follows the exact
	// OU transition with one draw (purpose rng.ITI, step Step0+Steps).
	DecayS float32
}

// FrameAt returns the index of the frame shown at step t (-1 when the segment
// has no frames: a blank screen) and its orientation (NaN when blank). Backends
// recompute the drive only when the index changes.
func (s *Segment) FrameAt(t int) (int, float32) {
	if len(s.Frames) == 0 {
		return -1, float32(math.NaN())
	}
	i := min(t/s.FrameSteps, len(s.Frames)-1)
	return i, s.Frames[i]
}

// Bins is the number of count bins of a recorded segment.
func (s *Segment) Bins() int {
	if s.BinSteps <= 0 {
		return 0
	}
	return s.Steps / s.BinSteps
}

// Check refuses a segment that a backend cannot run on net with counts; every
// backend calls it first, so they fail alike.
func (seg *Segment) Check(net *Network, counts []uint16) error {
	if net == nil {
		return fmt.Errorf("backend: Run before Load")
	}
	if seg.Steps < 0 {
		return fmt.Errorf("backend: segment of %d steps", seg.Steps)
	}
	if len(seg.Gate) < seg.Steps {
		return fmt.Errorf("backend: segment has %d gate values for %d steps", len(seg.Gate), seg.Steps)
	}
	if len(seg.Frames) > 0 && seg.FrameSteps <= 0 {
		return fmt.Errorf("backend: segment has frames but FrameSteps = %d", seg.FrameSteps)
	}
	if seg.Record {
		if seg.BinSteps <= 0 || seg.Steps%seg.BinSteps != 0 {
			return fmt.Errorf("backend: %d steps do not split into bins of %d steps", seg.Steps, seg.BinSteps)
		}
		if len(counts) < seg.Bins()*net.N {
			return fmt.Errorf("backend: counts buffer holds %d, need %d bins x %d neurons", len(counts), seg.Bins(), net.N)
		}
	}
	if seg.Gain != nil && len(seg.Gain) != net.N {
		return fmt.Errorf("backend: %d gains for %d neurons", len(seg.Gain), net.N)
	}
	return nil
}

// State is a copy of a backend's dynamic state.
type State struct {
	S      []float32 // spine potentials (spines)
	Events []uint8   // afferent events of the last step (spines)
	W, E   []float32 // structural weight and fast efficacy (edges)
	B      []float32 // OU background (neurons)
	H      []float32 // homeostatic gain (neurons)
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
