package fisher

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// Intervals are the bootstrap intervals over trials of one estimate of
// Analyse (the full population's or the subsets' mean), at one level; an
// interval is (NaN, NaN) where the replicates give none.
type Intervals struct {
	Replicates int // B
	Subsets    int // random subsets per replicate
	Real       [2]float64
	Shuffle    [2]float64
	Redundancy [2]float64 // of I_shuffle - I_real
	// RedundancyPct is 100 (I_shuffle - I_real) / I_shuffle of the
	// estimate, NaN unless the interval of I_shuffle lies above 0 (RatioPct);
	// RedundancyPctCI its interval, from the replicates' ratios.
	RedundancyPct   float64
	RedundancyPctCI [2]float64
}

// BootstrapResult gives the intervals at level (e.g. 0.95) over trials of
// res, the Analyse result of plus and minus at ds (pooled covariance, no zero
// trials): full for res.Full and subsets for res.Subsets, each nil when res
// has no such estimate. spec.EstimateSubsets is the number of subsets behind
// res.Subsets (SubsetSpec.Count); the full estimate's replicates draw one
// subset, the whole population.
func BootstrapResult(plus, minus *mat.Dense, ds float64, res Result, spec BootSpec, level float64) (full, subsets *Intervals, err error) {
	if e := res.Full; e != nil {
		b, err := Bootstrap(plus, minus, ds, nil, []int{e.N}, BootSpec{Replicates: spec.Replicates, Subsets: 1, Seed: spec.Seed})
		if err != nil {
			return nil, nil, err
		}
		full = intervalsOf(e.Real, e.Shuffle, e.Redundancy, b, spec, level)
	}
	if s := res.Subsets; s != nil {
		st, err := NewStats(plus, minus, nil, ds, false)
		if err != nil {
			return nil, nil, err
		}
		b, err := Bootstrap(plus, minus, ds, st.Active(), []int{s.Size}, spec)
		if err != nil {
			return nil, nil, err
		}
		subsets = intervalsOf(s.Real.Mean, s.Shuffle.Mean, s.Redundancy.Mean, b, spec, level)
	}
	return full, subsets, nil
}

// intervalsOf is the Intervals of the estimates real, shuffle and gap from
// the replicates of b's first size.
func intervalsOf(real, shuffle, gap float64, b *BootResult, spec BootSpec, level float64) *Intervals {
	ci := func(est float64, reps []float64) [2]float64 {
		lo, hi := BootInterval(est, reps, level)
		return [2]float64{lo, hi}
	}
	iv := &Intervals{Replicates: spec.Replicates, Subsets: spec.Subsets,
		Real: ci(real, b.Real[0]), Shuffle: ci(shuffle, b.Shuffle[0]), Redundancy: ci(gap, b.Gap[0]),
		RedundancyPctCI: [2]float64{math.NaN(), math.NaN()}}
	iv.RedundancyPct = RatioPct(gap, shuffle, iv.Shuffle[0])
	if !math.IsNaN(iv.RedundancyPct) {
		reps := make([]float64, len(b.Gap[0]))
		for k := range reps {
			reps[k] = math.NaN()
			if b.Shuffle[0][k] > 0 {
				reps[k] = 100 * b.Gap[0][k] / b.Shuffle[0][k]
			}
		}
		iv.RedundancyPctCI = ci(iv.RedundancyPct, reps)
	}
	return iv
}
