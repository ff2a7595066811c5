package design

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// TestWilson: the Wilson 95% interval of 80 of 100 by hand: centre (0.8 +
// 1.96^2/200) / (1 + 1.96^2/100) = 0.78890, half-width 1.96 / 1.038416 x
// sqrt(0.0016 + 1.96^2/40000) = 0.07773: [0.7112, 0.8666]; 0 of 20 gives
// [0, 0.1611] (z^2 / (n + z^2)).
func TestWilson(t *testing.T) {
	lo, hi := Wilson(80, 100, 1.96)
	if math.Abs(lo-0.71116) > 1e-4 || math.Abs(hi-0.86664) > 1e-4 {
		t.Errorf("Wilson(80, 100): [%v, %v]; want [0.7112, 0.8666]", lo, hi)
	}
	lo, hi = Wilson(0, 20, 1.96)
	if lo != 0 || math.Abs(hi-1.96*1.96/(20+1.96*1.96)) > 1e-9 {
		t.Errorf("Wilson(0, 20): [%v, %v]; want [0, 0.1611]", lo, hi)
	}
}

// TestPowerAnalytic: the rival's values N(0, 1), the truth's N(delta, 1):
// with 40000 rival values the rank test at alpha 0.05 is, but for the
// rival's sampling error of its 2.5% tails, the test that rejects outside
// the rival's central 95%, of power
// Phi(-1.96 - delta) + 1 - Phi(1.96 - delta) in closed form; the estimate
// from 4000 experiments (against 40000 of the rival) lies within its 99%
// Wilson interval at each of five deltas (99%: five 95% intervals would miss
// one in four times by chance), and at delta 0 (the null) the rate is alpha.
func TestPowerAnalytic(t *testing.T) {
	src := rand.New(rand.NewPCG(3, 4))
	norm := distuv.UnitNormal
	rival := make([]float64, 40000)
	for i := range rival {
		rival[i] = src.NormFloat64()
	}
	for _, delta := range []float64{0, 0.5, 1, 2, 3} {
		truth := make([]float64, 4000)
		for i := range truth {
			truth[i] = delta + src.NormFloat64()
		}
		want := norm.CDF(-1.959964-delta) + 1 - norm.CDF(1.959964-delta)
		p, k, n := Power(truth, rival, 0.05)
		lo, hi := Wilson(k, n, 2.5758)
		if !(lo <= want && want <= hi) {
			t.Errorf("delta %v: power %.4f [%.4f, %.4f]; analytic %.4f outside", delta, p, lo, hi, want)
		}
	}
	if p, _, _ := Power([]float64{math.NaN(), 5}, rival, 0.05); p != 0.5 {
		t.Errorf("a NaN experiment rejects nothing: power %v, want 0.5", p)
	}
}

// synthPool is a pool of units with Poisson-like counts; aVsB adds to the
// late frozen block a trial-by-trial signal shared by the A-preferring units
// and subtracted from the B-preferring ones (a negative A-vs-B change).
func synthPool(mech string, seed uint64, aVsB float64) *Pool {
	const units, trials, seqs, reps = 24, 60, 4, 12
	src := rand.New(rand.NewPCG(seed, 99))
	p := &Pool{Mechanism: mech, Seed: seed, TaskDeg: 0}
	for u := range units {
		p.Theta = append(p.Theta, float32(u)*math.Pi/units)
		p.Pos = append(p.Pos, float32(40*(u%6)), float32(60*(u/6)), 0)
	}
	task := func() TaskBlock {
		b := TaskBlock{Plus: mat.NewDense(trials, units, nil), Minus: mat.NewDense(trials, units, nil), DS: 0.6}
		for i := range trials {
			for u := range units {
				b.Plus.Set(i, u, 10+math.Cos(2*float64(p.Theta[u]))+2*src.NormFloat64())
				b.Minus.Set(i, u, 10-math.Cos(2*float64(p.Theta[u]))+2*src.NormFloat64())
			}
		}
		return b
	}
	frozen := func(shared float64) FrozenBlock {
		b := FrozenBlock{Counts: mat.NewDense(seqs*reps, units, nil)}
		for s := range seqs {
			var rows []int
			for r := range reps {
				row := s*reps + r
				z := src.NormFloat64()
				for u := range units {
					d := math.Mod(float64(p.Theta[u])*180/math.Pi, 180)
					g := 0.0
					switch {
					case math.Min(d, 180-d) <= 22.5:
						g = 1
					case math.Abs(d-90) <= 22.5:
						g = -1
					}
					b.Counts.Set(row, u, 10+float64(s)+2*src.NormFloat64()+shared*g*z)
				}
				rows = append(rows, row)
			}
			b.Seqs = append(b.Seqs, rows)
		}
		return b
	}
	p.Early, p.Late = task(), task()
	p.FrozenEarly, p.FrozenLate = frozen(0), frozen(aVsB)
	return p
}

func synthResult(o Options, shift float64) *Result {
	res := &Result{Options: o, Pools: map[string][]*Pool{}}
	for _, s := range o.Seeds {
		res.Pools[o.Mechanisms[0]] = append(res.Pools[o.Mechanisms[0]], synthPool(o.Mechanisms[0], s, 0))
		res.Pools[o.Mechanisms[1]] = append(res.Pools[o.Mechanisms[1]], synthPool(o.Mechanisms[1], s+100, shift))
	}
	return res
}

