package analysis

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/iplgpu/iplgpu/engine/model"
)

// Seeds as animals (docs/model.md section 8.4): runs of one configuration that
// differ only in their seed play the role of Liu et al.'s monkeys. The
// spread across seeds is set beside the within-run intervals, which hold
// the trials of one run (one animal) only.

// SeedSummary aggregates the analyses of several runs of one configuration
// with different seeds.
type SeedSummary struct {
	Dirs  []string
	Seeds []uint64
	Rows  []SeedRow
	// Learning is the latest minus the earliest control task block's
	// redundancy % at the headline size, per seed, with its across-seed
	// test; nil when a run has fewer than two control task blocks.
	Learning *SeedEffect
	// TaskPassive is task minus passive redundancy % (headline size) in the
	// latest session measured in both modes, per seed.
	TaskPassive *SeedEffect
	// Headline are the run's headline numbers across the seeds, always the
	// same names in the same order (HeadlineNames), NaN where a run has no
	// value: see HeadlineNames. Sweeps compare them across conditions
	// (iplgpu merge).
	Headline []SeedEffect
	// CalibrationTarget is the monkey the runs are calibrated to (the same
	// for all: their configurations differ only in the seed).
	CalibrationTarget CalibrationTarget
	// Calibration is the model against Liu et al. (docs/model.md section 9) on
	// the mean over the seeds, in the order of the runs' own tables.
	Calibration []SeedCalibrationRow
}

// SeedCalibrationRow is one row of the model-against-paper table across the
// seeds. Its CalibrationRow is the runs' row with Model the mean over the
// seeds of the runs' estimates, Lo and Hi the 95% t interval of that mean
// (NaN with fewer than 2 seeds), and Status and CI judged on them: the
// targets of docs/model.md section 9 are the animals' mean, and the spread
// between seeds (animals) can be wider than a target's window. Note lists
// the seeds' values.
type SeedCalibrationRow struct {
	CalibrationRow
	Values []float64 // each run's estimate, in the order of Seeds (NaN: n.a. in that run)
	Across Across
	Passed int // runs whose own row passes (judged on that run's estimate)
}

// HeadlineNames are the names of SeedSummary.Headline, in order:
//
//	redundancy_pct_n14, _n20, _n52   redundancy % of the latest control task
//	                                 block at its headline coherence, at
//	                                 subset sizes 14, 20 (the default headline
//	                                 size) and 52: the sizes of Options
//	i_real, i_shuffle, redundancy    the same block at the headline size
//	                                 (1/coherence^2)
//	task_minus_passive_pct           as TaskPassive
//	learning_pct                     as Learning: latest minus earliest
//	                                 control task block
//	ablation_pct                     ablated minus control redundancy % at
//	                                 the headline size, the latest ablated
//	                                 block with an estimate (AblationCheck)
//
// The size names follow Options.SubsetSize and Options.Sizes (the defaults:
// 20, and 14 and 52).
func HeadlineNames(opt Options) []string {
	opt, _ = opt.resolve()
	var names []string
	for _, n := range headlineSizes(opt) {
		names = append(names, fmt.Sprintf("redundancy_pct_n%d", n))
	}
	return append(names, "i_real", "i_shuffle", "redundancy", "task_minus_passive_pct", "learning_pct", "ablation_pct")
}

// headlineSizes are the subset sizes of the headline redundancy %: the
// headline size and the further sizes, ascending, once each.
func headlineSizes(opt Options) []int {
	sizes := append([]int{opt.SubsetSize}, opt.Sizes...)
	slices.Sort(sizes)
	return slices.Compact(sizes)
}

// SeedRow is one quantity of one block, coherence and subset size across
// the seeds.
type SeedRow struct {
	Session, Block     int
	BlockName, Mode    string
	Condition          string
	Coherence          float64
	SubsetN            int    // 0 for block-level quantities (noise_corr, epsilon, fano, mean_rate_hz)
	Quantity           string // i_real, i_shuffle, redundancy, redundancy_pct, noise_corr, epsilon, fano, mean_rate_hz
	Values             []float64
	Across             Across
	WithinHalf         float64 // mean over seeds of the half-width of the within-run 95% interval (NaN without one)
	withinLo, withinHi []float64
}

