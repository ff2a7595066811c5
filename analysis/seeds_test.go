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
