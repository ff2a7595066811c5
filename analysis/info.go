package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/engine/rng"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// Defaults of the Fisher analysis of a block (InfoOptions, Options).
var (
	// DefaultSizes are the subset sizes reported besides the headline size:
	// Liu et al.'s monkeys R (14 units) and G (52 units).
	DefaultSizes = []int{14, 52}
	// DefaultSaturationSizes are the subset sizes over which the
	// information-limiting variance epsilon is fitted (those the trials
	// allow).
	DefaultSaturationSizes = []int{5, 10, 14, 20, 30, 40, 52}
)

// Defaults of the bootstrap over trials.
const (
	DefaultBootReplicates = 200 // replicates per block (info.csv)
	DefaultBootSubsets    = 10  // subsets per replicate and size
)

// minSaturationSizes is the number of sizes an epsilon fit needs.
const minSaturationSizes = 3

// InfoOptions are the choices of InfoRows.
type InfoOptions struct {
	// Subsets: Size is the headline subset size (0: fisher.DefaultSubsetSize),
	// Count the subsets per size (0: fisher.DefaultSubsets). The same seed is
	// used in every group, so groups with the same neurons use the same
	// subsets (paired comparisons across sessions).
	Subsets fisher.SubsetSpec
	// Sizes are further subset sizes (nil: DefaultSizes); a size the trials or
	// the neurons do not allow is left out with a note.
	Sizes []int
	// SaturationSizes are the sizes of the epsilon fit (nil:
	// DefaultSaturationSizes); NoSaturation skips the fit.
	SaturationSizes []int
	NoSaturation    bool
	// Boot is the bootstrap over trials; Replicates 0 for none (then no
	// interval over trials and no redundancy %). Its seed is offset by the
	// block index, so that blocks are resampled independently.
	Boot fisher.BootSpec
	// Window of bins summed per trial; the zero value means all bins.
	Window fisher.BinRange
	// Context, if set, cancels InfoRows, which then returns its error.
	Context context.Context
}

// SizeResult is the analysis at one subset size.
type SizeResult struct {
	N       int // neurons per subset
	Subsets int // subsets behind the estimates (1 when N is the whole pool)
	IReal   Value
	// IShuffle, Gap (I_shuffle - I_real, the redundancy) and RedundancyPct
	// (100 Gap/IShuffle from the subset means; NaN unless IShuffle's interval
	// over trials lies above 0).
	IShuffle, Gap, RedundancyPct Value
}

// InfoRow is the analysis of one (session, block, mode) group at one
// coherence: one line of info.csv (fisher.csv) per subset size.
type InfoRow struct {
	Session   int
	Block     int
	BlockName string
	Mode      string
	Coherence float64 // |c|; ds = 2c
	Neurons   int     // usable neurons (non-zero variance) the subsets were drawn from
	TPlus     int
	TMinus    int
	Window    fisher.BinRange

	Full     *fisher.Estimate // all usable neurons; nil when the trials do not allow it (FullNote)
	FullNote string

	Sizes []SizeResult // ascending N
	Main  int          // index in Sizes of the headline size (-1 when there is none)

	NoiseCorr Value   // mean pairwise noise correlation of the usable neurons
	Fano      float64 // median over neurons of the pooled within-class variance / mean of the counts
	// FanoBoot is Fano (Est) with its interval over trials: the replicates
	// draw the same trials as the information's replicates of the block
	// (fanoReps); no interval without a bootstrap.
	FanoBoot Value
	// Saturation is the fit 1/I(n) = 1/(a n) + epsilon over SaturationSizes
	// (nil when fewer than 3 sizes have positive information), Epsilon its
	// intercept, the information-limiting variance (coherence^2), with the
	// interval over trials.
	Saturation *fisher.Saturation
	Epsilon    Value
	Boot       fisher.BootSpec // the bootstrap behind the intervals (Replicates 0: none)
}

// MainSize returns the result at the headline size, nil when there is none.
func (r *InfoRow) MainSize() *SizeResult {
	if r.Main < 0 || r.Main >= len(r.Sizes) {
		return nil
	}
	return &r.Sizes[r.Main]
}

// Size returns the result at subset size n, nil when there is none.
func (r *InfoRow) Size(n int) *SizeResult {
	for k := range r.Sizes {
		if r.Sizes[k].N == n {
			return &r.Sizes[k]
		}
	}
	return nil
}

type groupKey struct {
	session, block int
	name, mode     string
}

