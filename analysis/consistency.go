package analysis

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/iplgpu/iplgpu/engine/rng"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/recording"
	"github.com/iplgpu/iplgpu/rundir"
)

// Defaults of the consistency analysis (docs/model.md section 10.4, prediction 3).
const (
	DefaultConsistencyLagMs  = 200 // the signal is counted over the frames of the last 200 ms
	DefaultConsistencySubset = 8   // neurons per subset of a (bin, signal count) cell
	DefaultConsistencySubs   = 20  // subsets per cell
	// signalTolDeg: a frame within this of the signalled orientation counts
	// as a signal frame (a noise frame that lands there drives the same
	// spines).
	signalTolDeg = 0.5
)

// ConsistencyOptions are the choices of SignalRegression; zero values take
// the defaults.
type ConsistencyOptions struct {
	LagMs   float64 // the window before each bin's end whose frames are counted (ms)
	Subset  int     // neurons per subset of a cell
	Subsets int     // subsets per cell
	Seed    uint64  // subsets and bootstrap
	Boot    int     // bootstrap replicates (0: none)
	// Context, if set, stops RegressOnSignal early when it is cancelled
	// (the result is then incomplete: the caller checks the context).
	Context context.Context
}

// SignalRegression is the per-bin gap of one block regressed on the signal
// the bin followed: for every single bin b and every trial, k is the number
// of signal frames (frames showing the trial's signalled orientation) among
// the frames of the last LagMs up to the bin's end (the frame shown during
// the bin and the ones before it); the trials of each (b, k) cell with at
// least 2 Subset + 4 trials at each sign give the gap I_shuffle - I_real of
// the bin's counts (the mean over Subsets subsets of Subset neurons), and the
// gaps are fitted as gap(b, k) = alpha_b + Beta k (one intercept per bin:
// the comparison is within bins, so the rise of the gap over the trial does
// not enter Beta).
type SignalRegression struct {
	LagMs   float64
	Frames  int // frames counted (LagMs / frame duration)
	Subset  int
	Subsets int
	Cells   int     // (bin, k) cells with an estimate
	Beta    Value   // gap per signal frame (1/coherence^2 per frame)
	ByK     []Value // per k = 0..Frames: the mean over bins of gap(b, k) - alpha_b + mean alpha (the fit's adjusted mean), NaN where no cell
	// SignalFrac is the fraction of frames that are signal frames and RunFrames
	// the mean length (frames) of a run of signal frames, over the block's
	// trials: the check of the frames' design.
	SignalFrac, RunFrames float64
}

// ConsistencyBlock is the consistency analysis of one task block.
type ConsistencyBlock struct {
	Block, Session int
	Name           string
	Frames         string
	Persistence    float64
	Slope          Value // within-trial slope of the gap over single bins (per s), from the time course
	Regression     *SignalRegression
}

// ConsistencyPair compares a persistent-signal block with the
// independent-frames (noise) task block of its session.
type ConsistencyPair struct {
	Persistent, Independent int // block indices
	SlopeTest               fisher.Comparison
	BetaTest                fisher.Comparison
}

// ConsistencyLearning is the persistence effect (the within-trial slope of
// the gap, persistent minus independent signal) after training against the
// same before training, when there are no links yet: the part of prediction 3
// that the links make. Before and After index Summary.ConsistencyPairs (the
// pair of session 0 and the last pair of a later session); SlopeTest tests
// (after's difference) - (before's difference) with the blocks' bootstrap
// replicates (four independent blocks, so replicate r of the difference of
// differences combines replicate r of each).
type ConsistencyLearning struct {
	Before, After int
	SlopeTest     fisher.Comparison
}

// consistencyLearning compares the last consistency pair after training with
// the pair before training (session 0); nil without both.
func consistencyLearning(sum *Summary) *ConsistencyLearning {
	before, after := -1, -1
	for k, pr := range sum.ConsistencyPairs {
		switch s := sum.BlockByIndex(pr.Persistent).Session; {
		case s == 0 && before < 0:
			before = k
		case s > 0:
			after = k
		}
	}
	if before < 0 || after < 0 {
		return nil
	}
	effect := func(pr ConsistencyPair) Value {
		return diffValue(sum.ConsistencyOf(pr.Persistent).Slope, sum.ConsistencyOf(pr.Independent).Slope)
	}
	b, a := sum.ConsistencyPairs[before], sum.ConsistencyPairs[after]
	return &ConsistencyLearning{Before: before, After: after, SlopeTest: Compare(effect(a), effect(b))}
}

