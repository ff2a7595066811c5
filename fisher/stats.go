package fisher

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"unsafe"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/recording"
	"gonum.org/v1/gonum/stat"

	"github.com/iplgpu/iplgpu/engine/rng"
	"github.com/iplgpu/iplgpu/internal/sysmem"
)

// The kinds of bad data; every error the package returns for data wraps one, so
// callers can tell them apart with errors.Is.
var (
	ErrBadData      = recording.ErrBadData
	ErrTooFewTrials = errors.New("too few trials")
	ErrSingular     = errors.New("singular covariance")
	// ErrNegativeCount is the ErrBadData of a negative value where counts were
	// expected (the counts check of NewStats).
	ErrNegativeCount = fmt.Errorf("%w: negative count", ErrBadData)
)

// maxCond is the condition number above which a covariance counts as singular:
// beyond it the solve loses all but a few digits of f'^T S^-1 f'.
const maxCond = 1e13

// Stats holds the sufficient statistics of two conditions: f' and the unbiased
// noise covariance of all neurons. Estimates for any subset of neurons are taken
// from them (a subset's covariance is the submatrix), so the O(T N^2) covariance
// is computed once however many subsets follow.
type Stats struct {
	N      int           // neurons
	TPlus  int           // trials in the + condition
	TMinus int           // trials in the - condition
	TZero  int           // zero-coherence trials behind Cov; 0 when pooled
	DF     int           // degrees of freedom of Cov
	DS     float64       // stimulus difference
	FPrime []float64     // (mean(+) - mean(-))/ds, per neuron
	Cov    *mat.SymDense // noise covariance (pooled, or of the zero trials), divided by DF

	silent []bool // neurons with zero variance
}

// NewStats computes f' and the noise covariance of plus and minus (trials x
// neurons each; T+ and T- may differ) for the stimulus difference ds. The
// covariance is pooled over the two conditions, each centred on its own mean,
// unless zero (zero-coherence trials x neurons) is given: then it is the
// covariance of zero alone. With counts set, negative values are errors. The
// inputs are not modified.
//
// NewStats checks shapes and values; the trial count against the number of
// neurons is checked by the estimates, which may use subsets.
func NewStats(plus, minus, zero *mat.Dense, ds float64, counts bool) (*Stats, error) {
	if plus == nil || minus == nil {
		panic("fisher: NewStats: nil plus or minus")
	}
	tp, n := plus.Dims()
	tm, nm := minus.Dims()
	if nm != n {
		return nil, fmt.Errorf("%w: shape mismatch: plus is %d x %d and minus %d x %d (trials x neurons); both need the same neurons as columns", ErrBadData, tp, n, tm, nm)
	}
	var t0 int
	if zero != nil {
		var nz int
		t0, nz = zero.Dims()
		if nz != n {
			return nil, fmt.Errorf("%w: shape mismatch: plus and minus have %d neurons but zero is %d x %d (trials x neurons); it needs the same neurons as columns", ErrBadData, n, t0, nz)
		}
	}
	if err := CheckDS(ds); err != nil {
		return nil, err
	}
	if tp < 2 || tm < 2 {
		return nil, fmt.Errorf("%w: T+ = %d and T- = %d trials; each condition needs at least 2 (and more than N + 4 for N neurons)", ErrTooFewTrials, tp, tm)
	}
	if zero != nil && t0 < 2 {
		return nil, fmt.Errorf("%w: %d zero-coherence trials; the covariance needs at least 2 (and more than N + 4 for N neurons)", ErrTooFewTrials, t0)
	}
	for _, c := range []struct {
		name string
		m    *mat.Dense
	}{{"plus", plus}, {"minus", minus}, {"zero", zero}} {
		if c.m != nil {
			if err := checkValues(c.name, c.m, counts); err != nil {
				return nil, err
			}
		}
	}

	s := &Stats{N: n, TPlus: tp, TMinus: tm, TZero: t0, DS: ds}
	mp := colMeans(plus)
	mm := colMeans(minus)
	s.FPrime = make([]float64, n)
	for i := range s.FPrime {
		s.FPrime[i] = (mp[i] - mm[i]) / ds
		if math.IsInf(s.FPrime[i], 0) {
			return nil, fmt.Errorf("%w: neuron %d: the mean response difference %g over ds = %g overflows float64; rescale the responses or give ds in smaller units", ErrBadData, i, mp[i]-mm[i], ds)
		}
	}
	scale := make([]float64, n)
	for i := range scale {
		scale[i] = max(math.Abs(mp[i]), math.Abs(mm[i]))
	}
	if zero == nil {
		s.DF = tp + tm - 2
		s.Cov = covariance([]*mat.Dense{plus, minus}, [][]float64{mp, mm}, s.DF)
	} else {
		mz := colMeans(zero)
		s.DF = t0 - 1
		s.Cov = covariance([]*mat.Dense{zero}, [][]float64{mz}, s.DF)
		for i := range scale {
			scale[i] = max(scale[i], math.Abs(mz[i]))
		}
	}
	// A constant neuron's residuals are exactly 0 for counts but may be rounding
	// dust for real values, hence the relative threshold.
	s.silent = make([]bool, n)
	raw := s.Cov.RawSymmetric()
	for i := range n {
		v := raw.Data[i*raw.Stride+i]
		s.silent[i] = !(v > 1e-24*scale[i]*scale[i])
	}
	return s, nil
}

