package analysis

import (
	"bytes"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/iplgpu/iplgpu/engine/model"
)

// Seeds as animals (MODEL.md section 6): runs of one configuration that
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
// resolved configurations, in the same order). It refuses runs whose
// configurations differ in more than the seed, or that share a seed. Blocks
// are matched by their index (the same protocol gives the same blocks).
func AcrossSeeds(sums []*Summary, configs []*model.Config) (*SeedSummary, error) {
	if len(sums) != len(configs) {
		panic(fmt.Sprintf("analysis: AcrossSeeds: %d summaries and %d configs", len(sums), len(configs)))
	}
	if len(sums) < 2 {
		return nil, fmt.Errorf("%d runs: the spread across seeds needs at least 2 runs of one config", len(sums))
	}
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

	// The learning effect and task vs passive, per seed.
	learn := &SeedEffect{What: "latest minus earliest control task block, redundancy % at the headline size", Values: make([]float64, len(sums))}
	tp := &SeedEffect{What: "task minus passive redundancy % at the headline size, latest session measured in both modes", Values: make([]float64, len(sums))}
	haveL, haveT := 0, 0
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
	if haveL >= 2 {
		learn.Across = across(learn.Values)
		ss.Learning = learn
	}
	if haveT >= 2 {
		tp.Across = across(tp.Values)
		ss.TaskPassive = tp
	}
	return ss, nil
}
