package analysis_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/internal/npy"
	"github.com/iplgpu/iplgpu/rundir"
)

// Helpers of the experiments' tests: a run of a preset on the CPU backend
// (simulatePreset, calibration_test.go) with its responses, rates and the
// tuning of its links.

// qualRun is a finished run's recording and configuration.
type qualRun struct {
	dir    string
	cfg    *model.Config
	resp   fisher.Responses
	trials []rundir.TrialRecord
}

// runDir is where a test run goes: a temporary directory, or NAME under
// $IPLGPU_TEST_RUNS when that is set (kept, e.g. to measure or plot the runs of
// the long tests; with IPLGPU_TEST_REUSE=1 a complete run there is reused).
func runDir(t *testing.T, name string) string {
	if d := os.Getenv("IPLGPU_TEST_RUNS"); d != "" {
		return filepath.Join(d, name)
	}
	return filepath.Join(t.TempDir(), name)
}

// rows returns the responses rows of a block's +c and -c trials.
func (r *qualRun) rows(session int, name string) (plus, minus []int) {
	for _, tr := range r.trials {
		if tr.Recorded && tr.Session == session && tr.BlockName == name {
			if tr.Coherence > 0 {
				plus = append(plus, tr.Row)
			} else if tr.Coherence < 0 {
				minus = append(minus, tr.Row)
			}
		}
	}
	return plus, minus
}

// meanRate is the mean rate (Hz) over a block's trials and neurons.
func (r *qualRun) meanRate(session int, name string) float64 {
	plus, minus := r.rows(session, name)
	all := append(append([]int{}, plus...), minus...)
	sum := r.resp.Sum(nil, all, fisher.BinRange{Start: 0, End: r.resp.Bins})
	rows, cols := sum.Dims()
	var tot float64
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			tot += sum.At(i, j)
		}
	}
	dur := float64(r.cfg.Stimulus.Frames) * r.cfg.Stimulus.FrameMs / 1000
	return tot / float64(rows*cols) / dur
}

