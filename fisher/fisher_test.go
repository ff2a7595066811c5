package fisher

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/engine/rng"
)

// TestDesignMatchesModelFormulas checks that the general corrections reduce to
// the equal-T formulas of docs/model.md sections 8.1-8.2, term by term.
func TestDesignMatchesModelFormulas(t *testing.T) {
	for _, c := range []struct {
		n, t int
		ds   float64
		i    float64
	}{{20, 40, 0.6, 12.5}, {52, 200, 0.2, 130}, {14, 19, 1, 0.3}} {
		T, N := float64(c.t), float64(c.n)
		d := Design{N: c.n, TPlus: c.t, TMinus: c.t, DF: 2*c.t - 2, DS: c.ds}
		naive := 1.7 * c.i
		wantReal := naive*(2*T-N-3)/(2*T-2) - 2*N/(T*c.ds*c.ds)
		wantVar := 2 * c.i * c.i / (2*T - N - 5) * (1 + 4*(2*T-3)/(T*c.i*c.ds*c.ds) + 4*N*(2*T-3)/(T*T*c.i*c.i*math.Pow(c.ds, 4)))
		wantShuf := naive*(T-2)/(T-1) - 2*N/(T*c.ds*c.ds)
		for _, x := range []struct {
			name      string
			got, want float64
		}{
			{"I_real", d.CorrectReal(naive), wantReal},
			{"var", d.RealVariance(c.i), wantVar},
			{"I_shuffle", d.CorrectShuffle(naive), wantShuf},
		} {
			if !scalar.EqualWithinAbsOrRel(x.got, x.want, 1e-12, 1e-12) {
				t.Errorf("N=%d T=%d %s = %v, docs/model.md gives %v", c.n, c.t, x.name, x.got, x.want)
			}
		}
	}
}

// TestEstimatorsOnGaussianData is the validation of the estimators against the
// exact information of linear-Gaussian data, over R replicates per case:
//   - mean I_real (bias-corrected) within 3 standard errors of f'^T C^-1 f';
//   - mean I_shuffle within 3 standard errors of sum f_i'^2/C_ii;
//   - the variance formula, at the truth and averaged as a plug-in, within 20% of
//     the replicates' variance (with R = 1000 the sampling error of that variance
//     is about 5%, so 20% is about 4 standard errors).
//
// Seeds are fixed, so the outcome is deterministic; the margins say how far off
// a correct estimator would be by chance.
func TestEstimatorsOnGaussianData(t *testing.T) {
	const reps = 1000
	const ds = 0.6
	indep := newModel("independent", 1, 20, 1, 1, 0, 0, 0)
	lowrank := newModel("low-rank", 2, 20, 1, 1, 3, 1.2, 0.05)
	big := newModel("low-rank N=50", 3, 50, 0.6, 1, 4, 1.0, 0.02)
	cases := []struct {
		m          model
		tp, tm, t0 int
	}{
		{indep, 50, 50, 0},
		{lowrank, 60, 60, 0},
		{lowrank, 45, 90, 0},  // unequal trial counts
		{lowrank, 40, 40, 50}, // covariance from zero-coherence trials
		{big, 100, 100, 0},
	}
	for ci, c := range cases {
		truth, shufTruth := c.m.truth(), c.m.shuffleTruth()
		r := rand.New(rand.NewPCG(uint64(100+ci), 1))
		real := make([]float64, reps)
		shuf := make([]float64, reps)
		var plugVar float64
		var d Design
		for k := range reps {
			plus := c.m.sample(r, c.tp, 1, ds)
			minus := c.m.sample(r, c.tm, -1, ds)
			var zero *mat.Dense
			if c.t0 > 0 {
				zero = c.m.sample(r, c.t0, 0, ds)
			}
			s, err := NewStats(plus, minus, zero, ds, false)
			if err != nil {
				t.Fatal(err)
			}
			e, err := s.Estimate()
			if err != nil {
				t.Fatal(err)
			}
			real[k], shuf[k] = e.Real, e.Shuffle
			plugVar += e.RealVar / reps
			d = e.Design
		}
		mr, sdr := meanSD(real)
		ms, sds := meanSD(shuf)
		seR, seS := sdr/math.Sqrt(reps), sds/math.Sqrt(reps)
		empVar := sdr * sdr
		t.Logf("%s T+=%d T-=%d T0=%d: I_real %.3f +- %.3f (truth %.3f), I_shuffle %.3f +- %.3f (truth %.3f), var emp %.3f formula %.3f plug-in %.3f",
			c.m.name, c.tp, c.tm, c.t0, mr, seR, truth, ms, seS, shufTruth, empVar, d.RealVariance(truth), plugVar)
		if math.Abs(mr-truth) > 3*seR {
			t.Errorf("%s T+=%d T-=%d T0=%d: mean I_real %.4f is %.1f SE from the truth %.4f", c.m.name, c.tp, c.tm, c.t0, mr, (mr-truth)/seR, truth)
		}
		if math.Abs(ms-shufTruth) > 3*seS {
			t.Errorf("%s T+=%d T-=%d T0=%d: mean I_shuffle %.4f is %.1f SE from sum f'^2/C_ii = %.4f", c.m.name, c.tp, c.tm, c.t0, ms, (ms-shufTruth)/seS, shufTruth)
		}
		for _, v := range []struct {
			name string
			v    float64
		}{{"at the truth", d.RealVariance(truth)}, {"plug-in", plugVar}} {
			if rel := math.Abs(v.v/empVar - 1); rel > 0.2 {
				t.Errorf("%s T+=%d T-=%d T0=%d: variance formula %s %.4f vs replicate variance %.4f (off by %.0f%%, margin 20%%)", c.m.name, c.tp, c.tm, c.t0, v.name, v.v, empVar, 100*rel)
			}
		}
	}
}

