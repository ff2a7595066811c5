// Package design answers how large an experiment must be to tell the IPL
// hypothesis from feedback-only inference (docs/design.md). It takes the
// simulated recordings of both mechanisms on the same seeds (the runs of
// iplgpu compare, one pool per mechanism and seed: seeds are animals),
// resamples experiments of a given size from them (trials per block, units,
// frozen-noise repeats, animals), computes each measurable signature of each
// resampled experiment, and estimates the power of two tests.
//
// The rival test (TestRival) rejects the rival mechanism when the
// experiment's value is extreme among the values the rival gives at the
// same size: its rank p-value among the rival's n finite values,
// min(1, 2 min(#{<= x} + 1, #{>= x} + 1) / (n + 1)), is at most alpha
// (RankP). Under exchangeability its size is at most alpha exactly (a
// quantile range of finite n over-rejects). Both mechanisms see the same
// resamples (the same trial, unit and animal draws); a null check runs the
// first mechanism against an independent resample of itself, whose
// rejection rate must be near alpha.
//
// The zero-change test (TestZero) is the one an experimenter runs on the
// recording alone, knowing no model: is the learning change zero? Across
// animals a two-sided one-sample t test of the per-animal values; within one
// animal a trial bootstrap of the experiment's own trials (|value| / its
// bootstrap SD against z_{1-alpha/2}). Its rejection rate under each
// mechanism is P(detect a change | that mechanism); the hypotheses are told
// apart where one rate is high and the other low.
//
// Every rate comes with its Wilson 95% interval over the replicate
// experiments. Package report/rival renders the result.
package design

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/fisher"
)

// Axes of the experiment's size.
const (
	AxisTrials  = "trials"  // task trials per sign in each of the blocks before and after learning
	AxisUnits   = "units"   // recorded units
	AxisRepeats = "repeats" // trials per frame sequence in each frozen-noise block
	AxisAnimals = "animals" // seeds
)

// AxisOrder is the order of the axes in the outputs.
var AxisOrder = []string{AxisTrials, AxisUnits, AxisRepeats, AxisAnimals}

// AxisText says what a size on each axis counts.
var AxisText = map[string]string{
	AxisTrials:  "task trials per sign in each block (before and after learning)",
	AxisUnits:   "recorded units",
	AxisRepeats: "trials per frozen frame sequence in each frozen-noise block",
	AxisAnimals: "animals (seeds)",
}

// Size is one experiment's size.
type Size struct{ Trials, Units, Repeats, Animals int }

func (s Size) with(axis string, v int) Size {
	switch axis {
	case AxisTrials:
		s.Trials = v
	case AxisUnits:
		s.Units = v
	case AxisRepeats:
		s.Repeats = v
	case AxisAnimals:
		s.Animals = v
	}
	return s
}

// Of returns the size on axis.
func (s Size) Of(axis string) int {
	switch axis {
	case AxisTrials:
		return s.Trials
	case AxisUnits:
		return s.Units
	case AxisRepeats:
		return s.Repeats
	}
	return s.Animals
}

// Signature is one measurable signature of docs/model.md section 10.7.
type Signature struct {
	Key, Sig, Label, Unit, Expect string
	// Axes that change its sampling distribution (the others leave it be).
	Axes []string
}

// Signatures are the measurable signatures the design resamples.
var Signatures = []Signature{
	{"dist_slope", "b", "pair redundancy increase vs soma distance, matched tuning", "1/c^2 per 100 um", "IPL: negative; feedback: 0", []string{AxisTrials, AxisUnits, AxisAnimals}},
	{"dist_near_far", "b", "pair increase near (<100 um) minus far (>=200 um), matched tuning", "1/c^2", "IPL: positive; feedback: 0", []string{AxisTrials, AxisUnits, AxisAnimals}},
	{"avsb_change", "c", "frozen-noise A-vs-B correlation change with learning", "r", "feedback: negative (with belief noise); IPL: about 0", []string{AxisRepeats, AxisUnits, AxisAnimals}},
	{"within_change", "c", "frozen-noise within-group correlation change with learning", "r", "both may rise", []string{AxisRepeats, AxisUnits, AxisAnimals}},
}