// InfoRows is the Fisher analysis of a recording (docs/model.md section 8): for
// each (session, block, block name, mode) group, in order of first
// appearance, and each coherence c > 0 with both +c and -c recorded trials,
// the responses summed over opt.Window form trials x neurons matrices for +c
// and -c, with ds = 2c and covariance pooled over the two. Neurons with zero
// variance in a group are left out. The headline subset size is clipped to
// the usable neurons and to T - 5 for the smaller condition T; the further
// sizes are left out where they exceed either. Groups with too few trials for
// 2 neurons are skipped. notes says what was clipped or skipped.
func InfoRows(r fisher.Responses, trials []rundir.TrialRecord, opt InfoOptions) (rows []InfoRow, notes []string, err error) {
	spec, w, err := infoSettings(r, opt)
	if err != nil {
		return nil, nil, err
	}
	ctx := opt.Context
	if ctx == nil {
		ctx = context.Background()
	}
	order, groups, err := infoGroups(r, trials)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range order {
		g := groups[k]
		levels := make([]float64, 0, len(g))
		for c := range g {
			levels = append(levels, c)
		}
		slices.Sort(levels)
		for _, c := range levels {
			if err := ctx.Err(); err != nil {
				return rows, notes, err
			}
			l := g[c]
			where := fmt.Sprintf("session %d block %d (%s, %s) coherence %g", k.session, k.block, k.name, k.mode, c)
			notef := func(format string, a ...any) { notes = append(notes, where+": "+fmt.Sprintf(format, a...)) }
			if len(l.plus) == 0 || len(l.minus) == 0 {
				notef("skipped: %d trials at +c and %d at -c; both signs are needed", len(l.plus), len(l.minus))
				continue
			}
			t := min(len(l.plus), len(l.minus))
			if t < 7 {
				notef("skipped: T = %d trials per condition (T+ = %d, T- = %d) is too few for even 2 neurons (need T > N + 4)", t, len(l.plus), len(l.minus))
				continue
			}
			plus, minus := r.Sum(nil, l.plus, w), r.Sum(nil, l.minus, w)
			ls := spec
			ls.boot.Seed += uint64(k.block)
			ls.notef = notef
			row, ok, err := infoRow(ctx, plus, minus, 2*c, ls)
			if ctx.Err() != nil {
				return rows, notes, ctx.Err()
			}
			if err != nil {
				return rows, notes, fmt.Errorf("%s: %w", where, err)
			}
			if !ok {
				continue
			}
			row.Session, row.Block, row.BlockName, row.Mode = k.session, k.block, k.name, k.mode
			row.Coherence, row.TPlus, row.TMinus, row.Window = c, len(l.plus), len(l.minus), w
			rows = append(rows, row)
		}
	}
	return rows, notes, nil
}

// infoSettings fills opt's defaults and checks them: the infoSpec every
// row shares (notes aside) and the window of bins (every bin when
// opt.Window is zero).
func infoSettings(r fisher.Responses, opt InfoOptions) (infoSpec, fisher.BinRange, error) {
	spec := opt.Subsets
	if spec.Size == 0 {
		spec.Size = fisher.DefaultSubsetSize
	}
	if spec.Count == 0 {
		spec.Count = fisher.DefaultSubsets
	}
	w := opt.Window
	if spec.Size < 2 || spec.Count < 1 {
		return infoSpec{}, w, fmt.Errorf("%w: subsets of %d neurons, %d of them; ask for at least 2 neurons and 1 subset", fisher.ErrBadData, spec.Size, spec.Count)
	}
	extra := opt.Sizes
	if extra == nil {
		extra = DefaultSizes
	}
	satSizes := opt.SaturationSizes
	if satSizes == nil {
		satSizes = DefaultSaturationSizes
	}
	if opt.NoSaturation {
		satSizes = nil
	}
	for _, n := range append(slices.Clone(extra), satSizes...) {
		if n < 2 {
			return infoSpec{}, w, fmt.Errorf("%w: subset size %d; every size needs at least 2 neurons", fisher.ErrBadData, n)
		}
	}
	if opt.Boot.Replicates != 0 && (opt.Boot.Replicates < 2 || opt.Boot.Subsets < 1) {
		return infoSpec{}, w, fmt.Errorf("%w: a bootstrap of %d replicates with %d subsets each; ask for at least 2 replicates and 1 subset (or 0 replicates for none)", fisher.ErrBadData, opt.Boot.Replicates, opt.Boot.Subsets)
	}
	if w == (fisher.BinRange{}) {
		w = fisher.BinRange{Start: 0, End: r.Bins}
	}
	if w.Start < 0 || w.End > r.Bins || w.Start >= w.End {
		return infoSpec{}, w, fmt.Errorf("%w: bins %v outside the %d bins of the responses", fisher.ErrBadData, w, r.Bins)
	}
	return infoSpec{subsets: spec, extra: extra, satSizes: satSizes, boot: opt.Boot}, w, nil
}

