package analysis

import (
	"fmt"
	"math"
	"slices"

	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// DefaultSwitchSubset is the subset size of the switch analysis: each trial
// position pools one trial per switch, so there are far fewer trials per
// estimate than in a block.
const DefaultSwitchSubset = 10

// SwitchCourse is the information trial by trial after one kind of switch
// (docs/model.md section 10.3, prediction 2), pooled over every switch of that kind: the
// k-th trial after each switch forms position k.
type SwitchCourse struct {
	From, To  string // the conditions before and after: task, passive, or passive (task gain kept)
	Switches  int
	SubsetN   int // neurons per subset (the same at every position)
	Subsets   int
	Positions []SwitchPosition
	// Fit is the exponential y(t) = YInf + (Y0 - YInf) exp(-t/Tau) through
	// the gap against the time since the switch (nil when there are fewer
	// than 3 positions); GateFit the same through the recorded gate m at
	// each trial's start (trials.csv gate_start; nil without it).
	Fit, GateFit *ExpFit
}

// SwitchPosition is position K (1: the first trial after the switch).
type SwitchPosition struct {
	K                                   int
	TimeS                               float64 // from the switch to the middle of the trial (s)
	TPlus, TMinus                       int
	Gate                                float64 // mean top-down gate m at the trial's start (NaN when unrecorded)
	IReal, IShuffle, Gap, RedundancyPct Value
}

// ExpFit is a fitted exponential relaxation y(t) = YInf + (Y0 - YInf)
// exp(-t/Tau), each parameter with the interval of the fits to the
// bootstrap replicates (Tau's from log Tau). Y0, the value at the switch, is
// an extrapolation; YFirst is the fit at the first trial's time.
type ExpFit struct {
	Tau, Y0, YInf, YFirst Value
	// AtBound says the best Tau lies at an end of the searched range
	// (tauMin to tauMax s): the data do not fix it.
	AtBound bool
}

// PairFit fits the two directions of one pair of conditions (A -> B and B
// -> A) together: both relax with one time constant between the same two
// levels, y_AB(t) = LevelB + (LevelA - LevelB) exp(-t/Tau) and y_BA(t) =
// LevelA + (LevelB - LevelA) exp(-t/Tau), as the gap does if it follows the
// gate, which relaxes with tau_m both ways. Three parameters from both
// courses: far steadier than a fit of each.
type PairFit struct {
	A, B           string
	Tau            Value
	LevelA, LevelB Value
	// Drop is LevelA - LevelB with its replicates.
	Drop    Value
	AtBound bool
	// SettledDrop is the drop without a fit: the mean gap over the second
	// half of the trial positions after each switch to A, minus that after
	// each switch to B, with replicates (each position's trials are
	// resampled independently, so replicate r is the mean of the positions'
	// replicates r). Where a switch changes the gap at once the joint fit's
	// time constant is not identified and Drop's interval can be wide; this
	// one does not depend on the fit.
	SettledDrop Value
}

// The range of the time-constant search (s): trials come every few
// seconds, so faster relaxations look like steps and slower ones like
// drifts.
const (
	tauMin = 0.2
	tauMax = 200
)

// Reversibility is the switch analysis of a run.
type Reversibility struct {
	TrialPeriodS float64 // stimulus + inter-trial interval (s)
	TauMS        float64 // the gate's time constant tau_m of the config (s)
	Courses      []SwitchCourse
	// Pairs are the joint fits of task <-> passive and task <-> passive
	// (task gain kept).
	Pairs []PairFit
	// GainTest tests the passive level with the task gain kept against the
	// plain passive level (PairFit LevelB of the two pairs): if the coupling
	// alone carries the drop, the two do not differ.
	GainTest *fisher.Comparison
}

// Course returns the course of from -> to, nil when there is none.
func (r *Reversibility) Course(from, to string) *SwitchCourse {
	for k := range r.Courses {
		if r.Courses[k].From == from && r.Courses[k].To == to {
			return &r.Courses[k]
		}
	}
	return nil
}

// PairOf returns the pair fit of the conditions a and b (either order), nil
// when there is none.
func (r *Reversibility) PairOf(a, b string) *PairFit {
	for k := range r.Pairs {
		if p := &r.Pairs[k]; (p.A == a && p.B == b) || (p.A == b && p.B == a) {
			return p
		}
	}
	return nil
}

// switchCondition names a block's condition for the switch analysis; ""
// for blocks that do not take part (learning, ablation, other frames).
func switchCondition(b *BlockResult) string {
	if b.Learning || b.Ablation != "none" || b.Frames != "noise" {
		return ""
	}
	if b.TaskGain {
		return "passive (task gain kept)"
	}
	return b.Mode
}

// reversibility finds the switches between adjacent recorded blocks of
// different conditions and analyses each kind trial by trial; nil when the
// run has fewer than 2 switches of any kind.
func reversibility(d *rundir.Run, sum *Summary, opt Options, notef func(string, ...any)) *Reversibility {
	cfg := d.Config
	rev := &Reversibility{TrialPeriodS: (sum.TrialMs + cfg.Stimulus.ITIMs) / 1000, TauMS: cfg.Dynamics.TauMS}
	type kind struct{ from, to string }
	var kinds []kind
	switches := map[kind][]*BlockResult{}
	for k := 1; k < len(sum.Blocks); k++ {
		a, b := &sum.Blocks[k-1], &sum.Blocks[k]
		ca, cb := switchCondition(a), switchCondition(b)
		if b.Index != a.Index+1 || ca == "" || cb == "" || ca == cb {
			continue
		}
		kd := kind{ca, cb}
		if _, ok := switches[kd]; !ok {
			kinds = append(kinds, kd)
		}
		switches[kd] = append(switches[kd], b)
	}
	// One subset size for every course, so that their gaps compare (the gap
	// grows with the number of neurons): the largest every kind allows.
	size := DefaultSwitchSubset
	for _, kd := range kinds {
		if bs := switches[kd]; len(bs) >= 2 {
			if _, ps := switchPositions(d, bs); ps != nil {
				if u, s := switchUsable(ps); len(u) >= 3 {
					size = min(size, s)
				}
			}
		}
	}
	if size < DefaultSwitchSubset {
		notef("reversibility: subsets of %d neurons for every kind of switch (the rarest sign at a trial position has %d trials; T must exceed n + 4)", size, size+5)
	}
	if size < 2 {
		notef("reversibility: too few trials per position for subsets of 2 neurons; no courses")
		return nil
	}
	for ki, kd := range kinds {
		bs := switches[kd]
		if len(bs) < 2 {
			continue
		}
		sc, ok := switchCourse(d, switchKind{from: kd.from, to: kd.to, index: ki, blocks: bs}, switchTiming{periodS: rev.TrialPeriodS, trialS: sum.TrialMs / 1000}, size, opt, notef)
		if ok {
			rev.Courses = append(rev.Courses, sc)
		}
	}
	if len(rev.Courses) == 0 {
		return nil
	}
	for _, other := range []string{"passive", "passive (task gain kept)"} {
		ab, ba := rev.Course("task", other), rev.Course(other, "task")
		if ab != nil && ba != nil {
			if pf := fitPair(ab, ba); pf != nil {
				rev.Pairs = append(rev.Pairs, *pf)
			}
		}
	}
	if len(rev.Pairs) == 2 {
		c := Compare(rev.Pairs[1].LevelB, rev.Pairs[0].LevelB)
		rev.GainTest = &c
	}
	return rev
}

// switchPos are the trials of one trial position after the switches.
type switchPos struct {
	plus, minus []int // responses rows
	gate        []float64
}

// switchPositions collects the trials of the blocks bs (each the first
// block after a switch of one kind) by their position in the block, at the
// most common coherence level c of these blocks.
func switchPositions(d *rundir.Run, bs []*BlockResult) (c float64, ps []*switchPos) {
	count := map[float64]int{}
	for _, t := range d.Trials {
		if t.Recorded && t.Coherence != 0 && slices.ContainsFunc(bs, func(b *BlockResult) bool { return b.Index == t.Block }) {
			count[math.Abs(t.Coherence)]++
		}
	}
	best := 0
	for cc, n := range count {
		if n > best || (n == best && cc > c) {
			c, best = cc, n
		}
	}
	if best == 0 {
		return 0, nil
	}
	for _, b := range bs {
		k := 0
		for _, t := range d.Trials {
			if t.Block != b.Index {
				continue
			}
			if k >= len(ps) {
				ps = append(ps, &switchPos{})
			}
			p := ps[k]
			k++
			if !math.IsNaN(float64(t.GateStart)) {
				p.gate = append(p.gate, float64(t.GateStart))
			}
			if !t.Recorded || math.Abs(t.Coherence) != c {
				continue
			}
			if t.Coherence > 0 {
				p.plus = append(p.plus, t.Row)
			} else {
				p.minus = append(p.minus, t.Row)
			}
		}
	}
	return c, ps
}

// switchUsable returns the positions with more than 6 trials at each sign
// and the largest subset size all of them allow (T - 5), at most
// DefaultSwitchSubset.
func switchUsable(ps []*switchPos) (usable []int, size int) {
	size = DefaultSwitchSubset
	for k, p := range ps {
		if t := min(len(p.plus), len(p.minus)); t >= 7 {
			usable = append(usable, k)
			size = min(size, t-5)
		}
	}
	return usable, size
}

// switchKind is one kind of switch, from -> to, the index-th kind found,
// and its blocks (each the first block after such a switch).
type switchKind struct {
	from, to string
	index    int
	blocks   []*BlockResult
}

// switchTiming places trial positions in time: the period of the trials
// and the length of one (s).
type switchTiming struct {
	periodS, trialS float64
}

// switchCourse analyses the blocks of sk position by position with subsets
// of size neurons (0: the largest the positions allow).
func switchCourse(d *rundir.Run, sk switchKind, tm switchTiming, size int, opt Options, notef func(string, ...any)) (SwitchCourse, bool) {
	bs, from, to, kind, periodS, trialS := sk.blocks, sk.from, sk.to, sk.index, tm.periodS, tm.trialS
	sc := SwitchCourse{From: from, To: to, Switches: len(bs)}
	where := fmt.Sprintf("switch %s -> %s", from, to)
	c, ps := switchPositions(d, bs)
	if ps == nil {
		return sc, false
	}
	usable, own := switchUsable(ps)
	if len(usable) < 3 {
		notef("reversibility: %s: %d switches give fewer than 3 trial positions with more than 6 trials at each sign; no course", where, len(bs))
		return sc, false
	}
	if size == 0 {
		size = own
	}
	sc.SubsetN, sc.Subsets = size, opt.TimeSubsets
	w := fisher.BinRange{Start: 0, End: d.Responses.Bins}
	spec := fisher.SubsetSpec{Size: size, Count: opt.TimeSubsets, Seed: opt.Seed}
	boot := fisher.BootSpec{Replicates: opt.TimeBootReplicates, Subsets: opt.TimeBootSubsets, Seed: opt.Seed, EstimateSubsets: opt.TimeSubsets}
	ctx := opt.ctx()
	for _, k := range usable {
		if ctx.Err() != nil {
			return sc, false // Compute returns the context's error
		}
		p := ps[k]
		sp := SwitchPosition{K: k + 1, TimeS: float64(k)*periodS + trialS/2, TPlus: len(p.plus), TMinus: len(p.minus), Gate: math.NaN()}
		if len(p.gate) > 0 {
			var g float64
			for _, x := range p.gate {
				g += x
			}
			sp.Gate = g / float64(len(p.gate))
		}
		pm, mm := d.Responses.Sum(nil, p.plus, w), d.Responses.Sum(nil, p.minus, w)
		s, err := fisher.NewStats(pm, mm, nil, 2*c, true)
		if err != nil {
			notef("reversibility: %s position %d skipped: %v", where, k+1, err)
			continue
		}
		pool := s.Active()
		if len(pool) < size {
			notef("reversibility: %s position %d skipped: %d neurons vary", where, k+1, len(pool))
			continue
		}
		r, err := s.SubsetsContext(ctx, spec, pool)
		if ctx.Err() != nil {
			return sc, false
		}
		if err != nil {
			notef("reversibility: %s position %d skipped: %v", where, k+1, err)
			continue
		}
		var real, shuf, gap []float64
		if !opt.NoBootstrap {
			boot.Seed = switchBootSeed(opt.Seed, kind, k)
			b, err := fisher.BootstrapContext(ctx, pm, mm, 2*c, pool, []int{size}, boot)
			if ctx.Err() != nil {
				return sc, false
			}
			if err != nil {
				notef("reversibility: %s position %d: no bootstrap: %v", where, k+1, err)
			} else {
				real, shuf, gap = b.Real[0], b.Shuffle[0], b.Gap[0]
			}
		}
		sp.IReal, sp.IShuffle, sp.Gap = subsetValue(r.Real, real), subsetValue(r.Shuffle, shuf), subsetValue(r.Redundancy, gap)
		sp.RedundancyPct = pctValue(sp.Gap, sp.IShuffle)
		sc.Positions = append(sc.Positions, sp)
	}
	if len(sc.Positions) >= 3 {
		x := make([]float64, len(sc.Positions))
		vals := make([]Value, len(sc.Positions))
		for k, p := range sc.Positions {
			x[k], vals[k] = p.TimeS, p.Gap
		}
		sc.Fit = fitExpValues(x, vals)
		var gx, gy []float64
		for _, p := range sc.Positions {
			if !math.IsNaN(p.Gate) {
				gx = append(gx, p.TimeS-trialS/2) // the gate at the trial's start
				gy = append(gy, p.Gate)
			}
		}
		if len(gx) >= 3 {
			gv := make([]Value, len(gy))
			for k, g := range gy {
				gv[k] = plainValue(g)
			}
			sc.GateFit = fitExpValues(gx, gv)
		}
	}
	return sc, len(sc.Positions) > 0
}

// switchBootSeed is the bootstrap seed of trial position k of the kind-th
// kind of switch. Every (kind, position) has its own seed: the trials of two
// courses are independent, so their resamples must be too; the pair fits
// combine the replicates of both directions, and one index pattern shared
// by both would make their intervals too narrow.
func switchBootSeed(seed uint64, kind, k int) uint64 {
	return seed + uint64(1000*(k+1)) + uint64(1_000_003*(kind+1))
}

// fitExpValues fits the estimates of vals against x, and each bootstrap
// replicate when all have the same number.
func fitExpValues(x []float64, vals []Value) *ExpFit {
	y := make([]float64, len(vals))
	for k, v := range vals {
		y[k] = v.Est
	}
	nrep := commonReps(vals)
	at := func(tau, y0, yinf float64) float64 { return yinf + (y0-yinf)*math.Exp(-x[0]/tau) }
	tau, y0, yinf, atBound := fitExp(x, y)
	f := &ExpFit{Tau: plainValue(tau), Y0: plainValue(y0), YInf: plainValue(yinf), YFirst: plainValue(at(tau, y0, yinf)), AtBound: atBound}
	if nrep > 1 && finite(tau) {
		lt, r0, ri, r1 := make([]float64, nrep), make([]float64, nrep), make([]float64, nrep), make([]float64, nrep)
		for r := range nrep {
			for k, v := range vals {
				y[k] = v.Reps[r]
			}
			t, a, b, _ := fitExp(x, y)
			lt[r], r0[r], ri[r], r1[r] = math.Log(t), a, b, at(t, a, b)
		}
		lo, hi := fisher.BootInterval(math.Log(tau), lt, CILevel)
		f.Tau.Lo, f.Tau.Hi = math.Exp(lo), math.Exp(hi)
		f.Tau.Reps = lt // log Tau
		f.Y0.withReps(r0)
		f.YInf.withReps(ri)
		f.YFirst.withReps(r1)
	}
	return f
}

// fitPair fits the courses ab (A -> B) and ba (B -> A) of their gaps
// together (PairFit), with the fits to the replicates when every position
// has the same number.
func fitPair(ab, ba *SwitchCourse) *PairFit {
	var x []float64
	var dir []bool // true: A -> B
	var vals []Value
	for _, c := range []*SwitchCourse{ab, ba} {
		for _, p := range c.Positions {
			x = append(x, p.TimeS)
			dir = append(dir, c == ab)
			vals = append(vals, p.Gap)
		}
	}
	y := make([]float64, len(vals))
	for k, v := range vals {
		y[k] = v.Est
	}
	nrep := commonReps(vals)
	tau, la, lb, atBound := fitPairExp(x, dir, y)
	if !finite(tau) {
		return nil
	}
	pf := &PairFit{A: ab.From, B: ab.To, Tau: plainValue(tau), LevelA: plainValue(la), LevelB: plainValue(lb), Drop: plainValue(la - lb), AtBound: atBound,
		SettledDrop: diffValue(settledGap(ba), settledGap(ab))}
	if nrep > 1 {
		lt, ra, rb, rd := make([]float64, nrep), make([]float64, nrep), make([]float64, nrep), make([]float64, nrep)
		for r := range nrep {
			for k, v := range vals {
				y[k] = v.Reps[r]
			}
			t, a, b, _ := fitPairExp(x, dir, y)
			lt[r], ra[r], rb[r], rd[r] = math.Log(t), a, b, a-b
		}
		lo, hi := fisher.BootInterval(math.Log(tau), lt, CILevel)
		pf.Tau.Lo, pf.Tau.Hi = math.Exp(lo), math.Exp(hi)
		pf.Tau.Reps = lt
		pf.LevelA.withReps(ra)
		pf.LevelB.withReps(rb)
		pf.Drop.withReps(rd)
	}
	return pf
}

// settledGap is the mean gap over the second half of a course's trial
// positions (K > the largest K / 2), with replicates where every position
// has them.
func settledGap(c *SwitchCourse) Value {
	last := 0
	for _, p := range c.Positions {
		last = max(last, p.K)
	}
	var vals []Value
	for _, p := range c.Positions {
		if 2*p.K > last {
			vals = append(vals, p.Gap)
		}
	}
	if len(vals) == 0 {
		return nanValue()
	}
	mean := func(x []float64) float64 {
		var m float64
		for _, v := range x {
			m += v / float64(len(x))
		}
		return m
	}
	return combine(mean, vals...)
}

// fitPairExp fits y = LB + (LA - LB) e (A -> B points) and y = LA + (LB -
// LA) e (B -> A), e = exp(-x/tau): for each tau of the log grid the levels
// are a linear least-squares problem in (LA, LB) with regressors (e, 1 - e)
// and (1 - e, e).
func fitPairExp(x []float64, ab []bool, y []float64) (tau, la, lb float64, atBound bool) {
	nan := math.NaN()
	var n int
	for _, v := range y {
		if finite(v) {
			n++
		}
	}
	if n < 3 {
		return nan, nan, nan, false
	}
	tau, lev, found, atBound := searchTau(func(tt float64) (sse float64, lev [2]float64, ok bool) {
		var saa, sab, sbb, sya, syb float64
		for j, xv := range x {
			if !finite(y[j]) {
				continue
			}
			e := math.Exp(-xv / tt)
			ca, cb := e, 1-e // A -> B: the weight of LA, of LB
			if !ab[j] {
				ca, cb = 1-e, e
			}
			saa += ca * ca
			sab += ca * cb
			sbb += cb * cb
			sya += y[j] * ca
			syb += y[j] * cb
		}
		det := saa*sbb - sab*sab
		if det <= 1e-12*saa*sbb {
			return 0, lev, false
		}
		a := (sya*sbb - syb*sab) / det
		b := (syb*saa - sya*sab) / det
		for j, xv := range x {
			if !finite(y[j]) {
				continue
			}
			e := math.Exp(-xv / tt)
			f := b + (a-b)*e
			if !ab[j] {
				f = a + (b-a)*e
			}
			sse += (y[j] - f) * (y[j] - f)
		}
		return sse, [2]float64{a, b}, true
	})
	if !found {
		return nan, nan, nan, false
	}
	return tau, lev[0], lev[1], atBound
}

// fitExp fits y = yinf + (y0 - yinf) exp(-x/tau) by least squares: for each
// tau on a log grid from tauMin to tauMax (the units of x) the best y0 and
// yinf are linear, and the tau with the smallest squared error wins. NaN values
// of y are left out; with fewer than 3 left every result is NaN.
func fitExp(x, y []float64) (tau, y0, yinf float64, atBound bool) {
	var xs, ys []float64
	for k := range x {
		if !math.IsNaN(y[k]) && !math.IsInf(y[k], 0) {
			xs, ys = append(xs, x[k]), append(ys, y[k])
		}
	}
	nan := math.NaN()
	if len(xs) < 3 {
		return nan, nan, nan, false
	}
	tau, lev, found, atBound := searchTau(func(tt float64) (sse float64, lev [2]float64, ok bool) {
		// y = yinf + A e, e = exp(-x/tau): linear regression of y on e.
		var se, sy, see, sey float64
		n := float64(len(xs))
		for j, xv := range xs {
			e := math.Exp(-xv / tt)
			se += e
			sy += ys[j]
			see += e * e
			sey += e * ys[j]
		}
		den := n*see - se*se
		if den <= 1e-15*n*see {
			return 0, lev, false
		}
		a := (n*sey - se*sy) / den
		b := (sy - a*se) / n
		for j, xv := range xs {
			d := ys[j] - b - a*math.Exp(-xv/tt)
			sse += d * d
		}
		return sse, [2]float64{a + b, b}, true
	})
	if !found {
		return nan, nan, nan, false
	}
	return tau, lev[0], lev[1], atBound
}

// searchTau evaluates fit (the squared error of the two linear parameters
// that fit best at a time constant, and those parameters; ok false where
// they are undetermined) at each tau of a log grid of 401 points from tauMin
// to tauMax, and returns the tau with the smallest error and its parameters,
// whether there was one, and whether it is an end of the grid.
func searchTau(fit func(tau float64) (sse float64, lev [2]float64, ok bool)) (tau float64, lev [2]float64, found, atBound bool) {
	const steps = 400
	lo, hi := math.Log(tauMin), math.Log(tauMax)
	best := math.Inf(1)
	bestK := -1
	for k := range steps + 1 {
		tt := math.Exp(lo + (hi-lo)*float64(k)/steps)
		if sse, l, ok := fit(tt); ok && sse < best {
			best, bestK, tau, lev = sse, k, tt, l
		}
	}
	if bestK < 0 {
		return math.NaN(), lev, false, false
	}
	return tau, lev, true, bestK == 0 || bestK == steps
}