// TestNaiveBiasedUpward: at T close to N (N = 20, T = 40 per condition) the naive
// estimate's mean exceeds the truth by more than 3 standard errors (the expected
// factor is (2T-2)/(2T-N-3) = 1.37 plus 2N/(T ds^2)), while the corrected one does
// not.
func TestNaiveBiasedUpward(t *testing.T) {
	const reps, ds = 400, 0.6
	m := newModel("independent", 4, 20, 1, 1, 2, 0.8, 0)
	truth := m.truth()
	r := rand.New(rand.NewPCG(5, 5))
	naive := make([]float64, reps)
	real := make([]float64, reps)
	for k := range reps {
		e, err := estimateOnce(m.sample(r, 40, 1, ds), m.sample(r, 40, -1, ds), ds)
		if err != nil {
			t.Fatal(err)
		}
		naive[k], real[k] = e.RealNaive, e.Real
	}
	mn, sdn := meanSD(naive)
	mr, sdr := meanSD(real)
	if se := sdn / math.Sqrt(reps); mn-truth < 3*se {
		t.Errorf("naive mean %.3f vs truth %.3f: not above by 3 SE (%.3f)", mn, truth, se)
	}
	if se := sdr / math.Sqrt(reps); math.Abs(mr-truth) > 3*se {
		t.Errorf("corrected mean %.3f vs truth %.3f: off by more than 3 SE (%.3f)", mr, truth, se)
	}
	t.Logf("truth %.3f naive %.3f corrected %.3f", truth, mn, mr)
}

func estimateOnce(plus, minus *mat.Dense, ds float64) (Estimate, error) {
	s, err := NewStats(plus, minus, nil, ds, false)
	if err != nil {
		return Estimate{}, err
	}
	return s.Estimate()
}

