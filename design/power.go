package design

import (
	"math"
	"sort"
)

// Wilson is the Wilson score interval of k successes in n trials at the
// two-sided level of z (1.96 for 95%).
func Wilson(k, n int, z float64) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	p, nf := float64(k)/float64(n), float64(n)
	d := 1 + z*z/nf
	c := (p + z*z/(2*nf)) / d
	h := z / d * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	return math.Max(0, c-h), math.Min(1, c+h)
}

// Power is the rejection rate of the rival hypothesis: the fraction of the
// experiments simulated under the true mechanism (truth) whose rank p-value
// among the values simulated under the rival at the same size is at most
// alpha (RankP). Non-finite values of truth count as not rejecting (an
// experiment that gives no number rejects nothing); the ranks are taken
// among the rival's finite values. k of n are the counts behind the rate.
func Power(truth, rival []float64, alpha float64) (power float64, k, n int) {
	r := finiteValues(rival)
	n = len(truth)
	if len(r) < 2 || n == 0 {
		return math.NaN(), 0, n
	}
	sort.Float64s(r)
	for _, x := range truth {
		if finite(x) && RankP(x, r) <= alpha {
			k++
		}
	}
	return float64(k) / float64(n), k, n
}

// RankP is the two-sided Monte Carlo (rank) p-value of x among the sorted
// values ref: with lo = #{ref <= x} and hi = #{ref >= x} of n,
// min(1, 2 min(lo+1, hi+1) / (n+1)). When x and ref are exchangeable, x's
// rank among the n+1 is uniform, so P(RankP <= alpha) =
// 2 floor(alpha (n+1) / 2) / (n+1) <= alpha exactly; the smallest p is
// 2 / (n+1), so the test can reject at alpha only from n >= 2/alpha - 1.
func RankP(x float64, ref []float64) float64 {
	n := len(ref)
	lo := sort.Search(n, func(i int) bool { return ref[i] > x })
	hi := n - sort.SearchFloat64s(ref, x)
	return math.Min(1, 2*float64(min(lo, hi)+1)/float64(n+1))
}

// MinReplicates is the fewest rival values with which the rank test can
// reject at alpha.
func MinReplicates(alpha float64) int { return int(math.Ceil(2/alpha - 1 - 1e-9)) }

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// finiteValues returns the finite values of x, in order.
func finiteValues(x []float64) []float64 {
	var out []float64
	for _, v := range x {
		if finite(v) {
			out = append(out, v)
		}
	}
	return out
}

// NullRateSD is the standard deviation of a null rejection rate over r
// experiments all tested against one sample of n exchangeable rival values:
// the binomial spread of r experiments plus that of the rival's tail mass,
// which the r experiments share (a sum of a = 2 floor(alpha (n+1) / 2) of
// the n+1 uniform spacings: Beta(a, n+1-a)). A Wilson interval counts the r
// as independent and so is too narrow for it.
func NullRateSD(alpha float64, r, n int) float64 {
	nf := float64(n + 1)
	a := 2 * math.Floor(alpha*nf/2)
	p := a / nf
	return math.Sqrt(p*(1-p)/float64(r) + a*(nf-a)/(nf*nf*(nf+1)))
}
