package fisher

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/iplgpu/iplgpu/engine/rng"
	"github.com/iplgpu/iplgpu/internal/sysmem"
)

// BootSpec asks for a bootstrap over trials: Replicates resamples, each
// drawing T+ trials with replacement from the + condition and T- from the -
// condition, and in each resample Subsets random subsets of every size.
type BootSpec struct {
	Replicates int    // B; at least 2
	Subsets    int    // random subsets per replicate and size (1 when a size is the whole pool)
	Seed       uint64 // keys the trial draws (rng.Bootstrap) and the subsets (rng.BootSubsets)
	// NoiseCorr asks for each replicate's mean noise correlation over the
	// pool (BootResult.NoiseCorr; it needs every neuron's residuals).
	NoiseCorr bool
	// EstimateSubsets is the number of subsets behind the estimate that the
	// replicates give intervals for (SubsetSpec.Count); 0: Subsets. A mean
	// over K subsets varies more from trials to trials than a mean over K0 >
	// K: Bootstrap removes the difference, (1/K - 1/K0) times the variance
	// among the subsets of a replicate, from the spread of the replicates.
	EstimateSubsets int
}

// BootResult holds the replicate values of a bootstrap: for each size, the
// mean over the replicate's subsets of the bias-corrected estimates, and the
// replicate's mean pairwise noise correlation. A replicate value is NaN when
// none of its subsets had an estimate (every one singular).
type BootResult struct {
	Spec    BootSpec
	Sizes   []int       // subset sizes, as asked
	Real    [][]float64 // [size][replicate] mean I_real over the replicate's subsets
	Shuffle [][]float64 // [size][replicate] mean I_shuffle
	Gap     [][]float64 // [size][replicate] mean I_shuffle - I_real
	// Deflate is, per size, the factor applied to the replicates' deviations
	// from their mean for Real, Shuffle and Gap (see
	// BootSpec.EstimateSubsets); 1 when nothing was removed.
	Deflate [][3]float64
	// NoiseCorr is the mean Pearson correlation of the residuals over the
	// pairs of the pool's neurons that vary in the replicate (NaN unless
	// BootSpec.NoiseCorr).
	NoiseCorr []float64
	Singular  int // subset estimates left out because the resampled covariance was singular
	// Kappa is, per size, the factors by which the resampled population's f'
	// was shrunk for I_real and for I_shuffle: the square root of the
	// bias-corrected over the plug-in value in the data (0 when the corrected
	// one is not positive).
	Kappa [][2]float64
}

// dataStep is the replicate index of the data themselves (every trial once),
// from which Bootstrap takes the shrink factors; no replicate reaches it.
const dataStep = 1<<32 - 1

// Bootstrap resamples the trials of plus and minus (trials x neurons, as for
// NewStats, with ds their stimulus difference and the covariance pooled over
// the two) spec.Replicates times. Resampling is within each condition, so
// every replicate keeps T+ and T- and the design of the estimate; in each
// replicate the subsets of every size are drawn anew from the neurons of pool
// (nil: all) that vary in that replicate (a neuron with one non-zero trial
// can be constant in a resample), and each estimate is the package's
// bias-corrected one. A size equal to the number of varying neurons gives one
// subset, the whole pool.
//
// Replicate r draws its trials from the Philox stream of spec.Seed (purpose
// rng.Bootstrap, step r, element = trial slot: + trials first) and its
// subsets with purpose rng.BootSubsets, so it depends on neither the other
// replicates nor the number of goroutines. The covariance entries a
// replicate needs are computed once each, from the centred resampled counts,
// so a replicate costs at most T x P^2/2 for a pool of P neurons, and much
// less for a few small subsets.
func Bootstrap(plus, minus *mat.Dense, ds float64, pool, sizes []int, spec BootSpec) (*BootResult, error) {
	return BootstrapContext(context.Background(), plus, minus, ds, pool, sizes, spec)
}

