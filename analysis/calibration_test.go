package analysis_test

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/simrun"
)

// The learning pattern over the full default experiment and its calibration
// against Liu et al., judged on seeds the calibration never used (the seeds
// play the animals). The defaults were calibrated on the mean of
// calibrationSeeds (scripts/calib); TestLearningPattern and
// TestCalibrationLiuG run the presets as a user gets them (`iplgpu run
// -preset P -seed S`, analysed with `iplgpu analyse`'s defaults) on
// heldOutSeeds, and judge the model-against-Liu table on their mean: the
// same table, from the same code, as docs/results/seeds-heldout (make docs).
// Long: about 2 minutes per run on 2 cores, 10 runs.

// calibrationSeeds are the seeds the defaults were tuned on; no test judges
// the calibration on them.
var calibrationSeeds = []uint64{1, 2, 3, 4}

// heldOutSeeds are the animals the calibration never saw.
var heldOutSeeds = []uint64{5, 6, 7, 8}

// ablationSeeds are the held-out seeds of the ablation check (a per-seed
// test with its own interval, so two seeds suffice and save two runs).
var ablationSeeds = []uint64{5, 6}

// The published status of each target row on the held-out seeds' mean
// (docs/results/seeds-heldout, docs/results/liu-g-heldout; key@n), and
// which direction rows are resolved above 0 after Holm's correction.
var (
	heldOutLearning = map[string]string{
		"late_redundancy_pct@14":       analysis.CalPass,
		"redundancy_rise@14":           analysis.CalPass,
		"shuffle_minus_real_growth@14": analysis.CalPass,
		"real_late_over_early@14":      analysis.CalPass,
		"task_minus_passive_min@14":    analysis.CalPass,
		"noise_corr_before@0":          analysis.CalPass,
		"noise_corr_change@0":          analysis.CalPass,
		"fano_min@0":                   analysis.CalPass,
		"fano_max@0":                   analysis.CalPass,
		"within_trial_slope_change@20": analysis.CalPass,
	}
	heldOutDirections = map[string]bool{
		"shuffle_minus_real_growth": true,
		"task_minus_passive_min":    true,
		// On the held-out mean the within-trial slope change passes its
		// target but is not resolved across the four animals (engine 0.2.1:
		// 0.038 [-0.011, 0.088], Holm-adjusted p 0.089), unlike on the
		// calibration seeds (TestWithinTrial resolves it over trials in the
		// within-trial preset's larger blocks, on two seeds).
		"within_trial_slope_change": false,
	}
	heldOutLiuG = map[string]string{
		"late_redundancy_pct@52": analysis.CalPass,
	}
)

// presetRun is a run of a preset at a seed with nothing else changed, and
// its analysis at the defaults of `iplgpu analyse`.
type presetRun struct {
	*qualRun
	sum *analysis.Summary
}

