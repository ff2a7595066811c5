package analysis

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/engine/rng"
	"github.com/iplgpu/iplgpu/fisher"
)

// offsets are the synthetic replicates' deviations: replicate r of a value
// v is v + scale offsets[r], so every interval and combination is known.
var offsets = []float64{-2, -1, -0.5, 0, 0.5, 1, 2, 3}

// val is an estimate with replicates est + scale offsets[r].
func val(est, scale float64) Value {
	v := plainValue(est)
	reps := make([]float64, len(offsets))
	for r, o := range offsets {
		reps[r] = est + scale*o
	}
	v.withReps(reps)
	return v
}

// blockSpec is one synthetic block: information at n = 14 and 52 (I_shuffle,
// I_real), the noise correlation, the Fano factor, the slope of the gap.
type blockSpec struct {
	session                  int
	mode                     string
	shuf14, real14           float64
	shuf52, real52           float64
	noiseCorr, fano, slopeHz float64
}

// synthSummary builds a Summary with the given blocks, S sessions, and a
// time course per block whose single-bin gap rises linearly at slopeHz per s.
func synthSummary(S int, specs []blockSpec) *Summary {
	sum := &Summary{Sessions: S, TrialMs: 1600, BinMs: 200}
	for k, sp := range specs {
		size := func(n int, shuf, real float64) SizeResult {
			s := SizeResult{N: n, Subsets: 200, IShuffle: val(shuf, 0.1), IReal: val(real, 0.05)}
			s.Gap = val(shuf-real, 0.05)
			s.RedundancyPct = pctValue(s.Gap, s.IShuffle)
			return s
		}
		row := InfoRow{Session: sp.session, Block: k, BlockName: sp.mode, Mode: sp.mode, Coherence: 0.3, TPlus: 160, TMinus: 160, Main: 1,
			Sizes:     []SizeResult{size(14, sp.shuf14, sp.real14), size(20, sp.shuf14, sp.real14)},
			NoiseCorr: val(sp.noiseCorr, 0.001), Fano: sp.fano, FanoBoot: val(sp.fano, 0.01)}
		if sp.shuf52 > 0 {
			row.Sizes = append(row.Sizes, size(52, sp.shuf52, sp.real52))
		}
		sum.Blocks = append(sum.Blocks, BlockResult{Index: k, Session: sp.session, Name: sp.mode, Mode: sp.mode, Ablation: "none", Frames: "noise",
			TrainedWith: "none", Trials: 320, Info: []InfoRow{row}})
		tc := TimeCourse{Block: k, Session: sp.session, Coherence: 0.3, SubsetN: 20}
		for b := range 8 {
			mid := (float64(b)*200 + 100) / 1000
			tc.Windows = append(tc.Windows, TimeWindow{Kind: "bin", StartMs: float64(b) * 200, EndMs: float64(b+1) * 200, Gap: val(1+sp.slopeHz*mid, 0.02*float64(b+1))})
		}
		for b := range 4 {
			tc.Windows = append(tc.Windows, TimeWindow{Kind: "400ms", StartMs: float64(b) * 400, EndMs: float64(b+1) * 400})
		}
		sum.TimeCourses = append(sum.TimeCourses, tc)
	}
	return sum
}

// baseSpecs: 3 sessions; the numbers are chosen so that each row's value is
// known by hand (below).
func baseSpecs() []blockSpec {
	return []blockSpec{
		{0, "task", 10, 8, 30, 20, 0.05, 1.10, 1.0},
		{0, "passive", 8, 7, 20, 16, 0.06, 1.20, 0},
		{1, "task", 12, 9, 36, 26, 0.06, 1.15, 1.5},
		{1, "passive", 9, 8, 22, 18, 0.06, 1.70, 0},
		{2, "task", 16, 11, 40, 30, 0.08, 1.12, 2.0},
		{2, "passive", 10, 9, 24, 20, 0.07, 1.25, 0},
		{3, "task", 18, 12, 44, 32, 0.09, 1.05, 3.0},
		{3, "passive", 10, 8, 24, 20, 0.07, 1.30, 0},
	}
}

func rowByKey(t *testing.T, rows []CalibrationRow, key string, n int) CalibrationRow {
	t.Helper()
	for _, r := range rows {
		if r.Key == key && (n == 0 || r.N == n) {
			return r
		}
	}
	t.Fatalf("no row %s (n = %d) in %+v", key, n, rows)
	return CalibrationRow{}
}

