package analysis

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/engine/model"
)

// TestAcross: the mean, sd and 95% t interval across seeds, NaN left out.
func TestAcross(t *testing.T) {
	a := across([]float64{1, 2, math.NaN(), 3, 4})
	// t(0.975, 3) = 3.18245; sd = 1.29099; se = 0.645497.
	if a.N != 4 || a.Mean != 2.5 || math.Abs(a.SD-1.290994) > 1e-6 || math.Abs(a.CILo-(2.5-3.182446*0.6454972)) > 1e-5 || math.Abs(a.CIHi-(2.5+3.182446*0.6454972)) > 1e-5 {
		t.Errorf("across: %+v", a)
	}
	// t = 2.5/0.6455 = 3.873 with 3 df: two-sided p = 0.0305.
	if math.Abs(a.P-0.0305) > 0.001 {
		t.Errorf("p %v, want 0.0305", a.P)
	}
	if b := across([]float64{7}); b.N != 1 || b.Mean != 7 || !math.IsNaN(b.CILo) {
		t.Errorf("one seed: %+v", b)
	}
}

// TestAcrossSeedsRefuses runs of different configs and repeated seeds.
func TestAcrossSeedsRefuses(t *testing.T) {
	c1, _ := model.LoadConfig("", "", []string{"seed=1"})
	c2, _ := model.LoadConfig("", "", []string{"seed=2", "dynamics.beta=0.5"})
	c3, _ := model.LoadConfig("", "", []string{"seed=1"})
	s := []*Summary{{Dir: "a"}, {Dir: "b"}}
	if _, err := AcrossSeeds(s, []*model.Config{c1, c2}); err == nil || !strings.Contains(err.Error(), "differ in more than the seed") {
		t.Errorf("different configs: %v", err)
	}
	if _, err := AcrossSeeds(s, []*model.Config{c1, c3}); err == nil || !strings.Contains(err.Error(), "seed 1 again") {
		t.Errorf("same seed: %v", err)
	}
	if _, err := AcrossSeeds(nil, nil); err == nil {
		t.Error("no runs accepted")
	}
}

// synthBlock is a block with one coherence whose sizes 14, 20 and 52 have
// redundancy % pct+0, pct+1 and pct+2, I_real ireal and I_shuffle 2 ireal.
func synthBlock(index, session int, mode, ablation string, learning bool, pct, ireal float64) BlockResult {
	v := func(x float64) Value {
		return Value{Est: x, Lo: math.NaN(), Hi: math.NaN(), SubLo: math.NaN(), SubHi: math.NaN()}
	}
	var sizes []SizeResult
	for k, n := range []int{14, 20, 52} {
		sizes = append(sizes, SizeResult{N: n, IReal: v(ireal), IShuffle: v(2 * ireal), Gap: v(ireal), RedundancyPct: v(pct + float64(k))})
	}
	return BlockResult{Index: index, Session: session, Mode: mode, Ablation: ablation, Frames: "noise", Learning: learning,
		Info: []InfoRow{{Session: session, Block: index, Mode: mode, Coherence: 0.3, TPlus: 10, TMinus: 10, Sizes: sizes, Main: 1}}}
}

// The headline numbers across seeds: the latest control task block's
// redundancy % at each size, its I_real and I_shuffle at the headline size,
// task minus passive, the learning effect and the ablation effect, per seed,
// by hand.
func TestAcrossSeedsHeadline(t *testing.T) {
	run := func(seed uint64, base float64) (*Summary, *model.Config) {
		s := &Summary{Dir: "run", Blocks: []BlockResult{
			synthBlock(0, 0, "task", "none", false, base, 1),
			synthBlock(1, 1, "task", "none", true, 99, 9), // learning: not a control block
			synthBlock(2, 1, "task", "none", false, base+10, 2),
			synthBlock(3, 1, "passive", "none", false, base+4, 3),
			synthBlock(4, 2, "task", "lateral", false, base+7, 4),
		}}
		s.Ablations = []AblationCheck{{Block: 4, Control: 2, HasInfo: true, PctTest: Compare(s.Blocks[4].Main().RedundancyPct, s.Blocks[2].Main().RedundancyPct)}}
		c, _ := model.LoadConfig("", "", []string{fmt.Sprintf("seed=%d", seed)})
		return s, c
	}
	s1, c1 := run(1, 10)
	s2, c2 := run(2, 20)
	ss, err := AcrossSeeds([]*Summary{s1, s2}, []*model.Config{c1, c2})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]float64{
		"redundancy_pct_n14": {20, 30}, "redundancy_pct_n20": {21, 31}, "redundancy_pct_n52": {22, 32},
		"i_real": {2, 2}, "i_shuffle": {4, 4}, "redundancy": {2, 2},
		"task_minus_passive_pct": {6, 6}, // (base+10+1) - (base+4+1)
		"learning_pct":           {10, 10},
		"ablation_pct":           {-3, -3}, // (base+7+1) - (base+10+1)
	}
	names := HeadlineNames(Options{})
	if len(ss.Headline) != len(names) {
		t.Fatalf("%d headline numbers, want %d (%v)", len(ss.Headline), len(names), names)
	}
	for k, h := range ss.Headline {
		if h.What != names[k] {
			t.Errorf("headline %d is %q, want %q", k, h.What, names[k])
		}
		w := want[h.What]
		if h.Values[0] != w[0] || h.Values[1] != w[1] || h.Across.N != 2 || h.Across.Mean != (w[0]+w[1])/2 {
			t.Errorf("%s: values %v (mean %v over %d), want %v", h.What, h.Values, h.Across.Mean, h.Across.N, w)
		}
	}
	// One run: the numbers, no spread.
	one, err := AcrossSeeds([]*Summary{s1}, []*model.Config{c1})
	if err != nil {
		t.Fatal(err)
	}
	if h := one.Headline[1]; h.Values[0] != 21 || h.Across.N != 1 || !math.IsNaN(h.Across.SD) {
		t.Errorf("one run: %+v", h)
	}
}

