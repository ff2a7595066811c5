package design

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/iplgpu/iplgpu/analysis"
)

// The tests an experimenter runs on the recording alone: is the learning
// change (a signature) zero? Across animals a two-sided one-sample t test of
// the per-animal values; within one animal a trial bootstrap of that
// animal's own trials.

// Tests of the design's points.
const (
	TestRival = "rival-rank"  // the value's rank p-value among the rival's values at the same size (Power)
	TestZero  = "zero-change" // the data-only test of no learning change (TZero across animals, BootZero within one)
)

// detect holds one experiment's zero-change decisions per signature:
// 1 rejects "no change", 0 does not, -1 not tested.
type detect [len(values{})]int8

func untested() detect { return detect{-1, -1, -1, -1} }

// TZero is the across-animal test: whether the two-sided one-sample t test
// of the per-animal values (non-finite ones left out) rejects mean 0 at
// alpha. Fewer than 2 finite values reject nothing.
func TZero(perAnimal []float64, alpha float64) bool {
	a := analysis.AcrossValues(perAnimal)
	return a.N >= 2 && a.P <= alpha
}

// BootZero is the within-animal test on one value and its trial-bootstrap
// replicates: whether |value| / SD(boot) exceeds z_{1-alpha/2}. The
// normal (SD) form rather than the percentile interval: with the tens of
// replicates an experiment affords, the interval's tails rest on one or two
// replicates, the SD on all of them. Fewer than 2 finite replicates, a
// non-finite value or a zero SD reject nothing.
func BootZero(value float64, boot []float64, alpha float64) bool {
	b := finiteValues(boot)
	if !finite(value) || len(b) < 2 {
		return false
	}
	sd := stat.StdDev(b, nil)
	return sd > 0 && math.Abs(value)/sd > distuv.UnitNormal.Quantile(1-alpha/2)
}

// resampleDraw resamples, with replacement, d's own trials: per sign in each
// task block and per frame sequence in each frozen block (the units stay).
func resampleDraw(src *rand.Rand, d *Draw) *Draw {
	re := func(rows []int) []int { return resample(src, rows, len(rows)) }
	seqs := func(s [][]int) [][]int {
		out := make([][]int, len(s))
		for i := range s {
			out[i] = re(s[i])
		}
		return out
	}
	return &Draw{Units: d.Units, EarlyPlus: re(d.EarlyPlus), EarlyMinus: re(d.EarlyMinus), LatePlus: re(d.LatePlus), LateMinus: re(d.LateMinus),
		FrozenEarly: seqs(d.FrozenEarly), FrozenLate: seqs(d.FrozenLate)}
}

// withinZero runs the within-animal test of one animal's draw d on each
// pool (the same B resamples for all): obs[i] are the draw's values on
// pools[i].
func withinZero(src *rand.Rand, d *Draw, pools []*Pool, obs []values, o Options) []detect {
	boot := make([][len(values{})][]float64, len(pools))
	for range o.WithinBoot {
		bd := resampleDraw(src, d)
		for i, p := range pools {
			v := evaluate(p, bd, o.MaxPairs)
			for k := range v {
				boot[i][k] = append(boot[i][k], v[k])
			}
		}
	}
	out := make([]detect, len(pools))
	for i := range pools {
		for k := range out[i] {
			out[i][k] = b2i(BootZero(obs[i][k], boot[i][k], o.Alpha))
		}
	}
	return out
}

// acrossZero runs the across-animal test of each signature's per-animal
// values.
func acrossZero(perAnimal [len(values{})][]float64, alpha float64) detect {
	var z detect
	for k := range z {
		z[k] = b2i(TZero(perAnimal[k], alpha))
	}
	return z
}

func b2i(b bool) int8 {
	if b {
		return 1
	}
	return 0
}

// zeroRate is the rejection rate of "no change" over the tested experiments
// of one signature (k).
func zeroRate(z []detect, k int) (rate float64, rk, n int) {
	for _, d := range z {
		if d[k] >= 0 {
			n++
			rk += int(d[k])
		}
	}
	if n == 0 {
		return math.NaN(), 0, 0
	}
	return float64(rk) / float64(n), rk, n
}