// infoLevel is the rows of the trials at +c and at -c.
type infoLevel struct{ plus, minus []int }

// infoGroups groups the trials with a row by (session, block, block name,
// mode), in order of first appearance, and within each by coherence c > 0.
func infoGroups(r fisher.Responses, trials []rundir.TrialRecord) ([]groupKey, map[groupKey]map[float64]*infoLevel, error) {
	var order []groupKey
	groups := map[groupKey]map[float64]*infoLevel{}
	for _, t := range trials {
		if t.Row < 0 {
			continue
		}
		if t.Row >= r.Trials {
			return nil, nil, fmt.Errorf("%w: trial %d (session %d block %d) is row %d but the responses have %d trials", fisher.ErrBadData, t.Trial, t.Session, t.Block, t.Row, r.Trials)
		}
		k := groupKey{t.Session, t.Block, t.BlockName, t.Mode}
		g, ok := groups[k]
		if !ok {
			g = map[float64]*infoLevel{}
			groups[k] = g
			order = append(order, k)
		}
		if t.Coherence == 0 {
			continue
		}
		c := math.Abs(t.Coherence)
		l, ok := g[c]
		if !ok {
			l = &infoLevel{}
			g[c] = l
		}
		if t.Coherence > 0 {
			l.plus = append(l.plus, t.Row)
		} else {
			l.minus = append(l.minus, t.Row)
		}
	}
	return order, groups, nil
}

// infoSpec is what infoRow estimates for one block at one coherence: the
// subsets at the main size, the extra sizes reported, the sizes the
// saturation is fitted over, the bootstrap, and where notes go.
type infoSpec struct {
	subsets  fisher.SubsetSpec
	extra    []int
	satSizes []int
	boot     fisher.BootSpec
	notef    func(string, ...any)
}

// infoBlock holds one infoRow's data and estimates as its steps fill them.
type infoBlock struct {
	ctx         context.Context
	plus, minus *mat.Dense
	ds          float64
	spec        infoSpec
	s           *fisher.Stats
	pool        []int                       // the neurons that vary
	res         map[int]fisher.SubsetResult // by subset size
	b           *fisher.BootResult          // nil without a bootstrap
}

// infoRow analyses one block at one coherence (trials x neurons counts at
// +ds/2 and -ds/2); ok is false (with a note) when it has no estimate.
func infoRow(ctx context.Context, plus, minus *mat.Dense, ds float64, spec infoSpec) (InfoRow, bool, error) {
	row := InfoRow{Main: -1, Boot: spec.boot}
	s, err := fisher.NewStats(plus, minus, nil, ds, true)
	if err != nil {
		return row, false, err
	}
	ib := &infoBlock{ctx: ctx, plus: plus, minus: minus, ds: ds, spec: spec, s: s, pool: s.Active()}
	row.Neurons = len(ib.pool)
	sizes, sat, main, ok := ib.planSizes()
	if !ok {
		return row, false, nil
	}
	row.Main = slices.Index(sizes, main)
	all := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(sizes), sat...))))
	if err := ib.fullEstimate(&row); err != nil {
		return row, false, err
	}
	if ok, err := ib.subsetEstimates(all, main); !ok || err != nil {
		return row, false, err
	}
	if err := ib.bootstrap(all); err != nil {
		return row, false, err
	}
	row.Sizes, row.Main = ib.sizeResults(sizes, main)
	row.NoiseCorr = plainValue(s.NoiseCorrelation(ib.pool))
	if ib.b != nil {
		row.NoiseCorr.withReps(ib.b.NoiseCorr)
	}
	row.Fano = fano(plus, minus, ib.pool)
	row.FanoBoot = plainValue(row.Fano)
	if ib.b != nil {
		row.FanoBoot.withReps(fanoReps(plus, minus, ib.pool, spec.boot))
	}
	if err := ib.fitEpsilon(&row, sat); err != nil {
		return row, false, err
	}
	return row, true, nil
}

