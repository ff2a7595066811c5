package analysis_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/engine/fisher"
	"github.com/iplgpu/iplgpu/engine/model"
)

// The learning pattern over the full default experiment and its calibration
// against Liu et al. (docs/model.md sections 6.3 and 9; issue 9), on four
// seeds (the seeds play the role of animals): the default model (monkey R,
// n = 14) and the preset liu-g (monkey G, n = 52). Long: about 2 minutes per run
// on 2 cores, 10 runs (TestLearningPattern: 6, TestCalibrationLiuG: 4).
//
// Quantities are those of docs/model.md section 9.2: information of the 1.6 s counts
// averaged over 200 random subsets of n neurons (the same subsets in every
// block), redundancy % = 100 (mean I_shuffle - mean I_real) / mean I_shuffle;
// "early" is the task block before training (session 0), "late" the mean of the
// task blocks after the last two sessions; the targets apply to the mean over
// the seeds, because the seed-to-seed spread of the rise (seeds 1-4 of the
// defaults: 7.4 to 15.3 points, scripts/calib/README.md) is wider than the
// targets' windows. Seen when set (engine 0.2.1, seeds 1-4): redundancy 23.9
// -> 31.2, 20.0 -> 29.6, 19.5 -> 34.8 and 23.4 -> 37.9% (seed mean 21.7 ->
// 33.4, rise 11.7: margins 1.6 to the 35% bound and 1.7 to the 10-point
// rise), I_shuffle x1.62, 1.90, 1.68, 1.58 and I_real x1.46, 1.68, 1.36, 1.28
// (seed mean 1.45, margin 0.15 to 1.6), noise correlation 0.061 -> 0.068,
// task above passive in every session, ablation rise -3.2 and -1.2 points
// against 7.4 and 9.5 (seeds 1, 2); fit of the seed-mean curve: tau 9.0
// sessions, 16% of the rise after session 1, within 10% of the final value
// from session 6.

// longSeeds are the seeds (animals) of the long learning tests.
var longSeeds = []uint64{1, 2, 3, 4}

// ablationSeeds are the seeds of the ablation check (a per-seed assertion, so
// two seeds suffice and save two runs).
var ablationSeeds = []uint64{1, 2}

// calSubsets is the subset draw of the calibration tests.
func calSubsets(n int) fisher.SubsetSpec { return fisher.SubsetSpec{Size: n, Count: 200, Seed: 1} }

// blockStats is one measurement block at one subset size.
type blockStats struct {
	real, shuffle, redPct float64 // subset means; redPct from the means
	noiseCorr             float64 // mean pairwise noise correlation, all neurons
	fano                  float64 // median over neurons of var/mean of the 1.6 s counts
}

// measure computes blockStats for a block of a run at subset size n.
func (r *qualRun) measure(t *testing.T, session int, name string, n int) blockStats {
	t.Helper()
	plus, minus := r.rows(session, name)
	if len(plus) == 0 || len(minus) == 0 {
		t.Fatalf("%s: no trials of session %d block %s", r.dir, session, name)
	}
	all := fisher.BinRange{Start: 0, End: r.resp.Bins}
	p := r.resp.Sum(nil, plus, all)
	m := r.resp.Sum(nil, minus, all)
	c := r.cfg.Protocol.Session[1].Coherences[0]
	st, err := fisher.NewStats(p, m, nil, 2*c, true)
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.Subsets(calSubsets(n), nil)
	if err != nil {
		t.Fatal(err)
	}
	b := blockStats{real: res.Real.Mean, shuffle: res.Shuffle.Mean, noiseCorr: st.NoiseCorrelation(nil), fano: medianFano(p, m)}
	b.redPct = 100 * (b.shuffle - b.real) / b.shuffle
	return b
}

// medianFano is the median over neurons (with spikes) of the Fano factor of the
// trial counts, the variance within each sign averaged over the two signs.
func medianFano(p, m *mat.Dense) float64 {
	_, N := p.Dims()
	var f []float64
	for i := 0; i < N; i++ {
		var v, mu float64
		for _, d := range []*mat.Dense{p, m} {
			col := mat.Col(nil, i, d)
			mean, vr := meanVar(col)
			v += vr / 2
			mu += mean / 2
		}
		if mu > 0 {
			f = append(f, v/mu)
		}
	}
	slices.Sort(f)
	if len(f)%2 == 1 {
		return f[len(f)/2]
	}
	return (f[len(f)/2-1] + f[len(f)/2]) / 2
}

