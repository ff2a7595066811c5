package compare

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/internal/fsutil"
	"github.com/iplgpu/iplgpu/sweep"
)

// MechanismKey is the grid key of a comparison's sweep: each point sets the
// mechanism, and the sweep's seeds are the comparison's.
const MechanismKey = "mechanism"

// Resolver resolves one sweep point's configuration as the sweep's runs do
// (the preset, the base config file, the -set overrides in order, the seed)
// and checks that it can run.
type Resolver func(preset, config string, sets []string, seed uint64) (*model.Config, error)

// PlanSweep lays out the comparison o as a sweep in dir (sweep.Write)
// without simulating: base-config.yaml holds the comparison's resolved
// configuration (Config of the first mechanism and seed: the protocol with
// o's options applied, o's preset, file and overrides), and the sweep file's
// grid is mechanism x seeds. Each point's configuration, resolved by
// resolve, must equal byte for byte what Run simulates for its mechanism
// and seed, so a sweep's runs and a comparison's are interchangeable; a
// point that differs (e.g. an override of the seed or the mechanism) is
// refused before anything is written.
func PlanSweep(dir string, o Options, resolve Resolver, opt sweep.WriteOptions) (*sweep.Manifest, error) {
	o.defaults()
	if err := checkDistinct(o); err != nil {
		return nil, err
	}
	want := map[string][]byte{}
	var base []byte
	var mem int64
	for _, m := range o.Mechanisms {
		for _, s := range o.Seeds {
			cfg, err := Config(m, s, o)
			if err != nil {
				return nil, fmt.Errorf("compare: mechanism %s, seed %d: %w", m, s, err)
			}
			want[runName(m, s)] = model.ResolvedYAML(cfg)
			if base == nil {
				base = append([]byte("# iplgpu compare -plan: the comparison's configuration; each point of the sweep sets mechanism and seed.\n"), cfg.YAML()...)
			}
			im := model.Imply(cfg)
			mem = max(mem, model.Total(im.Run), model.Total(im.Analysis))
		}
	}
	spec, err := sweep.Parse(filepath.Join(dir, sweep.SpecFile), sweepFile(o, mem))
	if err != nil {
		return nil, err
	}
	// sweep.Write copies the base config from a file into dir: a temporary one.
	tmp, err := os.MkdirTemp("", "iplgpu-compare-plan-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	spec.Config = filepath.Join(tmp, sweep.BaseConfig)
	if err := os.WriteFile(spec.Config, base, 0o644); err != nil {
		return nil, err
	}
	opt.Check = func(preset, config string, sets []string, seed uint64) error {
		mech := ""
		for _, kv := range sets {
			if k, v, _ := strings.Cut(kv, "="); k == MechanismKey {
				mech = v
			}
		}
		cfg, err := resolve(preset, config, sets, seed)
		if err != nil {
			return err
		}
		if !bytes.Equal(model.ResolvedYAML(cfg), want[runName(mech, seed)]) {
			return fmt.Errorf("compare: the point's configuration differs from the comparison's run %s (an override of the seed or the mechanism?)", runName(mech, seed))
		}
		return nil
	}
	m, err := sweep.Write(dir, spec, opt)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(planOf(o), "", "  ")
	if err != nil {
		return nil, err
	}
	return m, fsutil.WriteAtomic(filepath.Join(dir, PlanFile), 0o644, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// PlanFile, in a sweep directory of PlanSweep, holds the comparison's
// options that its report states (the protocol, the preset, file and
// overrides).
const PlanFile = "compare-plan.json"

// plan is the content of PlanFile.
type plan struct {
	Preset, File                                                                string
	Sets                                                                        []string
	Sessions                                                                    int
	TrainTrials, SwitchPairs, SwitchTrials, Frozen, FrozenTrials, MeasureTrials int
	SwitchTaskGain                                                              bool
}

func planOf(o Options) plan {
	return plan{o.Preset, o.File, o.Sets, o.Sessions, o.TrainTrials, o.SwitchPairs, o.SwitchTrials, o.Frozen, o.FrozenTrials, o.MeasureTrials, o.SwitchTaskGain}
}

// apply sets o's protocol options to the plan's.
func (p plan) apply(o *Options) {
	o.Preset, o.File, o.Sets, o.Sessions = p.Preset, p.File, p.Sets, p.Sessions
	o.TrainTrials, o.SwitchPairs, o.SwitchTrials, o.Frozen, o.FrozenTrials, o.MeasureTrials = p.TrainTrials, p.SwitchPairs, p.SwitchTrials, p.Frozen, p.FrozenTrials, p.MeasureTrials
	o.SwitchTaskGain = p.SwitchTaskGain
}

// sweepFile is the sweep file of the comparison o: its seeds, the grid of
// mechanisms, and the memory a point needs (the larger of a run's and its
// analysis's estimate, mem bytes, rounded up to GiB, plus 1 GiB).
func sweepFile(o Options, mem int64) []byte {
	var b strings.Builder
	b.WriteString("# iplgpu compare -plan: every mechanism on every seed of one comparison.\n")
	b.WriteString("# Run: iplgpu sweep local -dir DIR (or sbatch DIR/sweep.sbatch); then iplgpu compare -from-sweep DIR.\n")
	fmt.Fprintf(&b, "config: %s\n", sweep.BaseConfig)
	seeds := make([]string, len(o.Seeds))
	for i, s := range o.Seeds {
		seeds[i] = fmt.Sprint(s)
	}
	fmt.Fprintf(&b, "seeds: [%s]\n", strings.Join(seeds, ", "))
	fmt.Fprintf(&b, "grid:\n  %s: [%s]\n", MechanismKey, strings.Join(o.Mechanisms, ", "))
	const gib = 1 << 30
	fmt.Fprintf(&b, "resources:\n  memory: %dG\n", max(4, (mem+gib-1)/gib+1))
	return []byte(b.String())
}

// SweepRuns are the runs of a comparison laid out as a sweep (PlanSweep):
// the run directory of each mechanism and seed.
type SweepRuns struct {
	Mechanisms []string // in the grid's order
	Seeds      []uint64
	dirs       map[string]string
	state      map[string]string // per run: its point and state, when not done
	dir        string
	plan       plan
}

// Apply sets o's protocol, preset, file and overrides to those the sweep was
// planned with (PlanFile), its run directories to the sweep's points, and
// its mechanisms and seeds to the sweep's where o has none.
func (r *SweepRuns) Apply(o *Options) {
	r.plan.apply(o)
	o.RunDir = r.RunDir
	if len(o.Mechanisms) == 0 {
		o.Mechanisms = r.Mechanisms
	}
	if len(o.Seeds) == 0 {
		o.Seeds = r.Seeds
	}
}

// RunDir is the run directory of mechanism m on seed s.
func (r *SweepRuns) RunDir(m string, s uint64) string { return r.dirs[runName(m, s)] }

// ReadSweep maps the points of the sweep in dir to mechanisms (the point's
// mechanism override) and seeds through its manifest, with each point's
// state (probe and the point locks, sweep.Status). It refuses a point
// without a mechanism and a mechanism and seed that two points run.
func ReadSweep(dir string, probe sweep.Probe) (*SweepRuns, error) {
	m, err := sweep.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	sts, err := sweep.Status(dir, m, probe)
	if err != nil {
		return nil, err
	}
	r := &SweepRuns{Seeds: m.Seeds, dirs: map[string]string{}, state: map[string]string{}}
	point := map[string]string{}
	for _, st := range sts {
		mech := ""
		for _, o := range st.Grid {
			if o.Key == MechanismKey {
				mech = o.Value
			}
		}
		if mech == "" {
			return nil, fmt.Errorf("%s: point %d (%s) sets no %s: not a sweep of iplgpu compare -plan", dir, st.Index, st.Dir, MechanismKey)
		}
		name := runName(mech, st.Seed)
		if prev, ok := point[name]; ok {
			return nil, fmt.Errorf("%s: points %s and %s both run %s on seed %d: want one run per mechanism and seed", dir, prev, st.Dir, mech, st.Seed)
		}
		point[name] = st.Dir
		if !slices.Contains(r.Mechanisms, mech) {
			r.Mechanisms = append(r.Mechanisms, mech)
		}
		r.dirs[name] = m.RunDir(dir, st.Point)
		if st.State != sweep.Done {
			r.state[name] = fmt.Sprintf("%d (%s) is %s", st.Index, st.Dir, st.State)
		}
	}
	r.dir = dir
	b, err := os.ReadFile(filepath.Join(dir, PlanFile))
	if err != nil {
		return nil, fmt.Errorf("%s: not a sweep of iplgpu compare -plan: %w", dir, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r.plan); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, PlanFile), err)
	}
	return r, nil
}

// Check refuses a mechanism and seed the sweep does not hold, or whose
// point is not done.
func (r *SweepRuns) Check(mechs []string, seeds []uint64) error {
	var notDone []string
	for _, m := range mechs {
		for _, s := range seeds {
			name := runName(m, s)
			if r.dirs[name] == "" {
				return fmt.Errorf("%s: the sweep holds no run of %s on seed %d (its mechanisms %v, seeds %v)", r.dir, m, s, r.Mechanisms, r.Seeds)
			}
			if st := r.state[name]; st != "" {
				notDone = append(notDone, st)
			}
		}
	}
	if len(notDone) > 0 {
		return fmt.Errorf("%s: not done: point %s; finish them (iplgpu sweep local -dir %s, or its sweep.sbatch) and see iplgpu sweep status -dir %s", r.dir, strings.Join(notDone, ", point "), r.dir, r.dir)
	}
	return nil
}
