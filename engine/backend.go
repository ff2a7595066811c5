package engine

import (
	"fmt"
	"math"

	"github.com/iplgpu/iplgpu/engine/model"
)

// Backend steps the model. The CPU backend (cpu.New) is the reference; the GL
// backend (glbackend.NewBackend) must draw the same random numbers and match it within the
// tolerances stated in its tests.
//
// A backend owns the dynamic state: spine potentials s, coincidence traces x,
// last afferent event counts n, edge weights w and efficacies e, neuron
// backgrounds b and gains h. The host owns
// the protocol and hands it over one Segment (a trial, or an inter-trial interval)
// at a time.
type Backend interface {
	// Name says which backend and device this is (e.g. "cpu (2 workers)").
	Name() string
	// Load uploads the network and the constants and resets the state
	// (s = its blank-screen value, x = 0, w = w_init, e = 0, b = 0, h = 1).
	Load(net *model.Network, p model.Params) error
	// Run steps one segment. When seg.Record is set, counts (bins x neurons,
	// bins = seg.Steps / seg.BinSteps) receives the spike counts per bin.
	Run(seg *Segment, counts []uint16) error
	// State copies the dynamic state into dst, sizing its slices as needed:
	// every array of dst.Arrays().
	State(dst *State) error
	// SetState replaces the dynamic state with src, as State returned it for
	// the network and constants now loaded: every array of src.Arrays() must
	// have its length (State.Check). Stepping on from a restored state gives
	// the same numbers as stepping on from the state it was copied from: a
	// checkpointed run resumes this way.
	SetState(src *State) error
	// Close releases the backend's resources.
	Close() error
}