// CheckDS refuses a stimulus difference that is not a positive number, or so
// small that information in 1/ds^2 units overflows float64 (ds^2 underflows
// below about 1e-308): the estimates would be infinite.
func CheckDS(ds float64) error {
	if !(ds > 0) || math.IsInf(ds, 0) {
		return fmt.Errorf("%w: ds = %v; the stimulus difference between the conditions must be a positive number", ErrBadData, ds)
	}
	if ds < MinDS {
		return fmt.Errorf("%w: ds = %v is too small: information is in units of 1/ds^2, which overflows float64 below ds = %g; give the stimulus in larger units", ErrBadData, ds, MinDS)
	}
	return nil
}

// MinDS is the smallest stimulus difference whose 1/ds^2 is a float64 with
// room to spare (1e300).
const MinDS = 1e-150

// checkValues reports the first NaN, infinity, (for counts) negative value,
// or a value so large that the covariance's sums of squares of its m.Rows
// trials would overflow float64 (they would come out infinite, and the neuron
// reported as having zero variance).
func checkValues(name string, m *mat.Dense, counts bool) error {
	raw := m.RawMatrix()
	maxAbs := math.Sqrt(math.MaxFloat64/float64(4*raw.Rows)) / 4
	for t := range raw.Rows {
		row := raw.Data[t*raw.Stride : t*raw.Stride+raw.Cols]
		for i, v := range row {
			switch {
			case math.IsNaN(v) || math.IsInf(v, 0):
				return fmt.Errorf("%w: %s trial %d neuron %d is %v; remove or impute missing values before the analysis", ErrBadData, name, t, i, v)
			case counts && v < 0:
				return fmt.Errorf("%w: %s trial %d neuron %d is %v; pass spike counts, or turn the counts check off for signed responses such as z-scores", ErrNegativeCount, name, t, i, v)
			case math.Abs(v) > maxAbs:
				return fmt.Errorf("%w: %s trial %d neuron %d is %v: beyond %.3g in magnitude the covariance of %d trials overflows float64; rescale the responses", ErrBadData, name, t, i, v, maxAbs, raw.Rows)
			}
		}
	}
	return nil
}