// Across is the spread of per-seed values.
type Across struct {
	N          int     // seeds with a value
	Mean, SD   float64 // mean and standard deviation (n - 1) over seeds
	CILo, CIHi float64 // 95% t interval of the mean (NaN with fewer than 2 seeds)
	P          float64 // two-sided one-sample t test of mean 0 (for differences; NaN with fewer than 2)
}

// SeedEffect is a per-seed difference and its test across seeds.
type SeedEffect struct {
	What        string
	Values      []float64 // per seed
	Across      Across
	Significant int // seeds whose within-run bootstrap test of the difference gives p < 0.05
}

// AcrossValues summarises values (NaN left out) and tests their mean
// against 0 (Across.P).
func AcrossValues(values []float64) Across { return across(values) }

// across summarises values (NaN left out).
func across(values []float64) Across {
	var v []float64
	for _, x := range values {
		if finite(x) {
			v = append(v, x)
		}
	}
	a := Across{N: len(v), Mean: math.NaN(), SD: math.NaN(), CILo: math.NaN(), CIHi: math.NaN(), P: math.NaN()}
	if len(v) == 0 {
		return a
	}
	a.Mean = stat.Mean(v, nil)
	if len(v) < 2 {
		return a
	}
	a.SD = stat.StdDev(v, nil)
	se := a.SD / math.Sqrt(float64(len(v)))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(v) - 1)}
	q := t.Quantile(0.975)
	a.CILo, a.CIHi = a.Mean-q*se, a.Mean+q*se
	if se > 0 {
		a.P = 2 * t.CDF(-math.Abs(a.Mean/se))
	} else if a.Mean != 0 {
		a.P = 0
	} else {
		a.P = 1
	}
	return a
}

// AcrossSeeds aggregates the analyses of runs of one configuration with
// different seeds (each Summary from Load or Compute; configs the runs'
// resolved configurations, in the same order). With one run the spread
// (sd, interval, test) is NaN. It refuses runs whose
// configurations differ in more than the seed, or that share a seed. Blocks
// are matched by their index (the same protocol gives the same blocks).
func AcrossSeeds(sums []*Summary, configs []*model.Config) (*SeedSummary, error) {
	if len(sums) != len(configs) {
		panic(fmt.Sprintf("analysis: AcrossSeeds: %d summaries and %d configs", len(sums), len(configs)))
	}
	if len(sums) < 1 {
		return nil, fmt.Errorf("no runs: the summary across seeds needs at least 1 run (the spread across seeds at least 2)")
	}
	ss, err := seedRuns(sums, configs)
	if err != nil {
		return nil, err
	}
	seedRows(ss, sums)
	learn, tp, haveL, haveT := seedEffects(sums)
	learn.Across, tp.Across = across(learn.Values), across(tp.Values)
	if haveL >= 2 {
		ss.Learning = learn
	}
	if haveT >= 2 {
		ss.TaskPassive = tp
	}
	ss.Headline = headline(sums, learn, tp)
	ss.CalibrationTarget = sums[0].CalibrationTarget
	ss.Calibration = seedCalibration(sums)
	return ss, nil
}

// seedRuns checks that the runs differ in their seeds alone, each its own,
// and starts their summary with their directories and seeds.
func seedRuns(sums []*Summary, configs []*model.Config) (*SeedSummary, error) {
	ss := &SeedSummary{}
	var ref []byte
	for k, s := range sums {
		c := *configs[k]
		seed := c.Seed
		c.Seed = 0
		y := model.ResolvedYAML(&c)
		if k == 0 {
			ref = y
		} else if !bytes.Equal(y, ref) {
			return nil, fmt.Errorf("%s and %s: the configurations differ in more than the seed; merge only runs of one config (diff their config.yaml)", sums[0].Dir, s.Dir)
		}
		if slices.Contains(ss.Seeds, seed) {
			return nil, fmt.Errorf("%s: seed %d again; each run must have its own seed", s.Dir, seed)
		}
		ss.Dirs = append(ss.Dirs, s.Dir)
		ss.Seeds = append(ss.Seeds, seed)
	}

	return ss, nil
}

