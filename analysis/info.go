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
	spec := opt.Subsets
	if spec.Size == 0 {
		spec.Size = fisher.DefaultSubsetSize
	}
	if spec.Count == 0 {
		spec.Count = fisher.DefaultSubsets
	}
	if spec.Size < 2 || spec.Count < 1 {
		return nil, nil, fmt.Errorf("%w: subsets of %d neurons, %d of them; ask for at least 2 neurons and 1 subset", fisher.ErrBadData, spec.Size, spec.Count)
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
			return nil, nil, fmt.Errorf("%w: subset size %d; every size needs at least 2 neurons", fisher.ErrBadData, n)
		}
	}
	if opt.Boot.Replicates != 0 && (opt.Boot.Replicates < 2 || opt.Boot.Subsets < 1) {
		return nil, nil, fmt.Errorf("%w: a bootstrap of %d replicates with %d subsets each; ask for at least 2 replicates and 1 subset (or 0 replicates for none)", fisher.ErrBadData, opt.Boot.Replicates, opt.Boot.Subsets)
	}
	ctx := opt.Context
	if ctx == nil {
		ctx = context.Background()
	}
	w := opt.Window
	if w == (fisher.BinRange{}) {
		w = fisher.BinRange{Start: 0, End: r.Bins}
	}
	if w.Start < 0 || w.End > r.Bins || w.Start >= w.End {
		return nil, nil, fmt.Errorf("%w: bins %v outside the %d bins of the responses", fisher.ErrBadData, w, r.Bins)
	}

	type level struct{ plus, minus []int }
	var order []groupKey
	groups := map[groupKey]map[float64]*level{}
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
			g = map[float64]*level{}
			groups[k] = g
			order = append(order, k)
		}
		if t.Coherence == 0 {
			continue
		}
		c := math.Abs(t.Coherence)
		l, ok := g[c]
		if !ok {
			l = &level{}
			g[c] = l
		}
		if t.Coherence > 0 {
			l.plus = append(l.plus, t.Row)
		} else {
			l.minus = append(l.minus, t.Row)
		}
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
			boot := opt.Boot
			boot.Seed += uint64(k.block)
			row, ok, err := infoRow(ctx, plus, minus, 2*c, spec, extra, satSizes, boot, notef)
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

