package fisher_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/fisher/fishertest"
	"gonum.org/v1/gonum/mat"
)

func TestWindows(t *testing.T) {
	for _, c := range []struct {
		got, want []fisher.BinRange
	}{
		{fisher.Windows(8, 1, 1), []fisher.BinRange{{Start: 0, End: 1}, {Start: 1, End: 2}, {Start: 2, End: 3}, {Start: 3, End: 4}, {Start: 4, End: 5}, {Start: 5, End: 6}, {Start: 6, End: 7}, {Start: 7, End: 8}}},
		{fisher.Windows(8, 4, 4), []fisher.BinRange{{Start: 0, End: 4}, {Start: 4, End: 8}}},
		{fisher.Windows(9, 4, 4), []fisher.BinRange{{Start: 0, End: 4}, {Start: 4, End: 8}}},
		{fisher.Windows(6, 4, 1), []fisher.BinRange{{Start: 0, End: 4}, {Start: 1, End: 5}, {Start: 2, End: 6}}},
		{fisher.Cumulative(8, 2), []fisher.BinRange{{Start: 0, End: 2}, {Start: 0, End: 4}, {Start: 0, End: 6}, {Start: 0, End: 8}}},
		{fisher.Cumulative(7, 2), []fisher.BinRange{{Start: 0, End: 2}, {Start: 0, End: 4}, {Start: 0, End: 6}, {Start: 0, End: 7}}},
		{fisher.Cumulative(3, 1), []fisher.BinRange{{Start: 0, End: 1}, {Start: 0, End: 2}, {Start: 0, End: 3}}},
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
	resp, u16 := fishertest.Responses(r, coh, bins, neurons, -1)
	f64 := make([]float64, len(u16))
	for k, v := range u16 {
		f64[k] = float64(v)
	}
	respF, _ := fisher.NewResponses([]int{trials, bins, neurons}, f64)
	opt := fisher.EstimateOptions{Counts: true, Subsets: fisher.SubsetSpec{Size: 4, Count: 10, Seed: 2}}
	windows := slices.Concat(fisher.Windows(bins, 1, 1), fisher.Windows(bins, 4, 4), fisher.Cumulative(bins, 2))
	for _, rs := range []fisher.Responses{resp, respF} {
		got, err := fisher.TimeCourse(rs, fisher.Conditions{Plus: plus, Minus: minus}, 0.6, windows, opt)
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
			want, err := fisher.Analyse(hand(plus), hand(minus), nil, 0.6, opt)
			if err != nil {
				t.Fatal(err)
			}
			if got[k].Window != w || got[k].Full.Real != want.Full.Real || got[k].Subsets.Redundancy != want.Subsets.Redundancy || got[k].NoiseCorr != want.NoiseCorr {
				t.Errorf("window %v: got %+v, want %+v", w, got[k].Full, want.Full)
			}
		}
	}
	if _, err := fisher.TimeCourse(resp, fisher.Conditions{Plus: plus[:1], Minus: minus}, 0.6, windows, opt); !errors.Is(err, fisher.ErrTooFewTrials) {
		t.Errorf("one plus trial: %v", err)
	}
}

// Select keeps the chosen neurons' counts, trial by trial and bin by bin.
func TestResponsesSelect(t *testing.T) {
	data := make([]uint16, 2*3*5) // 2 trials x 3 bins x 5 neurons
	for k := range data {
		data[k] = uint16(k)
	}
	r, err := fisher.NewResponses([]int{2, 3, 5}, data)
	if err != nil {
		t.Fatal(err)
	}
	s := r.Select([]int{1, 4})
	if s.Trials != 2 || s.Bins != 3 || s.Neurons != 2 {
		t.Fatalf("shape %d x %d x %d", s.Trials, s.Bins, s.Neurons)
	}
	got := s.Sum(nil, []int{0, 1}, fisher.BinRange{Start: 0, End: 3})
	// Trial 0, neuron 1: bins 1, 6, 11 -> 18; neuron 4: 4, 9, 14 -> 27.
	// Trial 1: +15 per bin -> 63 and 72.
	want := [][]float64{{18, 27}, {63, 72}}
	for i := range 2 {
		for j := range 2 {
			if got.At(i, j) != want[i][j] {
				t.Errorf("sum (%d, %d) = %v, want %v", i, j, got.At(i, j), want[i][j])
			}
		}
	}
}
