package fisher

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// PairStats holds f' and the centred responses of units (neurons or
// multi-units) of one block, from which the information of any pair follows:
// the 2 x 2 case of Stats, with the same covariance (pooled over the
// two conditions, each centred on its own mean, divided by DF = T+ + T- - 2),
// the same zero-variance test and the same bias corrections (Design).
type PairStats struct {
	design   Design // of a pair: N = 2
	fprime   []float64
	variance []float64 // S_uu
	resid    []float64 // unit-major: unit u's T+ + T- centred responses at resid[u*t:(u+1)*t]
	t        int
	silent   []bool
}

// NewPairStats computes the statistics of plus and minus (trials x units).
func NewPairStats(plus, minus *mat.Dense, ds float64) *PairStats {
	tp, n := plus.Dims()
	tm, nm := minus.Dims()
	if nm != n {
		panic(fmt.Sprintf("fisher: NewPairStats: %d and %d units", n, nm))
	}
	t := tp + tm
	p := &PairStats{
		design: Design{N: 2, TPlus: tp, TMinus: tm, DF: t - 2, DS: ds},
		fprime: make([]float64, n), variance: make([]float64, n), resid: make([]float64, n*t),
		t: t, silent: make([]bool, n),
	}
	mp, mm := colMeans(plus), colMeans(minus)
	for u := range n {
		r := p.resid[u*t : (u+1)*t]
		for k := range tp {
			r[k] = plus.At(k, u) - mp[u]
		}
		for k := range tm {
			r[tp+k] = minus.At(k, u) - mm[u]
		}
		var v float64
		for _, x := range r {
			v += x * x
		}
		v /= float64(p.design.DF)
		p.variance[u] = v
		p.fprime[u] = (mp[u] - mm[u]) / ds
		// NewStats's test: a constant unit's residuals are exactly 0.
		scale := max(math.Abs(mp[u]), math.Abs(mm[u]))
		p.silent[u] = !(v > 1e-24*scale*scale)
	}
	return p
}

// Pair returns the bias-corrected I_real and I_shuffle of units u and v; ok
// is false when either is silent or the two are perfectly correlated
// (1 - r^2 < 1e-12: a singular 2 x 2 covariance).
func (p *PairStats) Pair(u, v int) (real, shuffle float64, ok bool) {
	if p.silent[u] || p.silent[v] {
		return math.NaN(), math.NaN(), false
	}
	ru, rv := p.resid[u*p.t:(u+1)*p.t], p.resid[v*p.t:(v+1)*p.t]
	var c float64
	for k, x := range ru {
		c += x * rv[k]
	}
	c /= float64(p.design.DF)
	su, sv := p.variance[u], p.variance[v]
	det := su*sv - c*c
	if !(det > 1e-12*su*sv) {
		return math.NaN(), math.NaN(), false
	}
	fu, fv := p.fprime[u], p.fprime[v]
	naive := (fu*fu*sv - 2*fu*fv*c + fv*fv*su) / det
	return p.design.CorrectReal(naive), p.design.CorrectShuffle(fu*fu/su + fv*fv/sv), true
}