// linkTuning is the w-weighted mean cos 2(theta_i - theta_j) of linked neurons.
func (r *qualRun) linkTuning(t *testing.T) float64 {
	t.Helper()
	net, err := model.BuildNetwork(r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, data, err := npy.Read(filepath.Join(r.dir, "w_final.npy"))
	if err != nil {
		t.Fatal(err)
	}
	w := data.([]float32)
	var num, den float64
	for e := range net.EdgeA {
		i, j := int(net.EdgeA[e])/net.M, int(net.EdgeB[e])/net.M
		num += float64(w[e]) * math.Cos(2*float64(net.Theta[i]-net.Theta[j]))
		den += float64(w[e])
	}
	return num / den
}

// reversibilitySeed is the seed of TestReversibility, a held-out one.
const reversibilitySeed = 5

// Reversibility (docs/model.md, prediction 2), trial by trial after each
// switch: the reversibility preset as shipped (the default's ten training
// sessions, then 60 cycles of task, passive, task and passive-with-task-gain
// blocks of 10 trials), analysed with iplgpu analyse's defaults, at
// reversibilitySeed. Pooled over the switches, the gap is higher in task
// than in passive both with and without the task gain (95% bootstrap
// intervals of the drop above 0); with the gain kept only the gate m
// differs, and the gap relaxes with a time constant within a factor 3 of
// tau_m; its passive level differs from the plain passive level by less than
// half the drop (the gate on the coupling carries the drop); the recorded
// gate relaxes with tau_m (within 3%: it is sampled once per trial); and the
// links persist (learning is off after training, so w does not change).
//
// The drop is asserted on the settled difference (the mean gap over the
// second half of the positions after each switch, no fit): the plain pair
// changes the input gain at once, so its joint fit's time constant is not
// identified and the fitted drop's interval can reach below 0 (seed 5,
// engine 0.2.1: 2.92 [-2.92, 3.72], tau 0.45 s [0.17, 69]; with the task
// gain kept 3.20 [2.15, 4.25], tau 6.0 s). reversibilitySeed is a seed the
// defaults were not calibrated on.
func TestReversibility(t *testing.T) {
	if testing.Short() {
		t.Skip("a training run takes minutes; run without -short")
	}
	r := simulatePreset(t, "reversibility", reversibilitySeed)
	rev := r.sum.Reversibility
	if rev == nil {
		t.Fatalf("no switch analysis; notes %v", r.sum.Notes)
	}
	plain, gain := rev.PairOf("task", "passive"), rev.PairOf("task", "passive (task gain kept)")
	if plain == nil || gain == nil {
		t.Fatalf("pair fits %+v", rev.Pairs)
	}
	for _, p := range []*analysis.PairFit{plain, gain} {
		t.Logf("%s <-> %s: tau %.2f s (%.2f to %.2f), levels %.2f and %.2f, drop %.2f (%.2f to %.2f); settled drop (no fit) %.2f (%.2f to %.2f)", p.A, p.B, p.Tau.Est, p.Tau.Lo, p.Tau.Hi,
			p.LevelA.Est, p.LevelB.Est, p.Drop.Est, p.Drop.Lo, p.Drop.Hi, p.SettledDrop.Est, p.SettledDrop.Lo, p.SettledDrop.Hi)
		if !(p.SettledDrop.Lo > 0) {
			t.Errorf("%s <-> %s: the settled task-passive difference of the gap %.2f (%.2f to %.2f) is not clearly positive", p.A, p.B, p.SettledDrop.Est, p.SettledDrop.Lo, p.SettledDrop.Hi)
		}
	}
	if tm := rev.TauMS; gain.Tau.Est < tm/3 || gain.Tau.Est > 3*tm {
		t.Errorf("with the task gain kept the gap relaxed with %.2f s, not within a factor 3 of tau_m = %g s", gain.Tau.Est, tm)
	}
	if d := math.Abs(gain.LevelB.Est - plain.LevelB.Est); d > gain.Drop.Est/2 {
		t.Errorf("passive levels %.2f (gain kept) and %.2f differ by %.2f, more than half the drop %.2f", gain.LevelB.Est, plain.LevelB.Est, d, gain.Drop.Est)
	}
	for _, c := range rev.Courses {
		if g := c.GateFit; g == nil || math.Abs(g.Tau.Est-rev.TauMS) > 0.03*rev.TauMS {
			t.Errorf("%s -> %s: the recorded gate's fit %+v, want tau_m = %g s", c.From, c.To, g, rev.TauMS)
		}
	}
	// The links persist: learning is off in the alternating blocks, so w after
	// them equals w after the last training session exactly.
	shape, wd, err := npy.Read(filepath.Join(r.dir, "w_sessions.npy"))
	if err != nil {
		t.Fatal(err)
	}
	w := wd.([]float32)
	E := shape[1]
	last, end := w[(shape[0]-2)*E:(shape[0]-1)*E], w[(shape[0]-1)*E:]
	var mean float64
	for e := range end {
		if end[e] != last[e] {
			t.Fatalf("edge %d: w changed from %v to %v in blocks without learning", e, last[e], end[e])
		}
		mean += float64(end[e])
	}
	if mean/float64(E) < 0.05 {
		t.Fatalf("mean w %.3f after training: no links formed, the test proves nothing", mean/float64(E))
	}
}

// Consistency (docs/model.md, prediction 3): the consistency preset as
// shipped (blocks of 2,400 trials with independent and with persistent
// signal frames, before and after 3 compressed training sessions), seed 1,
// analysed with iplgpu analyse's defaults (its analysis is the longest of
// the suite: the time courses of four blocks of 2,400 trials).
//
// The prediction: after training a persistent signal makes the within-trial
// rise of the gap steeper than independent frames, and more so than before
// training (when there are no links). At the default lateral gain the model
// does not show the second part: the growth of the persistent-minus-
// independent slope with training is not resolved (engine 0.2.1: +0.005
// [-0.029, 0.029] per s), while the difference itself appears before
// training as well, without links (+0.009 [0.001, 0.019]). The README and docs/results.md say so; this test
// holds that statement (it fails when the model changes so that the growth
// is resolved, and the statement must change with it), and logs the rest.
func TestConsistency(t *testing.T) {
	if testing.Short() {
		t.Skip("two training runs take minutes; run without -short")
	}
	for _, seed := range []uint64{1} {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			r := simulatePreset(t, "consistency", seed)
			sum := r.sum
			if len(sum.ConsistencyPairs) != 2 || sum.ConsistencyLearning == nil {
				t.Fatalf("%d persistent/independent pairs (learning comparison %v), want 2: before and after training", len(sum.ConsistencyPairs), sum.ConsistencyLearning != nil)
			}
			for _, p := range sum.ConsistencyPairs {
				t.Logf("session %d: slope persistent - independent %+.3f per s (95%% CI %.3f to %.3f)", sum.BlockByIndex(p.Persistent).Session, p.SlopeTest.Diff, p.SlopeTest.Lo, p.SlopeTest.Hi)
			}
			dd := sum.ConsistencyLearning.SlopeTest
			t.Logf("after minus before training: %+.3f per s (95%% CI %.3f to %.3f, p %.3f)", dd.Diff, dd.Lo, dd.Hi, dd.P)
			if !(dd.Lo < 0 && dd.Hi > 0) {
				t.Errorf("the growth of the persistence effect with training is resolved: %+.3f per s (95%% CI %.3f to %.3f); docs/results.md says it is not at the defaults", dd.Diff, dd.Lo, dd.Hi)
			}
			after := sum.ConsistencyPairs[sum.ConsistencyLearning.After]
			if cb := sum.ConsistencyOf(after.Independent); cb != nil && cb.Regression != nil {
				reg := cb.Regression
				t.Logf("independent frames after training: beta %.3f (95%% CI %.3f to %.3f) per signal frame", reg.Beta.Est, reg.Beta.Lo, reg.Beta.Hi)
			}
		})
	}
}

