package analysis

import (
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
	if _, err := AcrossSeeds(s[:1], []*model.Config{c1}); err == nil {
		t.Error("one run accepted")
	}
}
