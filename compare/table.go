package compare

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Alpha is the family-wise level of the table's tests.
const Alpha = 0.05

// Kinds of row: what a row's test means.
const (
	// KindCheck rows are matched or expected alike by design (calibration):
	// shown with their test, outside the family.
	KindCheck = "check"
	// KindTest rows are the family of tests of a difference between the
	// mechanisms (Holm-corrected together).
	KindTest = "test"
	// KindConstruction rows differ by how the mechanisms are built (the
	// feedback model has no links): shown as such, not tested.
	KindConstruction = "construction"
)

// Row is one signature across seeds under each mechanism.
type Row struct {
	Key       string // column of signatures.csv
	Signature string // a .. f, or "calibration"
	Label     string
	Unit      string
	Expect    string // what docs/model.md section 10.7 predicts
	Kind      string // KindCheck, KindTest or KindConstruction
	// Construction says why a KindConstruction row differs.
	Construction string
	// Measurable is true for a signature an experimenter can measure in an
	// animal (not an ablation of the lateral spread, not the synapses).
	Measurable bool
	Mech       []MechValue
	// Diff is the mean over seeds of the first mechanism's value minus the
	// second's on the same seed, with its 95% t interval and the paired t
	// test across seeds (Pairs seeds with both values; P NaN with fewer
	// than 2).
	Diff, DiffLo, DiffHi, P float64
	Pairs                   int
	// PHolm is P adjusted by Holm's step-down over the KindTest rows with a
	// test; Separates is PHolm < Alpha.
	PHolm     float64
	Separates bool
}

// MechValue is one mechanism's per-seed values and their summary.
type MechValue struct {
	Mechanism  string
	Seeds      []uint64
	Values     []float64
	N          int
	Mean, SD   float64
	CILo, CIHi float64 // 95% t interval of the mean across seeds
}

// rowSpec names a signature column.
type rowSpec struct {
	key, sig, label, unit, expect, kind string
	construction                        string
	measurable                          bool
	get                                 func(*Signatures) float64
}

var rowSpecs = []rowSpec{
	{"red_late", "calibration", "late-learning task redundancy (matched by calibration)", "%", "equal by construction", KindCheck, "", true, func(s *Signatures) float64 { return s.RedLate }},
	{"rise", "calibration", "rise of redundancy with learning", "points", "both rise", KindCheck, "", true, func(s *Signatures) float64 { return s.Rise }},
	{"ablation_drop", "a", "drop of late redundancy when lateral spread is blocked", "points", "IPL: about the rise; feedback: 0", KindTest, "", false, func(s *Signatures) float64 { return s.AblationDrop }},
	{"dist_slope", "b", "pair redundancy increase vs soma distance, matched tuning", "1/c^2 per 100 um", "IPL: negative; feedback: 0", KindTest, "", true, func(s *Signatures) float64 { return s.DistSlope }},
	{"dist_near_far", "b", "pair increase near (<100 um) minus far (>=200 um), matched tuning", "1/c^2", "IPL: positive; feedback: 0", KindTest, "", true, func(s *Signatures) float64 { return s.DistNearFar }},
	{"avsb_change", "c", "frozen-noise A-vs-B correlation change with learning", "r", "feedback: negative (with belief noise); IPL: about 0", KindTest, "", true, func(s *Signatures) float64 { return s.AvsBChange }},
	{"within_change", "c", "frozen-noise within-group correlation change with learning", "r", "both may rise", KindTest, "", true, func(s *Signatures) float64 { return s.WithinChange }},
	{"islets", "d", "islets after training", "count", "IPL: many; feedback: none", KindConstruction, "the feedback model has no links (w stays 0), so it has no islets", false, func(s *Signatures) float64 { return s.Islets }},
	{"switch_first_frac", "e", "fraction of the task->passive drop reached at the first trial", "fraction", "IPL: partial (tau_m); feedback: about 1 (immediate)", KindTest, "", true, func(s *Signatures) float64 { return s.SwitchFirstFrac }},
	{"switch_tau", "e", "time constant of the task<->passive switch (joint fit)", "s", "IPL: about tau_m; feedback: at the lower bound", KindTest, "", true, func(s *Signatures) float64 { return s.SwitchTau }},
	{"slope_late", "f", "within-trial slope of the gap, late learning", "1/c^2 per s", "both may rise", KindTest, "", true, func(s *Signatures) float64 { return s.SlopeLate }},
	{"persist_minus_indep", "f", "within-trial slope, persistent minus independent signal", "1/c^2 per s", "both may be positive", KindTest, "", true, func(s *Signatures) float64 { return s.PersistMinusIndep }},
}

