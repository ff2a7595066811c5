package fisher

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// coverage counts how often intervals at two levels hold the truth.
type coverage struct {
	name           string
	in68, in95, of int
}

func (c *coverage) add(truth, est float64, reps []float64) {
	c.of++
	if lo, hi := BootInterval(est, reps, 0.68); lo <= truth && truth <= hi {
		c.in68++
	}
	if lo, hi := BootInterval(est, reps, 0.95); lo <= truth && truth <= hi {
		c.in95++
	}
}

// check asserts the coverage within the tolerances of the tests below: with
// D datasets the sampling sd of a coverage p is sqrt(p (1 - p)/D), 0.015 at
// 95% and 0.033 at 68% for D = 200; the bands allow about 3 sd below and a
// little conservatism above (the replicates' subset redraws add variance).
func (c *coverage) check(t *testing.T, lo68, hi68, lo95, hi95 float64) {
	t.Helper()
	p68, p95 := float64(c.in68)/float64(c.of), float64(c.in95)/float64(c.of)
	t.Logf("%s: coverage %.3f of the 68%% intervals, %.3f of the 95%% intervals (%d datasets)", c.name, p68, p95, c.of)
	if p68 < lo68 || p68 > hi68 {
		t.Errorf("%s: 68%% intervals held the truth in %.3f of %d datasets, want [%.2f, %.2f]", c.name, p68, c.of, lo68, hi68)
	}
	if p95 < lo95 || p95 > hi95 {
		t.Errorf("%s: 95%% intervals held the truth in %.3f of %d datasets, want [%.2f, %.2f]", c.name, p95, c.of, lo95, hi95)
	}
}

// TestBootstrapCoverageFull: on linear-Gaussian data with correlated and
// information-limiting noise, the bootstrap intervals of the whole
// population's I_real, I_shuffle and their gap hold the exact values at about
// their nominal rates when N is small against the trials (N/DF = 0.10, as
// for subsets of 20 neurons from 80 trials per condition), and at least at
// them when it is not (N/DF = 0.31, as for 52 neurons): resampling with
// replacement repeats trials, and the estimates of a resample vary more
// than those of fresh trials (bootstrap standard errors 1.5, 1.1 and 1.45
// times the true ones for I_real, I_shuffle and the gap at N = 30, T = 50;
// 1.0, 1.0 and 1.2 at N = 12, T = 60), so there the intervals are
// conservative. Seen when the bounds were set (I_real, I_shuffle, gap): N =
// 12: 0.665, 0.690, 0.745 at 68% and 0.930, 0.955, 0.965 at 95%; N = 30:
// 0.785, 0.660, 0.865 and 0.980, 0.960, 0.995.
func TestBootstrapCoverageFull(t *testing.T) {
	const (
		ds       = 0.6
		datasets = 200
	)
	for _, c := range []struct {
		n, trials  int
		seed       uint64
		hi68, hi95 float64 // upper bounds of the coverage
		ndf        float64 // the ratio the reports cite for this case
	}{{12, 60, 21, 0.80, 0.99, CoverageNominalNDF}, {30, 50, 26, 0.92, 1, CoverageConservativeNDF}} {
		if r := float64(c.n) / float64(2*c.trials-2); math.Abs(r-c.ndf) > 0.005 {
			t.Fatalf("N = %d, T = %d: n/DF = %.3f, but the reports cite %.2f for this case", c.n, c.trials, r, c.ndf)
		}
		m := newModel("low-rank+diff", c.seed, c.n, 0.8, 1, 2, 0.6, 0.03)
		truthR, truthS := m.truth(), m.shuffleTruth()
		t.Logf("N = %d, T = %d per condition: exact I_real %.3f, I_shuffle %.3f", c.n, c.trials, truthR, truthS)
		cr, cs, cg := coverage{name: "I_real"}, coverage{name: "I_shuffle"}, coverage{name: "gap"}
		r := rand.New(rand.NewPCG(c.seed, 1))
		for d := range datasets {
			p, q := m.sample(r, c.trials, 1, ds), m.sample(r, c.trials, -1, ds)
			s, err := NewStats(p, q, nil, ds, false)
			if err != nil {
				t.Fatal(err)
			}
			e, err := s.Estimate()
			if err != nil {
				t.Fatal(err)
			}
			b, err := Bootstrap(p, q, ds, nil, []int{m.n()}, BootSpec{Replicates: 200, Subsets: 1, Seed: uint64(d + 1)})
			if err != nil {
				t.Fatal(err)
			}
			cr.add(truthR, e.Real, b.Real[0])
			cs.add(truthS, e.Shuffle, b.Shuffle[0])
			cg.add(truthS-truthR, e.Redundancy, b.Gap[0])
		}
		for _, cv := range []*coverage{&cr, &cs, &cg} {
			cv.check(t, 0.58, c.hi68, 0.90, c.hi95)
		}
	}
}

