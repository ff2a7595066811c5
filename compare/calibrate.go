package compare

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/simrun"
)

// CalibrateOptions configure a calibration (docs/model.md section 7.4, fair
// comparison): the strength of one mechanism is searched so that its
// late-learning task redundancy % at subsets of Size neurons matches Target.
type CalibrateOptions struct {
	Mechanism string  // feedback (searches feedback.k_max) or ipl (searches dynamics.g_lat)
	Target    float64 // redundancy % to reach; NaN: measure the IPL default's on the same protocol
	Seed      uint64
	Preset    string
	File      string
	Sets      []string
	Sessions  int // training sessions (0: the config's)
	// TrainTrials per session (0: 200) and MeasureTrials of the task block
	// after training (0: 320).
	TrainTrials, MeasureTrials int
	Size                       int // subset size (0: 14)
	MaxSteps                   int // search steps after the target is bracketed (0: 6)
	Boot                       int // bootstrap replicates of each measurement (0: 100)
	Out                        string
	Backend                    func() (engine.Backend, error)
	Log                        func(string)
	Context                    context.Context
}

// CalibrationStep is one logged step of the search.
type CalibrationStep struct {
	Step      int
	Mechanism string
	Key       string  // the parameter searched
	Value     float64 // its value
	RedPct    float64 // measured late task redundancy %
	Lo, Hi    float64 // its 95% bootstrap interval over trials
	Seconds   float64
}

// Calibration is the result of a search.
type Calibration struct {
	Mechanism string
	Key       string
	Value     float64 // the chosen value (the step closest to the target)
	Target    float64
	TargetLo  float64 // the target's interval when it was measured (NaN otherwise)
	TargetHi  float64
	Steps     []CalibrationStep
}

// ErrUnreachable says a target lies outside what a mechanism can give.
type ErrUnreachable struct {
	Mechanism, Key string
	Target         float64
	Bound          float64 // the parameter's bound tried
	Reached        float64 // the redundancy % there
}

func (e *ErrUnreachable) Error() string {
	return fmt.Sprintf("calibrate: target %.1f%% is out of reach of mechanism %s: at %s = %g (its bound) the late-learning redundancy is %.1f%%; lower the target (-target) or change the other parameters",
		e.Target, e.Mechanism, e.Key, e.Bound, e.Reached)
}

func (o *CalibrateOptions) defaults() {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&o.TrainTrials, 200)
	def(&o.MeasureTrials, 320)
	def(&o.Size, 14)
	def(&o.MaxSteps, 6)
	def(&o.Boot, 100)
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Context == nil {
		o.Context = context.Background()
	}
}

// calibrationConfig is the reduced protocol of the search: S training
// sessions, then one recorded task block (no baseline, no passive or
// ablation blocks).
func calibrationConfig(o CalibrateOptions, mech string, sets ...string) (*model.Config, error) {
	all := append([]string{fmt.Sprintf("seed=%d", o.Seed), "mechanism=" + mech}, o.Sets...)
	cfg, err := model.LoadConfig(o.Preset, o.File, append(all, sets...))
	if err != nil {
		return nil, err
	}
	s := o.Sessions
	if s == 0 {
		s = cfg.Protocol.Sessions
	}
	c := []float64{0.3}
	cfg.Protocol = model.ProtocolConfig{
		Sessions: s,
		Session:  []model.BlockConfig{{Name: "train", Mode: "task", Trials: o.TrainTrials, Coherences: c, Learning: true}},
		After:    []model.BlockConfig{{Name: BlockLate, Mode: "task", Trials: o.MeasureTrials, Coherences: c, Record: true}},
	}
	cfg.Output.WSnapshots = false
	return cfg, cfg.Validate()
}

