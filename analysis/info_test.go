package analysis

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/fisher/fishertest"
	"github.com/iplgpu/iplgpu/rundir"
)

// TestInfoRows builds a run with two groups analysed, one level without -c
// trials, one group with too few trials and a silent neuron, and checks each row
// against the direct computation, and the notes.
func TestInfoRows(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 31))
	var trials []rundir.TrialRecord
	var coh []float64
	add := func(session, block int, name, mode string, c float64, n int) {
		for range n {
			rec := r.Float64() < 0.9
			tr := rundir.TrialRecord{Trial: len(trials), Session: session, Block: block, BlockName: name, Mode: mode, Coherence: c, Recorded: rec, Row: -1}
			if rec {
				tr.Row = len(coh)
				coh = append(coh, c)
			}
			trials = append(trials, tr)
		}
	}
	// Interleave signs within each group.
	for range 2 {
		add(1, 0, "measure", "task", 0.3, 20)
		add(1, 0, "measure", "task", -0.3, 20)
		add(1, 0, "measure", "task", 0, 5)
		add(1, 0, "measure", "task", 0.1, 5)
	}
	add(1, 1, "measure", "passive", 0.3, 40)
	add(1, 1, "measure", "passive", -0.3, 40)
	add(2, 0, "measure", "task", 0.3, 5)
	add(2, 0, "measure", "task", -0.3, 5)
	const bins, neurons, silent = 4, 10, 7
	resp, _ := fishertest.Responses(r, coh, bins, neurons, silent)
	opt := InfoOptions{Subsets: fisher.SubsetSpec{Size: 5, Count: 30, Seed: 9}}
	rows, notes, err := InfoRows(resp, trials, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2: %+v (notes %q)", len(rows), rows, notes)
	}
	for _, row := range rows {
		var plus, minus []int
		for _, tr := range trials {
			if tr.Recorded && tr.Session == row.Session && tr.Block == row.Block && tr.Mode == row.Mode {
				switch tr.Coherence {
				case 0.3:
					plus = append(plus, tr.Row)
				case -0.3:
					minus = append(minus, tr.Row)
				}
			}
		}
		s, err := fisher.NewStats(resp.Sum(nil, plus, fisher.BinRange{Start: 0, End: bins}), resp.Sum(nil, minus, fisher.BinRange{Start: 0, End: bins}), nil, 0.6, true)
		if err != nil {
			t.Fatal(err)
		}
		pool := s.Active()
		if len(pool) != neurons-1 || slices.Contains(pool, silent) {
			t.Fatalf("pool %v should leave out neuron %d only", pool, silent)
		}
		sub, err := s.Subsets(opt.Subsets, pool)
		if err != nil {
			t.Fatal(err)
		}
		m := row.MainSize()
		if row.Coherence != 0.3 || row.Neurons != neurons-1 || row.TPlus != len(plus) || row.TMinus != len(minus) || m == nil ||
			m.IReal.Est != sub.Real.Mean || m.IReal.SubLo != sub.Real.Lo || m.IReal.SubHi != sub.Real.Hi || m.Gap.Est != sub.Redundancy.Mean ||
			row.NoiseCorr.Est != s.NoiseCorrelation(pool) {
			t.Errorf("row %+v\ndirect %+v", row, sub)
		}
		// Without a bootstrap there is no interval over trials, so no
		// redundancy % (whether I_shuffle is clearly above 0 is unknown).
		if m.IReal.HasCI() || !math.IsNaN(m.RedundancyPct.Est) {
			t.Errorf("without a bootstrap: interval %v-%v, redundancy %% %v", m.IReal.Lo, m.IReal.Hi, m.RedundancyPct.Est)
		}
	}
	for _, want := range []string{"coherence 0.1: skipped: 10 trials at +c and 0 at -c", "session 2 block 0 (measure, task) coherence 0.3: skipped: T = ",
		"no result at subset size 14: 9 usable neurons", "no result at subset size 52"} {
		if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}

	// Defaults: subsets of 20 clipped to the 9 usable neurons, with a note.
	rows, notes, err = InfoRows(resp, trials, InfoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m := rows[0].MainSize(); m.N != 9 || m.Subsets != 1 || !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "clipped from 20 to 9") }) {
		t.Errorf("size %d count %d notes %q", m.N, m.Subsets, notes)
	}

	bad := slices.Clone(trials)
	bad[0].Row = resp.Trials
	if _, _, err := InfoRows(resp, bad, opt); !errors.Is(err, fisher.ErrBadData) {
		t.Errorf("row out of range: %v", err)
	}
	if _, _, err := InfoRows(resp, trials, InfoOptions{Window: fisher.BinRange{Start: 2, End: 9}}); !errors.Is(err, fisher.ErrBadData) {
		t.Errorf("window past the bins: %v", err)
	}
}