// colMeans returns the mean of each column.
func colMeans(m *mat.Dense) []float64 {
	raw := m.RawMatrix()
	mean := make([]float64, raw.Cols)
	for t := range raw.Rows {
		row := raw.Data[t*raw.Stride : t*raw.Stride+raw.Cols]
		for i, v := range row {
			mean[i] += v
		}
	}
	for i := range mean {
		mean[i] /= float64(raw.Rows)
	}
	return mean
}

// covariance returns sum_b (X_b - mean_b)^T (X_b - mean_b) / df. The centred
// rows of all blocks are stacked and multiplied in one Gemm: gonum's Dgemm runs
// in parallel where Dsyrk does not, which outweighs its doing twice the flops on
// 2 or more cores (see BenchmarkCovariance).
func covariance(blocks []*mat.Dense, means [][]float64, df int) *mat.SymDense {
	var rows int
	_, n := blocks[0].Dims()
	for _, b := range blocks {
		r, _ := b.Dims()
		rows += r
	}
	xc := make([]float64, rows*n)
	r := 0
	for b, x := range blocks {
		raw := x.RawMatrix()
		mu := means[b]
		for t := range raw.Rows {
			src := raw.Data[t*raw.Stride : t*raw.Stride+n]
			dst := xc[r*n : (r+1)*n]
			for i, v := range src {
				dst[i] = v - mu[i]
			}
			r++
		}
	}
	c := make([]float64, n*n)
	x := blas64.General{Rows: rows, Cols: n, Stride: n, Data: xc}
	blas64.Gemm(blas.Trans, blas.NoTrans, 1/float64(df), x, x, 0, blas64.General{Rows: n, Cols: n, Stride: n, Data: c})
	return mat.NewSymDense(n, c)
}

// design returns the design of an estimate on n of the neurons.
func (s *Stats) design(n int) Design {
	return Design{N: n, TPlus: s.TPlus, TMinus: s.TMinus, TZero: s.TZero, DF: s.DF, DS: s.DS}
}

// Active returns the neurons with non-zero variance: the ones an estimate can
// use. A neuron with the same response on every trial makes any covariance that
// holds it singular.
func (s *Stats) Active() []int {
	var a []int
	for i, q := range s.silent {
		if !q {
			a = append(a, i)
		}
	}
	return a
}

// Estimate is the information in one population of neurons. Information is in
// units of 1/ds^2 (ds in the units of the stimulus variable).
type Estimate struct {
	Design
	RealNaive     float64 // f'^T S^-1 f'
	Real          float64 // I_real, bias-corrected
	RealVar       float64 // variance of Real (Design.RealVariance at Real)
	ShuffleNaive  float64 // sum_i f_i'^2 / S_ii
	Shuffle       float64 // I_shuffle, bias-corrected
	Redundancy    float64 // Shuffle - Real
	RedundancyPct float64 // 100 Redundancy / Shuffle
}

// workspace holds the buffers of one estimate, reused across subsets.
type workspace struct {
	sym  []float64
	f, x []float64
	chol mat.Cholesky
}

func (w *workspace) grow(n int) {
	if cap(w.sym) < n*n {
		w.sym = make([]float64, n*n)
		w.f = make([]float64, n)
		w.x = make([]float64, n)
	}
	w.sym, w.f, w.x = w.sym[:n*n], w.f[:n], w.x[:n]
}

// Estimate returns the estimates for all neurons.
func (s *Stats) Estimate() (Estimate, error) {
	idx := make([]int, s.N)
	for i := range idx {
		idx[i] = i
	}
	return s.estimate(idx, new(workspace))
}

// EstimateSubset returns the estimates for the neurons idx (distinct, in
// [0, N); out-of-range or repeated indices panic).
func (s *Stats) EstimateSubset(idx []int) (Estimate, error) {
	seen := make([]bool, s.N)
	for _, i := range idx {
		if i < 0 || i >= s.N || seen[i] {
			panic(fmt.Sprintf("fisher: EstimateSubset: index %d out of range [0, %d) or repeated", i, s.N))
		}
		seen[i] = true
	}
	return s.estimate(idx, new(workspace))
}