// TestSubsetFastPath cross-checks the submatrix path against recomputing the
// statistics from the selected columns (relative tolerance 1e-10), and checks
// that a subset of all N neurons gives exactly the full estimate.
func TestSubsetFastPath(t *testing.T) {
	const ds = 0.6
	m := newModel("low-rank", 6, 40, 1, 1, 3, 1, 0.02)
	r := rand.New(rand.NewPCG(6, 6))
	plus, minus, zero := m.sample(r, 80, 1, ds), m.sample(r, 70, -1, ds), m.sample(r, 60, 0, ds)
	for _, z := range []*mat.Dense{nil, zero} {
		s, err := NewStats(plus, minus, z, ds, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, idx := range [][]int{{0, 1, 2}, {39, 3, 17, 8, 22, 30, 11}, {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}} {
			fast, err := s.EstimateSubset(idx)
			if err != nil {
				t.Fatal(err)
			}
			var pz *mat.Dense
			if z != nil {
				pz = pick(z, idx)
			}
			s2, err := NewStats(pick(plus, idx), pick(minus, idx), pz, ds, false)
			if err != nil {
				t.Fatal(err)
			}
			slow, err := s2.Estimate()
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range [][2]float64{{fast.RealNaive, slow.RealNaive}, {fast.Real, slow.Real}, {fast.RealVar, slow.RealVar}, {fast.Shuffle, slow.Shuffle}, {fast.RedundancyPct, slow.RedundancyPct}} {
				if !scalar.EqualWithinAbsOrRel(q[0], q[1], 1e-12, 1e-10) {
					t.Errorf("subset %v zero=%v: fast %v, direct %v", idx, z != nil, q[0], q[1])
				}
			}
		}
	}
}

// TestSubsetsOfAllNeurons: subsets as large as the population are the population:
// one subset, its interval collapsed on the full estimate.
func TestSubsetsOfAllNeurons(t *testing.T) {
	const ds = 0.6
	m := newModel("low-rank", 7, 15, 1, 1, 2, 1, 0)
	r := rand.New(rand.NewPCG(7, 7))
	s, err := NewStats(m.sample(r, 50, 1, ds), m.sample(r, 50, -1, ds), nil, ds, false)
	if err != nil {
		t.Fatal(err)
	}
	full, err := s.Estimate()
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Subsets(SubsetSpec{Size: 15, Count: 50, Seed: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != 1 || len(res.Estimates) != 1 {
		t.Fatalf("Count %d, %d estimates; want 1", res.Count, len(res.Estimates))
	}
	for _, q := range []struct {
		iv   Interval
		want float64
	}{{res.Real, full.Real}, {res.Shuffle, full.Shuffle}, {res.Redundancy, full.Redundancy}, {res.RealNaive, full.RealNaive}} {
		if q.iv.Mean != q.want || q.iv.Lo != q.want || q.iv.Hi != q.want {
			t.Errorf("interval %+v, want all %v", q.iv, q.want)
		}
	}
	if math.Abs(res.RedundancyPct-full.RedundancyPct) > 1e-12*math.Abs(full.RedundancyPct) {
		t.Errorf("redundancy %% %v, want %v", res.RedundancyPct, full.RedundancyPct)
	}
}

// TestSubsetsDeterministic: the same seed gives the same subsets whatever the
// number of goroutines; subsets are sorted, distinct, drawn from the pool; and
// the interval brackets the mean.
func TestSubsetsDeterministic(t *testing.T) {
	const ds = 0.6
	m := newModel("low-rank", 8, 60, 0.7, 1, 3, 1, 0.02)
	r := rand.New(rand.NewPCG(8, 8))
	s, err := NewStats(m.sample(r, 100, 1, ds), m.sample(r, 100, -1, ds), nil, ds, false)
	if err != nil {
		t.Fatal(err)
	}
	pool := []int{1, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59}
	spec := SubsetSpec{Size: 8, Count: 64, Seed: 42}
	a, err := s.Subsets(spec, pool)
	if err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(1)
	b, err := s.Subsets(spec, pool)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(realsOf(a.Estimates), realsOf(b.Estimates)) {
		t.Error("subsets differ with GOMAXPROCS 1")
	}
	c, _ := s.Subsets(SubsetSpec{Size: 8, Count: 64, Seed: 43}, pool)
	if slices.Equal(realsOf(a.Estimates), realsOf(c.Estimates)) {
		t.Error("seeds 42 and 43 gave the same subsets")
	}
	perm := make([]int, len(pool))
	idx := make([]int, 8)
	for k := range 64 {
		drawSubsetP(rng.New(42), rng.Subsets, uint64(k), pool, perm, idx)
		if !slices.IsSorted(idx) || len(slices.Compact(slices.Clone(idx))) != 8 {
			t.Fatalf("subset %d = %v: not sorted and distinct", k, idx)
		}
		for _, i := range idx {
			if !slices.Contains(pool, i) {
				t.Fatalf("subset %d = %v: %d not in the pool", k, idx, i)
			}
		}
	}
	for _, iv := range []Interval{a.Real, a.Shuffle, a.Redundancy} {
		if !(iv.Lo <= iv.Mean && iv.Mean <= iv.Hi) || iv.Lo == iv.Hi {
			t.Errorf("interval %+v does not bracket its mean", iv)
		}
	}
	// Redundancy % is the ratio of the subset means, not the mean of the
	// per-subset ratios.
	var gap, shuf, meanRatio float64
	for _, e := range a.Estimates {
		gap += e.Redundancy
		shuf += e.Shuffle
		meanRatio += e.RedundancyPct / float64(len(a.Estimates))
	}
	if want := 100 * gap / shuf; math.Abs(a.RedundancyPct-want) > 1e-9*math.Abs(want) {
		t.Errorf("redundancy %% %v, want the ratio of means %v", a.RedundancyPct, want)
	}
	if math.Abs(a.RedundancyPct-meanRatio) < 1e-9*math.Abs(meanRatio) {
		t.Errorf("redundancy %% %v equals the mean of per-subset ratios %v: the data should tell the two apart", a.RedundancyPct, meanRatio)
	}
}

func realsOf(es []Estimate) []float64 {
	v := make([]float64, len(es))
	for k, e := range es {
		v[k] = e.Real
	}
	return v
}

// TestInputsNotModified: Analyse leaves its inputs as they were.
func TestInputsNotModified(t *testing.T) {
	const ds = 0.6
	m := newModel("low-rank", 9, 10, 1, 1, 2, 1, 0)
	r := rand.New(rand.NewPCG(9, 9))
	plus, minus, zero := m.sample(r, 30, 1, ds), m.sample(r, 30, -1, ds), m.sample(r, 30, 0, ds)
	p0, m0, z0 := mat.DenseCopyOf(plus), mat.DenseCopyOf(minus), mat.DenseCopyOf(zero)
	if _, err := Analyse(plus, minus, zero, ds, EstimateOptions{Subsets: SubsetSpec{Size: 5, Count: 10}}); err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(plus, p0) || !mat.Equal(minus, m0) || !mat.Equal(zero, z0) {
		t.Error("Analyse modified its inputs")
	}
}

// TestBadData: each kind of bad input returns an error of the right kind whose
// text names the problem with its values.
func TestBadData(t *testing.T) {
	const ds = 0.6
	m := newModel("independent", 10, 6, 1, 1, 0, 0, 0)
	r := rand.New(rand.NewPCG(10, 10))
	good := func(tr int) *mat.Dense { return m.sample(r, tr, 1, ds) }
	withNaN := good(20)
	withNaN.Set(2, 3, math.NaN())
	withInf := good(20)
	withInf.Set(4, 0, math.Inf(-1))
	negative := good(20)
	negative.Set(1, 5, -1)
	constant := good(20)
	constMinus := good(20)
	for tr := range 20 {
		constant.Set(tr, 3, 2)
		constMinus.Set(tr, 3, 2)
	}
	dup := good(20)
	dupMinus := good(20)
	for tr := range 20 {
		dup.Set(tr, 4, dup.At(tr, 1)+dup.At(tr, 2))
		dupMinus.Set(tr, 4, dupMinus.At(tr, 1)+dupMinus.At(tr, 2))
	}
	cases := []struct {
		name              string
		plus, minus, zero *mat.Dense
		ds                float64
		counts            bool
		kind              error
		want              []string
	}{
		{"NaN", withNaN, good(20), nil, ds, false, ErrBadData, []string{"plus trial 2 neuron 3 is NaN"}},
		{"Inf", good(20), withInf, nil, ds, false, ErrBadData, []string{"minus trial 4 neuron 0 is -Inf"}},
		{"negative count", negative, good(20), nil, ds, true, ErrBadData, []string{"plus trial 1 neuron 5 is -1", "negative count"}},
		{"shape", good(20), mat.NewDense(20, 5, nil), nil, ds, false, ErrBadData, []string{"shape mismatch", "20 x 6", "20 x 5"}},
		{"zero shape", good(20), good(20), mat.NewDense(20, 4, nil), ds, false, ErrBadData, []string{"shape mismatch", "zero is 20 x 4"}},
		{"ds zero", good(20), good(20), nil, 0, false, ErrBadData, []string{"ds = 0", "positive"}},
		{"ds NaN", good(20), good(20), nil, math.NaN(), false, ErrBadData, []string{"ds = NaN"}},
		{"too few", good(10), good(12), nil, ds, false, ErrTooFewTrials, []string{"T = 10", "N = 6", "T > N + 4 = 10", "fewer neurons"}},
		{"one trial", good(1), good(12), nil, ds, false, ErrTooFewTrials, []string{"T+ = 1"}},
		{"too few zero", good(20), good(20), good(9), ds, false, ErrTooFewTrials, []string{"T0 = 9", "N = 6"}},
		{"constant neuron", constant, constMinus, nil, ds, false, ErrSingular, []string{"neuron 3 has zero variance"}},
		{"linear copy", dup, dupMinus, nil, ds, false, ErrSingular, []string{"N = 6", "T+ = 20, T- = 20", "singular"}},
	}
	for _, c := range cases {
		_, err := Analyse(c.plus, c.minus, c.zero, c.ds, EstimateOptions{Counts: c.counts})
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !errors.Is(err, c.kind) {
			t.Errorf("%s: error %q is not %v", c.name, err, c.kind)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", c.name, err, w)
			}
		}
	}
}

// TestTooFewForAllButSubsets: with more neurons than the trials allow, Analyse
// still reports subsets and says why there is no full estimate.
func TestTooFewForAllButSubsets(t *testing.T) {
	const ds = 0.6
	m := newModel("independent", 11, 30, 1, 1, 0, 0, 0)
	r := rand.New(rand.NewPCG(11, 11))
	res, err := Analyse(m.sample(r, 25, 1, ds), m.sample(r, 25, -1, ds), nil, ds, EstimateOptions{Subsets: SubsetSpec{Size: 10, Count: 20}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Full != nil || !strings.Contains(res.FullNote, "T = 25") || res.Subsets == nil {
		t.Errorf("Full %v note %q subsets %v", res.Full, res.FullNote, res.Subsets != nil)
	}
	if _, err := Analyse(m.sample(r, 25, 1, ds), m.sample(r, 25, -1, ds), nil, ds, EstimateOptions{Subsets: SubsetSpec{Size: 22, Count: 20}}); !errors.Is(err, ErrTooFewTrials) {
		t.Errorf("subsets of 22 from T = 25: error %v", err)
	}
}

// TestCombine checks the inverse-variance weighting on hand-computed values and
// its errors.
func TestCombine(t *testing.T) {
	mean, v, err := Combine([]float64{10, 20}, []float64{1, 4})
	if err != nil || !scalar.EqualWithinAbs(mean, 12, 1e-12) || !scalar.EqualWithinAbs(v, 0.8, 1e-12) {
		t.Errorf("Combine = %v, %v, %v; want 12, 0.8", mean, v, err)
	}
	for _, bad := range [][2][]float64{{{1}, {0}}, {{1}, {-2}}, {{math.NaN()}, {1}}, {{1}, {math.Inf(1)}}, {nil, nil}} {
		if _, _, err := Combine(bad[0], bad[1]); !errors.Is(err, ErrBadData) {
			t.Errorf("Combine(%v, %v): error %v", bad[0], bad[1], err)
		}
	}
}

// TestCombineLevels: combining two coherence levels of the same population
// (same f', independent trials) gives a mean within 3 SE of the truth, with a
// variance smaller than either level's.
func TestCombineLevels(t *testing.T) {
	m := newModel("low-rank", 12, 20, 1, 1, 2, 1, 0)
	truth := m.truth()
	r := rand.New(rand.NewPCG(12, 12))
	const reps = 400
	comb := make([]float64, reps)
	var cv, v1 float64
	for k := range reps {
		var vals, vars []float64
		for _, ds := range []float64{0.2, 0.6} {
			e, err := estimateOnce(m.sample(r, 60, 1, ds), m.sample(r, 60, -1, ds), ds)
			if err != nil {
				t.Fatal(err)
			}
			vals, vars = append(vals, e.Real), append(vars, e.RealVar)
		}
		var err error
		var v float64
		comb[k], v, err = Combine(vals, vars)
		if err != nil {
			t.Fatal(err)
		}
		cv += v / reps
		v1 += vars[1] / reps
	}
	mc, sd := meanSD(comb)
	if se := sd / math.Sqrt(reps); math.Abs(mc-truth) > 3*se {
		t.Errorf("combined mean %.3f vs truth %.3f: more than 3 SE (%.3f)", mc, truth, se)
	}
	if !(cv < v1) {
		t.Errorf("combined variance %.3f not below the better level's %.3f", cv, v1)
	}
}

// TestNoiseCorrelation checks the mean pairwise correlation against a direct
// Pearson computation (1e-12) and, for equicorrelated noise rho = 0.2, the value
// at T = 2000 per condition (margin 0.02, about 5 SE for 45 pairs).
func TestNoiseCorrelation(t *testing.T) {
	const n, rho, ds = 10, 0.2, 0.6
	a := mat.NewDense(n, 1, nil)
	for i := range n {
		a.Set(i, 0, math.Sqrt(rho))
	}
	m := model{name: "equicorrelated", fp: make([]float64, n), sigma2: 1 - rho, a: a}
	for i := range m.fp {
		m.fp[i] = 1
	}
	r := rand.New(rand.NewPCG(13, 13))
	plus, minus := m.sample(r, 2000, 1, ds), m.sample(r, 2000, -1, ds)
	s, err := NewStats(plus, minus, nil, ds, false)
	if err != nil {
		t.Fatal(err)
	}
	got := s.NoiseCorrelation(nil)
	if math.Abs(got-rho) > 0.02 {
		t.Errorf("mean noise correlation %.4f, want %.2f +- 0.02", got, rho)
	}
	// Direct: residuals of each condition about its own mean, stacked.
	res := make([][]float64, n)
	for _, c := range []*mat.Dense{plus, minus} {
		mu := colMeans(c)
		rows, _ := c.Dims()
		for i := range n {
			for tr := range rows {
				res[i] = append(res[i], c.At(tr, i)-mu[i])
			}
		}
	}
	var sum float64
	for i := range n {
		for j := i + 1; j < n; j++ {
			var sij, sii, sjj float64
			for k := range res[i] {
				sij += res[i][k] * res[j][k]
				sii += res[i][k] * res[i][k]
				sjj += res[j][k] * res[j][k]
			}
			sum += sij / math.Sqrt(sii*sjj)
		}
	}
	want := sum / float64(n*(n-1)/2)
	if !scalar.EqualWithinAbs(got, want, 1e-12) {
		t.Errorf("NoiseCorrelation %v, direct Pearson %v", got, want)
	}
	if v := s.NoiseCorrelation([]int{4}); !math.IsNaN(v) {
		t.Errorf("one neuron: %v, want NaN", v)
	}
}

// TestFitSaturationExact: for C = sigma2 I + epsilon f' f'^T with equal |f'_i| the
// exact I(n) = n g/(1 + epsilon n g), g = f^2/sigma2, so the fit recovers
// epsilon and a = g to 1e-9.
func TestFitSaturationExact(t *testing.T) {
	const f, sigma2, eps = 0.8, 1.5, 0.04
	sizes := []int{5, 10, 20, 40, 80}
	info := make([]float64, len(sizes))
	for k, n := range sizes {
		fp := make([]float64, n)
		a := mat.NewDense(n, 1, nil)
		for i := range n {
			fp[i] = f
			a.Set(i, 0, math.Sqrt(eps)*f)
		}
		var err error
		info[k], err = ExactLinearGaussian(fp, sigma2, a, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	sat, err := FitSaturation(sizes, info)
	if err != nil {
		t.Fatal(err)
	}
	if !scalar.EqualWithinRel(sat.Epsilon, eps, 1e-9) || !scalar.EqualWithinRel(sat.IInf, 1/eps, 1e-9) || !scalar.EqualWithinRel(sat.Slope, f*f/sigma2, 1e-9) {
		t.Errorf("fit %+v; want epsilon %v, I_inf %v, a %v", sat, eps, 1/eps, f*f/sigma2)
	}
	if _, err := FitSaturation([]int{5, 5}, []float64{1, 1}); !errors.Is(err, ErrBadData) {
		t.Errorf("one distinct size: %v", err)
	}
	if _, err := FitSaturation([]int{5, 10}, []float64{1, -1}); !errors.Is(err, ErrBadData) {
		t.Errorf("negative information: %v", err)
	}
}

// TestSaturationFromData: the subset-based measure on sampled data finds the
// information-limiting variance where there is one (epsilon = 0.05 within 30%:
// at T = 300 the fitted intercept has a sampling sd of about 10%) and much less
// where there is none (independent noise of the same single-neuron statistics).
func TestSaturationFromData(t *testing.T) {
	const ds = 0.6
	sizes := []int{5, 10, 20, 40}
	limited := newModel("limited", 14, 60, 1, 1, 0, 0, 0.05)
	r := rand.New(rand.NewPCG(14, 14))
	s, err := NewStats(limited.sample(r, 300, 1, ds), limited.sample(r, 300, -1, ds), nil, ds, false)
	if err != nil {
		t.Fatal(err)
	}
	sat, err := s.Saturation(sizes, 50, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(sat.Epsilon/0.05-1) > 0.3 {
		t.Errorf("limited: epsilon %.4f, want 0.05 within 30%% (fit %+v)", sat.Epsilon, sat)
	}
	free := limited
	free.a = nil
	free.sigma2 = 1 + 0.05 // same diagonal on average as the limited model
	s2, err := NewStats(free.sample(r, 300, 1, ds), free.sample(r, 300, -1, ds), nil, ds, false)
	if err != nil {
		t.Fatal(err)
	}
	sat2, err := s2.Saturation(sizes, 50, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !(sat2.Epsilon < 0.2*sat.Epsilon) {
		t.Errorf("independent noise: epsilon %.4f not below a fifth of the limited %.4f", sat2.Epsilon, sat.Epsilon)
	}
	t.Logf("limited %+v\nindependent %+v", sat, sat2)
}