// seedRows fills ss.Rows: each quantity of each block, coherence and subset
// size, its value in every run and its spread across them.
func seedRows(ss *SeedSummary, sums []*Summary) {
	type key struct {
		block    int
		c        float64
		n        int
		quantity string
	}
	idx := map[key]int{}
	row := func(b *BlockResult, in *InfoRow, n int, q string) *SeedRow {
		k := key{b.Index, in.Coherence, n, q}
		i, ok := idx[k]
		if !ok {
			i = len(ss.Rows)
			idx[k] = i
			r := SeedRow{Session: b.Session, Block: b.Index, BlockName: b.Name, Mode: b.Mode, Condition: b.Condition(), Coherence: in.Coherence, SubsetN: n, Quantity: q,
				Values: make([]float64, len(sums)), withinLo: make([]float64, len(sums)), withinHi: make([]float64, len(sums))}
			for j := range r.Values {
				r.Values[j], r.withinLo[j], r.withinHi[j] = math.NaN(), math.NaN(), math.NaN()
			}
			ss.Rows = append(ss.Rows, r)
		}
		return &ss.Rows[i]
	}
	for si, s := range sums {
		for bi := range s.Blocks {
			b := &s.Blocks[bi]
			for ii := range b.Info {
				in := &b.Info[ii]
				set := func(n int, q string, v Value) {
					r := row(b, in, n, q)
					r.Values[si], r.withinLo[si], r.withinHi[si] = v.Est, v.Lo, v.Hi
				}
				for _, sz := range in.Sizes {
					set(sz.N, "i_real", sz.IReal)
					set(sz.N, "i_shuffle", sz.IShuffle)
					set(sz.N, "redundancy", sz.Gap)
					set(sz.N, "redundancy_pct", sz.RedundancyPct)
				}
				set(0, "noise_corr", in.NoiseCorr)
				set(0, "epsilon", in.Epsilon)
				set(0, "fano", in.FanoBoot)
				set(0, "mean_rate_hz", plainValue(b.MeanRateHz))
			}
		}
	}
	for k := range ss.Rows {
		r := &ss.Rows[k]
		r.Across = across(r.Values)
		var h []float64
		for j := range r.Values {
			if finite(r.withinLo[j]) && finite(r.withinHi[j]) {
				h = append(h, (r.withinHi[j]-r.withinLo[j])/2)
			}
		}
		r.WithinHalf = math.NaN()
		if len(h) > 0 {
			r.WithinHalf = stat.Mean(h, nil)
		}
	}
	slices.SortStableFunc(ss.Rows, func(a, b SeedRow) int {
		if a.Block != b.Block {
			return a.Block - b.Block
		}
		return a.SubsetN - b.SubsetN
	})
}

// seedEffects are the learning effect and task vs passive of each run, and
// how many runs have each.
func seedEffects(sums []*Summary) (learn, tp *SeedEffect, haveL, haveT int) {
	learn = &SeedEffect{What: "latest minus earliest control task block, redundancy % at the headline size", Values: make([]float64, len(sums))}
	tp = &SeedEffect{What: "task minus passive redundancy % at the headline size, latest session measured in both modes", Values: make([]float64, len(sums))}
	for si, s := range sums {
		learn.Values[si], tp.Values[si] = math.NaN(), math.NaN()
		task := s.ControlBlocks("task")
		if len(task) >= 2 {
			f, l := task[0].Main(), task[len(task)-1].Main()
			if f != nil && l != nil && f.N == l.N {
				c := Compare(l.RedundancyPct, f.RedundancyPct)
				learn.Values[si] = c.Diff
				haveL++
				if c.P < 1-CILevel && c.Significant() {
					learn.Significant++
				}
			}
		}
		for _, p := range slices.Backward(s.ControlBlocks("passive")) {
			var t *BlockResult
			for _, b := range task {
				if b.Session == p.Session {
					t = b
				}
			}
			if t == nil || p.TaskGain {
				continue
			}
			c := Compare(t.Main().RedundancyPct, p.Main().RedundancyPct)
			tp.Values[si] = c.Diff
			haveT++
			if c.P < 1-CILevel && c.Significant() {
				tp.Significant++
			}
			break
		}
	}
	return learn, tp, haveL, haveT
}