// simulatePreset runs preset at seed as `iplgpu run -preset P -seed S`
// does, and analyses it as `iplgpu analyse` does. With IPLGPU_TEST_REUSE=1
// and IPLGPU_TEST_RUNS set, a complete run already in its directory is
// analysed instead of simulated again (to redo the checks on kept runs).
func simulatePreset(t *testing.T, preset string, seed uint64) *presetRun {
	t.Helper()
	cfg, err := model.LoadConfig(preset, "", []string{fmt.Sprintf("seed=%d", seed)})
	if err != nil {
		t.Fatal(err)
	}
	dir := runDir(t, fmt.Sprintf("%s-seed%d", preset, seed))
	st, ok, _ := rundir.ReadStatus(dir)
	if !(os.Getenv("IPLGPU_TEST_REUSE") == "1" && ok && st.State == rundir.StateComplete) {
		if _, err := simrun.Create(context.Background(), cfg, cpu.New(0), dir, engine.SimulateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	sum, d, err := analysis.Load(dir, analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &presetRun{qualRun: &qualRun{dir: dir, cfg: d.Config, resp: d.Responses, trials: d.Trials}, sum: sum}
}

// calRow returns the run's calibration row of key at subset size n (any
// size when n < 0).
func calRow(t *testing.T, rows []analysis.CalibrationRow, key string, n int) analysis.CalibrationRow {
	t.Helper()
	var have []string
	for _, r := range rows {
		if r.Key == key && (n < 0 || r.N == n) {
			return r
		}
		have = append(have, fmt.Sprintf("%s@%d", r.Key, r.N))
	}
	t.Fatalf("no calibration row %s at n = %d; the run has %v", key, n, have)
	return analysis.CalibrationRow{}
}

// taskCurve is a run's task redundancy % at n neurons by session (the
// control task block of each session).
func taskCurve(t *testing.T, sum *analysis.Summary, n int) []float64 {
	t.Helper()
	var c []float64
	for _, b := range sum.Blocks {
		if b.Mode != "task" || b.Ablation != "none" || b.Name != "task" {
			continue
		}
		h := b.Headline()
		if h == nil {
			continue
		}
		for _, sr := range h.Sizes {
			if sr.N == n {
				c = append(c, 100*sr.Gap.Est/sr.IShuffle.Est)
			}
		}
	}
	return c
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
	var sums []*analysis.Summary
	var cfgs []*model.Config
	for _, seed := range heldOutSeeds {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			ctl := simulatePreset(t, "learning", seed)
			sums, cfgs = append(sums, ctl.sum), append(cfgs, ctl.cfg)
			t.Logf("task redundancy %% at n = %d by session: %v", n, roundAll(taskCurve(t, ctl.sum, n)))
			// V4-like variability in every control block: median Fano 1.0-1.6.
			for _, b := range ctl.sum.Blocks {
				if h := b.Headline(); h != nil && b.Ablation == "none" && (h.Fano < 1.0 || h.Fano > 1.6) {
					t.Errorf("session %d block %s: median Fano factor %.2f outside 1.0-1.6", b.Session, b.Name, h.Fano)
				}
			}
			// Links join similarly tuned neurons (the w-weighted mean of cos
			// 2 dtheta over contacts; 0 for links blind to tuning).
			if c := ctl.linkTuning(t); c <= 0.2 {
				t.Errorf("w-weighted mean cos 2 dtheta of links %.3f, want > 0.2", c)
			} else {
				t.Logf("w-weighted mean cos 2 dtheta of links %.3f", c)
			}
			if slices.Contains(ablationSeeds, seed) {
				checkAblation(t, ctl, seed, n)
			}
		})
	}
	if len(sums) != len(heldOutSeeds) {
		return
	}
	ss, err := analysis.AcrossSeeds(sums, cfgs)
	if err != nil {
		t.Fatal(err)
	}
	checkSeedTable(t, ss, heldOutLearning)
	checkDirections(t, ss, []string{"shuffle_minus_real_growth", "task_minus_passive_min", "within_trial_slope_change"}, heldOutDirections)

	// Gradual learning: judged on an exponential fit to the seed-mean curve,
	// since single sessions scatter by 2-3 points. After session 1 at most 40%
	// of the rise to the final session; the fitted curve comes within 10% of
	// its final value no earlier than session 5.
	var curve []float64
	for _, s := range sums {
		c := taskCurve(t, s, n)
		if curve == nil {
			curve = make([]float64, len(c))
		}
		for k := range curve {
			curve[k] += c[k] / float64(len(sums))
		}
	}
	tau, r0, d := fitExp(curve)
	fit := func(s int) float64 { return r0 + d*(1-math.Exp(-float64(s)/tau)) }
	S := len(curve) - 1
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

// checkAblation (prediction 4): with IPL formation blocked during training
// (the ablation preset at the same seed) the rise of task redundancy over
// learning is smaller than the control's, the difference's 95% bootstrap
// interval over trials above 0; mean rates stay within 15%. The two runs of
// one seed draw the same network, stimuli and noise trial by trial, and the
// analysis resamples them with the same indices, so the bootstrap is paired
// trial by trial (the blocks before training are identical, and cancel).
func checkAblation(t *testing.T, ctl *presetRun, seed uint64, n int) {
	t.Helper()
	abl := simulatePreset(t, "ablation", seed)
	cr, ar := calRow(t, ctl.sum.Calibration, "redundancy_rise", n), calRow(t, abl.sum.Calibration, "redundancy_rise", n)
	d := analysis.Compare(cr.Model, ar.Model)
	t.Logf("redundancy rise at n = %d: control %.1f [%.1f, %.1f], formation blocked %.1f [%.1f, %.1f]; difference %.1f [%.1f, %.1f], p %.3f",
		n, cr.Model.Est, cr.Model.Lo, cr.Model.Hi, ar.Model.Est, ar.Model.Lo, ar.Model.Hi, d.Diff, d.Lo, d.Hi, d.P)
	if !(d.Lo > 0) {
		t.Errorf("the rise with formation blocked is not clearly below the control's: difference %.1f [%.1f, %.1f]", d.Diff, d.Lo, d.Hi)
	}
	S := ctl.cfg.Protocol.Sessions
	rc, ra := ctl.meanRate(S, "task"), abl.meanRate(S, "task")
	if math.Abs(ra-rc) > 0.15*rc {
		t.Errorf("mean rate with formation blocked %.2f Hz, control %.2f Hz: differ by more than 15%%", ra, rc)
	}
}

// checkSeedTable asserts the status of every target row of the table on
// the seed mean as published (want: key@n -> status; the held-out column
// of docs/results). A target row missing from want fails: every row's
// status is a claim.
func checkSeedTable(t *testing.T, ss *analysis.SeedSummary, want map[string]string) {
	t.Helper()
	for _, r := range ss.Calibration {
		k := fmt.Sprintf("%s@%d", r.Key, r.N)
		t.Logf("%-32s %-9s mean %.4g [%.4g, %.4g] target %s: %s (interval %s; %s)", k, r.Role, r.Model.Est, r.Model.Lo, r.Model.Hi, r.Target, r.Status, r.CI, r.Note)
		if r.Role != analysis.RoleTarget {
			continue
		}
		w, ok := want[k]
		if !ok {
			t.Errorf("%s: status %s on the held-out mean, but no published status", k, r.Status)
			continue
		}
		if r.Status != w {
			t.Errorf("%s: %s on the held-out mean (%.4g, target %s), published as %s", k, r.Status, r.Model.Est, r.Target, w)
		}
	}
}

// checkDirections tests the family of direction rows (targets "> 0") across
// the seeds: a one-sample t test of each row's per-seed values against 0,
// Holm-corrected over the family. want names the rows published as
// resolved (adjusted p < 0.05); the others must not be.
func checkDirections(t *testing.T, ss *analysis.SeedSummary, family []string, want map[string]bool) {
	t.Helper()
	var ps []float64
	for _, key := range family {
		var row *analysis.SeedCalibrationRow
		for k := range ss.Calibration {
			if ss.Calibration[k].Key == key {
				row = &ss.Calibration[k]
				break
			}
		}
		if row == nil {
			t.Fatalf("no row %s", key)
		}
		ps = append(ps, oneSampleP(row.Values))
	}
	adj := holm(ps)
	for k, key := range family {
		t.Logf("%s: p %.4f, Holm-adjusted %.4f over %d rows", key, ps[k], adj[k], len(family))
		if got := adj[k] < 0.05; got != want[key] {
			t.Errorf("%s: resolved above 0 = %v (Holm-adjusted p %.4f), published as %v", key, got, adj[k], want[key])
		}
	}
}

// oneSampleP is the two-sided p of a one-sample t test of mean(x) = 0.
func oneSampleP(x []float64) float64 {
	m, v := meanVar(x)
	if v == 0 {
		return math.NaN()
	}
	tt := m / math.Sqrt(v/float64(len(x)))
	st := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(x) - 1)}
	return 2 * st.Survival(math.Abs(tt))
}

