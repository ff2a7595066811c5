package fisher

import (
	"errors"
	"math/rand/v2"
	"slices"
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
		got, want []BinRange
	}{
		{Windows(8, 1, 1), []BinRange{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 7}, {7, 8}}},
		{Windows(8, 4, 4), []BinRange{{0, 4}, {4, 8}}},
		{Windows(9, 4, 4), []BinRange{{0, 4}, {4, 8}}},
		{Windows(6, 4, 1), []BinRange{{0, 4}, {1, 5}, {2, 6}}},
		{Cumulative(8, 2), []BinRange{{0, 2}, {0, 4}, {0, 6}, {0, 8}}},
		{Cumulative(7, 2), []BinRange{{0, 2}, {0, 4}, {0, 6}, {0, 7}}},
		{Cumulative(3, 1), []BinRange{{0, 1}, {0, 2}, {0, 3}}},
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
	opt := EstimateOptions{Counts: true, Subsets: SubsetSpec{Size: 4, Count: 10, Seed: 2}}
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
