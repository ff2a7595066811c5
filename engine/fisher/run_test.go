package fisher

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// poissonish returns a count with mean lambda (a sum of Bernoulli draws, enough
// for test data).
func poissonish(r *rand.Rand, lambda float64) uint16 {
	var k uint16
	for range 20 {
		if r.Float64() < lambda/20 {
			k++
		}
	}
	return k
}

// syntheticResponses returns trials x bins x neurons counts whose mean depends on
// the sign of each trial's coherence and on a shared per-trial gain; neuron
// silent never fires.
func syntheticResponses(r *rand.Rand, coh []float64, bins, neurons, silent int) Responses {
	data := make([]uint16, len(coh)*bins*neurons)
	for t, c := range coh {
		gain := 1 + 0.3*r.NormFloat64()
		for b := range bins {
			for i := range neurons {
				if i == silent {
					continue
				}
				tune := 1 + c*float64(1-2*(i%2))*(0.5+float64(i)/float64(neurons))
				data[(t*bins+b)*neurons+i] = poissonish(r, max(0, 2*tune*gain))
			}
		}
	}
	resp, err := NewResponses([]int{len(coh), bins, neurons}, data)
	if err != nil {
		panic(err)
	}
	return resp
}

func TestWindows(t *testing.T) {
	for _, c := range []struct {
		got, want []Window
	}{
		{Windows(8, 1, 1), []Window{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 7}, {7, 8}}},
		{Windows(8, 4, 4), []Window{{0, 4}, {4, 8}}},
		{Windows(9, 4, 4), []Window{{0, 4}, {4, 8}}},
		{Windows(6, 4, 1), []Window{{0, 4}, {1, 5}, {2, 6}}},
		{Cumulative(8, 2), []Window{{0, 2}, {0, 4}, {0, 6}, {0, 8}}},
		{Cumulative(7, 2), []Window{{0, 2}, {0, 4}, {0, 6}, {0, 7}}},
		{Cumulative(3, 1), []Window{{0, 1}, {0, 2}, {0, 3}}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("got %v, want %v", c.got, c.want)
		}
	}
}

// TestTimeCourse: each window's result equals Analyse on sums done by hand, for
// uint16 and float64 storage alike.
func TestTimeCourse(t *testing.T) {
	r := rand.New(rand.NewPCG(30, 30))
	const trials, bins, neurons = 80, 8, 6
	coh := make([]float64, trials)
	var plus, minus []int
	for k := range coh {
		coh[k] = 0.3 * float64(1-2*(k%2))
		if k%2 == 0 {
			plus = append(plus, k)
		} else {
			minus = append(minus, k)
		}
	}
	resp := syntheticResponses(r, coh, bins, neurons, -1)
	u16 := resp.data.([]uint16)
	f64 := make([]float64, len(u16))
	for k, v := range u16 {
		f64[k] = float64(v)
	}
	respF, _ := NewResponses([]int{trials, bins, neurons}, f64)
	opt := Options{Counts: true, Subsets: SubsetSpec{Size: 4, Count: 10, Seed: 2}}
	windows := slices.Concat(Windows(bins, 1, 1), Windows(bins, 4, 4), Cumulative(bins, 2))
	for _, rs := range []Responses{resp, respF} {
		got, err := TimeCourse(rs, plus, minus, nil, 0.6, windows, opt)
		if err != nil {
			t.Fatal(err)
		}
		for k, w := range windows {
			hand := func(rows []int) *mat.Dense {
				m := mat.NewDense(len(rows), neurons, nil)
				for a, tr := range rows {
					for b := w.Start; b < w.End; b++ {
						for i := range neurons {
							m.Set(a, i, m.At(a, i)+float64(u16[(tr*bins+b)*neurons+i]))
						}
					}
				}
				return m
			}
			want, err := Analyse(hand(plus), hand(minus), nil, 0.6, opt)
			if err != nil {
				t.Fatal(err)
			}
			if got[k].Window != w || got[k].Full.Real != want.Full.Real || got[k].Subsets.Redundancy != want.Subsets.Redundancy || got[k].NoiseCorr != want.NoiseCorr {
				t.Errorf("window %v: got %+v, want %+v", w, got[k].Full, want.Full)
			}
		}
	}
	if _, err := TimeCourse(resp, plus[:1], minus, nil, 0.6, windows, opt); !errors.Is(err, ErrTooFewTrials) {
		t.Errorf("one plus trial: %v", err)
	}
}