func meanVar(x []float64) (mean, variance float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(len(x)-1)
}

// learningCurve measures the task and passive blocks of every session of a run.
type learningCurve struct {
	task, passive []blockStats // by session 0..S
}

func (r *qualRun) curve(t *testing.T, n int) learningCurve {
	var lc learningCurve
	for s := 0; s <= r.cfg.Protocol.Sessions; s++ {
		lc.task = append(lc.task, r.measure(t, s, "task", n))
		lc.passive = append(lc.passive, r.measure(t, s, "passive", n))
	}
	return lc
}

// early and late: session 0, and the mean of the last two sessions, of a field.
func (lc learningCurve) early(f func(blockStats) float64) float64 { return f(lc.task[0]) }
func (lc learningCurve) late(f func(blockStats) float64) float64 {
	k := len(lc.task)
	return (f(lc.task[k-1]) + f(lc.task[k-2])) / 2
}

// lateRed is the late redundancy % from the late means of I_shuffle and I_real.
func (lc learningCurve) lateRed() float64 {
	s := lc.late(func(b blockStats) float64 { return b.shuffle })
	r := lc.late(func(b blockStats) float64 { return b.real })
	return 100 * (s - r) / s
}

// fitExp fits y(s) = r0 + d (1 - exp(-s/tau)) by least squares over a grid of
// tau (0.2 to 50 sessions) and returns tau, r0, d.
func fitExp(y []float64) (tau, r0, d float64) {
	best := math.Inf(1)
	for i := 0; i < 400; i++ {
		ta := math.Exp(math.Log(0.2) + float64(i)/399*(math.Log(50)-math.Log(0.2)))
		// Linear least squares in (r0, d) for this tau.
		var n, sx, sy, sxx, sxy float64
		for s, v := range y {
			x := 1 - math.Exp(-float64(s)/ta)
			n++
			sx += x
			sy += v
			sxx += x * x
			sxy += x * v
		}
		dd := (n*sxy - sx*sy) / (n*sxx - sx*sx)
		rr := (sy - dd*sx) / n
		var sse float64
		for s, v := range y {
			e := v - rr - dd*(1-math.Exp(-float64(s)/ta))
			sse += e * e
		}
		if sse < best {
			best, tau, r0, d = sse, ta, rr, dd
		}
	}
	return tau, r0, d
}