// TestNullAndSeparation: on synthetic pools, the null arm (the first
// mechanism against independent resamples of itself) rejects at a rate whose
// Wilson interval holds alpha; the A-vs-B change built into the second
// mechanism is found by the rival test with power near 1, and by the
// zero-change test: across the 2 animals (t test) and within one animal
// (trial bootstrap, on the first 100 experiments only).
func TestNullAndSeparation(t *testing.T) {
	o := Options{Mechanisms: []string{"x", "y"}, Seeds: []uint64{1, 2}, Replicates: 400, Alpha: 0.05, Seed: 5, WithinBoot: 40, WithinReplicates: 100}
	res := synthResult(o, 3)
	at := Size{Trials: 60, Units: 24, Repeats: 12, Animals: 2}
	pts := res.point(AxisRepeats, 12, at, 2)
	found, zero := 0, 0
	for _, p := range pts {
		switch {
		case p.Test == TestZero:
			zero++
			if p.N != o.Replicates || p.Rival != "" {
				t.Errorf("zero-change point %+v: want every experiment tested (2 animals: t test) and no rival", p)
			}
			if p.Signature == "avsb_change" && p.Truth == "y" && !(p.Power > 0.8 && p.Effect < 0) {
				t.Errorf("built-in A-vs-B change, t test across animals: rate %s effect %v; want > 0.8 and negative", fmtRate(p), p.Effect)
			}
		case p.Truth == p.Rival:
			found++
			if !(p.Lo <= o.Alpha && o.Alpha <= p.Hi) {
				t.Errorf("null check %s: rejection %.3f [%.3f, %.3f] does not hold alpha %v", p.Signature, p.Power, p.Lo, p.Hi, o.Alpha)
			}
		case p.Signature == "avsb_change" && p.Truth == "y":
			if !(p.Power > 0.95) || !(p.Effect < 0) {
				t.Errorf("built-in A-vs-B change: power %.3f effect %v; want > 0.95 and negative", p.Power, p.Effect)
			}
		}
	}
	if found != len(Signatures) || zero != 2*len(Signatures) {
		t.Errorf("%d null points, %d zero-change points; want one per signature (%d) and two", found, zero, len(Signatures))
	}
	at.Animals = 1
	zero = 0
	for _, p := range res.point(AxisAnimals, 1, at, 3) {
		if p.Test != TestZero {
			continue
		}
		zero++
		if p.N != o.WithinReplicates {
			t.Errorf("within-animal point %+v: want the first %d experiments tested", p, o.WithinReplicates)
		}
		if p.Signature == "avsb_change" && p.Truth == "y" && !(p.Power > 0.95) {
			t.Errorf("built-in A-vs-B change, trial bootstrap in one animal: rate %s; want > 0.95", fmtRate(p))
		}
		t.Logf("%s %s: %s", p.Signature, p.Truth, fmtRate(p))
	}
	if zero != 2*len(Signatures) {
		t.Errorf("%d within-animal points; want %d", zero, 2*len(Signatures))
	}
}

func fmtRate(p Point) string {
	return fmt.Sprintf("%.3f [%.3f, %.3f] (%d of %d)", p.Power, p.Lo, p.Hi, p.K, p.N)
}

// TestCheckOptions: bad options are refused with the field named.
func TestCheckOptions(t *testing.T) {
	good := Options{Mechanisms: []string{"ipl", "feedback"}, Seeds: []uint64{1, 2}, Replicates: 100, Alpha: 0.05}
	if err := CheckOptions(good); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		edit func(*Options)
		want string
	}{
		{func(o *Options) { o.Mechanisms = []string{"ipl", "ipl"} }, "two different mechanisms"},
		{func(o *Options) { o.Replicates = 5 }, "replicates"},
		{func(o *Options) { o.Alpha = 0.7 }, "alpha"},
		{func(o *Options) { o.Replicates = 30 }, "the rank test at alpha 0.05 needs at least 39"},
		{func(o *Options) { o.WithinBoot = 5 }, "within-boot 5"},
		{func(o *Options) { o.WithinReplicates = 101 }, "within-replicates 101"},
		{func(o *Options) { o.Seeds = []uint64{1, 1} }, "seed 1 given twice"},
		{func(o *Options) { o.Sizes = map[string][]int{AxisUnits: {20, 10}} }, "ascending"},
		{func(o *Options) { o.Sizes = map[string][]int{"electrodes": {20}} }, "unknown axis"},
	} {
		o := good
		c.edit(&o)
		if err := CheckOptions(o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want an error with %q, got %v", c.want, err)
		}
	}
	lim := Size{Trials: 60, Units: 24, Repeats: 12, Animals: 2}
	o := good
	o.Sizes = map[string][]int{AxisAnimals: {1, 3}}
	if err := checkSizes(o, lim, lim); err == nil || !strings.Contains(err.Error(), "animals size 3 outside what the pools allow (1 to 2") {
		t.Errorf("too many animals: %v", err)
	}
}

func newSrc(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }
