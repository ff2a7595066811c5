package analysis

import (
	"math"

	"github.com/iplgpu/iplgpu/fisher"
)

// CILevel is the level of the bootstrap intervals over trials (Value.Lo, Hi)
// and of the tests of differences.
const CILevel = 0.95

// Value is an estimate with the intervals the analysis puts on it.
type Value struct {
	Est float64 // the estimate: a mean over neuron subsets, or a ratio of such means
	// SubLo and SubHi are the 16th and 84th percentiles over the neuron
	// subsets (the spread over subsets of n neurons drawn from the same
	// trials, not an error bar); NaN where there is no such spread.
	SubLo, SubHi float64
	// Lo and Hi are the CILevel (95%) interval over trials: the bootstrap of
	// package fisher (trials resampled within each stimulus class, subsets
	// redrawn in every replicate); NaN without a bootstrap.
	Lo, Hi float64
	// Reps are the bootstrap replicates behind Lo and Hi, kept for tests of
	// differences (Compare); nil without a bootstrap.
	Reps []float64
}

// nanValue is a Value with nothing known.
func nanValue() Value {
	n := math.NaN()
	return Value{Est: n, SubLo: n, SubHi: n, Lo: n, Hi: n}
}

// plainValue is an estimate with no interval.
func plainValue(v float64) Value {
	n := math.NaN()
	return Value{Est: v, SubLo: n, SubHi: n, Lo: n, Hi: n}
}

// subsetValue is the subset mean with its spread over subsets and, when reps
// are given, the bootstrap interval over trials.
func subsetValue(iv fisher.Interval, reps []float64) Value {
	v := Value{Est: iv.Mean, SubLo: iv.Lo, SubHi: iv.Hi, Lo: math.NaN(), Hi: math.NaN()}
	v.withReps(reps)
	return v
}

// withReps sets the bootstrap interval of v from reps (nil: none).
func (v *Value) withReps(reps []float64) {
	v.Reps = reps
	if reps != nil {
		v.Lo, v.Hi = fisher.BootInterval(v.Est, reps, CILevel)
	}
}

// commonReps is the number of bootstrap replicates every value has: 0
// where one has none or two differ, so that quantities derived replicate by
// replicate are computed only from aligned replicates.
func commonReps(vs []Value) int {
	n := -1
	for _, v := range vs {
		switch {
		case v.Reps == nil:
			return 0
		case n < 0:
			n = len(v.Reps)
		case n != len(v.Reps):
			return 0
		}
	}
	return max(n, 0)
}

// HasCI says whether v has an interval over trials.
func (v Value) HasCI() bool { return finite(v.Lo) && finite(v.Hi) }

// Compare tests a - b with the bootstrap replicates of both (paired when they
// come from the same trials, independent otherwise: see fisher.Compare). The
// result's fields are NaN when either has no replicates.
func Compare(a, b Value) fisher.Comparison {
	if a.Reps == nil || b.Reps == nil || len(a.Reps) != len(b.Reps) {
		n := math.NaN()
		return fisher.Comparison{Diff: a.Est - b.Est, Lo: n, Hi: n, P: n, Level: CILevel}
	}
	return fisher.Compare(a.Est, a.Reps, b.Est, b.Reps, CILevel)
}

// diffValue is a - b, with replicate r of the difference a.Reps[r] -
// b.Reps[r] where both have aligned replicates (independent blocks, or the
// same resamples of the same trials: see fisher.Compare), else no interval.
func diffValue(a, b Value) Value {
	v := plainValue(a.Est - b.Est)
	if commonReps([]Value{a, b}) == 0 {
		return v
	}
	reps := make([]float64, len(a.Reps))
	for r := range reps {
		reps[r] = a.Reps[r] - b.Reps[r]
	}
	v.withReps(reps)
	return v
}

// pctValue is the redundancy % of a population, 100 (mean gap)/(mean
// I_shuffle), left blank (NaN) unless I_shuffle is clearly above 0: the lower
// end of its interval over trials above 0 (fisher.RatioPct). Its replicates
// are the replicates' own ratios, where their I_shuffle is positive.
func pctValue(gap, shuffle Value) Value {
	v := nanValue()
	v.Est = fisher.RatioPct(gap.Est, shuffle.Est, shuffle.Lo)
	if math.IsNaN(v.Est) || gap.Reps == nil || shuffle.Reps == nil {
		return v
	}
	reps := make([]float64, len(gap.Reps))
	for r := range reps {
		reps[r] = math.NaN()
		if shuffle.Reps[r] > 0 {
			reps[r] = 100 * gap.Reps[r] / shuffle.Reps[r]
		}
	}
	v.withReps(reps)
	return v
}