// The table of a synthetic run with known values: every row's value, its
// interval (the replicates combined by hand) and its status.
func TestCalibrationSynthetic(t *testing.T) {
	sum := synthSummary(3, baseSpecs())
	rows := Calibration(sum, CalibrationTarget{Monkey: MonkeyR})
	if len(rows) != 11 {
		t.Fatalf("%d rows, want 11", len(rows))
	}
	// repsOf is replicate r of a hand-computed combination f(v + scale o).
	ci := func(f func(o float64) float64) (est, lo, hi float64) {
		reps := make([]float64, len(offsets))
		for r, o := range offsets {
			reps[r] = f(o)
		}
		est = f(0)
		lo, hi = fisher.BootInterval(est, reps, CILevel)
		return est, lo, hi
	}
	check := func(key string, n int, f func(o float64) float64, status, where string) {
		t.Helper()
		r := rowByKey(t, rows, key, n)
		est, lo, hi := ci(f)
		if math.Abs(r.Model.Est-est) > 1e-9 || math.Abs(r.Model.Lo-lo) > 1e-9 || math.Abs(r.Model.Hi-hi) > 1e-9 {
			t.Errorf("%s n=%d: model %v [%v, %v], want %v [%v, %v]", key, n, r.Model.Est, r.Model.Lo, r.Model.Hi, est, lo, hi)
		}
		if r.Status != status || r.CI != where {
			t.Errorf("%s n=%d: status %s, CI %q; want %s, %q (note %s)", key, n, r.Status, r.CI, status, where, r.Note)
		}
	}
	// Late redundancy at n = 14: gap (5+6)/2 = 5.5 over I_shuffle 17: 32.35%,
	// in monkey R's 25-35%; the replicates 100 (5.5 + 0.05 o)/(17 + 0.1 o).
	check("late_redundancy_pct", 14, func(o float64) float64 { return 100 * (5.5 + 0.05*o) / (17 + 0.1*o) }, CalPass, "inside")
	// At n = 52: 11/42 = 26.19%, above monkey G's 17-25% (a reference row here).
	check("late_redundancy_pct", 52, func(o float64) float64 { return 100 * (11 + 0.05*o) / (42 + 0.1*o) }, CalFail, "outside")
	if r := rowByKey(t, rows, "late_redundancy_pct", 52); r.Role != RoleReference {
		t.Errorf("n = 52 row role %s under monkey R, want reference", r.Role)
	}
	// Rise: 32.35 - 20 = 12.35 points.
	check("redundancy_rise", 14, func(o float64) float64 {
		return 100*(5.5+0.05*o)/(17+0.1*o) - 100*(2+0.05*o)/(10+0.1*o)
	}, CalPass, "inside")
	// I_real x 11.5/8 = 1.4375, I_shuffle x 17/10 = 1.7: faster by 0.2625.
	check("real_late_over_early", 14, func(o float64) float64 { return (11.5 + 0.05*o) / (8 + 0.05*o) }, CalPass, "inside")
	// Its note gives eps = 1/I_real - 1/I_shuffle: 1/8 - 1/10 = 0.025 before,
	// 1/11.5 - 1/17 = 0.028133 late.
	if r := rowByKey(t, rows, "real_late_over_early", 14); !strings.Contains(r.Note, "eps = 1/I_real - 1/I_shuffle 0.025 [") || !strings.Contains(r.Note, "-> 0.0281 [") {
		t.Errorf("I_real late/early note %q: want eps 0.025 -> 0.0281", r.Note)
	}
	check("shuffle_minus_real_growth", 14, func(o float64) float64 {
		return (17+0.1*o)/(10+0.1*o) - (11.5+0.05*o)/(8+0.05*o)
	}, CalPass, "inside")
	// Task - passive: sessions 1-3 give 25 - 11.1, 31.25 - 10, 33.3 - 20;
	// the smallest is session 3's 13.33 points.
	tp := rowByKey(t, rows, "task_minus_passive_min", 14)
	want := 100*6/18.0 - 100*2/10.0
	if math.Abs(tp.Model.Est-want) > 1e-9 || tp.Status != CalPass || !strings.Contains(tp.Note, "3 of 3") || !strings.Contains(tp.Note, "session 3") {
		t.Errorf("task - passive: %+v, want %.4f, pass, session 3", tp, want)
	}
	// Noise correlation 0.05 before (in 0.03-0.10), then +0.035: too large.
	check("noise_corr_before", 0, func(o float64) float64 { return 0.05 + 0.001*o }, CalPass, "inside")
	check("noise_corr_change", 0, func(o float64) float64 { return 0.085 - 0.05 }, CalFail, "outside")
	// Fano: lowest 1.05 (task, session 3), highest 1.70 (passive, session 1).
	check("fano_min", 0, func(o float64) float64 { return 1.05 + 0.01*o }, CalPass, "inside")
	check("fano_max", 0, func(o float64) float64 { return 1.70 + 0.01*o }, CalFail, "outside")
	if r := rowByKey(t, rows, "fano_max", 0); !strings.Contains(r.Note, "passive block, after session 1") {
		t.Errorf("fano_max note %q", r.Note)
	}
	// Within trial: slopes 1 before, (2 + 3)/2 late: +1.5 per s; the bins'
	// replicate offsets rise by 0.02 per bin, i.e. 0.1 o per s in every block.
	check("within_trial_slope_change", 20, func(o float64) float64 { return (2.5 + 0.1*o) - (1 + 0.1*o) }, CalPass, "inside")

	failed, na := Missed(rows, RoleTarget)
	if len(failed) != 2 || len(na) != 0 || failed[0].Key != "noise_corr_change" || failed[1].Key != "fano_max" {
		t.Errorf("missed targets %+v, n.a. %+v; want noise_corr_change and fano_max", failed, na)
	}

	// Under monkey G the n = 52 row is the target and fails; the per-size
	// rows move to n = 52.
	rg := Calibration(sum, CalibrationTarget{Monkey: MonkeyG})
	if r := rowByKey(t, rg, "late_redundancy_pct", 52); r.Role != RoleTarget || r.Status != CalFail {
		t.Errorf("monkey G, n = 52: %+v", r)
	}
	if r := rowByKey(t, rg, "real_late_over_early", 0); r.N != 52 || math.Abs(r.Model.Est-31.0/20) > 1e-12 {
		t.Errorf("monkey G: I_real late/early %+v, want 1.55 at n = 52", r)
	}
	// Only the n = 52 row is liu-g's target (docs/model.md section 9.2); the rest are
	// the default experiment's, shown for comparison.
	for _, r := range rg {
		if want := RoleReference; !(r.Key == "late_redundancy_pct" && r.N == 52) && r.Role != want {
			t.Errorf("monkey G: row %s (n = %d) has role %q, want %q", r.Key, r.N, r.Role, want)
		}
	}
}

