package analysis_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/fisher"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/engine/npy"
	"github.com/iplgpu/iplgpu/rundir"
)

// Helpers of the qualitative tests of the experiments: a run of a preset on
// the CPU backend with its per-block information (InfoRows at subsets of 20),
// rates, within-trial gaps and the tuning of the links. The learning pattern
// itself (issue 5, Liu et al. Figs. 3-5) is tested over the full default
// experiment in calibration_test.go (TestLearningPattern), since learning is
// gradual (docs/model.md section 6.3) and two sessions show only its start.

type blockKey struct {
	session int
	name    string
}

type qualRun struct {
	dir    string
	cfg    *model.Config
	blocks map[blockKey]analysis.InfoRow
	resp   fisher.Responses
	trials []rundir.TrialRecord
}

// runDir is where a test run goes: a temporary directory, or NAME under
// $IPLGPU_TEST_RUNS when that is set (kept, e.g. to measure or plot the runs of
// the long tests; the directory must not hold that run already).
func runDir(t *testing.T, name string) string {
	if d := os.Getenv("IPLGPU_TEST_RUNS"); d != "" {
		return filepath.Join(d, name)
	}
	return filepath.Join(t.TempDir(), name)
}

func simulateQual(t *testing.T, seed uint64, preset string, sessions int) *qualRun {
	t.Helper()
	cfg, err := model.LoadConfig(preset, "", []string{fmt.Sprintf("seed=%d", seed), fmt.Sprintf("protocol.sessions=%d", sessions), "output.w_snapshots=false"})
	if err != nil {
		t.Fatal(err)
	}
	dir := runDir(t, fmt.Sprintf("%s-seed%d", preset, seed))
	if _, err := engine.SimulateDir(context.Background(), cfg, cpu.New(0), dir, engine.SimulateOptions{}); err != nil {
		t.Fatal(err)
	}
	r := &qualRun{dir: dir, cfg: cfg, blocks: map[blockKey]analysis.InfoRow{}}
	rec, err := rundir.OpenRecording(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.resp, r.trials = rec.Responses, rec.Trials
	rows, _, err := analysis.InfoRows(r.resp, r.trials, analysis.InfoOptions{Subsets: fisher.SubsetSpec{Size: 20, Count: 200, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		r.blocks[blockKey{row.Session, row.BlockName}] = row
	}
	return r
}

func (r *qualRun) block(t *testing.T, session int, name string) analysis.InfoRow {
	t.Helper()
	b, ok := r.blocks[blockKey{session, name}]
	if !ok || b.MainSize() == nil {
		t.Fatalf("%s: no estimate for session %d block %s", r.dir, session, name)
	}
	return b
}

// pctOf is the redundancy % of a row, 100 (mean gap)/(mean I_shuffle) over
// the subsets (these runs are analysed without a bootstrap, which the blank
// rule of InfoRow needs).
func pctOf(r analysis.InfoRow) float64 {
	m := r.MainSize()
	return 100 * m.Gap.Est / m.IShuffle.Est
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

// gapEarlyLate is the redundancy I_shuffle - I_real (subset mean) in the first
// and the last 400 ms of the trial.
func (r *qualRun) gapEarlyLate(t *testing.T, session int, name string) (early, late float64) {
	t.Helper()
	plus, minus := r.rows(session, name)
	w := int(math.Round(400 / r.cfg.Stimulus.BinMs))
	wins := []fisher.BinRange{{Start: 0, End: w}, {Start: r.resp.Bins - w, End: r.resp.Bins}}
	c := r.cfg.Protocol.Session[1].Coherences[0]
	res, err := fisher.TimeCourse(r.resp, plus, minus, nil, 2*c, wins, fisher.EstimateOptions{Counts: true, Subsets: fisher.SubsetSpec{Size: 20, Count: 200, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return res[0].Subsets.Redundancy.Mean, res[1].Subsets.Redundancy.Mean
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

// speedEta and speedLambda compress the default's 10 training sessions into
// sessions: eta_w and lambda_w both scaled by 10/sessions keep the equilibrium
// w_inf, and w follows the same course in fewer trials (the presets with fewer
// sessions do the same), so that a short test run reaches the trained state.
func speedEta(sessions int) string {
	d := model.DefaultConfig().Dynamics
	return fmt.Sprintf("dynamics.eta_w=%g", d.EtaW*10/float64(sessions))
}

func speedLambda(sessions int) string {
	d := model.DefaultConfig().Dynamics
	return fmt.Sprintf("dynamics.lambda_w_per_s=%g", d.LambdaWPerS*10/float64(sessions))
}

// Reversibility (docs/model.md section 10.3, prediction 2), trial by trial after each
// switch: the reversibility preset with its training compressed into 2
// sessions (speedEta, speedLambda) and its 60 cycles of task, passive, task
// and passive-with-task-gain blocks of 10 trials, seed 1; 200 bootstrap
// replicates of the time courses (with 60 the 2.5% quantile of the plain
// drop rested on one or two replicates: -0.19).
// Pooled over the switches, the gap is higher in task than in passive both
// with and without the task gain (95% intervals of the difference above
// 0); with the gain kept only the gate m differs, and the gap relaxes with a
// time constant within a factor 3 of tau_m; its passive level differs from
// the plain passive level by less than half the task-passive drop (the gate
// on the coupling carries the drop); the recorded gate relaxes with tau_m
// (within 3%: it is sampled once per trial); and the links persist (learning
// is off after training, so w does not change). Seen when the test was
// written: task <-> passive drop 3.48 (2.23 to 4.47), tau 2.4 s (0.3 to
// 4.0: the input gain changes at once); with the gain kept drop 3.46 (1.91
// to 4.81), tau 6.0 s (3.0 to 9.3); passive levels -0.28 and -0.07; gate tau
// 4.97 s. With the revised model (issue 9): task <-> passive drop 3.19
// (2.22 to 3.91), tau 0.72 s (0.20 to 3.97); with the gain kept drop 4.07
// (2.86 to 5.57), tau 7.9 s (1.3 to 13.1); passive levels 0.02 and 0.45. About
// 2 minutes on 2 cores.
//
// Run at g_lat = 0.82 (set here; the default of engine 0.2.0), not at the
// default of 0.2.1 (0.72): at 0.72 (CI run of 2026-11-30) the plain pair's
// joint fit is ill-conditioned at this seed, tau 0.67 s (0.22 to 151.72), and
// the bootstrap interval of its drop reaches below 0, 2.53 (-2.26 to 3.27),
// while with the task gain kept the drop is 3.07 (2.02 to 4.32), tau 8.05 s
// (0.47 to 14.74). The test checks the gate mechanism, which does not depend
// on the gain's value; the reversibility at the default gain is left for more
// switch cycles (issue 9 note). At 0.82, engine 0.2.1: drop 3.07 (2.12 to
// 3.89), tau 0.81 s; with the gain kept 3.74 (2.51 to 5.15), tau 7.39 s.
func TestReversibility(t *testing.T) {
	if testing.Short() {
		t.Skip("a training run takes minutes; run without -short")
	}
	cfg, err := model.LoadConfig("reversibility", "", []string{"protocol.sessions=2", speedEta(2), speedLambda(2), "output.w_snapshots=true", "dynamics.g_lat=0.82"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "rev")
	if _, err := engine.SimulateDir(context.Background(), cfg, cpu.New(0), dir, engine.SimulateOptions{}); err != nil {
		t.Fatal(err)
	}
	sum, _, err := analysis.Load(dir, analysis.Options{Subsets: 20, TimeSubsets: 30, TimeBootReplicates: 200, BootReplicates: 20})
	if err != nil {
		t.Fatal(err)
	}
	rev := sum.Reversibility
	if rev == nil {
		t.Fatalf("no switch analysis; notes %v", sum.Notes)
	}
	plain, gain := rev.PairOf("task", "passive"), rev.PairOf("task", "passive (task gain kept)")
	if plain == nil || gain == nil {
		t.Fatalf("pair fits %+v", rev.Pairs)
	}
	for _, p := range []*analysis.PairFit{plain, gain} {
		t.Logf("%s <-> %s: tau %.2f s (%.2f to %.2f), levels %.2f and %.2f, drop %.2f (%.2f to %.2f)", p.A, p.B, p.Tau.Est, p.Tau.Lo, p.Tau.Hi,
			p.LevelA.Est, p.LevelB.Est, p.Drop.Est, p.Drop.Lo, p.Drop.Hi)
		if !(p.Drop.Lo > 0) {
			t.Errorf("%s <-> %s: the task-passive difference of the gap %.2f (%.2f to %.2f) is not clearly positive", p.A, p.B, p.Drop.Est, p.Drop.Lo, p.Drop.Hi)
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
	shape, wd, err := npy.Read(filepath.Join(dir, "w_sessions.npy"))
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

// Consistency (docs/model.md section 10.4, prediction 3): at the same |c|, a persistent
// signal (rho 0.8) makes the within-trial rise of the redundancy gap steeper
// than independent frames after training, more than before training (when
// there are no links yet), and with independent frames the per-bin gap grows
// with the signal frames of the last 200 ms. The consistency preset (blocks
// of 2,400 trials before and after 3 compressed training sessions), seeds 1
// and 2, at the lateral gain g_lat = 0.82 (set here; the default of engine
// 0.2.0), NOT at the default of 0.2.1 (0.72).
//
// Why not at the default: the links' share of the effect grows steeply with
// the lateral gain (recurrent amplification), and at the recalibrated 0.72 it
// is too small for these blocks. Measured with this test at 0.72: after
// training +0.014 (-0.016 to 0.039) and +0.007 (-0.016 to 0.028) per s, before
// training +0.009 (0.001 to 0.019) and +0.008 (-0.004 to 0.018) (no links: the
// same as at any gain), after minus before +0.005 (-0.029 to 0.029) and -0.001
// (-0.027 to 0.022), beta 0.017 and 0.005. So at the default the positive
// difference after training is mostly the part without links, and the growth
// with training is not resolved (README, scripts/calib/README.md). This test
// checks the mechanism where it is large enough to be seen: that the links
// make the rise steeper with a persistent signal.
//
// The effect is small against trial sampling even at 0.82. With 240-trial
// blocks the slope difference per session had 95% intervals of about +-0.08
// per s and its estimates scattered around 0. With blocks of 2,400 trials at
// 0.82: seed 1 +0.028 (-0.009 to 0.061) per s after training, seed 2 +0.017
// (-0.012 to 0.045); before training +0.009 (0.001 to 0.019) and +0.008
// (-0.004 to 0.018); after minus before +0.020 (-0.023 to 0.051) and +0.009
// (-0.021 to 0.038). Blocks of 2,400 trials only after training (no before
// blocks, so other draws): +0.045 (0.010 to 0.081) and +0.067 (0.027 to
// 0.093), and with the lateral coupling off (g_lat = 0) +0.006 (-0.007 to
// 0.018) and +0.009 (-0.003 to 0.016). So the links add about 0.03 per s to
// a slope of 0.07-0.13 per s, and one seed's blocks of 2,400 trials do not
// resolve it at 95% (about four times the trials would); the direction is
// what this test can check.
//
// Asserted on each seed (margins: the estimates above at 0.82): the slope
// difference after training > 0 (+0.028, +0.017), after minus before training
// > 0 (+0.020, +0.009: the thinnest margin, a third of its interval's
// half-width), and the regression of the per-bin gap of the independent block
// after training on the signal frames of the last 200 ms > 0 (0.019, 0.010).
// Each seed is about 3 minutes on 2 cores.
func TestConsistencyTwoSeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("two training runs take minutes; run without -short")
	}
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			cfg, err := model.LoadConfig("consistency", "", []string{fmt.Sprintf("seed=%d", seed), "output.w_snapshots=false", "dynamics.g_lat=0.82"})
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "cons")
			if _, err := engine.SimulateDir(context.Background(), cfg, cpu.New(0), dir, engine.SimulateOptions{}); err != nil {
				t.Fatal(err)
			}
			sum, _, err := analysis.Load(dir, analysis.Options{Subsets: 50, BootReplicates: 40, Sizes: []int{}})
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.ConsistencyPairs) != 2 || sum.ConsistencyLearning == nil {
				t.Fatalf("%d persistent/independent pairs (learning comparison %v), want 2: before and after training", len(sum.ConsistencyPairs), sum.ConsistencyLearning != nil)
			}
			for _, p := range sum.ConsistencyPairs {
				t.Logf("session %d: slope persistent - independent %+.3f per s (95%% CI %.3f to %.3f)", sum.BlockByIndex(p.Persistent).Session, p.SlopeTest.Diff, p.SlopeTest.Lo, p.SlopeTest.Hi)
			}
			after := sum.ConsistencyPairs[sum.ConsistencyLearning.After]
			if d := after.SlopeTest.Diff; !(d > 0) {
				t.Errorf("after training the within-trial slope of the gap was not steeper with a persistent signal: difference %+.3f per s", d)
			}
			dd := sum.ConsistencyLearning.SlopeTest
			t.Logf("after minus before training: %+.3f per s (95%% CI %.3f to %.3f, p %.3f)", dd.Diff, dd.Lo, dd.Hi, dd.P)
			if !(dd.Diff > 0) {
				t.Errorf("the persistence effect did not grow with training: after minus before %+.3f per s", dd.Diff)
			}
			var reg *analysis.SignalRegression
			if cb := sum.ConsistencyOf(after.Independent); cb != nil {
				reg = cb.Regression
			}
			if reg == nil {
				t.Fatal("no regression on the recent signal for the independent block after training")
			}
			t.Logf("independent frames after training: beta %.3f (95%% CI %.3f to %.3f) per signal frame", reg.Beta.Est, reg.Beta.Lo, reg.Beta.Hi)
			if !(reg.Beta.Est > 0) {
				t.Errorf("the per-bin gap did not grow with the recent signal: beta %.3f", reg.Beta.Est)
			}
		})
	}
}