func (s *Stats) estimate(idx []int, ws *workspace) (Estimate, error) {
	n := len(idx)
	e := Estimate{Design: s.design(n)}
	if n == 0 {
		panic("fisher: estimate of no neurons")
	}
	if err := e.check(); err != nil {
		return e, err
	}
	ws.grow(n)
	raw := s.Cov.RawSymmetric()
	var shuffle float64
	for a, i := range idx {
		if s.silent[i] {
			return e, fmt.Errorf("%w: neuron %d has zero variance (the same response on every trial); drop it (Stats.Active lists the usable neurons)", ErrSingular, i)
		}
		f := s.FPrime[i]
		ws.f[a] = f
		shuffle += f * f / raw.Data[i*raw.Stride+i]
		for b := a; b < n; b++ {
			j := idx[b]
			ws.sym[a*n+b] = raw.Data[min(i, j)*raw.Stride+max(i, j)]
		}
	}
	if !ws.chol.Factorize(mat.NewSymDense(n, ws.sym)) {
		return e, s.singular(n, math.Inf(1))
	}
	if c := ws.chol.Cond(); c > maxCond {
		return e, s.singular(n, c)
	}
	fv := mat.NewVecDense(n, ws.f)
	xv := mat.NewVecDense(n, ws.x)
	if err := ws.chol.SolveVecTo(xv, fv); err != nil {
		return e, s.singular(n, ws.chol.Cond())
	}
	e.RealNaive = mat.Dot(fv, xv)
	if math.IsInf(e.RealNaive, 0) || math.IsInf(shuffle, 0) {
		return e, fmt.Errorf("%w: the information of %d neurons overflows float64 (f' of order %.3g in 1/ds units); rescale the responses or give ds in larger units", ErrBadData, n, maxAbsOf(ws.f))
	}
	e.Real = e.CorrectReal(e.RealNaive)
	e.RealVar = e.RealVariance(e.Real)
	e.ShuffleNaive = shuffle
	e.Shuffle = e.CorrectShuffle(shuffle)
	e.Redundancy = e.Shuffle - e.Real
	e.RedundancyPct = 100 * e.Redundancy / e.Shuffle
	return e, nil
}

func (s *Stats) singular(n int, cond float64) error {
	from := fmt.Sprintf("T+ = %d, T- = %d trials", s.TPlus, s.TMinus)
	if s.TZero > 0 {
		from = fmt.Sprintf("T0 = %d zero-coherence trials", s.TZero)
	}
	c := "not positive definite"
	if !math.IsInf(cond, 1) {
		c = fmt.Sprintf("condition number %.3g", cond)
	}
	return fmt.Errorf("%w: the noise covariance of N = %d neurons from %s is singular or nearly so (%s); use fewer neurons or more trials, or drop neurons whose responses copy or sum others", ErrSingular, n, from, c)
}

// NoiseCorrelation returns the mean Pearson correlation of the residuals (each
// condition centred on its own mean; the zero-coherence trials when Stats was
// built from them) over the pairs of neurons in pool (nil: all) with non-zero
// variance; NaN when there is no such pair.
func (s *Stats) NoiseCorrelation(pool []int) float64 {
	if pool == nil {
		pool = s.Active()
	}
	raw := s.Cov.RawSymmetric()
	var sum float64
	var pairs int
	for a, i := range pool {
		if s.silent[i] {
			continue
		}
		for _, j := range pool[a+1:] {
			if s.silent[j] {
				continue
			}
			lo, hi := min(i, j), max(i, j)
			sum += raw.Data[lo*raw.Stride+hi] / math.Sqrt(raw.Data[i*raw.Stride+i]*raw.Data[j*raw.Stride+j])
			pairs++
		}
	}
	if pairs == 0 {
		return math.NaN()
	}
	return sum / float64(pairs)
}