// SignalStimulus is the stimulus timing the regression on the recent signal
// needs: the task orientation A (deg), the frame length and the bin width
// (ms).
type SignalStimulus struct {
	TaskDeg, FrameMs, BinMs float64
}

// signalCounts returns, per trial (rows of lines of rec.Trials) and single
// bin, the number of signal frames among the nFr frames up to the bin's
// end; -1 where fewer than nFr frames have begun. And the fraction of
// signal frames and the mean run length.
func signalCounts(rec *recording.Recording, lines []int, st SignalStimulus, bins, nFr int) (k [][]int, frac, run float64) {
	trials, frames, framesPerTrial := rec.Trials, rec.Frames, rec.FramesPerTrial
	k = make([][]int, len(lines))
	var sig, all, runs int
	for a, line := range lines {
		s := st.TaskDeg
		if trials[line].Coherence < 0 {
			s += 90
		}
		isSig := make([]bool, framesPerTrial)
		for f := range framesPerTrial {
			d := math.Mod(float64(frames[line*framesPerTrial+f])-s, 180)
			if d < 0 {
				d += 180
			}
			isSig[f] = math.Min(d, 180-d) <= signalTolDeg
			if isSig[f] {
				sig++
				if f == 0 || !isSig[f-1] {
					runs++
				}
			}
			all++
		}
		k[a] = make([]int, bins)
		for b := range bins {
			end := float64(b+1) * st.BinMs
			last := int(math.Ceil(end/st.FrameMs)) - 1 // the frame shown during the bin
			if last+1 < nFr || last >= framesPerTrial {
				k[a][b] = -1
				continue
			}
			for f := last - nFr + 1; f <= last; f++ {
				if isSig[f] {
					k[a][b]++
				}
			}
		}
	}
	if all > 0 {
		frac = float64(sig) / float64(all)
	}
	run = math.NaN()
	if runs > 0 {
		run = float64(sig) / float64(runs)
	}
	return k, frac, run
}

// RegressOnSignal computes the SignalRegression of the trials lines of a
// block of rec (lines of rec.Trials, each recorded, at one coherence level:
// +c and -c), with rec's frames (deg, rows as the trial table's lines) and
// the stimulus timing st. ok is false (with the reason) when no cell has
// enough trials.
func RegressOnSignal(rec *recording.Recording, lines []int, st SignalStimulus, opt ConsistencyOptions) (*SignalRegression, string) {
	if opt.LagMs == 0 {
		opt.LagMs = DefaultConsistencyLagMs
	}
	if opt.Subset == 0 {
		opt.Subset = DefaultConsistencySubset
	}
	if opt.Subsets == 0 {
		opt.Subsets = DefaultConsistencySubs
	}
	nFr := max(1, int(math.Round(opt.LagMs/st.FrameMs)))
	k, frac, run := signalCounts(rec, lines, st, rec.Responses.Bins, nFr)
	sc := &signalCells{rec: rec, lines: lines, k: k, nFr: nFr, opt: opt, ctx: opt.Context}
	if sc.ctx == nil {
		sc.ctx = context.Background()
	}
	plus, minus := sc.signs()
	reg := &SignalRegression{LagMs: float64(nFr) * st.FrameMs, Frames: nFr, Subset: opt.Subset, Subsets: opt.Subsets, SignalFrac: frac, RunFrames: run}
	est := sc.gaps(plus, minus, nil)
	beta, byK, cells := fitWithinBins(est, nFr)
	if cells == 0 || math.IsNaN(beta) {
		return nil, fmt.Sprintf("no two (bin, signal count) cells in one bin with %d trials or more at each sign", minCellTrials(opt.Subset))
	}
	reg.Cells = cells
	reg.Beta = plainValue(beta)
	reg.ByK = make([]Value, nFr+1)
	for kk := range byK {
		reg.ByK[kk] = plainValue(byK[kk])
	}
	if opt.Boot > 1 {
		sc.bootstrap(reg, plus, minus, est)
	}
	return reg, ""
}

// signalCells estimates the gaps I_shuffle - I_real of the (bin, signal
// count) cells of one block's trials.
type signalCells struct {
	rec   *recording.Recording
	lines []int
	k     [][]int // signal count per trial and bin (signalCounts)
	nFr   int
	c     float64 // the coherence level
	opt   ConsistencyOptions
	ctx   context.Context
}