// BootBytes is the memory Bootstrap needs for replicates resamples of sizes
// subset sizes from a pool of p neurons and t trials on workers goroutines:
// the replicate values, and each worker's buffers (the p x p covariance
// cache, the residuals).
func BootBytes(replicates, sizes, p, t, workers int) int64 {
	perRep := sysmem.Mul(float64(replicates), float64(8*(6*sizes+1)))
	perWorker := sysmem.Mul(float64(workers), float64(p), float64(p+3*t+8), 8)
	return sysmem.Add(perRep, perWorker, sysmem.Mul(float64(p), float64(t), 8))
}

// BootstrapContext is Bootstrap that stops when ctx is cancelled (checked
// before each replicate and each subset size), returning ctx's error. A
// bootstrap whose buffers would not fit in memory is refused (ErrBadData)
// before anything is allocated.
func BootstrapContext(ctx context.Context, plus, minus *mat.Dense, ds float64, pool, sizes []int, spec BootSpec) (*BootResult, error) {
	pool, err := checkBootstrap(plus, minus, ds, pool, sizes, spec)
	if err != nil {
		return nil, err
	}
	tp, _ := plus.Dims()
	tm, _ := minus.Dims()
	np := len(pool)
	workers := min(runtime.GOMAXPROCS(0), spec.Replicates)
	if err := sysmem.Check(BootBytes(spec.Replicates, len(sizes), np, tp+tm, workers+1), fmt.Sprintf("a bootstrap of %d replicates of %d neurons and %d trials", spec.Replicates, np, tp+tm)); err != nil {
		return nil, fmt.Errorf("%w: %v: ask for fewer replicates or neurons", ErrBadData, err)
	}
	res := newBootResult(spec, sizes)
	within := make([][3][]float64, len(sizes)) // per size and quantity: the variance among a replicate's subsets
	for s := range sizes {
		for q := range 3 {
			within[s][q] = make([]float64, spec.Replicates)
		}
	}
	data := poolData(plus, minus, pool)
	st := rng.New(spec.Seed)
	fhat := res.setKappa(st, data, len(pool), tp, tm, ds)
	singular := make([]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rep := newReplicate(len(pool), tp, tm, ds)
			for r := w; r < spec.Replicates; r += workers {
				if ctx.Err() != nil {
					return
				}
				rep.resample(st, r, data)
				res.NoiseCorr[r] = math.NaN()
				if spec.NoiseCorr {
					res.NoiseCorr[r] = rep.noiseCorr()
				}
				for s, size := range sizes {
					if ctx.Err() != nil {
						return
					}
					m := rep.subsetMeans(st, uint64(r), s, size, spec.Subsets, fprimeShrink{fhat: fhat, kappa: res.Kappa[s]})
					res.Real[s][r], res.Shuffle[s][r], res.Gap[s][r] = m.real, m.shuffle, m.shuffle-m.real
					for q := range 3 {
						within[s][q][r] = m.within[q]
					}
					singular[w] += m.singular
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, s := range singular {
		res.Singular += s
	}
	k0 := spec.EstimateSubsets
	if k0 == 0 {
		k0 = spec.Subsets
	}
	for s := range sizes {
		for q, reps := range [3][]float64{res.Real[s], res.Shuffle[s], res.Gap[s]} {
			res.Deflate[s][q] = deflate(reps, within[s][q], spec.Subsets, k0)
		}
	}
	return res, nil
}

// checkBootstrap refuses the arguments of BootstrapContext that describe no
// bootstrap (ErrBadData) and returns the pool, every neuron when pool is nil.
func checkBootstrap(plus, minus *mat.Dense, ds float64, pool, sizes []int, spec BootSpec) ([]int, error) {
	tp, n := plus.Dims()
	tm, nm := minus.Dims()
	if nm != n {
		return nil, fmt.Errorf("%w: shape mismatch: plus is %d x %d and minus %d x %d (trials x neurons)", ErrBadData, tp, n, tm, nm)
	}
	if !(ds > 0) || math.IsInf(ds, 0) {
		return nil, fmt.Errorf("%w: ds = %v; the stimulus difference between the conditions must be a positive number", ErrBadData, ds)
	}
	if spec.Replicates < 2 || spec.Subsets < 1 {
		return nil, fmt.Errorf("%w: %d replicates of %d subsets; a bootstrap needs at least 2 replicates and 1 subset per replicate", ErrBadData, spec.Replicates, spec.Subsets)
	}
	if pool == nil {
		pool = make([]int, n)
		for i := range pool {
			pool[i] = i
		}
	}
	for _, i := range pool {
		if i < 0 || i >= n {
			panic(fmt.Sprintf("fisher: Bootstrap: pool neuron %d outside [0, %d)", i, n))
		}
	}
	for _, s := range sizes {
		d := Design{N: s, TPlus: tp, TMinus: tm, DF: tp + tm - 2, DS: ds}
		if s < 1 || s > len(pool) {
			return nil, fmt.Errorf("%w: subsets of %d neurons from a pool of %d; the size must be between 1 and %d", ErrBadData, s, len(pool), len(pool))
		}
		if err := d.check(); err != nil {
			return nil, err
		}
	}
	if err := CheckDS(ds); err != nil {
		return nil, err
	}
	return pool, nil
}

// newBootResult is a BootResult of spec's replicates at sizes, to fill.
func newBootResult(spec BootSpec, sizes []int) *BootResult {
	res := &BootResult{Spec: spec, Sizes: slices.Clone(sizes), NoiseCorr: make([]float64, spec.Replicates)}
	res.Real = make([][]float64, len(sizes))
	res.Shuffle = make([][]float64, len(sizes))
	res.Gap = make([][]float64, len(sizes))
	res.Deflate = make([][3]float64, len(sizes))
	for s := range sizes {
		res.Real[s] = make([]float64, spec.Replicates)
		res.Shuffle[s] = make([]float64, spec.Replicates)
		res.Gap[s] = make([]float64, spec.Replicates)
	}
	return res
}

// poolData is the data of the pool, neuron-major: column a of the pool at
// data[a*t : (a+1)*t], + trials first.
func poolData(plus, minus *mat.Dense, pool []int) []float64 {
	tp, _ := plus.Dims()
	tm, _ := minus.Dims()
	t := tp + tm
	data := make([]float64, len(pool)*t)
	for a, i := range pool {
		col := data[a*t : (a+1)*t]
		for k := range tp {
			col[k] = plus.At(k, i)
		}
		for k := range tm {
			col[tp+k] = minus.At(k, i)
		}
	}
	return data
}

// setKappa sets res.Kappa, the resampled population's signal size by size:
// the data's f' shrunk by kappa so that the population carries the
// bias-corrected information of the estimate rather than the plug-in's (see
// the package documentation). The data themselves are replicate "-1": every
// trial once. It returns the data's f' (fhat) of the np neurons.
func (res *BootResult) setKappa(st rng.Stream, data []float64, np, tp, tm int, ds float64) (fhat []float64) {
	t := tp + tm
	id := newReplicate(np, tp, tm, ds)
	for k := range id.draw {
		id.draw[k] = k
	}
	id.recompute(data)
	fhat = slices.Clone(id.fprime)
	res.Kappa = make([][2]float64, len(res.Sizes))
	plugin := float64(t) / float64(t-2) // the resampled population's covariance divides by T, not DF
	for s, size := range res.Sizes {
		m := id.subsetMeans(st, dataStep, s, size, max(4*res.Spec.Subsets, 20), fprimeShrink{kappa: [2]float64{1, 1}})
		for q, v := range [2][2]float64{{m.real, m.realNaive}, {m.shuffle, m.shuffleNaive}} {
			if v[0] > 0 && v[1] > 0 {
				res.Kappa[s][q] = math.Sqrt(min(v[0]/(v[1]*plugin), 1))
			}
		}
	}
	return fhat
}

// replicate is one worker's buffers for one resample at a time.
type replicate struct {
	p, tp, tm, t int
	design       Design
	data         []float64    // the pool's responses, neuron-major (+ trials first)
	resid        []float64    // neuron-major centred resampled responses, where ready
	ready        []bool       // resid of the neuron is written
	mean         [][2]float64 // per neuron, the resampled mean of + and - trials
	fprime       []float64
	variance     []float64
	cov          []float64 // p x p cache; NaN where not computed yet
	active       []int     // pool positions that vary in this replicate
	perm, idx    []int
	sym          []float64
	f            []float64
	draw         []int // trial slots -> source trial
	zsum         []float64
}

func newReplicate(p, tp, tm int, ds float64) *replicate {
	t := tp + tm
	return &replicate{
		p: p, tp: tp, tm: tm, t: t,
		design: Design{TPlus: tp, TMinus: tm, DF: t - 2, DS: ds},
		resid:  make([]float64, p*t), ready: make([]bool, p), mean: make([][2]float64, p), fprime: make([]float64, p), variance: make([]float64, p),
		cov: make([]float64, p*p), perm: make([]int, p), draw: make([]int, t), zsum: make([]float64, t),
	}
}

// resample draws replicate r's trials and computes f', the residuals and the
// variances of every neuron of the pool.
func (rp *replicate) resample(st rng.Stream, r int, data []float64) {
	rp.drawTrials(st, r)
	rp.recompute(data)
}

// drawTrials draws replicate r's trials: slot k < T+ from the + trials, the
// others from the - trials.
func (rp *replicate) drawTrials(st rng.Stream, r int) {
	for k := range rp.t {
		w := st.Block(rng.Bootstrap, uint64(r), uint32(k))
		if k < rp.tp {
			rp.draw[k] = min(int(rng.Float64(w[0], w[1])*float64(rp.tp)), rp.tp-1)
		} else {
			rp.draw[k] = rp.tp + min(int(rng.Float64(w[0], w[1])*float64(rp.tm)), rp.tm-1)
		}
	}
}

// recompute computes f', the residuals and the variances of the drawn trials.
func (rp *replicate) recompute(data []float64) {
	rp.data = data
	rp.active = rp.active[:0]
	for a := range rp.p {
		src := data[a*rp.t : (a+1)*rp.t]
		var mp, mm float64
		for _, j := range rp.draw[:rp.tp] {
			mp += src[j]
		}
		for _, j := range rp.draw[rp.tp:] {
			mm += src[j]
		}
		mp /= float64(rp.tp)
		mm /= float64(rp.tm)
		var ss float64
		for _, j := range rp.draw[:rp.tp] {
			d := src[j] - mp
			ss += d * d
		}
		for _, j := range rp.draw[rp.tp:] {
			d := src[j] - mm
			ss += d * d
		}
		rp.mean[a] = [2]float64{mp, mm}
		rp.fprime[a] = (mp - mm) / rp.design.DS
		rp.variance[a] = ss / float64(rp.design.DF)
		rp.ready[a] = false
		// NewStats's test for a constant neuron.
		scale := max(math.Abs(mp), math.Abs(mm))
		if rp.variance[a] > 1e-24*scale*scale {
			rp.active = append(rp.active, a)
		}
	}
	for i := range rp.cov {
		rp.cov[i] = math.NaN()
	}
}

// residuals returns the centred resampled responses of pool position a,
// writing them on first use: a replicate's subsets often need few of the
// pool's neurons.
func (rp *replicate) residuals(a int) []float64 {
	dst := rp.resid[a*rp.t : (a+1)*rp.t]
	if !rp.ready[a] {
		src := rp.data[a*rp.t : (a+1)*rp.t]
		m := rp.mean[a]
		for k, j := range rp.draw {
			if k < rp.tp {
				dst[k] = src[j] - m[0]
			} else {
				dst[k] = src[j] - m[1]
			}
		}
		rp.ready[a] = true
	}
	return dst
}

// covAt returns the covariance of pool positions a and b, computing it once.
func (rp *replicate) covAt(a, b int) float64 {
	if a == b {
		return rp.variance[a]
	}
	if a > b {
		a, b = b, a
	}
	c := rp.cov[a*rp.p+b]
	if math.IsNaN(c) {
		c = floats.Dot(rp.residuals(a), rp.residuals(b)) / float64(rp.design.DF)
		rp.cov[a*rp.p+b] = c
	}
	return c
}

// noiseCorr is the mean correlation over the pairs of varying neurons, from
// the standardised residuals z: sum over pairs of z_i . z_j equals
// (|sum_i z_i|^2 - sum_i |z_i|^2)/2, which costs T x P instead of T x P^2.
func (rp *replicate) noiseCorr() float64 {
	a := len(rp.active)
	if a < 2 {
		return math.NaN()
	}
	clear(rp.zsum)
	for _, i := range rp.active {
		s := 1 / math.Sqrt(rp.variance[i]*float64(rp.design.DF))
		for k, v := range rp.residuals(i) {
			rp.zsum[k] += v * s
		}
	}
	var q float64
	for _, v := range rp.zsum {
		q += v * v
	}
	return (q - float64(a)) / float64(a*(a-1))
}

// subsetStats are the means over the subsets of one size of a replicate.
type subsetStats struct {
	real, realNaive, shuffle, shuffleNaive float64
	within                                 [3]float64 // sample variance among the subsets of I_real, I_shuffle and the gap (NaN with fewer than 2)
	singular                               int        // subsets left out as singular
}

// minDeflate is the smallest factor deflate applies.
const minDeflate = 0.5

// The two ratios n/DF (subset size over the trials' degrees of freedom,
// DF = T+ + T- - 2) at which TestBootstrapCoverageFull measures the
// intervals' coverage: about nominal at the first, conservative (intervals
// up to 1.5 times too wide) at the second. Reports state where a run's
// blocks fall against them.
const (
	CoverageNominalNDF      = 0.10
	CoverageConservativeNDF = 0.31
)

// deflate rescales reps about their mean so that their variance loses
// mean(within) (1/k - 1/k0), the part that the replicates' k subsets add over
// the estimate's k0, and returns the factor (1: nothing removed; never below
// minDeflate). NaN replicates stay NaN.
func deflate(reps, within []float64, k, k0 int) float64 {
	if k0 <= k {
		return 1
	}
	var n, mean, v, w float64
	var nw float64
	for r, x := range reps {
		if math.IsNaN(x) {
			continue
		}
		n++
		mean += x
		if !math.IsNaN(within[r]) {
			w += within[r]
			nw++
		}
	}
	if n < 2 || nw == 0 {
		return 1
	}
	mean /= n
	for _, x := range reps {
		if !math.IsNaN(x) {
			v += (x - mean) * (x - mean)
		}
	}
	v /= n - 1
	if !(v > 0) {
		return 1
	}
	target := v - w/nw*(1/float64(k)-1/float64(k0))
	// The moment estimate can come out near or below 0 when the replicates'
	// few subsets vary much more among themselves than the replicates do;
	// it is then not to be trusted, and the spread is halved at most.
	f := max(math.Sqrt(max(target, 0)/v), minDeflate)
	for r, x := range reps {
		if !math.IsNaN(x) {
			reps[r] = mean + f*(x-mean)
		}
	}
	return f
}

// fprimeShrink is the part of the data's f' a replicate's f' loses: with
// fhat (the data's f' per pool neuron) it loses (1 - kappa) fhat, kappa[0]
// for I_real, kappa[1] for I_shuffle; nothing with fhat nil.
type fprimeShrink struct {
	fhat  []float64
	kappa [2]float64
}

// subsetMeans returns the means over count subsets of size neurons (one
// subset when size is all varying neurons) of replicate r, its f' shrunk by
// sh.
func (rp *replicate) subsetMeans(st rng.Stream, r uint64, s, size, count int, sh fprimeShrink) subsetStats {
	fhat, kappa := sh.fhat, sh.kappa
	act := rp.active
	var out subsetStats
	if size > len(act) {
		nan := math.NaN()
		return subsetStats{real: nan, realNaive: nan, shuffle: nan, shuffleNaive: nan, within: [3]float64{nan, nan, nan}}
	}
	if size == len(act) {
		count = 1
	}
	if cap(rp.idx) < size {
		rp.idx = make([]int, size)
		rp.sym = make([]float64, size*size)
		rp.f = make([]float64, size)
	}
	idx, sym, f := rp.idx[:size], rp.sym[:size*size], rp.f[:size]
	d := rp.design
	d.N = size
	ok := 0
	perm := rp.perm[:len(act)]
	var sq [3]float64 // sums of squares for the variance among subsets
	for j := range count {
		// Subset j of size index s of replicate r: a step of its own in the
		// BootSubsets stream (up to 2^16 subsets and 2^16 sizes per replicate).
		drawSubsetP(st, rng.BootSubsets, r<<32|uint64(s)<<16|uint64(j), act, perm, idx)
		var shuf float64
		for a, i := range idx {
			f[a] = rp.fprime[i]
			fs := f[a]
			if fhat != nil {
				f[a] -= (1 - kappa[0]) * fhat[i]
				fs -= (1 - kappa[1]) * fhat[i]
			}
			shuf += fs * fs / rp.variance[i]
			for b := a; b < size; b++ {
				sym[a*size+b] = rp.covAt(i, idx[b])
			}
		}
		naive, ok1 := quadForm(size, sym, f)
		if !ok1 {
			out.singular++
			continue
		}
		real, shuffle := d.CorrectReal(naive), d.CorrectShuffle(shuf)
		out.realNaive += naive
		out.shuffleNaive += shuf
		out.real += real
		out.shuffle += shuffle
		sq[0] += real * real
		sq[1] += shuffle * shuffle
		sq[2] += (shuffle - real) * (shuffle - real)
		ok++
	}
	if ok == 0 {
		nan := math.NaN()
		return subsetStats{real: nan, realNaive: nan, shuffle: nan, shuffleNaive: nan, within: [3]float64{nan, nan, nan}, singular: out.singular}
	}
	k := float64(ok)
	out.real /= k
	out.realNaive /= k
	out.shuffle /= k
	out.shuffleNaive /= k
	out.within = [3]float64{math.NaN(), math.NaN(), math.NaN()}
	if ok > 1 {
		for q, m := range [3]float64{out.real, out.shuffle, out.shuffle - out.real} {
			out.within[q] = max(sq[q]-k*m*m, 0) / (k - 1)
		}
	}
	return out
}

// Comparison is a bootstrap test of a difference a - b of two estimates.
type Comparison struct {
	Diff   float64 // the estimate of a - b
	Lo, Hi float64 // its interval at Level
	Level  float64
	// P is the two-sided bootstrap p-value of "no difference": twice the
	// smaller fraction of the re-centred replicate differences on either side
	// of 0, with the +1 correction ((k + 1)/(B + 1)) so that it is never 0,
	// capped at 1. The interval excludes 0 when P < 1 - Level (up to the
	// resolution 1/B).
	P          float64
	Replicates int // replicate pairs used (finite in both)
}

// BootInterval returns the interval at level (e.g. 0.95) of an estimate est
// from its bootstrap replicates: the level's central quantiles of the
// replicates, shifted by est - median(replicates). The shift removes what
// is left of the bootstrap's own bias (Bootstrap resamples a population
// shrunk to the estimate's information, so it is small); the median rather
// than the mean keeps a few extreme replicates (a ratio whose denominator
// comes near 0) from moving the interval. NaN replicates are left out; with
// fewer than 2 finite ones, or est not finite, both ends are NaN.
func BootInterval(est float64, reps []float64, level float64) (lo, hi float64) {
	v := finiteSorted(reps)
	if len(v) < 2 || math.IsNaN(est) || math.IsInf(est, 0) {
		return math.NaN(), math.NaN()
	}
	shift := est - stat.Quantile(0.5, stat.LinInterp, v, nil)
	a := (1 - level) / 2
	return stat.Quantile(a, stat.LinInterp, v, nil) + shift, stat.Quantile(1-a, stat.LinInterp, v, nil) + shift
}

// BootSE returns the standard deviation of the finite replicates (the
// bootstrap standard error), NaN with fewer than 2.
func BootSE(reps []float64) float64 {
	v := finiteSorted(reps)
	if len(v) < 2 {
		return math.NaN()
	}
	return stat.StdDev(v, nil)
}

// Compare tests a - b from the estimates and their bootstrap replicates. The
// two must come from independent resamples (different trials, e.g. two
// blocks) or from the same resamples of the same trials (paired: repsA[r]
// and repsB[r] from replicate r); either way replicate r of the difference is
// repsA[r] - repsB[r], re-centred on estA - estB (by the median) as in
// BootInterval. Pairs with a NaN are left out.
func Compare(estA float64, repsA []float64, estB float64, repsB []float64, level float64) Comparison {
	if len(repsA) != len(repsB) {
		panic(fmt.Sprintf("fisher: Compare: %d and %d replicates", len(repsA), len(repsB)))
	}
	c := Comparison{Diff: estA - estB, Level: level, Lo: math.NaN(), Hi: math.NaN(), P: math.NaN()}
	var d []float64
	for r := range repsA {
		if x := repsA[r] - repsB[r]; !math.IsNaN(x) && !math.IsInf(x, 0) {
			d = append(d, x)
		}
	}
	c.Replicates = len(d)
	if len(d) < 2 || math.IsNaN(c.Diff) || math.IsInf(c.Diff, 0) {
		return c
	}
	c.Lo, c.Hi = BootInterval(c.Diff, d, level)
	slices.Sort(d)
	shift := c.Diff - stat.Quantile(0.5, stat.LinInterp, d, nil)
	var below, above int
	for _, x := range d {
		if x+shift <= 0 {
			below++
		}
		if x+shift >= 0 {
			above++
		}
	}
	c.P = min(1, 2*float64(min(below, above)+1)/float64(len(d)+1))
	return c
}

// Significant says whether the interval of the difference excludes 0.
func (c Comparison) Significant() bool { return c.Lo > 0 || c.Hi < 0 }

func finiteSorted(reps []float64) []float64 {
	v := make([]float64, 0, len(reps))
	for _, x := range reps {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	slices.Sort(v)
	return v
}

// RatioPct returns 100 gap/shuffle for the redundancy % of a population: the
// ratio of the mean gap to the mean I_shuffle (over subsets, or replicates),
// never a mean of per-subset ratios, which explode where a subset's I_shuffle
// is near 0. It is NaN unless shuffleLo, the lower end of I_shuffle's
// interval, is above 0: a percentage of an I_shuffle that is not clearly
// positive has no meaning.
func RatioPct(gap, shuffle, shuffleLo float64) float64 {
	if !(shuffleLo > 0) || !(shuffle > 0) {
		return math.NaN()
	}
	return 100 * gap / shuffle
}

// SubsetMeans returns the mean bias-corrected I_real and I_shuffle over count
// random subsets of size neurons drawn from the neurons of plus and minus
// (trials x neurons, ds apart, covariance pooled) that vary, with the
// subsets of seed (purpose rng.Subsets): what Stats.Subsets gives, at a cost
// of T x (the pairs the subsets hold) instead of T x N^2 for the whole
// covariance, for analyses that estimate many small groups of trials (and
// their bootstrap replicates, which may repeat trials). An error when there
// are too few trials or varying neurons; real and shuffle are NaN when every
// subset was singular.
func SubsetMeans(plus, minus *mat.Dense, ds float64, size, count int, seed uint64) (real, shuffle float64, err error) {
	tp, n := plus.Dims()
	tm, nm := minus.Dims()
	if nm != n {
		return math.NaN(), math.NaN(), fmt.Errorf("%w: shape mismatch: plus is %d x %d and minus %d x %d (trials x neurons)", ErrBadData, tp, n, tm, nm)
	}
	d := Design{N: size, TPlus: tp, TMinus: tm, DF: tp + tm - 2, DS: ds}
	if err := d.check(); err != nil {
		return math.NaN(), math.NaN(), err
	}
	if count < 1 {
		return math.NaN(), math.NaN(), fmt.Errorf("%w: %d subsets; ask for at least 1", ErrBadData, count)
	}
	t := tp + tm
	data := make([]float64, n*t)
	for i := range n {
		col := data[i*t : (i+1)*t]
		for k := range tp {
			col[k] = plus.At(k, i)
		}
		for k := range tm {
			col[tp+k] = minus.At(k, i)
		}
	}
	rp := newReplicate(n, tp, tm, ds)
	for k := range rp.draw {
		rp.draw[k] = k
	}
	rp.recompute(data)
	if len(rp.active) < size {
		return math.NaN(), math.NaN(), fmt.Errorf("%w: %d of %d neurons vary; subsets of %d need more", ErrBadData, len(rp.active), n, size)
	}
	// The subsets of Stats.Subsets: purpose Subsets, step j, from the
	// varying neurons.
	st := rng.New(seed)
	act := rp.active
	perm := make([]int, len(act))
	idx := make([]int, size)
	sym := make([]float64, size*size)
	f := make([]float64, size)
	var sr, ss float64
	ok := 0
	if size == len(act) {
		count = 1
	}
	for j := range count {
		drawSubsetP(st, rng.Subsets, uint64(j), act, perm, idx)
		var shuf float64
		for a, i := range idx {
			f[a] = rp.fprime[i]
			shuf += f[a] * f[a] / rp.variance[i]
			for b := a; b < size; b++ {
				sym[a*size+b] = rp.covAt(i, idx[b])
			}
		}
		naive, good := quadForm(size, sym, f)
		if !good {
			continue
		}
		sr += d.CorrectReal(naive)
		ss += d.CorrectShuffle(shuf)
		ok++
	}
	if ok == 0 {
		return math.NaN(), math.NaN(), nil
	}
	return sr / float64(ok), ss / float64(ok), nil
}

// quadForm returns f^T S^-1 f for the n x n symmetric S whose upper
// triangle is in sym (overwritten by its Cholesky factor U), and false when S
// is not positive definite or (max U_ii / min U_ii)^2, a lower bound on its
// condition number, exceeds maxCond. With S = U^T U, f^T S^-1 f = |y|^2 for
// U^T y = f. It calls LAPACK directly: mat.Cholesky estimates the exact
// condition number on every factorisation, which cost as much as the rest
// of a bootstrap. f is overwritten.
func quadForm(n int, sym, f []float64) (float64, bool) {
	u, ok := lapack64.Potrf(blas64.Symmetric{N: n, Stride: n, Data: sym, Uplo: blas.Upper})
	if !ok {
		return math.NaN(), false
	}
	lo, hi := math.Inf(1), 0.0
	for i := range n {
		d := math.Abs(u.Data[i*u.Stride+i])
		lo, hi = min(lo, d), max(hi, d)
	}
	if !(lo > 0) || (hi/lo)*(hi/lo) > maxCond {
		return math.NaN(), false
	}
	y := blas64.Vector{N: n, Inc: 1, Data: f}
	blas64.Trsv(blas.Trans, u, y)
	return floats.Dot(f, f), true
}