// infoRow analyses one block at one coherence; ok is false (with a note)
// when it has no estimate.
func infoRow(ctx context.Context, plus, minus *mat.Dense, ds float64, spec fisher.SubsetSpec, extra, satSizes []int, boot fisher.BootSpec, notef func(string, ...any)) (InfoRow, bool, error) {
	row := InfoRow{Main: -1, Boot: boot}
	s, err := fisher.NewStats(plus, minus, nil, ds, true)
	if err != nil {
		return row, false, err
	}
	pool := s.Active()
	tp, _ := plus.Dims()
	tm, _ := minus.Dims()
	t := min(tp, tm)
	maxN := min(len(pool), t-5)
	row.Neurons = len(pool)
	main := min(spec.Size, maxN)
	if main < 2 {
		notef("skipped: %d neurons respond (non-zero variance) and T = %d trials per condition; need at least 2 neurons and T > n + 4", len(pool), t)
		return row, false, nil
	}
	if main < spec.Size {
		notef("subset size clipped from %d to %d (N = %d usable neurons, T = %d trials per condition allows at most T - 5)", spec.Size, main, len(pool), t)
	}
	sizes := []int{main}
	for _, n := range extra {
		switch {
		case slices.Contains(sizes, n):
		case n > maxN:
			notef("no result at subset size %d: %d usable neurons and T = %d trials per condition (T+ = %d, T- = %d) allow at most %d (T must exceed n + 4 in each condition)", n, len(pool), t, tp, tm, maxN)
		default:
			sizes = append(sizes, n)
		}
	}
	slices.Sort(sizes)
	row.Main = slices.Index(sizes, main)
	var sat []int
	for _, n := range satSizes {
		if n <= maxN {
			sat = append(sat, n)
		}
	}
	all := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(sizes), sat...))))

	full, err := s.AnalyseContext(ctx, fisher.EstimateOptions{Counts: true}, pool)
	switch {
	case err == nil:
		row.Full = full.Full
	case errors.Is(err, fisher.ErrTooFewTrials):
		row.FullNote = err.Error()
	case errors.Is(err, fisher.ErrSingular):
		row.FullNote = err.Error()
	default:
		return row, false, err
	}
	res := map[int]fisher.SubsetResult{}
	for _, n := range all {
		sp := spec
		sp.Size = n
		sr, err := s.SubsetsContext(ctx, sp, pool)
		if err != nil {
			if errors.Is(err, fisher.ErrSingular) {
				if n == main {
					notef("skipped: %v", err)
					return row, false, nil
				}
				notef("no result at subset size %d: %v", n, err)
				continue
			}
			return row, false, err
		}
		res[n] = sr
	}
	var b *fisher.BootResult
	if boot.Replicates > 0 {
		bs := boot
		bs.EstimateSubsets = spec.Count
		bs.NoiseCorr = true
		var have []int
		for _, n := range all {
			if _, ok := res[n]; ok {
				have = append(have, n)
			}
		}
		if b, err = fisher.BootstrapContext(ctx, plus, minus, ds, pool, have, bs); err != nil {
			return row, false, err
		}
		if b.Singular > 0 {
			notef("bootstrap: %d of %d subset estimates of the resampled trials left out as singular", b.Singular, boot.Replicates*boot.Subsets*len(have))
		}
	}
	bootIndex := func(n int) int {
		if b == nil {
			return -1
		}
		return slices.Index(b.Sizes, n)
	}
	reps := func(q [][]float64, n int) []float64 {
		if k := bootIndex(n); k >= 0 {
			return q[k]
		}
		return nil
	}
	for _, n := range sizes {
		sr, ok := res[n]
		if !ok {
			continue
		}
		var bReal, bShuf, bGap [][]float64
		if b != nil {
			bReal, bShuf, bGap = b.Real, b.Shuffle, b.Gap
		}
		out := SizeResult{N: n, Subsets: sr.Count,
			IReal:    subsetValue(sr.Real, reps(bReal, n)),
			IShuffle: subsetValue(sr.Shuffle, reps(bShuf, n)),
			Gap:      subsetValue(sr.Redundancy, reps(bGap, n)),
		}
		out.RedundancyPct = pctValue(out.Gap, out.IShuffle)
		row.Sizes = append(row.Sizes, out)
	}
	row.Main = -1
	for k := range row.Sizes {
		if row.Sizes[k].N == main {
			row.Main = k
		}
	}

	row.NoiseCorr = plainValue(s.NoiseCorrelation(pool))
	if b != nil {
		row.NoiseCorr.withReps(b.NoiseCorr)
	}
	row.Fano = fano(plus, minus, pool)
	row.FanoBoot = plainValue(row.Fano)
	if b != nil {
		row.FanoBoot.withReps(fanoReps(plus, minus, pool, boot))
	}

	// Epsilon over the saturation sizes with positive information.
	row.Epsilon = nanValue()
	var fitN []int
	var fitI []float64
	for _, n := range sat {
		if sr, ok := res[n]; ok && sr.Real.Mean > 0 {
			fitN = append(fitN, n)
			fitI = append(fitI, sr.Real.Mean)
		}
	}
	switch {
	case len(sat) == 0:
	case len(fitN) < minSaturationSizes:
		notef("no epsilon fit: I_real > 0 at %d of the subset sizes %v; the fit needs %d", len(fitN), sat, minSaturationSizes)
	default:
		fit, err := fisher.FitSaturation(fitN, fitI)
		if err != nil {
			return row, false, err
		}
		row.Saturation = &fit
		row.Epsilon = plainValue(fit.Epsilon)
		if b != nil {
			er := make([]float64, boot.Replicates)
			info := make([]float64, len(fitN))
			for r := range er {
				er[r] = math.NaN()
				ok := true
				for k, n := range fitN {
					info[k] = b.Real[bootIndex(n)][r]
					ok = ok && info[k] > 0
				}
				if ok {
					if f, err := fisher.FitSaturation(fitN, info); err == nil {
						er[r] = f.Epsilon
					}
				}
			}
			row.Epsilon.withReps(er)
		}
	}
	return row, true, nil
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