// signs returns the positions in lines of the trials at +c and at -c, and
// sets c.
func (sc *signalCells) signs() (plus, minus []int) {
	for a, line := range sc.lines {
		t := sc.rec.Trials[line]
		if t.Coherence > 0 {
			plus = append(plus, a)
		} else if t.Coherence < 0 {
			minus = append(minus, a)
		}
		sc.c = math.Abs(t.Coherence)
	}
	return plus, minus
}

// gaps returns gap[b][k] (NaN without an estimate) for the trials at
// positions plus, minus of lines (with repeats in a resample); with only
// (non-nil) it estimates those cells alone, so that every bootstrap
// replicate fits the cells of the data.
func (sc *signalCells) gaps(plus, minus []int, only [][]float64) [][]float64 {
	r, trials, lines, k, nFr, opt := sc.rec.Responses, sc.rec.Trials, sc.lines, sc.k, sc.nFr, sc.opt
	g := make([][]float64, r.Bins)
	var pr, mr []int
	for b := range r.Bins {
		g[b] = make([]float64, nFr+1)
		if sc.ctx.Err() != nil {
			for kk := range g[b] {
				g[b][kk] = math.NaN()
			}
			continue
		}
		for kk := range nFr + 1 {
			g[b][kk] = math.NaN()
			if only != nil && math.IsNaN(only[b][kk]) {
				continue
			}
			pr, mr = pr[:0], mr[:0]
			for _, a := range plus {
				if k[a][b] == kk {
					pr = append(pr, trials[lines[a]].Row)
				}
			}
			for _, a := range minus {
				if k[a][b] == kk {
					mr = append(mr, trials[lines[a]].Row)
				}
			}
			if min(len(pr), len(mr)) < minCellTrials(opt.Subset) {
				continue
			}
			w := fisher.BinRange{Start: b, End: b + 1}
			real, shuf, err := fisher.SubsetMeans(r.Sum(nil, pr, w), r.Sum(nil, mr, w), 2*sc.c, opt.Subset, opt.Subsets, opt.Seed)
			if err == nil {
				g[b][kk] = shuf - real
			}
		}
	}
	return g
}

// bootstrap gives reg's slope and per-count values the intervals of
// opt.Boot replicates, trials resampled within each sign (Philox stream of
// opt.Seed, purpose rng.Bootstrap, step = replicate, element = trial slot),
// each fitting the cells of est.
func (sc *signalCells) bootstrap(reg *SignalRegression, plus, minus []int, est [][]float64) {
	opt, nFr := sc.opt, sc.nFr
	st := rng.New(opt.Seed)
	betas := make([]float64, opt.Boot)
	byKs := make([][]float64, nFr+1)
	for kk := range byKs {
		byKs[kk] = make([]float64, opt.Boot)
	}
	workers := min(runtime.GOMAXPROCS(0), opt.Boot)
	var wg sync.WaitGroup
	for wk := range workers {
		wg.Go(func() {
			for rep := wk; rep < opt.Boot; rep += workers {
				if sc.ctx.Err() != nil {
					return
				}
				draw := func(src []int, off int) []int {
					out := make([]int, len(src))
					for j := range out {
						w := st.Block(rng.Bootstrap, uint64(rep), uint32(off+j))
						out[j] = src[min(int(rng.Float64(w[0], w[1])*float64(len(src))), len(src)-1)]
					}
					return out
				}
				g := sc.gaps(draw(plus, 0), draw(minus, len(plus)), est)
				b, bk, _ := fitWithinBins(g, nFr)
				betas[rep] = b
				for kk := range bk {
					byKs[kk][rep] = bk[kk]
				}
			}
		})
	}
	wg.Wait()
	reg.Beta.withReps(betas)
	for kk := range reg.ByK {
		if finite(reg.ByK[kk].Est) {
			reg.ByK[kk].withReps(byKs[kk])
		}
	}
}

// minCellTrials is the trials at each sign a (bin, k) cell needs: 2n + 4
// for subsets of n, so that n/DF stays near 0.25, where the estimate and its
// bootstrap behave (T > n + 4 is the estimator's bare minimum).
func minCellTrials(n int) int { return 2*n + 4 }