// planSizes returns the subset sizes to report (the main size, clipped to
// what the trials allow, and the extra sizes that fit), the saturation sizes
// that fit, and the main size; ok is false (with a note) when not even 2
// neurons can be analysed.
func (ib *infoBlock) planSizes() (sizes, sat []int, main int, ok bool) {
	spec, notef, pool := ib.spec.subsets, ib.spec.notef, ib.pool
	tp, _ := ib.plus.Dims()
	tm, _ := ib.minus.Dims()
	t := min(tp, tm)
	maxN := min(len(pool), t-5)
	main = min(spec.Size, maxN)
	if main < 2 {
		notef("skipped: %d neurons respond (non-zero variance) and T = %d trials per condition; need at least 2 neurons and T > n + 4", len(pool), t)
		return nil, nil, main, false
	}
	if main < spec.Size {
		notef("subset size clipped from %d to %d (N = %d usable neurons, T = %d trials per condition allows at most T - 5)", spec.Size, main, len(pool), t)
	}
	sizes = []int{main}
	for _, n := range ib.spec.extra {
		switch {
		case slices.Contains(sizes, n):
		case n > maxN:
			notef("no result at subset size %d: %d usable neurons and T = %d trials per condition (T+ = %d, T- = %d) allow at most %d (T must exceed n + 4 in each condition)", n, len(pool), t, tp, tm, maxN)
		default:
			sizes = append(sizes, n)
		}
	}
	slices.Sort(sizes)
	for _, n := range ib.spec.satSizes {
		if n <= maxN {
			sat = append(sat, n)
		}
	}
	return sizes, sat, main, true
}

// fullEstimate sets row's estimate over the whole pool, or the note why it
// has none.
func (ib *infoBlock) fullEstimate(row *InfoRow) error {
	full, err := ib.s.AnalyseContext(ib.ctx, fisher.EstimateOptions{Counts: true}, ib.pool)
	switch {
	case err == nil:
		row.Full = full.Full
	case errors.Is(err, fisher.ErrTooFewTrials):
		row.FullNote = err.Error()
	case errors.Is(err, fisher.ErrSingular):
		row.FullNote = err.Error()
	default:
		return err
	}
	return nil
}

// subsetEstimates estimates the subsets of each size of all into ib.res; a
// singular size is noted and left out, and ok is false when the main size
// is singular.
func (ib *infoBlock) subsetEstimates(all []int, main int) (ok bool, err error) {
	ib.res = map[int]fisher.SubsetResult{}
	for _, n := range all {
		sp := ib.spec.subsets
		sp.Size = n
		sr, err := ib.s.SubsetsContext(ib.ctx, sp, ib.pool)
		if err != nil {
			if errors.Is(err, fisher.ErrSingular) {
				if n == main {
					ib.spec.notef("skipped: %v", err)
					return false, nil
				}
				ib.spec.notef("no result at subset size %d: %v", n, err)
				continue
			}
			return false, err
		}
		ib.res[n] = sr
	}
	return true, nil
}

// bootstrap resamples the trials at the sizes of all that have an
// estimate, into ib.b (left nil without replicates).
func (ib *infoBlock) bootstrap(all []int) error {
	boot := ib.spec.boot
	if boot.Replicates <= 0 {
		return nil
	}
	bs := boot
	bs.EstimateSubsets = ib.spec.subsets.Count
	bs.NoiseCorr = true
	var have []int
	for _, n := range all {
		if _, ok := ib.res[n]; ok {
			have = append(have, n)
		}
	}
	b, err := fisher.BootstrapContext(ib.ctx, ib.plus, ib.minus, ib.ds, ib.pool, have, bs)
	if err != nil {
		return err
	}
	if b.Singular > 0 {
		ib.spec.notef("bootstrap: %d of %d subset estimates of the resampled trials left out as singular", b.Singular, boot.Replicates*boot.Subsets*len(have))
	}
	ib.b = b
	return nil
}

// bootIndex is the index of size n in the bootstrap's sizes; -1 without.
func (ib *infoBlock) bootIndex(n int) int {
	if ib.b == nil {
		return -1
	}
	return slices.Index(ib.b.Sizes, n)
}

