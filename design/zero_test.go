package design

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// TestRankP: the rank p-value by hand. Of 1, 2, 3, 4: 0 and 5 have
// min(#<=, #>=) = 0, p = 2/5; 2.5 has 2, p = 2 x 3/5 > 1, so 1; a tie
// counts on both sides (2 among 1, 2, 2, 3: 3 and 3, p = 1).
func TestRankP(t *testing.T) {
	for _, c := range []struct {
		x    float64
		ref  []float64
		want float64
	}{{0, []float64{1, 2, 3, 4}, 0.4}, {5, []float64{1, 2, 3, 4}, 0.4}, {2.5, []float64{1, 2, 3, 4}, 1}, {2, []float64{1, 2, 2, 3}, 1}, {1, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 0.4}} {
		if got := RankP(c.x, c.ref); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("RankP(%v, %v) = %v; want %v", c.x, c.ref, got, c.want)
		}
	}
	if MinReplicates(0.05) != 39 || MinReplicates(0.1) != 19 {
		t.Errorf("MinReplicates: %d at 0.05 (want 39), %d at 0.1 (want 19)", MinReplicates(0.05), MinReplicates(0.1))
	}
}

// TestPowerSizeExact: on exchangeable draws (the truth's value and the
// rival's n values all N(0, 1)) the rival test rejects with probability
// 2 floor(alpha (n+1) / 2) / (n+1) <= alpha: 20000 repetitions, each with a
// fresh rival sample, give a rate whose 99% Wilson interval holds it. At
// n = 20 that is 0 (2/21 > alpha); a central quantile range of the 20
// values rejects about 14% there.
func TestPowerSizeExact(t *testing.T) {
	const alpha, reps = 0.05, 20000
	src := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{20, 39, 59, 199} {
		want := 2 * math.Floor(alpha*float64(n+1)/2) / float64(n+1)
		k := 0
		rival := make([]float64, n)
		for range reps {
			for i := range rival {
				rival[i] = src.NormFloat64()
			}
			_, kk, _ := Power([]float64{src.NormFloat64()}, rival, alpha)
			k += kk
		}
		lo, hi := Wilson(k, reps, 2.5758)
		if !(lo <= want+1e-12 && want <= hi) || lo > alpha {
			t.Errorf("n = %d: size %.4f [%.4f, %.4f]; exact %.4f, and at most alpha %v", n, float64(k)/reps, lo, hi, want, alpha)
		}
	}
}

// nctPower is the power of the two-sided one-sample t test of n values
// N(delta, 1) at alpha: P(|T'| > c), T' = (Z + delta sqrt(n)) / sqrt(V/nu)
// noncentral t (nu = n - 1, V chi-squared), by the midpoint rule over V's
// quantiles (4000 points).
func nctPower(n int, delta, alpha float64) float64 {
	nu := float64(n - 1)
	c := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: nu}.Quantile(1 - alpha/2)
	chi := distuv.ChiSquared{K: nu}
	ncp := delta * math.Sqrt(float64(n))
	const m = 4000
	s := 0.0
	for i := range m {
		q := c * math.Sqrt(chi.Quantile((float64(i)+0.5)/m)/nu)
		s += distuv.UnitNormal.CDF(-q-ncp) + 1 - distuv.UnitNormal.CDF(q-ncp)
	}
	return s / m
}

// TestTZeroAnalytic: the across-animal test's rejection rate on n animals'
// values N(delta, 1), 4000 experiments, lies within its 99% Wilson interval
// of the noncentral-t power (delta 0: alpha), at 3 and 8 animals.
func TestTZeroAnalytic(t *testing.T) {
	const alpha, reps = 0.05, 4000
	if p := nctPower(8, 0, alpha); math.Abs(p-alpha) > 1e-3 {
		t.Fatalf("noncentral t at delta 0: %v; want alpha", p)
	}
	src := rand.New(rand.NewPCG(21, 22))
	for _, n := range []int{3, 8} {
		for _, delta := range []float64{0, 0.5, 1, 2} {
			k := 0
			x := make([]float64, n)
			for range reps {
				for i := range x {
					x[i] = delta + src.NormFloat64()
				}
				if TZero(x, alpha) {
					k++
				}
			}
			want := nctPower(n, delta, alpha)
			lo, hi := Wilson(k, reps, 2.5758)
			if !(lo <= want && want <= hi) {
				t.Errorf("%d animals, delta %v: rate %.4f [%.4f, %.4f]; noncentral t %.4f", n, delta, float64(k)/reps, lo, hi, want)
			}
		}
	}
	if TZero([]float64{1, math.NaN()}, alpha) {
		t.Error("one finite animal rejects nothing")
	}
}