// fitWithinBins fits gap[b][k] = alpha_b + beta k over the bins with at
// least two cells; it returns beta, the adjusted mean gap per k and the
// number of cells used.
func fitWithinBins(gap [][]float64, nFr int) (beta float64, byK []float64, cells int) {
	var sxy, sxx, grand float64
	var nb int
	type cell struct {
		k     int
		resid float64
	}
	var all []cell
	for _, row := range gap {
		var ks []int
		var m, mk float64
		for kk, g := range row {
			if !math.IsNaN(g) {
				ks = append(ks, kk)
				m += g
				mk += float64(kk)
			}
		}
		if len(ks) < 2 {
			continue
		}
		m /= float64(len(ks))
		mk /= float64(len(ks))
		grand += m
		nb++
		for _, kk := range ks {
			dx := float64(kk) - mk
			sxy += dx * (row[kk] - m)
			sxx += dx * dx
			all = append(all, cell{kk, row[kk] - m})
			cells++
		}
	}
	byK = make([]float64, nFr+1)
	if sxx == 0 {
		for kk := range byK {
			byK[kk] = math.NaN()
		}
		return math.NaN(), byK, 0
	}
	beta = sxy / sxx
	grand /= float64(nb)
	cnt := make([]int, nFr+1)
	for _, c := range all {
		byK[c.k] += c.resid
		cnt[c.k]++
	}
	for kk := range byK {
		if cnt[kk] == 0 {
			byK[kk] = math.NaN()
		} else {
			byK[kk] = grand + byK[kk]/float64(cnt[kk])
		}
	}
	return beta, byK, cells
}

// consistencyAnalysis runs the consistency analysis on the task blocks with
// noise or persistent frames (learning off, no ablation) that have a time
// course, and pairs each persistent block with the noise block of its
// session.
func consistencyAnalysis(d *rundir.Run, sum *Summary, opt Options, notef func(string, ...any)) ([]ConsistencyBlock, []ConsistencyPair) {
	hasPersistent := slices.ContainsFunc(sum.Blocks, func(b BlockResult) bool { return b.Frames == "persistent" })
	if !hasPersistent {
		return nil, nil
	}
	var out []ConsistencyBlock
	cfg := d.Config
	for k := range sum.Blocks {
		if opt.ctx().Err() != nil {
			return nil, nil // Compute returns the context's error
		}
		b := &sum.Blocks[k]
		if b.Mode != "task" || b.Learning || b.Ablation != "none" || (b.Frames != "noise" && b.Frames != "persistent") || b.Headline() == nil {
			continue
		}
		cb := ConsistencyBlock{Block: b.Index, Session: b.Session, Name: b.Name, Frames: b.Frames, Persistence: b.Persistence, Slope: nanValue()}
		if wt := sum.WithinTrialOf(b); wt != nil {
			cb.Slope = wt.Slope
		}
		c := b.Headline().Coherence
		var lines []int
		for i, t := range d.Trials {
			if t.Recorded && t.Block == b.Index && math.Abs(t.Coherence) == c && i < d.FrameRows {
				lines = append(lines, i)
			}
		}
		boot := 0
		if !opt.NoBootstrap {
			boot = opt.TimeBootReplicates
		}
		reg, why := RegressOnSignal(&d.Recording, lines, SignalStimulus{TaskDeg: cfg.Stimulus.TaskOrientationDeg, FrameMs: cfg.Stimulus.FrameMs, BinMs: sum.BinMs},
			ConsistencyOptions{Seed: opt.Seed + uint64(b.Index), Boot: boot, Context: opt.Context})
		if reg == nil {
			notef("consistency: block %d (session %d, %s): no regression on the recent signal: %s", b.Index, b.Session, b.Name, why)
		}
		cb.Regression = reg
		out = append(out, cb)
	}
	var pairs []ConsistencyPair
	for _, p := range out {
		if p.Frames != "persistent" {
			continue
		}
		for _, q := range out {
			if q.Frames == "noise" && q.Session == p.Session {
				pr := ConsistencyPair{Persistent: p.Block, Independent: q.Block, SlopeTest: Compare(p.Slope, q.Slope)}
				pr.BetaTest = fisher.Comparison{Diff: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), P: math.NaN()}
				if p.Regression != nil && q.Regression != nil {
					pr.BetaTest = Compare(p.Regression.Beta, q.Regression.Beta)
				}
				pairs = append(pairs, pr)
				break
			}
		}
	}
	return out, pairs
}