// sizeResults returns the results at the sizes that have an estimate, with
// the bootstrap's intervals, and the index of the main size among them (-1
// when it has none).
func (ib *infoBlock) sizeResults(sizes []int, main int) ([]SizeResult, int) {
	reps := func(q [][]float64, n int) []float64 {
		if k := ib.bootIndex(n); k >= 0 {
			return q[k]
		}
		return nil
	}
	var out []SizeResult
	for _, n := range sizes {
		sr, ok := ib.res[n]
		if !ok {
			continue
		}
		var bReal, bShuf, bGap [][]float64
		if ib.b != nil {
			bReal, bShuf, bGap = ib.b.Real, ib.b.Shuffle, ib.b.Gap
		}
		r := SizeResult{N: n, Subsets: sr.Count,
			IReal:    subsetValue(sr.Real, reps(bReal, n)),
			IShuffle: subsetValue(sr.Shuffle, reps(bShuf, n)),
			Gap:      subsetValue(sr.Redundancy, reps(bGap, n)),
		}
		r.RedundancyPct = pctValue(r.Gap, r.IShuffle)
		out = append(out, r)
	}
	at := -1
	for k := range out {
		if out[k].N == main {
			at = k
		}
	}
	return out, at
}

// fitEpsilon fits the information-limiting variance over the saturation
// sizes sat with positive information, with the bootstrap's interval.
func (ib *infoBlock) fitEpsilon(row *InfoRow, sat []int) error {
	row.Epsilon = nanValue()
	var fitN []int
	var fitI []float64
	for _, n := range sat {
		if sr, ok := ib.res[n]; ok && sr.Real.Mean > 0 {
			fitN = append(fitN, n)
			fitI = append(fitI, sr.Real.Mean)
		}
	}
	switch {
	case len(sat) == 0:
		return nil
	case len(fitN) < minSaturationSizes:
		ib.spec.notef("no epsilon fit: I_real > 0 at %d of the subset sizes %v; the fit needs %d", len(fitN), sat, minSaturationSizes)
		return nil
	}
	fit, err := fisher.FitSaturation(fitN, fitI)
	if err != nil {
		return err
	}
	row.Saturation = &fit
	row.Epsilon = plainValue(fit.Epsilon)
	if ib.b == nil {
		return nil
	}
	er := make([]float64, ib.spec.boot.Replicates)
	info := make([]float64, len(fitN))
	for r := range er {
		er[r] = math.NaN()
		ok := true
		for k, n := range fitN {
			info[k] = ib.b.Real[ib.bootIndex(n)][r]
			ok = ok && info[k] > 0
		}
		if ok {
			if f, err := fisher.FitSaturation(fitN, info); err == nil {
				er[r] = f.Epsilon
			}
		}
	}
	row.Epsilon.withReps(er)
	return nil
}

// fano returns the median over the neurons of pool with a positive mean of
// the Fano factor of the counts: the variance within each condition (pooled,
// each centred on its own mean) over the mean.
func fano(plus, minus *mat.Dense, pool []int) float64 {
	tp, _ := plus.Dims()
	tm, _ := minus.Dims()
	var f []float64
	col := func(m *mat.Dense, i int) (mean, ss float64) {
		n, _ := m.Dims()
		for k := range n {
			mean += m.At(k, i)
		}
		mean /= float64(n)
		for k := range n {
			d := m.At(k, i) - mean
			ss += d * d
		}
		return mean, ss
	}
	for _, i := range pool {
		mp, sp := col(plus, i)
		mm, sm := col(minus, i)
		mean := (mp*float64(tp) + mm*float64(tm)) / float64(tp+tm)
		if mean > 0 {
			f = append(f, (sp+sm)/float64(tp+tm-2)/mean)
		}
	}
	if len(f) == 0 {
		return math.NaN()
	}
	return median(f)
}

// fanoReps returns the median Fano factor (fano) of each bootstrap replicate
// of spec: replicate r draws the trials that fisher.Bootstrap's replicate r
// draws with the same seed (purpose rng.Bootstrap, step r, element = trial
// slot, + trials first), so its replicates pair with the information's.
func fanoReps(plus, minus *mat.Dense, pool []int, spec fisher.BootSpec) []float64 {
	tp, n := plus.Dims()
	tm, _ := minus.Dims()
	st := rng.New(spec.Seed)
	rp := mat.NewDense(tp, n, nil)
	rm := mat.NewDense(tm, n, nil)
	reps := make([]float64, spec.Replicates)
	for r := range reps {
		for k := range tp + tm {
			w := st.Block(rng.Bootstrap, uint64(r), uint32(k))
			if k < tp {
				rp.SetRow(k, plus.RawRowView(min(int(rng.Float64(w[0], w[1])*float64(tp)), tp-1)))
			} else {
				rm.SetRow(k-tp, minus.RawRowView(min(int(rng.Float64(w[0], w[1])*float64(tm)), tm-1)))
			}
		}
		reps[r] = fano(rp, rm, pool)
	}
	return reps
}

// median returns the median of v (the mean of the middle two for an even
// count); v is sorted in place.
func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
