package analysis

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// kindWindow is a window with its kind.
type kindWindow struct {
	kind string
	w    fisher.BinRange
}

// trialWindows lists the windows of a time course: single bins, 200 ms and
// 400 ms windows, and cumulative windows growing in 200 ms steps (widths in
// bins rounded, at least 1; the 400 ms width at most half the trial).
func trialWindows(bins int, binMs float64) []kindWindow {
	w200 := max(1, int(math.Round(200/binMs)))
	w400 := max(1, min(int(math.Round(400/binMs)), bins/2))
	var out []kindWindow
	for _, w := range fisher.Windows(bins, 1, 1) {
		out = append(out, kindWindow{"bin", w})
	}
	if w200 > 1 {
		for _, w := range fisher.Windows(bins, w200, w200) {
			out = append(out, kindWindow{"200ms", w})
		}
	}
	for _, w := range fisher.Windows(bins, w400, w400) {
		out = append(out, kindWindow{"400ms", w})
	}
	for _, w := range fisher.Cumulative(bins, w200) {
		out = append(out, kindWindow{"cumulative", w})
	}
	return out
}

// Defaults of the bootstrap of each time-course window: fewer replicates
// and subsets than per block, since a block has tens of windows.
const (
	DefaultTimeBootReplicates = 100
	DefaultTimeBootSubsets    = 5
)

// timeCourses analyses every recorded block at every coherence level with both
// signs in each window of trialWindows.
func timeCourses(d *rundir.Run, blocks []BlockResult, opt Options, binMs float64, notef func(string, ...any)) ([]TimeCourse, error) {
	windows := trialWindows(d.Responses.Bins, binMs)
	var out []TimeCourse
	for _, b := range blocks {
		if err := opt.ctx().Err(); err != nil {
			return nil, err
		}
		levels := map[float64][2][]int{}
		var cs []float64
		for i, t := range d.Trials {
			if !t.Recorded || t.Block != b.Index || d.Trials[i].Coherence == 0 {
				continue
			}
			c := math.Abs(d.Trials[i].Coherence)
			l, ok := levels[c]
			if !ok {
				cs = append(cs, c)
			}
			if d.Trials[i].Coherence > 0 {
				l[0] = append(l[0], t.Row)
			} else {
				l[1] = append(l[1], t.Row)
			}
			levels[c] = l
		}
		slices.Sort(cs)
		for _, c := range cs {
			l := levels[c]
			tc, ok, err := blockTimeCourse(d.Responses, coherenceTrials{plus: l[0], minus: l[1], c: c}, timeCourseWindows{windows: windows, binMs: binMs}, opt, opt.Seed+uint64(b.Index), func(format string, a ...any) {
				notef("time course of block %d (session %d, %s) at coherence %g: "+format, append([]any{b.Index, b.Session, b.Name, c}, a...)...)
			})
			if err != nil {
				return nil, err
			}
			if ok {
				tc.Block, tc.Session = b.Index, b.Session
				out = append(out, tc)
			}
		}
	}
	return out, nil
}

// coherenceTrials are the rows of one block's trials at +c and at -c.
type coherenceTrials struct {
	plus, minus []int
	c           float64
}

// timeCourseWindows are the windows a time course analyses and the bin
// width (ms) that places them in the trial.
type timeCourseWindows struct {
	windows []kindWindow
	binMs   float64
}

// blockTimeCourse analyses one block at one coherence in each window. The
// subsets come from the neurons that respond (non-zero variance) in every
// window, with one seed, so every window uses the same subsets.
// It returns the context's error when the analysis is cancelled.
func blockTimeCourse(resp fisher.Responses, ct coherenceTrials, tw timeCourseWindows, opt Options, bootSeed uint64, notef func(string, ...any)) (TimeCourse, bool, error) {
	plus, minus, c, windows, binMs := ct.plus, ct.minus, ct.c, tw.windows, tw.binMs
	tc := TimeCourse{Coherence: c}
	t := min(len(plus), len(minus))
	if t < 7 {
		notef("skipped: %d trials at +c and %d at -c; need more than 6 of each", len(plus), len(minus))
		return tc, false, nil
	}
	pool := respondingPool(resp, ct, windows)
	var bp, bm *mat.Dense
	size := min(opt.SubsetSize, len(pool), t-5)
	if size < 2 {
		notef("skipped: %d neurons respond in every window and T = %d trials per condition; need at least 2 neurons and T > n + 4", len(pool), t)
		return tc, false, nil
	}
	if size < opt.SubsetSize {
		notef("subset size clipped from %d to %d (%d neurons respond in every window, T = %d trials per condition)", opt.SubsetSize, size, len(pool), t)
	}
	tc.Pool, tc.SubsetN, tc.Subsets = len(pool), size, opt.TimeSubsets
	spec := fisher.SubsetSpec{Size: size, Count: opt.TimeSubsets, Seed: opt.Seed + 1}
	// Every window of a block draws the same trials in replicate r (the
	// seed and the trial counts are the same), so replicate r of a slope
	// over windows, or of a difference of two windows, is a paired one.
	boot := fisher.BootSpec{Replicates: opt.TimeBootReplicates, Subsets: opt.TimeBootSubsets, Seed: bootSeed, EstimateSubsets: opt.TimeSubsets}
	ctx := opt.ctx()
	for _, kw := range windows {
		if err := ctx.Err(); err != nil {
			return tc, false, err
		}
		bp = resp.Sum(bp, plus, kw.w)
		bm = resp.Sum(bm, minus, kw.w)
		s, err := fisher.NewStats(bp, bm, nil, 2*c, true)
		if err != nil {
			notef("bins %v (%s) skipped: %v", kw.w, kw.kind, err)
			continue
		}
		r, err := s.SubsetsContext(ctx, spec, pool)
		if ctx.Err() != nil {
			return tc, false, ctx.Err()
		}
		if err != nil {
			notef("bins %v (%s) skipped: %v", kw.w, kw.kind, err)
			continue
		}
		var real, shuf, gap []float64
		if !opt.NoBootstrap {
			b, err := fisher.BootstrapContext(ctx, bp, bm, 2*c, pool, []int{size}, boot)
			if ctx.Err() != nil {
				return tc, false, ctx.Err()
			}
			if err != nil {
				notef("bins %v (%s): no bootstrap: %v", kw.w, kw.kind, err)
			} else {
				real, shuf, gap = b.Real[0], b.Shuffle[0], b.Gap[0]
			}
		}
		tc.Subsets = r.Count
		win := TimeWindow{
			Kind: kw.kind, Bins: kw.w,
			StartMs: float64(kw.w.Start) * binMs, EndMs: float64(kw.w.End) * binMs,
			IReal: subsetValue(r.Real, real), IShuffle: subsetValue(r.Shuffle, shuf), Gap: subsetValue(r.Redundancy, gap),
			NoiseCorr: s.NoiseCorrelation(pool),
		}
		win.RedundancyPct = pctValue(win.Gap, win.IShuffle)
		tc.Windows = append(tc.Windows, win)
	}
	return tc, len(tc.Windows) > 0, nil
}

