// Package compare runs the IPL and the feedback-only mechanism (docs/model.md
// section 7) on one protocol and the same seeds, and sets their signatures
// side by side: (a) ablation of the lateral spread, (b) redundancy increase
// against distance at matched tuning, (c) the change with learning of the
// A-vs-B correlation with the stimulus held fixed (frozen noise), (d)
// islets, (e) the time course after a task -> passive switch, (f) the
// within-trial rise and its dependence on signal persistence. Seeds play
// the role of animals: every row's interval is the 95% t interval across
// seeds; both mechanisms run on the same seeds, so a row's test is the paired
// t test of the per-seed differences, Holm-corrected over the family of
// tested rows (Table). Package report/rival renders the result.
package compare

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/simrun"
)

// Options configure a comparison.
type Options struct {
	Seeds      []uint64 // seeds (animals); default 1, 2, 3
	Mechanisms []string // default ipl, feedback
	// Sets are key=value overrides applied to every run (after the embedded
	// defaults and Preset), e.g. a calibrated feedback.k_max.
	Preset string
	File   string // a config file over the defaults and Preset (e.g. calibrate's calibrated.yaml)
	Sets   []string
	// Sessions of training (0: the config's protocol.sessions).
	Sessions int
	// TrainTrials per session (0: 200), SwitchPairs passive/task block pairs
	// of SwitchTrials trials after training (0: 30 and 10), Frozen sequences
	// per sign in the frozen-noise blocks (0: 4) of FrozenTrials trials (0:
	// 240), MeasureTrials in each noise task block (0: 320).
	TrainTrials, SwitchPairs, SwitchTrials, Frozen, FrozenTrials, MeasureTrials int
	Out                                                                         string
	Log                                                                         func(string)
	Backend                                                                     func() (engine.Backend, error)
	Analysis                                                                    analysis.Options
	// Size is the subset size of the redundancy rows (0: 14, Liu et al.'s
	// monkey R).
	Size int
	// SwitchTaskGain keeps the task gain in the passive switch blocks, so
	// that they differ from the task blocks in the gate (and the feedback)
	// alone: signature (e) is then the task <-> passive (task gain kept)
	// pair.
	SwitchTaskGain bool
	// RunDir, when set, is the run directory of a mechanism and seed (e.g. a
	// sweep's point, SweepRuns.RunDir); nil: Out/<mechanism>-seed<k>.
	RunDir func(mech string, seed uint64) string
}

func (o *Options) runDir(m string, s uint64) string {
	if o.RunDir != nil {
		return o.RunDir(m, s)
	}
	return filepath.Join(o.Out, runName(m, s))
}

func (o *Options) defaults() {
	if len(o.Seeds) == 0 {
		o.Seeds = []uint64{1, 2, 3}
	}
	if len(o.Mechanisms) == 0 {
		o.Mechanisms = []string{"ipl", "feedback"}
	}
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&o.TrainTrials, 200)
	def(&o.SwitchPairs, 30)
	def(&o.SwitchTrials, 10)
	def(&o.Frozen, 4)
	def(&o.FrozenTrials, 240)
	def(&o.MeasureTrials, 320)
	def(&o.Size, 14)
}

// Block names of the comparison protocol.
const (
	BlockEarly      = "task-early"
	BlockLate       = "task-late"
	BlockFrozenE    = "frozen-early"
	BlockFrozenL    = "frozen-late"
	BlockAblation   = "ablation"
	BlockPersistent = "persistent"
)