// SubsetSpec asks for Count random subsets of Size neurons drawn with Seed.
type SubsetSpec struct {
	Size  int
	Count int
	Seed  uint64
}

// Interval summarises a quantity over subsets: its mean and the 16th and 84th
// percentiles (the 68% interval).
type Interval struct {
	Mean, Lo, Hi float64
}

// SubsetResult holds the estimates over random subsets.
type SubsetResult struct {
	Size  int    // neurons per subset
	Count int    // subsets drawn (1 when Size is the whole pool)
	Seed  uint64 // seed of the draw
	Pool  int    // neurons drawn from

	RealNaive, Real, ShuffleNaive, Shuffle, Redundancy Interval
	// RedundancyPct is 100 Redundancy.Mean/Shuffle.Mean, the ratio of the
	// means (never a mean of per-subset ratios, which explode where a subset's
	// I_shuffle is near 0); whether I_shuffle is clearly above 0 needs an
	// interval over trials (RatioPct with a Bootstrap).
	RedundancyPct float64

	Estimates []Estimate // per subset, in draw order
}

// Subsets returns the estimates over spec.Count random subsets of spec.Size
// neurons drawn without replacement from pool (nil: Active()). Subset k is a
// partial Fisher-Yates shuffle of pool driven by the Philox stream of the seed
// (purpose rng.Subsets, step k), so a subset does not depend on the others or on
// the number of goroutines. When Size equals the pool there is one subset.
func (s *Stats) Subsets(spec SubsetSpec, pool []int) (SubsetResult, error) {
	return s.SubsetsContext(context.Background(), spec, pool)
}

// estimateBytes is the memory of one subset's estimate and its bookkeeping
// in Subsets: the Estimate, its error slot and two float64 copies per
// summarised quantity.
var estimateBytes = int64(unsafe.Sizeof(Estimate{})) + 16 + 16

// SubsetsBytes is the memory Subsets needs for count subsets, to check a
// request before any work (sysmem.Check).
func SubsetsBytes(count int) int64 { return sysmem.Mul(float64(count), float64(estimateBytes)) }