// respondingPool is the neurons whose counts vary in every window among
// the trials of ct.
func respondingPool(resp fisher.Responses, ct coherenceTrials, windows []kindWindow) []int {
	active := make([]bool, resp.Neurons)
	for i := range active {
		active[i] = true
	}
	var bp, bm *mat.Dense
	for _, kw := range windows {
		bp = resp.Sum(bp, ct.plus, kw.w)
		bm = resp.Sum(bm, ct.minus, kw.w)
		for i := range active {
			if active[i] && constant(bp, i) && constant(bm, i) {
				active[i] = false
			}
		}
	}
	var pool []int
	for i, a := range active {
		if a {
			pool = append(pool, i)
		}
	}
	return pool
}

// constant says whether column i of x holds one value.
func constant(x *mat.Dense, i int) bool {
	r, _ := x.Dims()
	v := x.At(0, i)
	for t := 1; t < r; t++ {
		if x.At(t, i) != v {
			return false
		}
	}
	return true
}

// withinTrial picks the earliest and the latest control task block with a time
// course and compares the first and the last 400 ms of their trials.
func withinTrial(sum *Summary) (early, late *WithinTrial) {
	var first, last *BlockResult
	for k := range sum.Blocks {
		b := &sum.Blocks[k]
		if b.Mode != "task" || !b.IsControl() || b.Headline() == nil || sum.TimeCourse(b) == nil {
			continue
		}
		if first == nil {
			first = b
		}
		last = b
	}
	if first == nil {
		return nil, nil
	}
	early = sum.WithinTrialOf(first)
	if last != first {
		late = sum.WithinTrialOf(last)
	}
	return early, late
}

// TimeCourse returns the time course of b at its headline coherence (nil when
// there is none).
func (s *Summary) TimeCourse(b *BlockResult) *TimeCourse {
	h := b.Headline()
	for k := range s.TimeCourses {
		tc := &s.TimeCourses[k]
		if tc.Block == b.Index && (h == nil || tc.Coherence == h.Coherence) {
			return tc
		}
	}
	return nil
}

func (s *Summary) WithinTrialOf(b *BlockResult) *WithinTrial {
	tc := s.TimeCourse(b)
	w4 := tc.Kind("400ms")
	if len(w4) < 2 {
		return nil
	}
	wt := &WithinTrial{Block: b.Index, Session: b.Session, Coherence: tc.Coherence, First: w4[0], Last: w4[len(w4)-1]}
	wt.Slope = slopeOver(tc.Kind("bin"), func(w *TimeWindow) Value { return w.Gap })
	wt.LastFirst = Compare(wt.Last.Gap, wt.First.Gap)
	return wt
}

// slopeOver is the least-squares slope per second of the values of ws
// against the windows' mid times, with the slopes of the bootstrap
// replicates when every window has the same number of them.
func slopeOver(ws []TimeWindow, get func(*TimeWindow) Value) Value {
	v := nanValue()
	if len(ws) < 2 {
		return v
	}
	x := make([]float64, len(ws))
	y := make([]float64, len(ws))
	gs := make([]Value, len(ws))
	for k := range ws {
		x[k] = (ws[k].StartMs + ws[k].EndMs) / 2000
		gs[k] = get(&ws[k])
		y[k] = gs[k].Est
	}
	_, v.Est = stat.LinearRegression(x, y, nil, false)
	if nrep := commonReps(gs); nrep > 1 {
		reps := make([]float64, nrep)
		for r := range reps {
			for k, g := range gs {
				y[k] = g.Reps[r]
			}
			reps[r] = math.NaN()
			if !slices.ContainsFunc(y, math.IsNaN) {
				_, reps[r] = stat.LinearRegression(x, y, nil, false)
			}
		}
		v.withReps(reps)
	}
	return v
}