func TestLearningPattern(t *testing.T) {
	if testing.Short() {
		t.Skip("the full learning experiment takes minutes per run; run without -short")
	}
	const n = 14 // Liu et al.'s monkey R subset size, the default's calibration
	S := model.DefaultConfig().Protocol.Sessions
	var curves []learningCurve
	for _, seed := range longSeeds {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			ctl := simulateQual(t, seed, "learning", S)
			lc := ctl.curve(t, n)
			curves = append(curves, lc)
			var red, pas []string
			for s := range lc.task {
				red = append(red, fmt.Sprintf("%.1f", lc.task[s].redPct))
				pas = append(pas, fmt.Sprintf("%.1f", lc.passive[s].redPct))
			}
			t.Logf("redundancy %% at n = %d by session, task: %s; passive: %s", n, strings.Join(red, " "), strings.Join(pas, " "))

			// I_shuffle rises faster than I_real; I_real is preserved or rises.
			real := lc.late(func(b blockStats) float64 { return b.real }) / lc.early(func(b blockStats) float64 { return b.real })
			shuf := lc.late(func(b blockStats) float64 { return b.shuffle }) / lc.early(func(b blockStats) float64 { return b.shuffle })
			t.Logf("late/early: I_shuffle x%.2f, I_real x%.2f", shuf, real)
			if shuf <= real {
				t.Errorf("I_shuffle late/early x%.2f not above I_real's x%.2f", shuf, real)
			}
			if real < 0.9 {
				t.Errorf("I_real late/early x%.2f: fell by more than 10%%", real)
			}
			// Task > passive in every session after training.
			for s := 1; s < len(lc.task); s++ {
				if lc.task[s].redPct <= lc.passive[s].redPct {
					t.Errorf("session %d: task redundancy %.1f%% <= passive %.1f%%", s, lc.task[s].redPct, lc.passive[s].redPct)
				}
			}
			// V4-like variability in every block: median Fano 1.0-1.6.
			for s := range lc.task {
				for _, b := range []blockStats{lc.task[s], lc.passive[s]} {
					if b.fano < 1.0 || b.fano > 1.6 {
						t.Errorf("session %d: median Fano factor %.2f outside 1.0-1.6", s, b.fano)
					}
				}
			}
			// Ablation (prediction 4): with IPL formation blocked the rise is under
			// a quarter of the control's and mean rates stay within 15%.
			if slices.Contains(ablationSeeds, seed) {
				abl := simulateQual(t, seed, "ablation", S)
				la := abl.curve(t, n)
				rise := lc.lateRed() - lc.task[0].redPct
				aRise := la.lateRed() - la.task[0].redPct
				t.Logf("redundancy rise: control %.1f points, formation blocked %.1f", rise, aRise)
				if aRise >= rise/4 {
					t.Errorf("with formation blocked redundancy rose by %.1f points, not under a quarter of the control's %.1f", aRise, rise)
				}
				rc, ra := ctl.meanRate(S, "task"), abl.meanRate(S, "task")
				if math.Abs(ra-rc) > 0.15*rc {
					t.Errorf("mean rate with formation blocked %.2f Hz, control %.2f Hz: differ by more than 15%%", ra, rc)
				}
			}
			// Links join similarly tuned neurons.
			if c := ctl.linkTuning(t); c <= 0.2 {
				t.Errorf("w-weighted mean cos 2 dtheta of links %.3f, want > 0.2", c)
			}
			// Within trial (Liu Fig. 5): the gap rises within the trial, more
			// steeply late in learning.
			e0, l0 := ctl.gapEarlyLate(t, 0, "task")
			e1, l1 := ctl.gapEarlyLate(t, S, "task")
			t.Logf("within-trial gap (first -> last 400 ms): before learning %.2f -> %.2f, after %.2f -> %.2f", e0, l0, e1, l1)
			if l1-e1 <= l0-e0 {
				t.Errorf("within-trial rise after learning %.2f not larger than before %.2f", l1-e1, l0-e0)
			}
		})
	}
	if len(curves) != len(longSeeds) {
		return
	}
	// The calibration (docs/model.md section 9, monkey R at n = 14), on the mean over
	// the seeds. The sampling error of one block's redundancy % at n = 14 is
	// about 2-3 points (trial jackknife, scripts/calib/measure.py), so the mean
	// of 2 late sessions x 4 seeds has about 0.7-1.1 from trials alone; the
	// seeds' own spread adds about 2 (the standard error of a four-seed mean).
	avg := func(f func(learningCurve) float64) float64 {
		var s float64
		for _, lc := range curves {
			s += f(lc)
		}
		return s / float64(len(curves))
	}
	early := avg(func(lc learningCurve) float64 { return lc.task[0].redPct })
	late := avg(func(lc learningCurve) float64 { return lc.lateRed() })
	realRatio := avg(func(lc learningCurve) float64 {
		return lc.late(func(b blockStats) float64 { return b.real }) / lc.early(func(b blockStats) float64 { return b.real })
	})
	nc0 := avg(func(lc learningCurve) float64 { return lc.task[0].noiseCorr })
	nc1 := avg(func(lc learningCurve) float64 { return lc.late(func(b blockStats) float64 { return b.noiseCorr }) })
	t.Logf("seed mean at n = %d: redundancy %.1f%% -> %.1f%% (rise %.1f), I_real late/early x%.2f, noise correlation %.3f -> %.3f",
		n, early, late, late-early, realRatio, nc0, nc1)
	if late < 25 || late > 35 {
		t.Errorf("late-learning task redundancy %.1f%% at n = %d outside the target 25-35%% (Liu et al. monkey R: 30.5/33.6%%)", late, n)
	}
	if late-early < 10 {
		t.Errorf("redundancy rose by %.1f points over learning, want >= 10", late-early)
	}
	// I_real late/early: the target of docs/model.md section 9.2, 0.9-1.6, on the mean over the four
	// seeds (on seeds 1 and 2 alone, with the earlier, stronger learning, it was
	// 1.71: the two-seed calibration was at the low end of the spread).
	if realRatio < 0.9 || realRatio > 1.6 {
		t.Errorf("I_real late/early x%.2f outside 0.9-1.6", realRatio)
	}
	if nc0 < 0.03 || nc0 > 0.10 {
		t.Errorf("mean noise correlation before learning %.3f outside 0.03-0.10", nc0)
	}
	if math.Abs(nc1-nc0) > 0.02 {
		t.Errorf("mean noise correlation changed by %+.3f over learning, want at most 0.02", nc1-nc0)
	}
	// Gradual learning (docs/model.md section 6.3): judged on an exponential fit to the
	// seed-mean curve, since single sessions scatter by 2-3 points. After session
	// 1 at most 40% of the rise to the final session; the fitted curve comes
	// within 10% of its final value no earlier than session 5.
	curve := make([]float64, S+1)
	for s := range curve {
		curve[s] = avg(func(lc learningCurve) float64 { return lc.task[s].redPct })
	}
	tau, r0, d := fitExp(curve)
	fit := func(s int) float64 { return r0 + d*(1-math.Exp(-float64(s)/tau)) }
	final := fit(S)
	frac1 := (fit(1) - fit(0)) / (final - fit(0))
	plateau := -1
	for s := 0; s <= S; s++ {
		if math.Abs(fit(s)-final) <= 0.1*math.Abs(final) {
			plateau = s
			break
		}
	}
	t.Logf("seed-mean curve %v; fit tau %.1f sessions, session 1 at %.0f%% of the rise, within 10%% of the final value from session %d", roundAll(curve), tau, 100*frac1, plateau)
	if d <= 0 {
		t.Fatalf("the fitted learning curve does not rise (D = %.2f)", d)
	}
	if frac1 > 0.4 {
		t.Errorf("after session 1 the fitted redundancy reached %.0f%% of the rise, want at most 40%%", 100*frac1)
	}
	if plateau < 5 {
		t.Errorf("the fitted curve is within 10%% of its final value from session %d, want no earlier than 5", plateau)
	}
}