// seedCalibration computes SeedSummary.Calibration: the runs' calibration
// rows matched by key and subset size, in the order they first appear.
func seedCalibration(sums []*Summary) []SeedCalibrationRow {
	type key struct {
		k string
		n int
	}
	idx := map[key]int{}
	var out []SeedCalibrationRow
	for si, s := range sums {
		for _, r := range s.Calibration {
			k := key{r.Key, r.N}
			i, ok := idx[k]
			if !ok {
				i = len(out)
				idx[k] = i
				row := SeedCalibrationRow{CalibrationRow: r, Values: make([]float64, len(sums))}
				for j := range row.Values {
					row.Values[j] = math.NaN()
				}
				out = append(out, row)
			}
			out[i].Values[si] = r.Model.Est
			if r.Status == CalPass {
				out[i].Passed++
			}
		}
	}
	for i := range out {
		r := &out[i]
		r.Across = across(r.Values)
		r.Model = Value{Est: r.Across.Mean, SubLo: math.NaN(), SubHi: math.NaN(), Lo: r.Across.CILo, Hi: r.Across.CIHi}
		vals := make([]string, len(r.Values))
		for j, v := range r.Values {
			vals[j] = "n.a."
			if finite(v) {
				vals[j] = fmt.Sprintf("%.3g", v)
			}
		}
		r.Note = fmt.Sprintf("per seed %s; passes in %d of %d runs", strings.Join(vals, ", "), r.Passed, len(sums))
		r.judge("n.a. in every run")
	}
	return out
}

// headline computes SeedSummary.Headline (see HeadlineNames).
func headline(sums []*Summary, learn, tp *SeedEffect) []SeedEffect {
	opt, _ := sums[0].Options.resolve()
	names := HeadlineNames(opt)
	byName := map[string]*SeedEffect{}
	out := make([]SeedEffect, len(names))
	for k, name := range names {
		out[k] = SeedEffect{What: name, Values: make([]float64, len(sums))}
		for i := range out[k].Values {
			out[k].Values[i] = math.NaN()
		}
		byName[name] = &out[k]
	}
	set := func(name string, i int, v float64) { byName[name].Values[i] = v }
	for i, s := range sums {
		task := s.ControlBlocks("task")
		if len(task) > 0 {
			if h := task[len(task)-1].Headline(); h != nil {
				for _, n := range headlineSizes(opt) {
					if sz := h.Size(n); sz != nil {
						set(fmt.Sprintf("redundancy_pct_n%d", n), i, sz.RedundancyPct.Est)
					}
				}
				if sz := h.Size(opt.SubsetSize); sz != nil {
					set("i_real", i, sz.IReal.Est)
					set("i_shuffle", i, sz.IShuffle.Est)
					set("redundancy", i, sz.Gap.Est)
				}
			}
		}
		for _, a := range slices.Backward(s.Ablations) {
			if a.HasInfo {
				set("ablation_pct", i, a.PctTest.Diff)
				break
			}
		}
	}
	copy(byName["task_minus_passive_pct"].Values, tp.Values)
	copy(byName["learning_pct"].Values, learn.Values)
	byName["task_minus_passive_pct"].Significant = tp.Significant
	byName["learning_pct"].Significant = learn.Significant
	for k := range out {
		out[k].Across = across(out[k].Values)
	}
	return out
}