// Segment is a run of steps with one stimulus sequence and one set of switches.
type Segment struct {
	Step0      uint64    // global index of the first step: the RNG counter
	Steps      int       // number of steps
	FrameSteps int       // steps per frame
	Frames     []float32 // orientation of each frame (rad); NaN = blank screen
	Gate       []float32 // top-down gate m at each step (len Steps), computed by the host
	// Shared is the shared multiplicative rate gain G of every neuron at each
	// step (len Steps), computed by the host (docs/model.md section 5.5, shared
	// variability); nil means G = 1.
	Shared []float32
	// Feedback is the fed-back belief's term of each step (len Steps),
	// computed by the host: F = k_fb m delta, the trapezoid mean of the belief
	// over the step, so that neuron i's V gets F u(theta_i) (model.FeedbackU
	// at TaskA; docs/model.md section 7.2). nil means none.
	Feedback  []float32
	Task      bool      // task mode: multiplicative bias on spines tuned to A or B
	TaskA     float32   // orientation A (rad); B = A + pi/2
	Learn     bool      // structural plasticity (w growth and decay) on
	BlockForm bool      // ablation: w cannot grow
	BlockLat  bool      // ablation: no lateral spread (L = 0)
	Record    bool      // count spikes into bins
	BinSteps  int       // steps per count bin
	Gain      []float32 // if non-nil: new homeostatic gains h (len N) before the steps
	// DecayS, if > 0, is an inter-trial interval (s) applied analytically after the
	// steps: s relaxes towards its blank-screen value, e and the coincidence
	// traces decay, b follows the exact OU transition with one draw (purpose
	// rng.ITI, step Step0+Steps). When Learn, w decays at the end of the segment
	// by exp(-lambda_w (Steps dt + DecayS)) in either case (EndDecay).
	DecayS float32
	// DeferW leaves the segment's structural decay to the next segment, which
	// names these steps in PriorSteps: a trial split in two (the viewer keeps
	// the stimulus's potentials before the interval) then decays w by the same
	// single factor, bit for bit, as the unsplit trial.
	DeferW     bool
	PriorSteps int
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

// SharedAt returns the shared gain G of step t of the segment (1 without one).
func (s *Segment) SharedAt(t int) float32 {
	if s.Shared == nil {
		return 1
	}
	return s.Shared[t]
}

// FeedbackAt returns the feedback term F of step t (0 without feedback).
func (s *Segment) FeedbackAt(t int) float32 {
	if s.Feedback == nil {
		return 0
	}
	return s.Feedback[t]
}

// EndDecay returns the factors every backend applies at the end of the
// segment: its analytic inter-trial interval and the structural decay of w.
func (s *Segment) EndDecay(p *model.Params) model.SegmentDecay {
	d := p.SegmentDecayOf(s.Steps+s.PriorSteps, s.DecayS, s.Learn)
	if s.DeferW {
		d.W, d.LearnW = 1, false
	}
	return d
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
func (seg *Segment) Check(net *model.Network, counts []uint16) error {
	if net == nil {
		return fmt.Errorf("backend: Run before Load")
	}
	if seg.Steps < 0 {
		return fmt.Errorf("backend: segment of %d steps", seg.Steps)
	}
	if seg.PriorSteps < 0 {
		return fmt.Errorf("backend: segment with %d prior steps", seg.PriorSteps)
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
	if seg.Shared != nil && len(seg.Shared) < seg.Steps {
		return fmt.Errorf("backend: segment has %d shared gains for %d steps", len(seg.Shared), seg.Steps)
	}
	if seg.Feedback != nil && len(seg.Feedback) < seg.Steps {
		return fmt.Errorf("backend: segment has %d feedback values for %d steps", len(seg.Feedback), seg.Steps)
	}
	if seg.Gain != nil && len(seg.Gain) != net.N {
		return fmt.Errorf("backend: %d gains for %d neurons", len(seg.Gain), net.N)
	}
	return nil
}

// State is a copy of a backend's dynamic state: everything a backend carries
// from one segment to the next. Arrays lists its arrays; checkpoints, State.Check
// and the backend conformance tests (enginetest) all go through that list, so a
// new array of the dynamic state is a field here, a line in Arrays, and its
// copy in each backend's State and SetState (which enginetest's round trip
// checks for every listed array).
type State struct {
	S      []float32 // spine potentials (spines)
	X      []float32 // coincidence traces (spines)
	Events []uint8   // afferent event counts of the last step (spines)
	Z      []float32 // afferent residuals exp(-R), R the hazard left to the next event (spines; model.AfferentEvents)
	W, E   []float32 // structural weight and fast efficacy (edges)
	B      []float32 // OU background (neurons)
	H      []float32 // homeostatic gain (neurons)
}

// Per says what an array of State holds one element of.
type Per int

// The lengths of State's arrays.
const (
	PerSpine Per = iota
	PerEdge
	PerNeuron
)

// Len is the length of an array with one element per p in net.
func (p Per) Len(net *model.Network) int {
	switch p {
	case PerSpine:
		return net.Spines()
	case PerEdge:
		return net.Edges()
	case PerNeuron:
		return net.N
	}
	panic(fmt.Sprintf("engine: Per(%d)", int(p)))
}

func (p Per) String() string {
	return [...]string{"spine", "edge", "neuron"}[p]
}

// StateArray is one array of State: its name (in checkpoints, snake_case), a
// pointer to the field (*[]float32 or *[]uint8), and what it has one element
// of.
type StateArray struct {
	Name string
	Ptr  any
	Per  Per
}

// Len is the array's current length.
func (a StateArray) Len() int {
	switch p := a.Ptr.(type) {
	case *[]float32:
		return len(*p)
	case *[]uint8:
		return len(*p)
	}
	panic(fmt.Sprintf("engine: state array %s is a %T", a.Name, a.Ptr))
}

// Arrays lists every array of s, pointing into s.
func (s *State) Arrays() []StateArray {
	return []StateArray{
		{"s", &s.S, PerSpine},
		{"x", &s.X, PerSpine},
		{"events", &s.Events, PerSpine},
		{"z", &s.Z, PerSpine},
		{"w", &s.W, PerEdge},
		{"e", &s.E, PerEdge},
		{"b", &s.B, PerNeuron},
		{"h", &s.H, PerNeuron},
	}
}

// CheckValues refuses a state that no run reaches: a value that is not
// finite, a structural weight w or an afferent residual z outside [0, 1], a
// negative trace x or homeostatic gain h.
func (s *State) CheckValues() error {
	unit := map[string]bool{"w": true, "z": true}
	nonneg := map[string]bool{"x": true, "h": true}
	for _, a := range s.Arrays() {
		p, ok := a.Ptr.(*[]float32)
		if !ok {
			continue
		}
		for i, v := range *p {
			f := float64(v)
			switch {
			case math.IsNaN(f) || math.IsInf(f, 0):
				return fmt.Errorf("state array %s holds %v at %s %d", a.Name, v, a.Per, i)
			case unit[a.Name] && (f < 0 || f > 1):
				return fmt.Errorf("state array %s holds %v at %s %d, outside [0, 1]", a.Name, v, a.Per, i)
			case nonneg[a.Name] && f < 0:
				return fmt.Errorf("state array %s holds %v at %s %d, below 0", a.Name, v, a.Per, i)
			}
		}
	}
	return nil
}

// Check says whether every array of s has its length for net.
func (s *State) Check(net *model.Network) error {
	for _, a := range s.Arrays() {
		if n, want := a.Len(), a.Per.Len(net); n != want {
			return fmt.Errorf("state array %s holds %d values; the network has %d %ss", a.Name, n, want, a.Per)
		}
	}
	return nil
}