// holm returns Holm's step-down adjusted p-values.
func holm(p []float64) []float64 {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(p[a], p[b]) })
	adj := make([]float64, len(p))
	run := 0.0
	for rank, i := range idx {
		run = max(run, min(1, float64(len(p)-rank)*p[i]))
		adj[i] = run
	}
	return adj
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

// TestCalibrationLiuG: the preset liu-g matches monkey G (Liu et al.: 22.1
// and 19.8% at 52 units): late-learning task redundancy 17-25% at n = 52 on
// the mean over the held-out seeds, as published (heldOutLiuG).
func TestCalibrationLiuG(t *testing.T) {
	if testing.Short() {
		t.Skip("the full learning experiment takes minutes per run; run without -short")
	}
	var sums []*analysis.Summary
	var cfgs []*model.Config
	for _, seed := range heldOutSeeds {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			r := simulatePreset(t, "liu-g", seed)
			sums, cfgs = append(sums, r.sum), append(cfgs, r.cfg)
			t.Logf("task redundancy %% at n = 52 by session: %v", roundAll(taskCurve(t, r.sum, 52)))
		})
	}
	if len(sums) != len(heldOutSeeds) {
		return
	}
	ss, err := analysis.AcrossSeeds(sums, cfgs)
	if err != nil {
		t.Fatal(err)
	}
	checkSeedTable(t, ss, heldOutLiuG)
}
func roundAll(x []float64) []float64 {
	r := make([]float64, len(x))
	for i, v := range x {
		r[i] = math.Round(10*v) / 10
	}
	return r
}