// Protocol is the comparison's protocol: before training a task block and a
// frozen-noise block; S training sessions; then SwitchPairs pairs of short
// passive and task blocks (the switch analysis), a task block, a
// frozen-noise block, a task block with the lateral spread blocked, and a
// task block with a persistent signal (rho 0.8).
func Protocol(sessions int, o Options) model.ProtocolConfig {
	o.defaults()
	c := []float64{0.3}
	p := model.ProtocolConfig{
		Sessions: sessions,
		Before: []model.BlockConfig{
			{Name: BlockEarly, Mode: "task", Trials: o.MeasureTrials, Coherences: c, Record: true},
			{Name: BlockFrozenE, Mode: "task", Trials: o.FrozenTrials, Coherences: c, Record: true, Frames: "frozen", Sequences: o.Frozen},
		},
		Session: []model.BlockConfig{{Name: "train", Mode: "task", Trials: o.TrainTrials, Coherences: c, Learning: true}},
	}
	for range o.SwitchPairs {
		p.After = append(p.After,
			model.BlockConfig{Name: "switch-passive", Mode: "passive", Trials: o.SwitchTrials, Coherences: c, Record: true, TaskGain: o.SwitchTaskGain},
			model.BlockConfig{Name: "switch-task", Mode: "task", Trials: o.SwitchTrials, Coherences: c, Record: true})
	}
	p.After = append(p.After,
		model.BlockConfig{Name: BlockLate, Mode: "task", Trials: o.MeasureTrials, Coherences: c, Record: true},
		model.BlockConfig{Name: BlockFrozenL, Mode: "task", Trials: o.FrozenTrials, Coherences: c, Record: true, Frames: "frozen", Sequences: o.Frozen},
		model.BlockConfig{Name: BlockAblation, Mode: "task", Trials: o.FrozenTrials, Coherences: c, Record: true, Ablation: "lateral"},
		model.BlockConfig{Name: BlockPersistent, Mode: "task", Trials: o.MeasureTrials, Coherences: c, Record: true, Frames: "persistent", Persistence: 0.8},
	)
	return p
}

