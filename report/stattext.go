package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/fisher"
)

// The report's words for numbers with intervals and for tests. Every claim
// of a difference comes from a bootstrap test (analysis.Compare), never from
// the overlap of two intervals.

// alpha is the level of the tests: a difference is called significant when
// the 95% interval of the difference excludes 0.
const alpha = 1 - analysis.CILevel

// valText is "v (95% CI lo–hi)", or v alone without an interval, or a
// word for a blank redundancy %.
func valText(v analysis.Value, f func(float64) string) string {
	if !finite(v.Est) {
		return "n/a"
	}
	if !v.HasCI() {
		return f(v.Est)
	}
	return fmt.Sprintf("%s (95%% CI %s to %s)", f(v.Est), f(v.Lo), f(v.Hi))
}

// pctText is valText for a redundancy %, blank ones named as such.
func pctText(v analysis.Value) string {
	if !finite(v.Est) {
		return "blank (I_shuffle not clearly above 0)"
	}
	return valText(v, pct)
}

// valCell is "v [lo, hi]" for tables ("v" without an interval, "–" when not
// a number).
func valCell(v analysis.Value, f func(float64) string) string {
	if !finite(v.Est) {
		return "–"
	}
	if !v.HasCI() {
		return f(v.Est)
	}
	return fmt.Sprintf("%s [%s, %s]", f(v.Est), f(v.Lo), f(v.Hi))
}

// pText is the p-value of a test; the smallest value a bootstrap of B
// replicates can give, 2/(B + 1), is written as a bound.
func pText(c fisher.Comparison) string {
	if !finite(c.P) {
		return "no test (no bootstrap)"
	}
	if floor := 2 / float64(c.Replicates+1); c.P <= floor*1.0000001 {
		return fmt.Sprintf("p ≤ %.2g", floor)
	}
	return fmt.Sprintf("p = %.2g", c.P)
}

// testText is "+d (95% CI lo to hi; p = x)" for the difference a - b.
func testText(c fisher.Comparison, f func(float64) string) string {
	if !finite(c.Diff) {
		return "n/a"
	}
	if !finite(c.Lo) {
		return fmt.Sprintf("%s (no test: no bootstrap)", signed(c.Diff, f))
	}
	return fmt.Sprintf("%s (95%% CI %s to %s; bootstrap test %s)", signed(c.Diff, f), strings.TrimSuffix(f(c.Lo), " points"), f(c.Hi), pText(c))
}

// signed writes d with its sign.
func signed(d float64, f func(float64) string) string {
	if d >= 0 {
		return "+" + f(d)
	}
	return f(d)
}

// significant says whether the test rejects "no difference" at alpha.
func significant(c fisher.Comparison) bool {
	return finite(c.P) && c.Significant() && c.P < alpha+1e-12
}

// verdict is "rose" or "fell" for a significant difference (b - a as tested
// by c = Compare(b, a)) and "did not change significantly" otherwise.
func verdict(c fisher.Comparison, up, down string) string {
	switch {
	case !finite(c.P):
		if c.Diff > 0 {
			return up + " (untested)"
		}
		return down + " (untested)"
	case significant(c) && c.Diff > 0:
		return up
	case significant(c) && c.Diff < 0:
		return down
	}
	return "did not change significantly"
}

// diffWord is "significantly higher", "significantly lower" or "not
// significantly different" for a - b tested by c.
func diffWord(c fisher.Comparison) string {
	switch {
	case !finite(c.P):
		return "untested (no bootstrap)"
	case significant(c) && c.Diff > 0:
		return "significantly higher"
	case significant(c) && c.Diff < 0:
		return "significantly lower"
	}
	return "not significantly different"
}

// points formats a difference of percentages.
func points(v float64) string {
	if !finite(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", v)
}

// pointsU formats a difference of percentages with its unit.
func pointsU(v float64) string {
	if !finite(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f points", v)
}

// ratioValue is b/a with the replicate ratios (independent blocks), for
// relative changes; NaN where a is not positive.
func ratioValue(a, b analysis.Value) analysis.Value {
	v := analysis.Value{Est: math.NaN(), SubLo: math.NaN(), SubHi: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	if !(a.Est > 0) {
		return v
	}
	v.Est = b.Est / a.Est
	if a.Reps != nil && b.Reps != nil && len(a.Reps) == len(b.Reps) {
		reps := make([]float64, len(a.Reps))
		for r := range reps {
			reps[r] = math.NaN()
			if a.Reps[r] > 0 {
				reps[r] = b.Reps[r] / a.Reps[r]
			}
		}
		v.Reps = reps
		v.Lo, v.Hi = fisher.BootInterval(v.Est, reps, analysis.CILevel)
	}
	return v
}

// diffValue is a - b with the replicate differences.
func diffValue(a, b analysis.Value) analysis.Value {
	c := analysis.Compare(a, b)
	v := analysis.Value{Est: c.Diff, SubLo: math.NaN(), SubHi: math.NaN(), Lo: c.Lo, Hi: c.Hi}
	if a.Reps != nil && b.Reps != nil && len(a.Reps) == len(b.Reps) {
		v.Reps = make([]float64, len(a.Reps))
		for r := range v.Reps {
			v.Reps[r] = a.Reps[r] - b.Reps[r]
		}
	}
	return v
}