// RowKeys lists the signature columns in the table's order.
func RowKeys() []string {
	k := make([]string, len(rowSpecs))
	for i, sp := range rowSpecs {
		k[i] = sp.key
	}
	return k
}

// Value returns the signature column key of s (NaN for an unknown key).
func (s *Signatures) Value(key string) float64 {
	for _, sp := range rowSpecs {
		if sp.key == key {
			return sp.get(s)
		}
	}
	return math.NaN()
}

// Table summarises the runs' signatures per mechanism (in the order of
// mechs), tests the first two mechanisms against each other seed by seed
// (paired t test) and corrects the family of KindTest rows by Holm's method.
func Table(runs []*Signatures, mechs []string) []Row {
	var rows []Row
	for _, sp := range rowSpecs {
		r := Row{Key: sp.key, Signature: sp.sig, Label: sp.label, Unit: sp.unit, Expect: sp.expect, Kind: sp.kind,
			Construction: sp.construction, Measurable: sp.measurable}
		for _, m := range mechs {
			mv := MechValue{Mechanism: m}
			for _, s := range runs {
				if s.Mechanism == m {
					mv.Seeds = append(mv.Seeds, s.Seed)
					mv.Values = append(mv.Values, sp.get(s))
				}
			}
			mv.N, mv.Mean, mv.SD, mv.CILo, mv.CIHi = summarise(mv.Values)
			r.Mech = append(r.Mech, mv)
		}
		r.Diff, r.DiffLo, r.DiffHi, r.P, r.PHolm = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
		if len(r.Mech) >= 2 {
			d := pairedDiffs(r.Mech[0], r.Mech[1])
			r.Pairs = len(d)
			r.Diff, r.DiffLo, r.DiffHi, r.P = pairedT(d)
		}
		rows = append(rows, r)
	}
	var family []int
	var ps []float64
	for i, r := range rows {
		if r.Kind == KindTest && finite(r.P) {
			family = append(family, i)
			ps = append(ps, r.P)
		}
	}
	for k, adj := range Holm(ps) {
		rows[family[k]].PHolm = adj
		rows[family[k]].Separates = adj < Alpha
	}
	return rows
}

// pairedDiffs returns a's value minus b's on every seed where both are
// finite, in a's seed order.
func pairedDiffs(a, b MechValue) []float64 {
	bySeed := map[uint64]float64{}
	for k, s := range b.Seeds {
		bySeed[s] = b.Values[k]
	}
	var d []float64
	for k, s := range a.Seeds {
		vb, ok := bySeed[s]
		if ok && finite(a.Values[k]) && finite(vb) {
			d = append(d, a.Values[k]-vb)
		}
	}
	return d
}

// pairedT is the paired t test of the differences d against 0 with the 95%
// interval of their mean. When the differences do not vary, the difference
// is exact: P is 0 when it is not 0 and 1 when it is.
func pairedT(d []float64) (mean, lo, hi, p float64) {
	nan := math.NaN()
	switch len(d) {
	case 0:
		return nan, nan, nan, nan
	case 1:
		return d[0], nan, nan, nan
	}
	n := float64(len(d))
	mean = stat.Mean(d, nil)
	se := stat.StdDev(d, nil) / math.Sqrt(n)
	if se == 0 {
		if mean == 0 {
			return mean, mean, mean, 1
		}
		return mean, mean, mean, 0
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}
	h := t.Quantile(0.975) * se
	return mean, mean - h, mean + h, 2 * t.CDF(-math.Abs(mean/se))
}

// Holm returns Holm's step-down adjusted p-values of p, in p's order: the
// k-th smallest is max over j <= k of min(1, (m - j + 1) p_(j)).
func Holm(p []float64) []float64 {
	m := len(p)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	adj := make([]float64, m)
	run := 0.0
	for k, i := range idx {
		run = math.Max(run, math.Min(1, float64(m-k)*p[i]))
		adj[i] = run
	}
	return adj
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