// Within the trial (Liu et al. Fig. 5): the within-trial preset as shipped
// (4 compressed training sessions, task blocks of 320 trials), held-out
// seeds 5 and 6, analysed with iplgpu analyse's defaults. The gap I_shuffle
// - I_real rises within the trial more steeply after training than before:
// the late-minus-early slope, averaged over the two seeds, has its 95%
// bootstrap interval over trials above 0 (the runs' replicates are
// independent, so replicate r of the mean is the mean of their replicates r;
// the interval is over trial sampling in these two animals, not over
// animals). Per seed it is logged: at engine 0.2.1 seed 5 gave +0.078
// [0.039, 0.131] per s and seed 6 +0.036 [-0.001, 0.078], so one seed's
// blocks of 320 trials do not always resolve it on their own.
func TestWithinTrial(t *testing.T) {
	if testing.Short() {
		t.Skip("two training runs take minutes; run without -short")
	}
	var rows []analysis.CalibrationRow
	for _, seed := range []uint64{5, 6} {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			r := simulatePreset(t, "within-trial", seed)
			row := calRow(t, r.sum.Calibration, "within_trial_slope_change", -1)
			t.Logf("within-trial slope of the gap, late - early: %+.3f [%.3f, %.3f] per s (%s)", row.Model.Est, row.Model.Lo, row.Model.Hi, row.Note)
			rows = append(rows, row)
		})
	}
	if len(rows) != 2 {
		return
	}
	a, b := rows[0].Model, rows[1].Model
	if len(a.Reps) < 2 || len(a.Reps) != len(b.Reps) {
		t.Fatalf("replicates %d and %d: the slope change has no bootstrap", len(a.Reps), len(b.Reps))
	}
	reps := make([]float64, len(a.Reps))
	for k := range reps {
		reps[k] = (a.Reps[k] + b.Reps[k]) / 2
	}
	est := (a.Est + b.Est) / 2
	lo, hi := fisher.BootInterval(est, reps, analysis.CILevel)
	t.Logf("mean over seeds 5 and 6: %+.3f [%.3f, %.3f] per s", est, lo, hi)
	if !(lo > 0) {
		t.Errorf("the within-trial slope did not rise clearly with training on the two seeds' mean: %+.3f [%.3f, %.3f] per s", est, lo, hi)
	}
}

// Spatial scale (docs/model.md, prediction 1): the spatial preset as shipped
// (4,000 neurons on an orientation map, a slab under a virtual 10 x 10 Utah
// array, 4 compressed training sessions), held-out seed 5, analysed with
// iplgpu analyse's defaults. The learning-induced redundancy increase of
// neuron pairs is larger below 100 um than at or beyond one electrode pitch
// (400 um), and pairs sharing a link gain more than unlinked pairs at the
// same distances. The intervals are the standard errors over pairs, which
// treat the pairs as independent although they share neurons and trials; so
// the test asks the difference to exceed 1.96 times three times that
// standard error (a stated margin, not a calibrated interval). At engine
// 0.2.1: near 0.784 +- 0.027 (1,572 pairs), far 0.335 +- 0.002; linked 1.96
// +- 0.013, unlinked at the linked pairs' distances 0.628 +- 0.022.
func TestSpatial(t *testing.T) {
	if testing.Short() {
		t.Skip("4,000 neurons and their pairwise analysis take minutes; run without -short")
	}
	r := simulatePreset(t, "spatial", 5)
	sp := r.sum.Spatial
	if sp == nil {
		t.Fatalf("no spatial analysis; notes %v", r.sum.Notes)
	}
	const inflate = 3
	check := func(what string, a, b analysis.SpatialBin) {
		t.Helper()
		d := a.Redundancy - b.Redundancy
		half := 1.96 * inflate * math.Hypot(a.RedundancySE, b.RedundancySE)
		t.Logf("%s: %.3f +- %.3f (%d pairs) against %.3f +- %.3f (%d pairs): difference %.3f, margin %.3f", what,
			a.Redundancy, a.RedundancySE, a.Pairs, b.Redundancy, b.RedundancySE, b.Pairs, d, half)
		if a.Pairs < 50 || b.Pairs < 50 || !(d-half > 0) {
			t.Errorf("%s: the difference %.3f does not exceed its margin %.3f (pairs %d and %d)", what, d, half, a.Pairs, b.Pairs)
		}
	}
	check("increase below 100 um against at or beyond one pitch", sp.Near, sp.Far)
	if linked := sp.PooledOf(analysis.KindLinked); linked == nil {
		t.Error("no pairs sharing a link")
	} else {
		check("increase of linked pairs against unlinked pairs at their distances", *linked, sp.UnlinkedMatched)
	}
}