// TestBootZeroAnalytic: the within-animal test on a learning change that is
// a difference of means (late minus early trials, m = 100 each, N(mu, 1)
// and N(0, 1)) resampled by resampleDraw: its rejection rate over 1000
// experiments (B = 100) matches the z test's power
// Phi(mu/se - z) + Phi(-mu/se - z), se = sqrt(2/m), within the 99% Wilson
// interval widened by 0.02 (the large-m normal approximation: the bootstrap
// SD is short by sqrt((m-1)/m) and noisy by about 1/sqrt(2B)); at mu = 0
// the rate is within that of alpha.
func TestBootZeroAnalytic(t *testing.T) {
	const alpha, m, reps, B = 0.05, 100, 1000, 100
	src := rand.New(rand.NewPCG(31, 32))
	z := distuv.UnitNormal.Quantile(1 - alpha/2)
	change := func(early, late []float64, d *Draw) float64 {
		var a, b float64
		for _, r := range d.EarlyPlus {
			a += early[r]
		}
		for _, r := range d.LatePlus {
			b += late[r]
		}
		return b/float64(len(d.LatePlus)) - a/float64(len(d.EarlyPlus))
	}
	for _, mu := range []float64{0, 0.3} {
		k := 0
		early, late := make([]float64, m), make([]float64, m)
		rows := make([]int, m)
		for i := range rows {
			rows[i] = i
		}
		d := &Draw{EarlyPlus: rows, LatePlus: rows, FrozenEarly: [][]int{rows}, FrozenLate: [][]int{rows}}
		boot := make([]float64, B)
		for range reps {
			for i := range m {
				early[i], late[i] = src.NormFloat64(), mu+src.NormFloat64()
			}
			for j := range boot {
				boot[j] = change(early, late, resampleDraw(src, d))
			}
			if BootZero(change(early, late, d), boot, alpha) {
				k++
			}
		}
		se := math.Sqrt(2.0 / m)
		want := distuv.UnitNormal.CDF(mu/se-z) + distuv.UnitNormal.CDF(-mu/se-z)
		lo, hi := Wilson(k, reps, 2.5758)
		if !(lo-0.02 <= want && want <= hi+0.02) {
			t.Errorf("mu %v: rate %.4f [%.4f, %.4f]; z-test power %.4f", mu, float64(k)/reps, lo, hi, want)
		}
	}
	if BootZero(1, []float64{0.5, 0.5, 0.5}, alpha) || BootZero(math.NaN(), []float64{1, 2}, alpha) {
		t.Error("a zero bootstrap SD or a NaN value rejects nothing")
	}
}

// TestNullRateSD: the rate of 400 exchangeable experiments against one
// sample of 400 rival values, over 2000 repetitions, has the SD NullRateSD
// gives (within 5%: the SD of 2000 values is itself uncertain by about
// 1.6%), larger by about sqrt(2) than the binomial SD a Wilson interval
// assumes.
func TestNullRateSD(t *testing.T) {
	const alpha, r, n, reps = 0.05, 400, 400, 2000
	src := rand.New(rand.NewPCG(41, 42))
	truth, rival := make([]float64, r), make([]float64, n)
	rates := make([]float64, reps)
	for i := range rates {
		for j := range truth {
			truth[j] = src.NormFloat64()
		}
		for j := range rival {
			rival[j] = src.NormFloat64()
		}
		rates[i], _, _ = Power(truth, rival, alpha)
	}
	var m, v float64
	for _, x := range rates {
		m += x / reps
	}
	for _, x := range rates {
		v += (x - m) * (x - m) / (reps - 1)
	}
	want, binom := NullRateSD(alpha, r, n), math.Sqrt(alpha*(1-alpha)/r)
	if math.Abs(math.Sqrt(v)/want-1) > 0.05 || !(want > 1.3*binom) {
		t.Errorf("SD of the null rate %.5f; NullRateSD %.5f (binomial alone %.5f)", math.Sqrt(v), want, binom)
	}
}
