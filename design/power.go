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

// quantile is the type-7 (linear) sample quantile of sorted values.
func quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := q * float64(n-1)
	i := int(math.Floor(h))
	if i >= n-1 {
		return sorted[n-1]
	}
	return sorted[i] + (h-float64(i))*(sorted[i+1]-sorted[i])
}

// Power is the rejection rate of the rival hypothesis: the fraction of the
// experiments simulated under the true mechanism (truth) whose value falls
// outside the central 1 - alpha range of the values simulated under the
// rival at the same size. Non-finite values of truth count as not rejecting
// (an experiment that gives no number rejects nothing); the range is taken
// over the rival's finite values. k of n are the counts behind the rate.
func Power(truth, rival []float64, alpha float64) (power float64, k, n int) {
	var r []float64
	for _, x := range rival {
		if finite(x) {
			r = append(r, x)
		}
	}
	n = len(truth)
	if len(r) < 2 || n == 0 {
		return math.NaN(), 0, n
	}
	sort.Float64s(r)
	lo, hi := quantile(r, alpha/2), quantile(r, 1-alpha/2)
	for _, x := range truth {
		if finite(x) && (x < lo || x > hi) {
			k++
		}
	}
	return float64(k) / float64(n), k, n
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