const trialsHeader = "trial,session,block,block_name,mode,coherence,learning,ablation,recorded\n"

func TestReadTrials(t *testing.T) {
	in := "recorded,coherence,mode,block,session,extra\n1,0.3,task,0,1,x\n0,-0.3,task,0,1,x\n1,-0.3,task,0,1,x\ntrue,0,passive,1,2,x\n"
	trials, err := ReadTrials(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Trial{
		{Trial: -1, Session: 1, Block: 0, Mode: "task", Coherence: 0.3, Recorded: true, Row: 0},
		{Trial: -1, Session: 1, Block: 0, Mode: "task", Coherence: -0.3, Row: -1},
		{Trial: -1, Session: 1, Block: 0, Mode: "task", Coherence: -0.3, Recorded: true, Row: 1},
		{Trial: -1, Session: 2, Block: 1, Mode: "passive", Coherence: 0, Recorded: true, Row: 2},
	}
	if !slices.Equal(trials, want) {
		t.Errorf("got %+v\nwant %+v", trials, want)
	}
	for _, c := range []struct{ in, want string }{
		{"session,block,mode,coherence\n", `no "recorded" column`},
		{trialsHeader + "0,1,0,a,task,abc,0,0,1\n", `line 2: coherence "abc"`},
		{trialsHeader + "0,1,0,a,task,0.3,0,0,yes\n", `line 2: recorded "yes"`},
		{trialsHeader + "0,one,0,a,task,0.3,0,0,1\n", `line 2: session "one"`},
		{"", "no header row"},
	} {
		if _, err := ReadTrials(strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
}

// TestAnalyseRun builds a run with two groups analysed, one level without -c
// trials, one group with too few trials and a silent neuron, and checks each row
// against the direct computation, and the notes.
func TestAnalyseRun(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 31))
	var trials []Trial
	var coh []float64
	add := func(session, block int, name, mode string, c float64, n int) {
		for range n {
			rec := r.Float64() < 0.9
			tr := Trial{Trial: len(trials), Session: session, Block: block, BlockName: name, Mode: mode, Coherence: c, Recorded: rec, Row: -1}
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
	resp := syntheticResponses(r, coh, bins, neurons, silent)
	opt := RunOptions{Subsets: SubsetSpec{Size: 5, Count: 30, Seed: 9}}
	rows, notes, err := AnalyseRun(resp, trials, opt)
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
		s, err := NewStats(resp.Sum(nil, plus, Window{0, bins}), resp.Sum(nil, minus, Window{0, bins}), nil, 0.6, true)
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
		if row.Coherence != 0.3 || row.Neurons != neurons-1 || row.TPlus != len(plus) || row.TMinus != len(minus) ||
			row.Subsets.Real != sub.Real || row.Subsets.RedundancyPct != sub.RedundancyPct || row.NoiseCorr != s.NoiseCorrelation(pool) {
			t.Errorf("row %+v\ndirect %+v", row, sub)
		}
	}
	for _, want := range []string{"coherence 0.1: skipped: 10 trials at +c and 0 at -c", "session 2 block 0 (measure, task) coherence 0.3: skipped: T = "} {
		if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}

	// Defaults: subsets of 20 clipped to the 9 usable neurons, with a note.
	rows, notes, err = AnalyseRun(resp, trials, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Subsets.Size != 9 || rows[0].Subsets.Count != 1 || !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "clipped from 20 to 9") }) {
		t.Errorf("size %d count %d notes %q", rows[0].Subsets.Size, rows[0].Subsets.Count, notes)
	}

	var buf bytes.Buffer
	if err := WriteInfoCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || !slices.Equal(recs[0], InfoColumns) || recs[1][0] != "1" || recs[1][3] != "task" || recs[2][3] != "passive" {
		t.Errorf("info.csv %q", recs)
	}

	bad := slices.Clone(trials)
	bad[0].Row = resp.Trials
	if _, _, err := AnalyseRun(resp, bad, opt); !errors.Is(err, ErrBadData) {
		t.Errorf("row out of range: %v", err)
	}
	if _, _, err := AnalyseRun(resp, trials, RunOptions{Window: Window{2, 9}}); !errors.Is(err, ErrBadData) {
		t.Errorf("window past the bins: %v", err)
	}
}