// gaussianRecording is a recording of one block: per class T trials x N
// neurons, r = 20 + sign f' ds/2 + sigma eps + sqrt(diff) f' u (u shared,
// differential noise), as 1-bin responses.
func gaussianRecording(seed uint64, n, t int, fscale, diff float64) (fisher.Responses, []rundir.TrialRecord, []float64) {
	r := rand.New(rand.NewPCG(seed, seed))
	fp := make([]float64, n)
	for i := range fp {
		fp[i] = fscale * (0.5 + r.Float64()) * float64(1-2*(i%2))
	}
	const c = 0.3
	data := make([]float64, 2*t*n)
	var trials []rundir.TrialRecord
	for k := range 2 * t {
		sign := 1.0
		if k%2 == 1 {
			sign = -1
		}
		u := r.NormFloat64() * math.Sqrt(diff)
		for i := range n {
			data[k*n+i] = 20 + sign*fp[i]*c + r.NormFloat64() + fp[i]*u
		}
		trials = append(trials, rundir.TrialRecord{Trial: k, Block: 0, BlockName: "b", Mode: "task", Coherence: sign * c, Recorded: true, Row: k})
	}
	resp, err := fisher.NewResponses([]int{2 * t, 1, n}, data)
	if err != nil {
		panic(err)
	}
	return resp, trials, fp
}

// TestEpsilonRecovery: with C = I + eps f' f'^T the information of any subset
// is I0/(1 + eps I0), so the fit over subset sizes recovers eps.
func TestEpsilonRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("a bootstrap of 7 subset sizes takes seconds")
	}
	const eps = 0.05
	resp, trials, _ := gaussianRecording(41, 80, 300, 0.5, eps)
	rows, notes, err := InfoRows(resp, trials, InfoOptions{Subsets: fisher.SubsetSpec{Size: 20, Count: 100, Seed: 1},
		Boot: fisher.BootSpec{Replicates: 100, Subsets: 10, Seed: 1}})
	if err != nil || len(rows) != 1 {
		t.Fatalf("%v rows, err %v, notes %q", len(rows), err, notes)
	}
	e := rows[0].Epsilon
	t.Logf("epsilon %.4f (95%% CI %.4f to %.4f) over sizes %v, want %.3f", e.Est, e.Lo, e.Hi, rows[0].Saturation.Sizes, eps)
	if math.Abs(e.Est-eps) > 0.25*eps {
		t.Errorf("epsilon %.4f, want %.3f within 25%%", e.Est, eps)
	}
	if !(e.Lo <= eps && eps <= e.Hi) {
		t.Errorf("the 95%% interval %.4f to %.4f misses epsilon %.3f", e.Lo, e.Hi, eps)
	}
	// Without differential noise epsilon is about 0.
	resp, trials, _ = gaussianRecording(42, 80, 300, 0.5, 0)
	rows, _, err = InfoRows(resp, trials, InfoOptions{Subsets: fisher.SubsetSpec{Size: 20, Count: 100, Seed: 1},
		Boot: fisher.BootSpec{Replicates: 100, Subsets: 10, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	e0 := rows[0].Epsilon
	t.Logf("without differential noise: epsilon %.4f (95%% CI %.4f to %.4f)", e0.Est, e0.Lo, e0.Hi)
	if !(e0.Lo <= 0 && 0 <= e0.Hi) || math.Abs(e0.Est) > 0.25*eps {
		t.Errorf("epsilon %.4f (%.4f to %.4f) without differential noise, want about 0", e0.Est, e0.Lo, e0.Hi)
	}
}

// TestRedundancyPctRule: redundancy % is the ratio of the subset means (not
// the mean of per-subset ratios) where I_shuffle is clearly positive, and
// blank where the lower end of I_shuffle's interval over trials is at or
// below 0 (no signal: f' = 0).
func TestRedundancyPctRule(t *testing.T) {
	resp, trials, _ := gaussianRecording(43, 30, 60, 0.8, 0.02)
	opt := InfoOptions{Subsets: fisher.SubsetSpec{Size: 10, Count: 50, Seed: 1}, Sizes: []int{}, NoSaturation: true,
		Boot: fisher.BootSpec{Replicates: 100, Subsets: 5, Seed: 1}}
	rows, _, err := InfoRows(resp, trials, opt)
	if err != nil {
		t.Fatal(err)
	}
	m := rows[0].MainSize()
	if !(m.IShuffle.Lo > 0) {
		t.Fatalf("I_shuffle %v (%v to %v) not clearly positive: the test needs a signal", m.IShuffle.Est, m.IShuffle.Lo, m.IShuffle.Hi)
	}
	if want := 100 * m.Gap.Est / m.IShuffle.Est; math.Abs(m.RedundancyPct.Est-want) > 1e-9*math.Abs(want) || !m.RedundancyPct.HasCI() {
		t.Errorf("redundancy %% %v (CI %v to %v), want 100 gap/I_shuffle = %v with an interval", m.RedundancyPct.Est, m.RedundancyPct.Lo, m.RedundancyPct.Hi, want)
	}
	// No signal: the sign of the coherence changes nothing.
	resp, trials, _ = gaussianRecording(44, 30, 60, 0, 0)
	rows, _, err = InfoRows(resp, trials, opt)
	if err != nil {
		t.Fatal(err)
	}
	m = rows[0].MainSize()
	t.Logf("no signal: I_shuffle %.3f (95%% CI %.3f to %.3f), redundancy %% %v", m.IShuffle.Est, m.IShuffle.Lo, m.IShuffle.Hi, m.RedundancyPct.Est)
	if m.IShuffle.Lo > 0 {
		t.Errorf("without signal the interval of I_shuffle %v to %v lies above 0", m.IShuffle.Lo, m.IShuffle.Hi)
	}
	if !math.IsNaN(m.RedundancyPct.Est) || m.RedundancyPct.HasCI() {
		t.Errorf("redundancy %% %v (%v to %v) where I_shuffle is not clearly above 0; want blank", m.RedundancyPct.Est, m.RedundancyPct.Lo, m.RedundancyPct.Hi)
	}
}