// Config is the resolved config of one run of the comparison.
func Config(mech string, seed uint64, o Options) (*model.Config, error) {
	o.defaults()
	sets := append([]string{fmt.Sprintf("seed=%d", seed), "mechanism=" + mech}, o.Sets...)
	cfg, err := model.LoadConfig(o.Preset, o.File, sets)
	if err != nil {
		return nil, err
	}
	s := o.Sessions
	if s == 0 {
		s = cfg.Protocol.Sessions
	}
	cfg.Protocol = Protocol(s, o)
	cfg.Output.WSnapshots = true
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Result is a whole comparison.
type Result struct {
	Options Options
	Runs    []*Signatures // per mechanism and seed
	Rows    []Row
	// Draws compares the first two mechanisms' networks and frames seed by
	// seed (nil with one mechanism).
	Draws   []SeedDraws
	Seconds float64
}

// Run simulates every mechanism on every seed into Out/<mechanism>-seed<k>
// and analyses each run; package report/rival renders the result.
func Run(ctx context.Context, o Options) (*Result, error) {
	o.defaults()
	if o.Out == "" {
		return nil, fmt.Errorf("compare: no output directory")
	}
	if o.Backend == nil {
		return nil, fmt.Errorf("compare: no backend")
	}
	logf := func(format string, a ...any) {
		if o.Log != nil {
			o.Log(fmt.Sprintf(format, a...))
		}
	}
	if err := checkDistinct(o); err != nil {
		return nil, err
	}
	// Every config first, so that a bad setting fails before any long work.
	cfgs := map[string]*model.Config{}
	for _, m := range o.Mechanisms {
		for _, s := range o.Seeds {
			cfg, err := Config(m, s, o)
			if err != nil {
				return nil, fmt.Errorf("compare: mechanism %s, seed %d: %w", m, s, err)
			}
			cfgs[runName(m, s)] = cfg
		}
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	t0 := time.Now()
	res := &Result{Options: o}
	for _, m := range o.Mechanisms {
		for _, s := range o.Seeds {
			name := runName(m, s)
			dir := o.runDir(m, s)
			if err := simulateRun(ctx, o, cfgs[name], dir, name, logf); err != nil {
				return nil, err
			}
			if err := res.analyse(m, s); err != nil {
				return nil, err
			}
		}
	}
	res.finish(t0)
	return res, nil
}

// FromRuns analyses the complete runs of every mechanism and seed (at
// o.RunDir: e.g. the points of a sweep laid out by PlanSweep) without
// simulating.
func FromRuns(o Options) (*Result, error) {
	o.defaults()
	if err := checkDistinct(o); err != nil {
		return nil, err
	}
	t0 := time.Now()
	res := &Result{Options: o}
	for _, m := range o.Mechanisms {
		for _, s := range o.Seeds {
			dir := o.runDir(m, s)
			st, ok, err := rundir.ReadStatus(dir)
			if err != nil {
				return nil, fmt.Errorf("compare: %s: %w", runName(m, s), err)
			}
			if !ok || st.State != rundir.StateComplete {
				return nil, fmt.Errorf("compare: %s: %s holds no complete run", runName(m, s), dir)
			}
			if o.Log != nil {
				o.Log(fmt.Sprintf("%s: analysing %s...", runName(m, s), dir))
			}
			if err := res.analyse(m, s); err != nil {
				return nil, err
			}
		}
	}
	res.finish(t0)
	return res, nil
}

// analyse adds the signatures of the run of mechanism m on seed s.
func (res *Result) analyse(m string, s uint64) error {
	sig, err := Analyse(res.Options.runDir(m, s), res.Options)
	if err != nil {
		return fmt.Errorf("compare: %s: %w", runName(m, s), err)
	}
	sig.Mechanism, sig.Seed = m, s
	res.Runs = append(res.Runs, sig)
	return nil
}

// finish sets the table, the draws check and the wall time since t0.
func (res *Result) finish(t0 time.Time) {
	o := res.Options
	res.Rows = Table(res.Runs, o.Mechanisms)
	if len(o.Mechanisms) >= 2 {
		res.Draws = CompareDraws(o.runDir, o.Mechanisms[0], o.Mechanisms[1], o.Seeds)
	}
	res.Seconds = time.Since(t0).Seconds()
}

// MaxSwitchPairs bounds Options.SwitchPairs: each pair is two blocks of the
// protocol, built before the config's own checks.
const MaxSwitchPairs = 1000

// checkDistinct refuses a seed or a mechanism given twice, and a protocol
// too long to build, before any work.
func checkDistinct(o Options) error {
	if o.SwitchPairs > MaxSwitchPairs {
		return fmt.Errorf("compare: %d switch pairs; at most %d", o.SwitchPairs, MaxSwitchPairs)
	}
	seeds := map[uint64]bool{}
	for _, s := range o.Seeds {
		if seeds[s] {
			return fmt.Errorf("compare: seed %d is given twice; give each seed (animal) once", s)
		}
		seeds[s] = true
	}
	mechs := map[string]bool{}
	for _, m := range o.Mechanisms {
		if mechs[m] {
			return fmt.Errorf("compare: mechanism %s is given twice; give each mechanism once", m)
		}
		mechs[m] = true
	}
	return nil
}

// simulateRun brings the run directory dir of cfg to completion: a new run
// when there is none; kept when it holds this configuration's complete run;
// continued from its checkpoint when it holds this configuration's stopped
// run (an interrupted compare run again into the same directory). A
// directory of another configuration is refused.
func simulateRun(ctx context.Context, o Options, cfg *model.Config, dir, name string, logf func(string, ...any)) error {
	have, err := os.ReadFile(filepath.Join(dir, rundir.ConfigFile))
	exists := err == nil
	if exists && !bytes.Equal(have, model.ResolvedYAML(cfg)) {
		return fmt.Errorf("compare: %s holds a run of another configuration (its %s differs from this comparison's): give another -out, or move it away", dir, rundir.ConfigFile)
	}
	var st rundir.Status
	var hasStatus bool
	if exists {
		if st, hasStatus, err = rundir.ReadStatus(dir); err != nil {
			return fmt.Errorf("compare: %s: %w", name, err)
		}
	}
	if hasStatus && st.State == rundir.StateComplete {
		logf("%s: complete already in %s; kept", name, dir)
		return nil
	}
	be, err := o.Backend()
	if err != nil {
		return err
	}
	defer be.Close()
	t1 := time.Now()
	if exists {
		out, r, err := rundir.Reopen(dir)
		if err != nil {
			return fmt.Errorf("compare: %s: %w", name, err)
		}
		logf("%s: continuing the stopped run in %s...", name, dir)
		_, err = simrun.Continue(ctx, be, out, r, engine.SimulateOptions{})
		if err != nil {
			return fmt.Errorf("compare: %s: %w", name, err)
		}
	} else {
		logf("%s: simulating...", name)
		if _, err := simrun.Create(ctx, cfg, be, dir, engine.SimulateOptions{}); err != nil {
			return fmt.Errorf("compare: %s: %w", name, err)
		}
	}
	logf("%s: simulated in %.0f s; analysing...", name, time.Since(t1).Seconds())
	return nil
}

func runName(m string, s uint64) string { return fmt.Sprintf("%s-seed%d", m, s) }

// Analyse computes the signatures of one run directory of the comparison
// protocol.
func Analyse(dir string, o Options) (*Signatures, error) {
	o.defaults()
	sum, run, err := analysis.Load(dir, o.Analysis)
	if err != nil {
		return nil, err
	}
	return Extract(sum, run, o.Size)
}

// finite reports a usable number.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