// Options configure a design.
type Options struct {
	From       string   // the compare output directory holding <mechanism>-seed<k>
	Mechanisms []string // two: the first is the null check's
	Seeds      []uint64
	Replicates int     // experiments per size (default 200)
	Alpha      float64 // level of the test (default 0.05)
	Seed       uint64  // of the resamples
	// Sizes per axis (ascending); Base is the size of the other axes while one
	// varies (zero fields: the pools' largest, units at most 100).
	Sizes map[string][]int
	Base  Size
	// Readout, when set, reads the pools out as a Utah array (the units axis
	// then counts electrodes).
	Readout *Readout
	// MaxPairs bounds the unit pairs of signature (b) per experiment (0: all
	// pairs of the drawn units).
	MaxPairs int
	// WithinBoot is the trial-bootstrap replicates of the within-animal
	// zero-change test (experiments of 1 animal; 0: not run), and
	// WithinReplicates the experiments per size that run it (0: all).
	WithinBoot, WithinReplicates int
	Log                          func(string)
	Context                      context.Context

	// PoolDir, when set, is the run directory of a mechanism and seed (a
	// sweep's point); nil: PoolDir(From, ...).
	PoolDir func(mech string, seed uint64) string
}

// Point is one power value.
type Point struct {
	Test            string // TestRival or TestZero
	Signature, Axis string
	Size            int
	At              Size // the whole experiment
	// Truth is the mechanism simulated; Rival the one rejected under
	// TestRival (Rival == Truth is the null check), "" under TestZero.
	Truth, Rival  string
	Effect        float64
	Power, Lo, Hi float64
	K, N          int
}

// Result is a whole design.
type Result struct {
	Options Options
	Pools   map[string][]*Pool // per mechanism, in Seeds order
	Base    Size
	Points  []Point
	Seconds float64
}

// Limits are the largest sizes the pools allow.
func limits(pools map[string][]*Pool, mechs []string) Size {
	l := Size{Trials: math.MaxInt, Units: math.MaxInt, Repeats: math.MaxInt, Animals: len(pools[mechs[0]])}
	for _, m := range mechs {
		for _, p := range pools[m] {
			l.Trials, l.Units, l.Repeats = min(l.Trials, p.TrialsPerSign()), min(l.Units, p.Recorders()), min(l.Repeats, p.RepeatsPerSeq())
		}
	}
	return l
}

// CheckOptions refuses options no design can run, before any pool is read.
func CheckOptions(o Options) error {
	switch {
	case len(o.Mechanisms) != 2 || o.Mechanisms[0] == o.Mechanisms[1]:
		return fmt.Errorf("design: mechanisms %v: give two different mechanisms", o.Mechanisms)
	case len(o.Seeds) == 0:
		return fmt.Errorf("design: no seeds")
	case o.Replicates < 20 || o.Replicates > 100000:
		return fmt.Errorf("design: %d replicates; want 20 to 100000", o.Replicates)
	case !(o.Alpha > 0 && o.Alpha <= 0.5):
		return fmt.Errorf("design: alpha %v; want 0 < alpha <= 0.5", o.Alpha)
	case o.Replicates < MinReplicates(o.Alpha):
		return fmt.Errorf("design: %d replicates; the rank test at alpha %v needs at least %d (its smallest p-value is 2/(replicates+1))", o.Replicates, o.Alpha, MinReplicates(o.Alpha))
	case o.WithinBoot != 0 && (o.WithinBoot < 10 || o.WithinBoot > 10000):
		return fmt.Errorf("design: within-boot %d (resamples of the within-animal test); want 0 (not run) or 10 to 10000", o.WithinBoot)
	case o.WithinReplicates < 0 || o.WithinReplicates > o.Replicates:
		return fmt.Errorf("design: within-replicates %d (experiments per size of the within-animal test); want 0 (all) to the %d replicates", o.WithinReplicates, o.Replicates)
	}
	seen := map[uint64]bool{}
	for _, s := range o.Seeds {
		if seen[s] {
			return fmt.Errorf("design: seed %d given twice", s)
		}
		seen[s] = true
	}
	for axis, sz := range o.Sizes {
		if AxisText[axis] == "" {
			return fmt.Errorf("design: unknown axis %q; allowed %v", axis, AxisOrder)
		}
		for k, v := range sz {
			if v < 1 || (k > 0 && v <= sz[k-1]) {
				return fmt.Errorf("design: %s sizes %v: want whole numbers from 1, ascending", axis, sz)
			}
		}
	}
	return nil
}

