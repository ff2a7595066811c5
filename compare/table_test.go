package compare

import (
	"math"
	"testing"
)

// TestPairedT: the paired t test of ipl {1, 2, 3, 4} against feedback {0, 0,
// 1, 1} on seeds 1-4 by hand: differences {1, 2, 2, 3}, mean 2, sd
// sqrt(2/3), se 0.40825, t = 4.89898 on 3 degrees of freedom, two-sided p =
// 1 - (2/pi)(atan(x) + x/(1 + x^2)) with x = t/sqrt(3): 0.016277; the 95%
// interval 2 +- 3.182446 x 0.40825 = 2 +- 1.29923. Seeds are matched by
// number, not by position; a seed one mechanism lacks is left out.
func TestPairedT(t *testing.T) {
	a := MechValue{Seeds: []uint64{1, 2, 3, 4, 5}, Values: []float64{1, 2, 3, 4, 9}}
	b := MechValue{Seeds: []uint64{4, 3, 2, 1}, Values: []float64{1, 1, 0, 0}}
	d := pairedDiffs(a, b)
	if len(d) != 4 || d[0] != 1 || d[1] != 2 || d[2] != 2 || d[3] != 3 {
		t.Fatalf("paired differences %v; want [1 2 2 3]", d)
	}
	m, lo, hi, p := pairedT(d)
	if m != 2 || math.Abs(p-0.016277) > 2e-6 || math.Abs(lo-(2-1.29923)) > 1e-4 || math.Abs(hi-(2+1.29923)) > 1e-4 {
		t.Errorf("paired t: %v [%v, %v] p %v; want 2 [0.70077, 3.29923] p 0.016277", m, lo, hi, p)
	}
	if _, _, _, p := pairedT([]float64{0, 0}); p != 1 {
		t.Errorf("no difference: p %v, want 1", p)
	}
	if _, _, _, p := pairedT([]float64{5, 5}); p != 0 {
		t.Errorf("a constant difference: p %v, want 0", p)
	}
	if _, _, _, p := pairedT([]float64{1}); !math.IsNaN(p) {
		t.Errorf("one pair: p %v, want NaN", p)
	}
}

// TestHolm: p = {0.01, 0.04, 0.03, 0.5} (m = 4) by hand: sorted 0.01 x 4 =
// 0.04; 0.03 x 3 = 0.09; 0.04 x 2 = 0.08, raised to the running maximum
// 0.09; 0.5 x 1 = 0.5. Adjusted values come back in the input's order and
// are capped at 1.
func TestHolm(t *testing.T) {
	got := Holm([]float64{0.01, 0.04, 0.03, 0.5})
	want := []float64{0.04, 0.09, 0.09, 0.5}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("Holm: %v; want %v", got, want)
		}
	}
	// {0.6, 0.3}: 0.3 x 2 = 0.6, then 0.6 x 1 = 0.6; {0.7, 0.9}: 0.7 x 2
	// capped at 1, then 0.9 raised to the running maximum 1.
	if got := Holm([]float64{0.6, 0.3}); got[0] != 0.6 || got[1] != 0.6 {
		t.Errorf("Holm {0.6, 0.3}: %v; want [0.6 0.6]", got)
	}
	if got := Holm([]float64{0.7, 0.9}); got[0] != 1 || got[1] != 1 {
		t.Errorf("Holm {0.7, 0.9}: %v; want [1 1]", got)
	}
}