// Rows the run cannot give are n.a. with the reason; task below passive in
// one session fails the task-passive row.
func TestCalibrationNotApplicable(t *testing.T) {
	// A passive block above its task block in session 2.
	specs := baseSpecs()
	specs[5].shuf14, specs[5].real14 = 16, 9 // 43.75% > 31.25%
	rows := Calibration(synthSummary(3, specs), CalibrationTarget{Monkey: MonkeyR})
	if r := rowByKey(t, rows, "task_minus_passive_min", 14); r.Status != CalFail || !strings.Contains(r.Note, "not above in session(s) 2") || r.Model.Est >= 0 {
		t.Errorf("task below passive in session 2: %+v", r)
	}

	// One training session: no "late" (it needs the last two sessions).
	rows = Calibration(synthSummary(1, baseSpecs()[:4]), CalibrationTarget{Monkey: MonkeyR})
	for _, r := range rows {
		switch r.Key {
		case "noise_corr_before", "fano_min", "fano_max", "task_minus_passive_min":
			if r.Status == CalNA {
				t.Errorf("%s: n.a. (%s), but the run has its blocks", r.Key, r.Note)
			}
		default:
			if r.Status != CalNA || !strings.Contains(r.Note, "1 training session(s)") {
				t.Errorf("%s: status %s note %q; want n.a. naming the short protocol", r.Key, r.Status, r.Note)
			}
		}
	}

	// The task block after the last session is missing (an interrupted run).
	specs = baseSpecs()[:6]
	rows = Calibration(synthSummary(3, specs), CalibrationTarget{Monkey: MonkeyR})
	if r := rowByKey(t, rows, "late_redundancy_pct", 14); r.Status != CalNA || !strings.Contains(r.Note, "after session 3") {
		t.Errorf("missing late block: %+v", r)
	}
	if r := rowByKey(t, rows, "task_minus_passive_min", 14); r.Status != CalNA {
		t.Errorf("missing session 3: task - passive %+v, want n.a.", r)
	}

	// Without a bootstrap the redundancy % is blank, so its rows are n.a.;
	// the ratios still have a value but no interval.
	sum := synthSummary(3, baseSpecs())
	for k := range sum.Blocks {
		for s := range sum.Blocks[k].Info[0].Sizes {
			sz := &sum.Blocks[k].Info[0].Sizes[s]
			for _, v := range []*Value{&sz.IReal, &sz.IShuffle, &sz.Gap} {
				*v = plainValue(v.Est)
			}
			sz.RedundancyPct = pctValue(sz.Gap, sz.IShuffle)
		}
	}
	rows = Calibration(sum, CalibrationTarget{Monkey: MonkeyR})
	if r := rowByKey(t, rows, "late_redundancy_pct", 14); r.Status != CalNA || !strings.Contains(r.Note, "blank") {
		t.Errorf("no bootstrap: late redundancy %+v, want n.a. (blank)", r)
	}
	if r := rowByKey(t, rows, "real_late_over_early", 14); r.Status != CalPass || r.CI != "" || r.Model.HasCI() {
		t.Errorf("no bootstrap: I_real late/early %+v, want pass without an interval", r)
	}
}