// checkSizes refuses sizes beyond what the pools hold.
func checkSizes(o Options, lim Size, base Size) error {
	for _, axis := range AxisOrder {
		top := lim.Of(axis)
		low := 1
		switch axis {
		case AxisTrials:
			low = 7
		case AxisUnits:
			low = 4
			if o.Readout != nil {
				low = 2
			}
		case AxisRepeats:
			low = 2
		}
		for _, v := range append(append([]int(nil), o.Sizes[axis]...), base.Of(axis)) {
			if v < low || v > top {
				return fmt.Errorf("design: %s size %d outside what the pools allow (%d to %d: %s)", axis, v, low, top, AxisText[axis])
			}
		}
	}
	return nil
}

// Run loads the pools and computes every power value.
func Run(o Options) (*Result, error) {
	if o.Replicates == 0 {
		o.Replicates = 200
	}
	if o.Alpha == 0 {
		o.Alpha = 0.05
	}
	if err := CheckOptions(o); err != nil {
		return nil, err
	}
	ctx := o.Context
	if ctx == nil {
		ctx = context.Background()
	}
	logf := func(format string, a ...any) {
		if o.Log != nil {
			o.Log(fmt.Sprintf(format, a...))
		}
	}
	t0 := time.Now()
	res := &Result{Options: o, Pools: map[string][]*Pool{}}
	for _, m := range o.Mechanisms {
		for _, s := range o.Seeds {
			dir := PoolDir(o.From, m, s)
			if o.PoolDir != nil {
				dir = o.PoolDir(m, s)
			}
			p, err := LoadPool(dir, m, s)
			if err == nil && o.Readout != nil {
				p, err = p.AsArray(*o.Readout)
			}
			if err != nil {
				return nil, fmt.Errorf("design: %w", err)
			}
			res.Pools[m] = append(res.Pools[m], p)
		}
	}
	for k := range o.Seeds {
		a, b := res.Pools[o.Mechanisms[0]][k], res.Pools[o.Mechanisms[1]][k]
		if a.Units() != b.Units() || a.Recorders() != b.Recorders() || a.TrialsPerSign() != b.TrialsPerSign() || a.RepeatsPerSeq() != b.RepeatsPerSeq() || len(a.FrozenEarly.Seqs) != len(b.FrozenEarly.Seqs) {
			return nil, fmt.Errorf("design: seed %d: the two mechanisms' runs differ in units, trials or frozen sequences; the design resamples both alike", o.Seeds[k])
		}
	}
	lim := limits(res.Pools, o.Mechanisms)
	base := o.Base
	if base.Trials == 0 {
		base.Trials = lim.Trials
	}
	if base.Units == 0 {
		base.Units = min(100, lim.Units)
	}
	if base.Repeats == 0 {
		base.Repeats = lim.Repeats
	}
	if base.Animals == 0 {
		base.Animals = lim.Animals
	}
	res.Base = base
	if err := checkSizes(o, lim, base); err != nil {
		return nil, err
	}
	for ai, axis := range AxisOrder {
		for _, v := range o.Sizes[axis] {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			at := base.with(axis, v)
			t1 := time.Now()
			pts := res.point(axis, v, at, uint64(ai))
			res.Points = append(res.Points, pts...)
			logf("%s = %d: %d experiments per arm in %.1f s", axis, v, o.Replicates, time.Since(t1).Seconds())
		}
	}
	res.Seconds = time.Since(t0).Seconds()
	return res, nil
}

// values are one experiment's signature values, in Signatures order.
type values [4]float64