// TestBootstrapCoverageSubsets: with subsets redrawn in every replicate the
// intervals of the subset means cover the mean over all subsets of the exact
// information (estimated from 2000 subsets) at about their nominal rate.
// Without the deflation of BootSpec.EstimateSubsets (10 subsets per
// replicate for an estimate over 100) the gap's 68% intervals held the truth
// in 0.965 of the datasets; seen when the bounds were set: 0.715, 0.740,
// 0.760 at 68% and 0.965, 0.975, 0.980 at 95%.
func TestBootstrapCoverageSubsets(t *testing.T) {
	if testing.Short() {
		t.Skip("200 bootstraps of subsets take a few seconds")
	}
	const (
		ds       = 0.6
		trials   = 50
		datasets = 200
		size     = 10
	)
	m := newModel("low-rank+diff", 22, 40, 0.6, 1, 3, 0.5, 0.02)
	// The estimand: the mean over all subsets of size 10 of the exact values.
	var truthR, truthS float64
	st := newSubsetDraw(40, size, 99)
	const draws = 2000
	for range draws {
		idx := st.next()
		fp := make([]float64, size)
		for a, i := range idx {
			fp[a] = m.fp[i]
		}
		a := mat.NewDense(size, m.a.RawMatrix().Cols, nil)
		for r, i := range idx {
			a.SetRow(r, m.a.RawRowView(i))
		}
		sub := model{fp: fp, sigma2: m.sigma2, a: a}
		truthR += sub.truth() / draws
		truthS += sub.shuffleTruth() / draws
	}
	t.Logf("mean exact over subsets of %d: I_real %.3f, I_shuffle %.3f", size, truthR, truthS)
	cr, cs, cg := coverage{name: "I_real"}, coverage{name: "I_shuffle"}, coverage{name: "gap"}
	r := rand.New(rand.NewPCG(22, 1))
	for d := range datasets {
		p, q := m.sample(r, trials, 1, ds), m.sample(r, trials, -1, ds)
		s, err := NewStats(p, q, nil, ds, false)
		if err != nil {
			t.Fatal(err)
		}
		sub, err := s.Subsets(SubsetSpec{Size: size, Count: 100, Seed: uint64(d + 1)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Bootstrap(p, q, ds, nil, []int{size}, BootSpec{Replicates: 150, Subsets: 10, Seed: uint64(d + 1), EstimateSubsets: 100})
		if err != nil {
			t.Fatal(err)
		}
		cr.add(truthR, sub.Real.Mean, b.Real[0])
		cs.add(truthS, sub.Shuffle.Mean, b.Shuffle[0])
		cg.add(truthS-truthR, sub.Redundancy.Mean, b.Gap[0])
	}
	for _, c := range []*coverage{&cr, &cs, &cg} {
		c.check(t, 0.60, 0.85, 0.91, 0.995)
	}
}

// subsetDraw draws random subsets for the tests (math/rand, not the
// package's stream).
type subsetDraw struct {
	r    *rand.Rand
	n, k int
}

func newSubsetDraw(n, k int, seed uint64) *subsetDraw {
	return &subsetDraw{rand.New(rand.NewPCG(seed, seed)), n, k}
}

func (s *subsetDraw) next() []int {
	idx := s.r.Perm(s.n)[:s.k]
	slices.Sort(idx)
	return idx
}

// TestBootstrapDeterministic: the replicates depend on the seed only, not on
// the number of goroutines; another seed gives others.
func TestBootstrapDeterministic(t *testing.T) {
	const ds = 0.6
	m := newModel("low-rank", 23, 30, 0.7, 1, 2, 0.5, 0)
	r := rand.New(rand.NewPCG(23, 1))
	p, q := m.sample(r, 40, 1, ds), m.sample(r, 40, -1, ds)
	spec := BootSpec{Replicates: 16, Subsets: 4, Seed: 5, NoiseCorr: true}
	a, err := Bootstrap(p, q, ds, nil, []int{6, 12}, spec)
	if err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(1)
	b, err := Bootstrap(p, q, ds, nil, []int{6, 12}, spec)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	for s := range 2 {
		if !slices.Equal(a.Real[s], b.Real[s]) || !slices.Equal(a.Shuffle[s], b.Shuffle[s]) {
			t.Errorf("size %d: replicates differ with GOMAXPROCS 1", a.Sizes[s])
		}
	}
	if !slices.Equal(a.NoiseCorr, b.NoiseCorr) {
		t.Error("noise correlations differ with GOMAXPROCS 1")
	}
	spec.Seed = 6
	c, _ := Bootstrap(p, q, ds, nil, []int{6, 12}, spec)
	if slices.Equal(a.Real[0], c.Real[0]) {
		t.Error("seeds 5 and 6 gave the same replicates")
	}
}

// TestReplicateNoiseCorr: the replicate's mean correlation from standardised
// sums equals Stats.NoiseCorrelation on the same (not resampled) data.
func TestReplicateNoiseCorr(t *testing.T) {
	const ds = 0.6
	m := newModel("low-rank", 24, 15, 0.7, 1, 2, 0.8, 0)
	r := rand.New(rand.NewPCG(24, 1))
	p, q := m.sample(r, 30, 1, ds), m.sample(r, 25, -1, ds)
	s, err := NewStats(p, q, nil, ds, false)
	if err != nil {
		t.Fatal(err)
	}
	rp := newReplicate(15, 30, 25, ds)
	data := make([]float64, 15*55)
	for i := range 15 {
		for k := range 30 {
			data[i*55+k] = p.At(k, i)
		}
		for k := range 25 {
			data[i*55+30+k] = q.At(k, i)
		}
	}
	for k := range rp.draw {
		rp.draw[k] = k
	}
	rp.recompute(data)
	if got, want := rp.noiseCorr(), s.NoiseCorrelation(nil); math.Abs(got-want) > 1e-12 {
		t.Errorf("replicate noise correlation %v, Stats %v", got, want)
	}
	for a := range 15 {
		for b := range 15 {
			if got, want := rp.covAt(a, b), s.Cov.At(a, b); math.Abs(got-want) > 1e-12*math.Abs(want)+1e-15 {
				t.Fatalf("cov(%d, %d) = %v, Stats %v", a, b, got, want)
			}
		}
	}
}

// TestCompare: two independent samples of the same population are called
// different (p < 0.05) at about the nominal 5% rate; samples of populations
// whose information differs by a factor 2.5 (about 3.4 standard deviations
// of the difference by Design.RealVariance: a power of about 0.9) mostly are.
func TestCompare(t *testing.T) {
	if testing.Short() {
		t.Skip("400 bootstraps take a few seconds")
	}
	const ds = 0.6
	m0 := newModel("low-rank", 25, 10, 0.8, 1, 2, 0.5, 0)
	m1 := m0
	m1.fp = slices.Clone(m0.fp)
	for i := range m1.fp {
		m1.fp[i] *= math.Sqrt(2.5)
	}
	r := rand.New(rand.NewPCG(25, 1))
	est := func(mm model, seed uint64) (float64, []float64) {
		p, q := mm.sample(r, 100, 1, ds), mm.sample(r, 100, -1, ds)
		s, err := NewStats(p, q, nil, ds, false)
		if err != nil {
			t.Fatal(err)
		}
		e, err := s.Estimate()
		if err != nil {
			t.Fatal(err)
		}
		b, err := Bootstrap(p, q, ds, nil, []int{10}, BootSpec{Replicates: 200, Subsets: 1, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return e.Real, b.Real[0]
	}
	const pairs = 100
	var same, diff int
	for k := range pairs {
		a, ra := est(m0, uint64(4*k+1))
		b, rb := est(m0, uint64(4*k+2))
		if c := Compare(a, ra, b, rb, 0.95); c.P < 0.05 {
			same++
		}
		c1, r1 := est(m1, uint64(4*k+3))
		c0, r0 := est(m0, uint64(4*k+4))
		if c := Compare(c1, r1, c0, r0, 0.95); c.P < 0.05 && c.Diff > 0 {
			diff++
		}
	}
	t.Logf("p < 0.05: %d of %d equal pairs, %d of %d pairs differing by a factor 2.5", same, pairs, diff, pairs)
	// Binomial(100, 0.05): P(X > 12) < 0.001.
	if same > 12 {
		t.Errorf("%d of %d pairs of the same population called different at p < 0.05", same, pairs)
	}
	if diff < 70 {
		t.Errorf("only %d of %d pairs differing by a factor 2.5 called different", diff, pairs)
	}
}

func TestRatioPct(t *testing.T) {
	for _, c := range []struct {
		gap, shuffle, lo, want float64
	}{
		{2, 8, 1, 25},
		{2, 8, 0, math.NaN()},
		{2, 8, -1, math.NaN()},
		{2, 8, math.NaN(), math.NaN()},
		{-1, 4, 0.5, -25},
		{1, -2, 0.5, math.NaN()},
	} {
		got := RatioPct(c.gap, c.shuffle, c.lo)
		if !(got == c.want || math.IsNaN(got) && math.IsNaN(c.want)) {
			t.Errorf("RatioPct(%v, %v, %v) = %v, want %v", c.gap, c.shuffle, c.lo, got, c.want)
		}
	}
}

// TestSubsetMeans: the same subsets and estimates as Stats.Subsets.
func TestSubsetMeans(t *testing.T) {
	const ds = 0.6
	m := newModel("low-rank", 27, 25, 0.7, 1, 2, 0.5, 0.01)
	r := rand.New(rand.NewPCG(27, 1))
	p, q := m.sample(r, 40, 1, ds), m.sample(r, 35, -1, ds)
	s, err := NewStats(p, q, nil, ds, false)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.Subsets(SubsetSpec{Size: 8, Count: 30, Seed: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	real, shuf, err := SubsetMeans(p, q, ds, 8, 30, 4)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(real-want.Real.Mean) > 1e-9*math.Abs(want.Real.Mean) || math.Abs(shuf-want.Shuffle.Mean) > 1e-9*math.Abs(want.Shuffle.Mean) {
		t.Errorf("SubsetMeans %v, %v; Stats.Subsets %v, %v", real, shuf, want.Real.Mean, want.Shuffle.Mean)
	}
	if _, _, err := SubsetMeans(p, q, ds, 40, 30, 4); !errors.Is(err, ErrTooFewTrials) {
		t.Errorf("40 neurons from 35 trials: %v, want ErrTooFewTrials", err)
	}
}

// TestDeflate removes the spread that k subsets add over k0, and never more
// than the floor when the moment estimate falls apart.
func TestDeflate(t *testing.T) {
	reps := []float64{1, 3, 1, 3} // variance 4/3
	within := []float64{2, 2, 2, 2}
	// 4/3 - 2 (1/5 - 1/10) = 0.85 of 4/3: factor sqrt(0.85).
	if f := deflate(reps, within, 5, 10); math.Abs(f-math.Sqrt(0.85)) > 1e-12 || math.Abs(reps[0]-(2-math.Sqrt(0.85))) > 1e-12 {
		t.Errorf("factor %v, reps %v; want sqrt(0.85)", f, reps)
	}
	reps = []float64{1, 3, 1, 3}
	within = []float64{50, 50, 50, 50}
	if f := deflate(reps, within, 5, 10); f != minDeflate || reps[0] != 1.5 {
		t.Errorf("factor %v, reps %v; want the floor %v", f, reps, minDeflate)
	}
	if f := deflate([]float64{1, 3}, []float64{2, 2}, 10, 10); f != 1 {
		t.Errorf("k = k0: factor %v, want 1", f)
	}
}