// TestTable: per-seed pairing, Holm over the family of tested rows, and the
// islet row shown as differing by construction, not as a test.
func TestTable(t *testing.T) {
	mk := func(m string, seed uint64, islets, drop, avsb float64) *Signatures {
		s := &Signatures{Mechanism: m, Seed: seed, Islets: islets, AblationDrop: drop, AvsBChange: avsb}
		s.RedLate, s.Rise, s.DistSlope, s.DistNearFar, s.WithinChange = 30, 10, 0, 0, 0
		s.SwitchFirstFrac, s.SwitchTau, s.SlopeLate, s.PersistMinusIndep = math.NaN(), math.NaN(), 0, 0
		return s
	}
	// The ablation drop differs by 10 +- 1 across seeds; A-vs-B differs by
	// 0.01 on every seed under a seed-level spread of 0.1 that a Welch test
	// across seeds would not see through, the pairing does.
	runs := []*Signatures{
		mk("ipl", 1, 40, 10, 0.11), mk("ipl", 2, 30, 9, 0.21), mk("ipl", 3, 35, 11, 0.31),
		mk("feedback", 1, 0, 0, 0.10), mk("feedback", 2, 0, 0, 0.20), mk("feedback", 3, 0, 0, 0.30),
	}
	rows := Table(runs, []string{"ipl", "feedback"})
	by := map[string]Row{}
	var ps []float64
	for _, r := range rows {
		by[r.Key] = r
		if r.Kind == KindTest && !math.IsNaN(r.P) {
			ps = append(ps, r.P)
		}
	}
	if r := by["islets"]; r.Kind != KindConstruction || r.Separates || !math.IsNaN(r.PHolm) || r.Mech[0].Mean != 35 {
		t.Errorf("islets row %+v: want a construction row outside the family", r)
	}
	if r := by["red_late"]; r.Kind != KindCheck || r.P != 1 || !math.IsNaN(r.PHolm) {
		t.Errorf("matched redundancy: kind %s p %v holm %v; want a check row with p 1", r.Kind, r.P, r.PHolm)
	}
	if r := by["switch_tau"]; r.Mech[0].N != 0 || !math.IsNaN(r.P) || !math.IsNaN(r.PHolm) {
		t.Errorf("missing switch values: n %d p %v", r.Mech[0].N, r.P)
	}
	adj := Holm(ps)
	k := 0
	for _, r := range rows {
		if r.Kind == KindTest && !math.IsNaN(r.P) {
			if r.PHolm != adj[k] || r.Separates != (adj[k] < Alpha) {
				t.Errorf("%s: Holm p %v separates %v; want %v", r.Key, r.PHolm, r.Separates, adj[k])
			}
			k++
		}
	}
	if r := by["avsb_change"]; math.Abs(r.Diff-0.01) > 1e-12 || !(r.P < 1e-6) || !r.Separates {
		t.Errorf("A-vs-B: diff %v p %v; want the paired difference 0.01 with p < 1e-6, separating", r.Diff, r.P)
	}
	if r := by["ablation_drop"]; !(r.P < 0.01) || r.Pairs != 3 {
		t.Errorf("ablation: p %v over %d pairs; want < 0.01 over 3", r.P, r.Pairs)
	}
}

// TestProtocolSwitchTaskGain: with SwitchTaskGain the passive switch blocks
// keep the task gain (and no other block does); without it none does.
func TestProtocolSwitchTaskGain(t *testing.T) {
	for _, kept := range []bool{false, true} {
		p := Protocol(1, Options{SwitchTaskGain: kept, SwitchPairs: 3})
		n := 0
		for _, b := range p.After {
			if b.TaskGain {
				n++
				if b.Name != "switch-passive" || b.Mode != "passive" {
					t.Errorf("block %s (%s) keeps the task gain", b.Name, b.Mode)
				}
			}
		}
		if want := map[bool]int{false: 0, true: 3}[kept]; n != want {
			t.Errorf("kept %v: %d blocks keep the task gain; want %d", kept, n, want)
		}
	}
}

// TestConfigSpatialPreset: the array-scale comparison (-preset spatial)
// resolves to a valid config: 4000 neurons with map tuning on the
// comparison's protocol, for both mechanisms.
func TestConfigSpatialPreset(t *testing.T) {
	for _, m := range []string{"ipl", "feedback"} {
		cfg, err := Config(m, 1, Options{Preset: "spatial"})
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if cfg.Network.Neurons != 4000 || cfg.Network.Tuning != "map" || cfg.Protocol.Before[0].Name != BlockEarly {
			t.Errorf("%s: %d neurons, tuning %s, first block %s; want 4000, map, %s", m, cfg.Network.Neurons, cfg.Network.Tuning, cfg.Protocol.Before[0].Name, BlockEarly)
		}
	}
}