// point simulates Replicates experiments of size at under both mechanisms
// (the same draws) and a null arm, and returns the power points.
func (res *Result) point(axis string, v int, at Size, axisIdx uint64) []Point {
	o := res.Options
	R := o.Replicates
	m0, m1 := o.Mechanisms[0], o.Mechanisms[1]
	arms := [3][]values{make([]values, R), make([]values, R), make([]values, R)} // m0, m1, m0 on independent draws
	zero := [2][]detect{make([]detect, R), make([]detect, R)}                    // m0, m1: the zero-change test
	within := o.WithinReplicates
	if within == 0 {
		within = R
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				stream := axisIdx<<48 | uint64(v)<<24 | uint64(r)
				src := rand.New(rand.NewPCG(o.Seed, stream))
				nul := rand.New(rand.NewPCG(o.Seed+1, stream))
				var boot *rand.Rand // the zero-change test's own draws, so that the others do not change with it
				if at.Animals >= 2 || (o.WithinBoot > 0 && r < within) {
					boot = rand.New(rand.NewPCG(o.Seed+2, stream))
				}
				arms[0][r], arms[1][r], zero[0][r], zero[1][r] = res.experiment(src, boot, at, m0, m1)
				arms[2][r], _, _, _ = res.experiment(nul, nil, at, m0, "")
			}
		}()
	}
	for r := range R {
		next <- r
	}
	close(next)
	wg.Wait()
	var pts []Point
	col := func(a []values, k int) []float64 {
		x := make([]float64, len(a))
		for i := range a {
			x[i] = a[i][k]
		}
		return x
	}
	for k, sg := range Signatures {
		x0, x1, xn := col(arms[0], k), col(arms[1], k), col(arms[2], k)
		for _, c := range []struct {
			truth, rival []float64
			t, r         string
		}{{x0, x1, m0, m1}, {x1, x0, m1, m0}, {xn, x0, m0, m0}} {
			pw, kk, n := Power(c.truth, c.rival, o.Alpha)
			lo, hi := Wilson(kk, n, 1.959964)
			pts = append(pts, Point{Test: TestRival, Signature: sg.Key, Axis: axis, Size: v, At: at, Truth: c.t, Rival: c.r,
				Effect: meanFinite(c.truth) - meanFinite(c.rival), Power: pw, Lo: lo, Hi: hi, K: kk, N: n})
		}
		for i, c := range []struct {
			x []float64
			t string
		}{{x0, m0}, {x1, m1}} {
			rate, kk, n := zeroRate(zero[i], k)
			if n == 0 {
				continue
			}
			lo, hi := Wilson(kk, n, 1.959964)
			pts = append(pts, Point{Test: TestZero, Signature: sg.Key, Axis: axis, Size: v, At: at, Truth: c.t,
				Effect: meanFinite(c.x), Power: rate, Lo: lo, Hi: hi, K: kk, N: n})
		}
	}
	return pts
}

// experiment draws one experiment of size at (animals, then per animal the
// units and trials) and evaluates it on mechanism a's pools and, with the same
// draws, on b's (b "" skips it). Each value is the mean over animals. With
// boot set it also runs the zero-change test of each mechanism: across
// animals the t test of the per-animal values, within one animal the trial
// bootstrap (drawn from boot); without, the decisions are untested.
func (res *Result) experiment(src, boot *rand.Rand, at Size, a, b string) (va, vb values, za, zb detect) {
	o := res.Options
	seeds := src.Perm(len(o.Seeds))[:at.Animals]
	var sa, sb [len(values{})][]float64
	var d *Draw
	var pools []*Pool
	for _, si := range seeds {
		pools = []*Pool{res.Pools[a][si]}
		d = newDraw(src, pools[0], at)
		ea := evaluate(pools[0], d, o.MaxPairs)
		for k := range ea {
			sa[k] = append(sa[k], ea[k])
		}
		if b != "" {
			pools = append(pools, res.Pools[b][si])
			eb := evaluate(pools[1], d, o.MaxPairs)
			for k := range eb {
				sb[k] = append(sb[k], eb[k])
			}
		}
	}
	for k := range va {
		va[k], vb[k] = meanFinite(sa[k]), meanFinite(sb[k])
	}
	za, zb = untested(), untested()
	switch {
	case boot == nil:
	case at.Animals >= 2:
		za, zb = acrossZero(sa, o.Alpha), acrossZero(sb, o.Alpha)
	case o.WithinBoot > 0:
		z := withinZero(boot, d, pools, []values{va, vb}[:len(pools)], o)
		za = z[0]
		if len(z) > 1 {
			zb = z[1]
		}
	}
	return va, vb, za, zb
}

// Draw is one animal's resample: the units, and the rows of each block.
type Draw struct {
	Units                                      []int
	EarlyPlus, EarlyMinus, LatePlus, LateMinus []int
	FrozenEarly, FrozenLate                    [][]int // rows per sequence
}