// TestAcrossSeedsCalibration: the calibration table across seeds, by hand.
// Three runs with late redundancy 24, 30 and 33% (target 25-35): one run
// misses on its own, the mean 29 passes; mean 29, sd 4.5826, se 2.6458,
// t(0.975, 2) = 4.3027: interval 17.62 to 40.38, which straddles the target.
// A rise of 6, 9 and 18 points (target >= 10): the mean 11 passes while two
// runs miss. A row that is n.a. in one run is averaged over the others.
func TestAcrossSeedsCalibration(t *testing.T) {
	row := func(key string, n int, lo, hi, v float64) CalibrationRow {
		r := CalibrationRow{Key: key, Quantity: key, N: n, TargetLo: lo, TargetHi: hi, Role: RoleTarget, Model: plainValue(v)}
		r.judge("n.a.")
		return r
	}
	var sums []*Summary
	var cfgs []*model.Config
	for k, vals := range [][3]float64{{24, 6, 1.2}, {30, 9, math.NaN()}, {33, 18, 1.4}} {
		s := &Summary{Dir: fmt.Sprint("run", k), CalibrationTarget: CalibrationTarget{MonkeyR, "test"}}
		s.Calibration = []CalibrationRow{
			row("late_redundancy_pct", 14, 25, 35, vals[0]),
			row("redundancy_rise", 14, 10, math.Inf(1), vals[1]),
			row("i_real_ratio", 14, 0.9, 1.6, vals[2]),
		}
		c, _ := model.LoadConfig("", "", []string{fmt.Sprintf("seed=%d", k+1)})
		sums, cfgs = append(sums, s), append(cfgs, c)
	}
	ss, err := AcrossSeeds(sums, cfgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss.Calibration) != 3 || ss.CalibrationTarget.Name != MonkeyR.Name {
		t.Fatalf("calibration across seeds: %d rows, target %q", len(ss.Calibration), ss.CalibrationTarget.Name)
	}
	late, rise, real := ss.Calibration[0], ss.Calibration[1], ss.Calibration[2]
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-3 }
	if late.Key != "late_redundancy_pct" || late.Model.Est != 29 || !near(late.Model.Lo, 29-4.302653*4.582576/math.Sqrt(3)) || !near(late.Model.Hi, 29+4.302653*4.582576/math.Sqrt(3)) {
		t.Errorf("late: %+v", late.Model)
	}
	if late.Status != CalPass || late.CI != "straddles" || late.Passed != 2 || !strings.Contains(late.Note, "per seed 24, 30, 33; passes in 2 of 3 runs") {
		t.Errorf("late: status %s, CI %s, passed %d, note %q", late.Status, late.CI, late.Passed, late.Note)
	}
	if rise.Model.Est != 11 || rise.Status != CalPass || rise.Passed != 1 {
		t.Errorf("rise: %+v, status %s, passed %d", rise.Model, rise.Status, rise.Passed)
	}
	if real.Across.N != 2 || !near(real.Model.Est, 1.3) || real.Status != CalPass || !strings.Contains(real.Note, "n.a.") {
		t.Errorf("I_real ratio: %+v, status %s, note %q", real.Across, real.Status, real.Note)
	}
	// One run: the mean is that run's value, with no interval.
	one, err := AcrossSeeds(sums[:1], cfgs[:1])
	if err != nil {
		t.Fatal(err)
	}
	if r := one.Calibration[0]; r.Model.Est != 24 || r.Model.HasCI() || r.Status != CalFail || r.CI != "" {
		t.Errorf("one run: %+v, status %s, CI %q", r.Model, r.Status, r.CI)
	}
}