func roundAll(x []float64) []float64 {
	r := make([]float64, len(x))
	for i, v := range x {
		r[i] = math.Round(10*v) / 10
	}
	return r
}

// TestCalibrationLiuG: the preset liu-g matches monkey G (Liu et al.: 22.1 and
// 19.8% at 52 units): late-learning task redundancy 17-25% at n = 52, on the mean
// over the seeds. Seen when set (engine 0.2.1): 16.5, 23.0, 26.7 and 25.1%
// (seeds 1-4), mean 22.8% (margin 2.2 to the 25% bound); the sampling error of
// one block at 52 neurons is about 5 points (trial jackknife), so that of the
// mean of 2 sessions x 4 seeds about 1.8, and the seeds' own spread adds about
// 2.
func TestCalibrationLiuG(t *testing.T) {
	if testing.Short() {
		t.Skip("the full learning experiment takes minutes per run; run without -short")
	}
	const n = 52
	var late []float64
	for _, seed := range longSeeds {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			cfg, err := model.LoadConfig("liu-g", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			r := simulateQual(t, seed, "liu-g", cfg.Protocol.Sessions)
			lc := r.curve(t, n)
			var red []string
			for s := range lc.task {
				red = append(red, fmt.Sprintf("%.1f", lc.task[s].redPct))
			}
			t.Logf("redundancy %% at n = %d by session: %s; late %.1f%%", n, strings.Join(red, " "), lc.lateRed())
			late = append(late, lc.lateRed())
			// Task vs passive is a target of the default experiment (n = 14,
			// TestLearningPattern), not of this row: at this gain the passive
			// blocks' I_shuffle at 52 neurons is near 0, so their redundancy % from
			// 160 trials is sampling noise (seen from -110% to +25%; docs/model.md
			// section 8.4 leaves it blank there). Logged, not asserted.
			k := len(lc.task) - 1
			t.Logf("after training: task redundancy %.1f%% (I_shuffle %.1f), passive %.1f%% (I_shuffle %.1f)", lc.task[k].redPct, lc.task[k].shuffle, lc.passive[k].redPct, lc.passive[k].shuffle)
		})
	}
	if len(late) != len(longSeeds) {
		return
	}
	var m float64
	for _, l := range late {
		m += l / float64(len(late))
	}
	t.Logf("seed mean late redundancy at n = %d: %.1f%%", n, m)
	if m < 17 || m > 25 {
		t.Errorf("liu-g: late-learning task redundancy %.1f%% at n = %d outside the target 17-25%% (Liu et al. monkey G: 22.1/19.8%%)", m, n)
	}
}