// newDraw draws Units units (under an array read-out: Units electrodes and
// all their units) without replacement and, with replacement,
// Trials trials per sign from each task block and Repeats trials of each
// frame sequence from each frozen-noise block.
func newDraw(src *rand.Rand, p *Pool, at Size) *Draw {
	d := &Draw{Units: src.Perm(p.Units())[:at.Units]}
	if p.Electrode != nil {
		take := map[int]bool{}
		for _, e := range src.Perm(p.Electrodes)[:at.Units] {
			take[e] = true
		}
		d.Units = d.Units[:0]
		for u, e := range p.Electrode {
			if take[e] {
				d.Units = append(d.Units, u)
			}
		}
	}
	sort.Ints(d.Units)
	rows := func(n int) []int {
		r := make([]int, at.Trials)
		for i := range r {
			r[i] = src.IntN(n)
		}
		return r
	}
	d.EarlyPlus, d.EarlyMinus = rows(p.Early.Plus.RawMatrix().Rows), rows(p.Early.Minus.RawMatrix().Rows)
	d.LatePlus, d.LateMinus = rows(p.Late.Plus.RawMatrix().Rows), rows(p.Late.Minus.RawMatrix().Rows)
	seqs := func(b FrozenBlock) [][]int {
		out := make([][]int, len(b.Seqs))
		for i, s := range b.Seqs {
			out[i] = resample(src, s, at.Repeats)
		}
		return out
	}
	d.FrozenEarly, d.FrozenLate = seqs(p.FrozenEarly), seqs(p.FrozenLate)
	return d
}

// resample draws n of rows with replacement.
func resample(src *rand.Rand, rows []int, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = rows[src.IntN(len(rows))]
	}
	return out
}

// pick returns the rows and columns of m.
func pick(m *mat.Dense, rows, cols []int) *mat.Dense {
	out := mat.NewDense(len(rows), len(cols), nil)
	for i, r := range rows {
		for j, c := range cols {
			out.Set(i, j, m.At(r, c))
		}
	}
	return out
}

// evaluate computes the signatures of one animal's draw.
func evaluate(p *Pool, d *Draw, maxPairs int) values {
	nan := math.NaN()
	v := values{nan, nan, nan, nan}
	theta := make([]float32, len(d.Units))
	pos := make([]float32, 3*len(d.Units))
	for j, u := range d.Units {
		theta[j] = p.Theta[u]
		copy(pos[3*j:3*j+3], p.Pos[3*u:3*u+3])
	}
	// (b)
	pe := fisher.NewPairStats(pick(p.Early.Plus, d.EarlyPlus, d.Units), pick(p.Early.Minus, d.EarlyMinus, d.Units), p.Early.DS)
	pl := fisher.NewPairStats(pick(p.Late.Plus, d.LatePlus, d.Units), pick(p.Late.Minus, d.LateMinus, d.Units), p.Late.DS)
	var a, b []int32
	n := len(d.Units)
	for i := range n {
		for j := i + 1; j < n; j++ {
			a, b = append(a, int32(i)), append(b, int32(j))
		}
	}
	if maxPairs > 0 && len(a) > maxPairs {
		a, b = a[:maxPairs], b[:maxPairs]
	}
	if r, err := analysis.DistanceFromPairs(analysis.DistancePairs{Early: pe, Late: pl, Theta: theta, Pos: pos, A: a, B: b}, analysis.DistanceOptions{}); err == nil {
		v[0], v[1] = r.Slope, r.NearFar
	}
	// (c)
	frozen := func(b FrozenBlock, seqs [][]int) (within, avsb float64) {
		var rows []int
		local := make([][]int, len(seqs))
		for i, s := range seqs {
			for range s {
				local[i] = append(local[i], len(rows)+len(local[i]))
			}
			rows = append(rows, s...)
		}
		wa, wb, ab := analysis.FrozenGroupCorrelations(pick(b.Counts, rows, d.Units), local, theta, p.TaskDeg)
		return (wa + wb) / 2, ab
	}
	we, ae := frozen(p.FrozenEarly, d.FrozenEarly)
	wl, al := frozen(p.FrozenLate, d.FrozenLate)
	v[2], v[3] = al-ae, wl-we
	return v
}

func meanFinite(x []float64) float64 {
	var s float64
	n := 0
	for _, v := range x {
		if finite(v) {
			s += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}