// measure runs cfg into dir and returns the late task block's redundancy %
// at size n with its interval.
func measure(ctx context.Context, cfg *model.Config, o CalibrateOptions, dir string) (pct, lo, hi float64, err error) {
	be, err := o.Backend()
	if err != nil {
		return 0, 0, 0, err
	}
	_, err = simrun.Create(ctx, cfg, be, dir, engine.SimulateOptions{})
	be.Close()
	if err != nil {
		return 0, 0, 0, err
	}
	rec, err := rundir.OpenRecording(dir, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	rows, _, err := analysis.InfoRows(rec.Responses, rec.Trials, analysis.InfoOptions{
		Subsets: fisher.SubsetSpec{Size: o.Size, Count: 50, Seed: 1}, Sizes: []int{}, NoSaturation: true,
		Boot: fisher.BootSpec{Replicates: o.Boot, Subsets: 10, Seed: 11}, Context: ctx,
	})
	if err != nil {
		return 0, 0, 0, err
	}
	for _, r := range rows {
		if r.BlockName == BlockLate {
			if z := r.Size(o.Size); z != nil {
				return z.RedundancyPct.Est, z.RedundancyPct.Lo, z.RedundancyPct.Hi, nil
			}
		}
	}
	return 0, 0, 0, fmt.Errorf("calibrate: no redundancy at %d neurons in %s", o.Size, dir)
}

// Calibrate searches the mechanism's strength: feedback.k_max in (0, 100]
// by doubling or halving from the config's value until the target is
// bracketed, then by bisection in log k_max; dynamics.g_lat in [0, 0.99] by
// bisection. Every step is logged to Out/calibration.csv, and the chosen
// value to Out/calibrated.yaml (a config overlay for iplgpu run and compare
// -config). A target beyond the parameter's bound is refused with
// *ErrUnreachable.
func Calibrate(o CalibrateOptions) (*Calibration, error) {
	o.defaults()
	s, err := newSearch(o)
	if err != nil {
		return nil, err
	}
	if math.IsNaN(o.Target) {
		if err := s.measureTarget(); err != nil {
			return nil, err
		}
	}
	steps := s.searchGLat
	if o.Mechanism == "feedback" {
		steps = s.searchKMax
	}
	refusal, err := steps()
	if err != nil {
		return nil, err
	}
	if refusal != nil {
		return s.cal, refusal
	}
	s.choose()
	return s.cal, writeCalibration(s.cal, o.Out)
}

// search is one calibration in progress: its options, the parameter
// searched, the base config and the steps so far.
type search struct {
	o    CalibrateOptions
	key  string
	base *model.Config
	cal  *Calibration
}

// newSearch checks the options, loads the base config and makes Out.
func newSearch(o CalibrateOptions) (*search, error) {
	if o.Backend == nil || o.Out == "" {
		return nil, fmt.Errorf("calibrate: no backend or output directory")
	}
	var key string
	switch o.Mechanism {
	case "feedback":
		key = "feedback.k_max"
	case "ipl":
		key = "dynamics.g_lat"
	default:
		return nil, fmt.Errorf("calibrate: mechanism %q: allowed feedback, ipl", o.Mechanism)
	}
	if !math.IsNaN(o.Target) && !(o.Target > 0 && o.Target < 100) {
		return nil, fmt.Errorf("calibrate: target %v%%: want a redundancy %% in (0, 100)", o.Target)
	}
	base, err := calibrationConfig(o, o.Mechanism)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	cal := &Calibration{Mechanism: o.Mechanism, Key: key, Target: o.Target, TargetLo: math.NaN(), TargetHi: math.NaN()}
	return &search{o: o, key: key, base: base, cal: cal}, nil
}

func (s *search) logf(format string, a ...any) {
	if s.o.Log != nil {
		s.o.Log(fmt.Sprintf(format, a...))
	}
}

// measureTarget sets the target to the IPL default's redundancy on the same
// protocol, logged as step 0.
func (s *search) measureTarget() error {
	o, cal := s.o, s.cal
	cfg, err := calibrationConfig(o, "ipl")
	if err != nil {
		return err
	}
	t0 := time.Now()
	p, lo, hi, err := measure(o.Context, cfg, o, filepath.Join(o.Out, "target-ipl"))
	if err != nil {
		return err
	}
	cal.Target, cal.TargetLo, cal.TargetHi = p, lo, hi
	cal.Steps = append(cal.Steps, CalibrationStep{Step: 0, Mechanism: "ipl", Key: "target (IPL default)", Value: s.base.Dynamics.GLat, RedPct: p, Lo: lo, Hi: hi, Seconds: time.Since(t0).Seconds()})
	s.logf("target: the IPL default gives %.1f%% [%.1f, %.1f] at n = %d", p, lo, hi, o.Size)
	return writeCalibration(cal, o.Out)
}

// try measures the searched parameter at v as the next step and returns
// its redundancy %.
func (s *search) try(v float64) (float64, error) {
	o, cal := s.o, s.cal
	step := len(cal.Steps)
	cfg, err := calibrationConfig(o, o.Mechanism, fmt.Sprintf("%s=%g", s.key, v))
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	p, lo, hi, err := measure(o.Context, cfg, o, filepath.Join(o.Out, fmt.Sprintf("step%02d", step)))
	if err != nil {
		return 0, err
	}
	cal.Steps = append(cal.Steps, CalibrationStep{Step: step, Mechanism: o.Mechanism, Key: s.key, Value: v, RedPct: p, Lo: lo, Hi: hi, Seconds: time.Since(t0).Seconds()})
	s.logf("step %d: %s = %g: %.1f%% [%.1f, %.1f] (target %.1f%%)", step, s.key, v, p, lo, hi, cal.Target)
	return p, writeCalibration(cal, o.Out)
}

// bisect takes o.MaxSteps steps between the parameter values lo (below the
// target) and hi (above), each at mid(lo, hi).
func (s *search) bisect(lo, hi float64, mid func(lo, hi float64) float64) error {
	for range s.o.MaxSteps {
		v := mid(lo, hi)
		p, err := s.try(v)
		if err != nil {
			return err
		}
		if p < s.cal.Target {
			lo = v
		} else {
			hi = v
		}
	}
	return nil
}

// searchKMax brackets the target by doubling or halving feedback.k_max
// from the config's value, then bisects in log k_max. A refusal (the target
// out of reach or not bracketed) keeps the steps so far; an error does not.
func (s *search) searchKMax() (refusal, err error) {
	const maxK = 100.0
	target := s.cal.Target
	var lo, hi float64 // parameter values below and above the target
	var loSet, hiSet bool
	v := s.base.Feedback.KMax
	for range 12 {
		p, err := s.try(v)
		if err != nil {
			return nil, err
		}
		if p < target {
			lo, loSet = v, true
			if hiSet {
				break
			}
			if v >= maxK {
				return &ErrUnreachable{s.o.Mechanism, s.key, target, maxK, p}, nil
			}
			v = math.Min(2*v, maxK)
		} else {
			hi, hiSet = v, true
			if loSet {
				break
			}
			v /= 2
		}
	}
	if !loSet || !hiSet {
		return fmt.Errorf("calibrate: no bracket of the target %.1f%% after %d steps (see calibration.csv)", target, len(s.cal.Steps)), nil
	}
	return nil, s.bisect(lo, hi, func(lo, hi float64) float64 { return math.Sqrt(lo * hi) })
}

// searchGLat bisects dynamics.g_lat in [0, 0.99] once its bound reaches
// the target.
func (s *search) searchGLat() (refusal, err error) {
	const maxG = 0.99
	p, err := s.try(maxG)
	if err != nil {
		return nil, err
	}
	if p < s.cal.Target {
		return &ErrUnreachable{s.o.Mechanism, s.key, s.cal.Target, maxG, p}, nil
	}
	return nil, s.bisect(0, maxG, func(lo, hi float64) float64 { return (lo + hi) / 2 })
}

// choose sets the value to the searched step closest to the target.
func (s *search) choose() {
	best := math.Inf(1)
	for _, st := range s.cal.Steps {
		if st.Mechanism == s.o.Mechanism && st.Key == s.key && math.Abs(st.RedPct-s.cal.Target) < best {
			best, s.cal.Value = math.Abs(st.RedPct-s.cal.Target), st.Value
		}
	}
}

// writeCalibration writes calibration.csv (every step so far) and, once a
// value is chosen, calibrated.yaml.
func writeCalibration(cal *Calibration, dir string) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"step", "mechanism", "parameter", "value", "redundancy_pct", "ci_lo", "ci_hi", "target_pct", "seconds"})
	for _, s := range cal.Steps {
		w.Write([]string{strconv.Itoa(s.Step), s.Mechanism, s.Key, fnum(s.Value), fnum(s.RedPct), fnum(s.Lo), fnum(s.Hi), fnum(cal.Target), fmt.Sprintf("%.1f", s.Seconds)})
	}
	w.Flush()
	if err := os.WriteFile(filepath.Join(dir, "calibration.csv"), b.Bytes(), 0o644); err != nil {
		return err
	}
	if cal.Value == 0 {
		return nil
	}
	section, k := "feedback", "k_max"
	if cal.Key == "dynamics.g_lat" {
		section, k = "dynamics", "g_lat"
	}
	y := fmt.Sprintf("# iplgpu calibrate: %s = %g gives late-learning task redundancy closest to the target %.2f%% (calibration.csv).\n# Use with: iplgpu run -config calibrated.yaml, iplgpu compare -config calibrated.yaml\n%s:\n  %s: %g\n",
		cal.Key, cal.Value, cal.Target, section, k, cal.Value)
	return os.WriteFile(filepath.Join(dir, "calibrated.yaml"), []byte(y), 0o644)
}

func fnum(x float64) string {
	if !finite(x) {
		return "NaN"
	}
	return strconv.FormatFloat(x, 'g', 6, 64)
}