// SubsetsContext is Subsets that stops when ctx is cancelled, returning ctx's
// error. A count whose estimates would not fit in memory is refused (with
// ErrBadData) before anything is allocated.
func (s *Stats) SubsetsContext(ctx context.Context, spec SubsetSpec, pool []int) (SubsetResult, error) {
	if pool == nil {
		pool = s.Active()
	}
	res := SubsetResult{Size: spec.Size, Count: spec.Count, Seed: spec.Seed, Pool: len(pool)}
	if spec.Size < 1 || spec.Size > len(pool) {
		return res, fmt.Errorf("%w: subsets of %d neurons from %d usable neurons; the subset size must be between 1 and %d", ErrBadData, spec.Size, len(pool), len(pool))
	}
	if spec.Count < 1 {
		return res, fmt.Errorf("%w: %d subsets asked for; ask for at least 1", ErrBadData, spec.Count)
	}
	if spec.Size == len(pool) {
		res.Count = 1
	}
	if err := s.design(spec.Size).check(); err != nil {
		return res, err
	}
	if err := sysmem.Check(SubsetsBytes(res.Count), fmt.Sprintf("the estimates of %d subsets", res.Count)); err != nil {
		return res, fmt.Errorf("%w: %v: ask for fewer subsets", ErrBadData, err)
	}
	res.Estimates = make([]Estimate, res.Count)
	errs := make([]error, res.Count)
	st := rng.New(spec.Seed)
	workers := min(runtime.GOMAXPROCS(0), res.Count)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			ws := new(workspace)
			perm := make([]int, len(pool))
			idx := make([]int, spec.Size)
			for k := w; k < res.Count; k += workers {
				if err := ctx.Err(); err != nil {
					errs[k] = err
					return
				}
				drawSubsetP(st, rng.Subsets, uint64(k), pool, perm, idx)
				res.Estimates[k], errs[k] = s.estimate(idx, ws)
				if errs[k] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	for k, err := range errs {
		if err != nil {
			return res, fmt.Errorf("subset %d of %d neurons: %w", k, spec.Size, err)
		}
	}
	get := func(f func(e *Estimate) float64) Interval {
		v := make([]float64, len(res.Estimates))
		for k := range res.Estimates {
			v[k] = f(&res.Estimates[k])
		}
		return summarise(v)
	}
	res.RealNaive = get(func(e *Estimate) float64 { return e.RealNaive })
	res.Real = get(func(e *Estimate) float64 { return e.Real })
	res.ShuffleNaive = get(func(e *Estimate) float64 { return e.ShuffleNaive })
	res.Shuffle = get(func(e *Estimate) float64 { return e.Shuffle })
	res.Redundancy = get(func(e *Estimate) float64 { return e.Redundancy })
	res.RedundancyPct = 100 * res.Redundancy.Mean / res.Shuffle.Mean
	return res, nil
}

// drawSubsetP writes into idx (sorted) the first len(idx) elements of a
// partial Fisher-Yates shuffle of pool driven by step k of the purpose's
// stream; perm is scratch of len(pool).
func drawSubsetP(st rng.Stream, purpose rng.Purpose, k uint64, pool, perm, idx []int) {
	copy(perm, pool)
	p := len(pool)
	for i := range idx {
		w := st.Block(purpose, k, uint32(i))
		j := i + min(int(rng.Float64(w[0], w[1])*float64(p-i)), p-i-1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	copy(idx, perm[:len(idx)])
	slices.Sort(idx)
}

// summarise returns the mean and the 16th-84th percentile interval of v.
func summarise(v []float64) Interval {
	sorted := slices.Clone(v)
	slices.Sort(sorted)
	return Interval{
		Mean: stat.Mean(v, nil),
		Lo:   stat.Quantile(0.16, stat.LinInterp, sorted, nil),
		Hi:   stat.Quantile(0.84, stat.LinInterp, sorted, nil),
	}
}

// Saturation describes how I_real grows with the number of neurons n, fitted as
//
//	1/I(n) = 1/(a n) + 1/I_inf,
//
// the form taken by information-limiting (differential) correlations: with
// C = C0 + epsilon f' f'^T, I = I0/(1 + epsilon I0), so 1/I = 1/I0 + epsilon,
// and I0 grows about linearly in n. Epsilon = 1/I_inf is then the variance of
// the noise along f' that no decoder can remove (in ds^2 units); it is the
// information-limiting part of the covariance.
type Saturation struct {
	Sizes   []int     // population sizes n
	Info    []float64 // I(n): mean bias-corrected I_real over subsets of size n
	Slope   float64   // a, information per neuron at small n (1/ds^2)
	IInf    float64   // I_inf = 1/Epsilon, +Inf when Epsilon <= 0 (no saturation seen)
	Epsilon float64   // fitted intercept of 1/I against 1/n (ds^2); may be <= 0 by noise
}

// FitSaturation fits 1/I(n) = 1/(a n) + epsilon by least squares in (1/n, 1/I)
// over at least two distinct sizes with positive information.
func FitSaturation(sizes []int, info []float64) (Saturation, error) {
	if len(sizes) != len(info) {
		panic(fmt.Sprintf("fisher: FitSaturation: %d sizes but %d values", len(sizes), len(info)))
	}
	sat := Saturation{Sizes: slices.Clone(sizes), Info: slices.Clone(info)}
	x := make([]float64, len(sizes))
	y := make([]float64, len(sizes))
	for k, n := range sizes {
		if n < 1 || !(info[k] > 0) || math.IsInf(info[k], 0) {
			return sat, fmt.Errorf("%w: I(%d) = %v; the saturation fit needs positive information at every size (use larger subsets or more trials)", ErrBadData, n, info[k])
		}
		x[k] = 1 / float64(n)
		y[k] = 1 / info[k]
	}
	if len(slices.Compact(slices.Sorted(slices.Values(sizes)))) < 2 {
		return sat, fmt.Errorf("%w: sizes %v; the saturation fit needs at least two distinct population sizes", ErrBadData, sizes)
	}
	c, b := stat.LinearRegression(x, y, nil, false)
	sat.Slope = 1 / b
	sat.Epsilon = c
	sat.IInf = math.Inf(1)
	if c > 0 {
		sat.IInf = 1 / c
	}
	return sat, nil
}

// Saturation measures I(n) as the mean bias-corrected I_real over count random
// subsets of each size (drawn from pool, nil: Active()) and fits it with
// FitSaturation.
func (s *Stats) Saturation(sizes []int, count int, seed uint64, pool []int) (Saturation, error) {
	info := make([]float64, len(sizes))
	for k, n := range sizes {
		r, err := s.Subsets(SubsetSpec{Size: n, Count: count, Seed: seed + uint64(k)}, pool)
		if err != nil {
			return Saturation{}, err
		}
		info[k] = r.Real.Mean
	}
	return FitSaturation(sizes, info)
}

// EstimateOptions are the choices of Analyse beyond the data.
type EstimateOptions struct {
	Counts  bool       // the data are counts: negative values are errors
	Subsets SubsetSpec // random subsets; Size 0 for none
}

// Result is the analysis of two conditions.
type Result struct {
	Window    BinRange      // bins summed (set by TimeCourse)
	Full      *Estimate     // all neurons; nil when there are too few trials for them (FullNote says so)
	FullNote  string        // why Full is nil
	Subsets   *SubsetResult // nil when no subsets were asked for
	NoiseCorr float64       // mean pairwise noise correlation of the usable neurons
}

// Analyse computes the full-population estimate, the subset estimates when
// opt.Subsets.Size > 0, and the mean noise correlation of plus and minus
// (trials x neurons) with zero-coherence covariance from zero when not nil.
// When there are too few trials for all neurons but subsets were asked for,
// Full is nil and FullNote says why; without subsets that is an error.
func Analyse(plus, minus, zero *mat.Dense, ds float64, opt EstimateOptions) (Result, error) {
	s, err := NewStats(plus, minus, zero, ds, opt.Counts)
	if err != nil {
		return Result{}, err
	}
	return s.Analyse(opt, nil)
}

// Analyse is the package's Analyse on the neurons pool (nil: all of them) of
// the statistics already computed: the full-pool estimate, the subsets when
// opt.Subsets.Size > 0, and the mean noise correlation of the pool.
func (s *Stats) Analyse(opt EstimateOptions, pool []int) (Result, error) {
	return s.AnalyseContext(context.Background(), opt, pool)
}

// AnalyseContext is Analyse that stops when ctx is cancelled (between subset
// estimates), returning ctx's error.
func (s *Stats) AnalyseContext(ctx context.Context, opt EstimateOptions, pool []int) (Result, error) {
	var res Result
	var full Estimate
	var err error
	if pool == nil {
		full, err = s.Estimate()
	} else {
		full, err = s.estimate(pool, new(workspace))
	}
	switch {
	case err == nil:
		res.Full = &full
	case opt.Subsets.Size > 0 && errors.Is(err, ErrTooFewTrials):
		res.FullNote = err.Error()
	default:
		return res, err
	}
	if opt.Subsets.Size > 0 {
		sub, err := s.SubsetsContext(ctx, opt.Subsets, pool)
		if err != nil {
			return res, err
		}
		res.Subsets = &sub
	}
	res.NoiseCorr = s.NoiseCorrelation(pool)
	return res, nil
}

func maxAbsOf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, math.Abs(x))
	}
	return m
}