// The target follows the configuration: liu-g's dynamics are monkey G, the
// defaults and anything else monkey R.
func TestTargetOf(t *testing.T) {
	g, err := model.LoadConfig("liu-g", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if tg := TargetOf(g); tg.Name != "G" || tg.N != 52 {
		t.Errorf("liu-g: %+v", tg)
	}
	if tr := TargetOf(model.DefaultConfig()); tr.Name != "R" || tr.N != 14 {
		t.Errorf("defaults: %+v", tr)
	}
	other := model.DefaultConfig()
	other.Dynamics.GLat *= 1.1
	if tr := TargetOf(other); tr.Name != "R" || !strings.Contains(tr.Reason, "neither") {
		t.Errorf("other dynamics: %+v", tr)
	}
}

// fanoReps: on Poisson counts (Fano 1) the bootstrap interval of the median
// Fano factor covers 1 and is narrow; replicate r is the Fano factor of the
// trials that fisher.Bootstrap's replicate r draws.
func TestFanoBootstrap(t *testing.T) {
	const tp, tm, n = 200, 200, 40
	st := rng.New(7)
	poisson := func(step uint64, el uint32, lambda float64) float64 {
		// Knuth's method on the Philox stream.
		l, p, k := math.Exp(-lambda), 1.0, 0
		for j := uint32(0); ; j++ {
			w := st.Block(rng.Subsets, step, el*64+j)
			p *= rng.Float64(w[0], w[1])
			if p <= l {
				return float64(k)
			}
			k++
		}
	}
	plus, minus := mat.NewDense(tp, n, nil), mat.NewDense(tm, n, nil)
	for i := range n {
		for k := range tp {
			plus.Set(k, i, poisson(uint64(k), uint32(i), 6))
			minus.Set(k, i, poisson(uint64(tp+k), uint32(i), 4))
		}
	}
	pool := make([]int, n)
	for i := range pool {
		pool[i] = i
	}
	spec := fisher.BootSpec{Replicates: 200, Subsets: 1, Seed: 3}
	est := fano(plus, minus, pool)
	v := plainValue(est)
	v.withReps(fanoReps(plus, minus, pool, spec))
	if !(v.Lo < 1 && v.Hi > 1) || v.Hi-v.Lo > 0.2 {
		t.Errorf("Poisson counts: median Fano %.3f [%.3f, %.3f], want an interval around 1 narrower than 0.2", est, v.Lo, v.Hi)
	}
	// Pairing: replicate r must draw fisher.Bootstrap's trials of replicate
	// r. Its replicates' noise correlations, recomputed from the trials
	// fanoReps draws, must match.
	b, err := fisher.Bootstrap(plus, minus, 0.6, pool, []int{10}, fisher.BootSpec{Replicates: 6, Subsets: 1, Seed: spec.Seed, NoiseCorr: true})
	if err != nil {
		t.Fatal(err)
	}
	bs := rng.New(spec.Seed)
	for r := range 6 {
		rp, rm := mat.NewDense(tp, n, nil), mat.NewDense(tm, n, nil)
		for k := range tp + tm {
			w := bs.Block(rng.Bootstrap, uint64(r), uint32(k))
			if k < tp {
				rp.SetRow(k, plus.RawRowView(min(int(rng.Float64(w[0], w[1])*tp), tp-1)))
			} else {
				rm.SetRow(k-tp, minus.RawRowView(min(int(rng.Float64(w[0], w[1])*tm), tm-1)))
			}
		}
		if got, want := v.Reps[r], fano(rp, rm, pool); got != want {
			t.Errorf("replicate %d: Fano %v, want %v from the same draws", r, got, want)
		}
		s, err := fisher.NewStats(rp, rm, nil, 0.6, true)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := s.NoiseCorrelation(nil), b.NoiseCorr[r]; math.Abs(got-want) > 1e-9 {
			t.Errorf("replicate %d: noise correlation of the draws %v, fisher.Bootstrap's %v: the draws differ", r, got, want)
		}
	}
}
