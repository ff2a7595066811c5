package compare

import (
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Row is one signature across seeds under each mechanism.
type Row struct {
	Key       string // column of signatures.csv
	Signature string // a .. f, or "calibration"
	Label     string
	Unit      string
	Expect    string // what docs/model.md section 10.7 predicts
	Mech      []MechValue
	// Diff is the first mechanism's mean minus the second's, with the Welch
	// t test across seeds (P NaN with fewer than 2 seeds under either, or no
	// variance at all).
	Diff, DiffLo, DiffHi, P float64
	Separates               bool // P < 0.05
}

// MechValue is one mechanism's per-seed values and their summary.
type MechValue struct {
	Mechanism  string
	Values     []float64
	N          int
	Mean, SD   float64
	CILo, CIHi float64 // 95% t interval of the mean across seeds
}

// rowSpec names a signature column.
type rowSpec struct {
	key, sig, label, unit, expect string
	get                           func(*Signatures) float64
}

var rowSpecs = []rowSpec{
	{"red_late", "calibration", "late-learning task redundancy (matched by calibration)", "%", "equal by construction", func(s *Signatures) float64 { return s.RedLate }},
	{"rise", "calibration", "rise of redundancy with learning", "points", "both rise", func(s *Signatures) float64 { return s.Rise }},
	{"ablation_drop", "a", "drop of late redundancy when lateral spread is blocked", "points", "IPL: about the rise; feedback: 0", func(s *Signatures) float64 { return s.AblationDrop }},
	{"dist_slope", "b", "pair redundancy increase vs soma distance, matched tuning", "1/c^2 per 100 um", "IPL: negative; feedback: 0", func(s *Signatures) float64 { return s.DistSlope }},
	{"dist_near_far", "b", "pair increase near (<100 um) minus far (>=200 um), matched tuning", "1/c^2", "IPL: positive; feedback: 0", func(s *Signatures) float64 { return s.DistNearFar }},
	{"avsb_change", "c", "frozen-noise A-vs-B correlation change with learning", "r", "feedback: negative (with belief noise); IPL: about 0", func(s *Signatures) float64 { return s.AvsBChange }},
	{"within_change", "c", "frozen-noise within-group correlation change with learning", "r", "both may rise", func(s *Signatures) float64 { return s.WithinChange }},
	{"islets", "d", "islets after training", "count", "IPL: many; feedback: none", func(s *Signatures) float64 { return s.Islets }},
	{"switch_first_frac", "e", "fraction of the task->passive drop reached at the first trial", "fraction", "IPL: partial (tau_m); feedback: about 1 (immediate)", func(s *Signatures) float64 { return s.SwitchFirstFrac }},
	{"switch_tau", "e", "time constant of the task<->passive switch (joint fit)", "s", "IPL: about tau_m; feedback: at the lower bound", func(s *Signatures) float64 { return s.SwitchTau }},
	{"slope_late", "f", "within-trial slope of the gap, late learning", "1/c^2 per s", "both may rise", func(s *Signatures) float64 { return s.SlopeLate }},
	{"persist_minus_indep", "f", "within-trial slope, persistent minus independent signal", "1/c^2 per s", "both may be positive", func(s *Signatures) float64 { return s.PersistMinusIndep }},
}

// Table summarises the runs' signatures per mechanism (in the order of
// mechs) and tests the first two mechanisms against each other.
func Table(runs []*Signatures, mechs []string) []Row {
	var rows []Row
	for _, sp := range rowSpecs {
		r := Row{Key: sp.key, Signature: sp.sig, Label: sp.label, Unit: sp.unit, Expect: sp.expect}
		for _, m := range mechs {
			mv := MechValue{Mechanism: m}
			for _, s := range runs {
				if s.Mechanism == m {
					mv.Values = append(mv.Values, sp.get(s))
				}
			}
			mv.N, mv.Mean, mv.SD, mv.CILo, mv.CIHi = summarise(mv.Values)
			r.Mech = append(r.Mech, mv)
		}
		r.Diff, r.DiffLo, r.DiffHi, r.P = math.NaN(), math.NaN(), math.NaN(), math.NaN()
		if len(r.Mech) >= 2 {
			r.Diff, r.DiffLo, r.DiffHi, r.P = welch(r.Mech[0], r.Mech[1])
			r.Separates = r.P < 0.05
		}
		rows = append(rows, r)
	}
	return rows
}

// summarise returns the count, mean, sd and 95% t interval of the finite
// values.
func summarise(values []float64) (n int, mean, sd, lo, hi float64) {
	var v []float64
	for _, x := range values {
		if finite(x) {
			v = append(v, x)
		}
	}
	nan := math.NaN()
	n, mean, sd, lo, hi = len(v), nan, nan, nan, nan
	if n == 0 {
		return
	}
	mean = stat.Mean(v, nil)
	if n < 2 {
		return
	}
	sd = stat.StdDev(v, nil)
	h := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975) * sd / math.Sqrt(float64(n))
	return n, mean, sd, mean - h, mean + h
}

// welch is the Welch t test of a.Mean - b.Mean with its 95% interval. When
// neither mechanism varies across seeds, a difference is exact: P is 0 when
// the means differ and 1 when they do not.
func welch(a, b MechValue) (diff, lo, hi, p float64) {
	nan := math.NaN()
	if a.N < 2 || b.N < 2 {
		return a.Mean - b.Mean, nan, nan, nan
	}
	diff = a.Mean - b.Mean
	va, vb := a.SD*a.SD/float64(a.N), b.SD*b.SD/float64(b.N)
	se := math.Sqrt(va + vb)
	if se == 0 {
		if diff == 0 {
			return diff, diff, diff, 1
		}
		return diff, diff, diff, 0
	}
	df := (va + vb) * (va + vb) / (va*va/float64(a.N-1) + vb*vb/float64(b.N-1))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	h := t.Quantile(0.975) * se
	p = 2 * t.CDF(-math.Abs(diff/se))
	return diff, diff - h, diff + h, p
}
