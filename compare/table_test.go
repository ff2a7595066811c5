package compare

import (
	"math"
	"strings"
	"testing"
)

// TestWelch: the Welch test of {1, 2, 3} against {4, 5, 6} by hand: a
// difference of -3, se sqrt(1/3 + 1/3) = 0.8165, t = -3.674 on 4 degrees of
// freedom, two-sided p = 0.02131; the 95% interval -3 +- 2.7764 x 0.8165.
// Identical constant groups give p = 1, different constants p = 0.
func TestWelch(t *testing.T) {
	mv := func(v ...float64) MechValue {
		m := MechValue{Values: v}
		m.N, m.Mean, m.SD, m.CILo, m.CIHi = summarise(v)
		return m
	}
	d, lo, hi, p := welch(mv(1, 2, 3), mv(4, 5, 6))
	if d != -3 || math.Abs(p-0.02131) > 5e-5 || math.Abs(lo-(-3-2.7764*0.8165)) > 1e-3 || math.Abs(hi-(-3+2.7764*0.8165)) > 1e-3 {
		t.Errorf("welch: diff %v [%v, %v] p %v; want -3 [-5.267, -0.733] p 0.02131", d, lo, hi, p)
	}
	if _, _, _, p := welch(mv(0, 0), mv(0, 0)); p != 1 {
		t.Errorf("equal constants: p %v, want 1", p)
	}
	if _, _, _, p := welch(mv(0, 0), mv(5, 5)); p != 0 {
		t.Errorf("different constants: p %v, want 0", p)
	}
	if _, _, _, p := welch(mv(1), mv(2, 3)); !math.IsNaN(p) {
		t.Errorf("one seed: p %v, want NaN", p)
	}
	m := mv(1, 2, 3, math.NaN())
	if m.N != 3 || m.Mean != 2 || math.Abs(m.CIHi-(2+4.3027*1/math.Sqrt(3))) > 1e-3 {
		t.Errorf("summarise: n %d mean %v hi %v", m.N, m.Mean, m.CIHi)
	}
}

// TestTableAndMarkdown: rows per signature with the mechanisms' values in
// order, and a compare.md that names which rows separate.
func TestTableAndMarkdown(t *testing.T) {
	mk := func(m string, seed uint64, islets, drop float64) *Signatures {
		s := &Signatures{Mechanism: m, Seed: seed, Islets: islets, AblationDrop: drop}
		s.RedLate, s.Rise, s.DistSlope, s.DistNearFar, s.AvsBChange, s.WithinChange = 30, 10, 0, 0, 0, 0
		s.SwitchFirstFrac, s.SwitchTau, s.SlopeLate, s.PersistMinusIndep = math.NaN(), math.NaN(), 0, 0
		return s
	}
	runs := []*Signatures{mk("ipl", 1, 40, 10), mk("ipl", 2, 30, 9), mk("ipl", 3, 35, 11), mk("feedback", 1, 0, 0.5), mk("feedback", 2, 0, -0.5), mk("feedback", 3, 0, 0)}
	rows := Table(runs, []string{"ipl", "feedback"})
	by := map[string]Row{}
	for _, r := range rows {
		by[r.Key] = r
	}
	if r := by["islets"]; !r.Separates || r.Mech[0].Mean != 35 || r.Mech[1].Mean != 0 {
		t.Errorf("islets row %+v: want 35 vs 0, separating", r)
	}
	if r := by["ablation_drop"]; !r.Separates {
		t.Errorf("ablation row p %v: want separating", r.P)
	}
	if r := by["red_late"]; r.Separates || r.P != 1 {
		t.Errorf("matched redundancy: p %v, want 1, not separating", r.P)
	}
	if r := by["switch_tau"]; r.Mech[0].N != 0 || !math.IsNaN(r.P) {
		t.Errorf("missing switch values: n %d p %v", r.Mech[0].N, r.P)
	}
	md := string(Markdown(&Result{Options: Options{Seeds: []uint64{1, 2, 3}, Mechanisms: []string{"ipl", "feedback"}, Size: 14}, Runs: runs, Rows: rows}))
	if !strings.Contains(md, "**Separate the hypotheses here** (p < 0.05 across 3 seeds): (a) drop of late redundancy") || !strings.Contains(md, "(d) islets after training") {
		t.Errorf("compare.md does not name the separating rows:\n%s", md)
	}
}
