package fisher

import (
	"math"
	"testing"

	"github.com/iplgpu/iplgpu/engine/rng"
	"gonum.org/v1/gonum/mat"
)

// The 2 x 2 closed form gives fisher's estimate on the same two neurons.
func TestPairStatsMatchesFisher(t *testing.T) {
	const n = 6
	for _, tc := range []struct{ tp, tm int }{{40, 40}, {40, 33}, {9, 12}} {
		plus := syntheticCounts(tc.tp, n, 1.2, 7, 1)
		minus := syntheticCounts(tc.tm, n, 0, 7, 2)
		// Unit 4 is silent (the same count on every trial), unit 5 nearly so.
		for k := range tc.tp {
			plus.Set(k, 4, 3)
			plus.Set(k, 5, 3)
		}
		for k := range tc.tm {
			minus.Set(k, 4, 3)
			minus.Set(k, 5, 2)
		}
		plus.Set(0, 5, 4)
		before := mat.DenseCopyOf(plus)
		const ds = 0.6
		ps := NewPairStats(plus, minus, ds)
		if !mat.Equal(before, plus) {
			t.Fatal("NewPairStats modified its input")
		}
		st, err := NewStats(plus, minus, nil, ds, true)
		if err != nil {
			t.Fatal(err)
		}
		for u := range n {
			for v := u + 1; v < n; v++ {
				re, sh, ok := ps.Pair(u, v)
				e, ferr := st.EstimateSubset([]int{u, v})
				if (ferr == nil) != ok {
					t.Fatalf("T %d/%d pair (%d, %d): ok %v, fisher error %v", tc.tp, tc.tm, u, v, ok, ferr)
				}
				if !ok {
					if u != 4 && v != 4 {
						t.Errorf("pair (%d, %d) rejected", u, v)
					}
					continue
				}
				if !closeTo(re, e.Real, 1e-9) || !closeTo(sh, e.Shuffle, 1e-9) {
					t.Errorf("T %d/%d pair (%d, %d): I_real %v, I_shuffle %v; fisher %v, %v", tc.tp, tc.tm, u, v, re, sh, e.Real, e.Shuffle)
				}
				// Swapped units give the same numbers.
				if re2, sh2, _ := ps.Pair(v, u); !closeTo(re2, re, 1e-12) || !closeTo(sh2, sh, 1e-12) {
					t.Errorf("pair (%d, %d) not symmetric", u, v)
				}
			}
		}
		if !ps.silent[4] || ps.silent[5] {
			t.Errorf("silent units %v; want unit 4 only", ps.silent)
		}
	}
	// Perfectly correlated units are rejected like fisher's singular covariance.
	plus := syntheticCounts(30, 2, 1, 3, 1)
	minus := syntheticCounts(30, 2, 0, 3, 2)
	for _, m := range []*mat.Dense{plus, minus} {
		r, _ := m.Dims()
		for k := range r {
			m.Set(k, 1, 2*m.At(k, 0)+1)
		}
	}
	if _, _, ok := NewPairStats(plus, minus, 0.6).Pair(0, 1); ok {
		t.Error("a unit and an affine copy of it gave an estimate")
	}
}

// syntheticCounts returns t x n Poisson-like counts with a shared fluctuation
// (correlated units), mean rising with the unit index, shifted by shift.
func syntheticCounts(t, n int, shift float64, seed uint64, step uint64) *mat.Dense {
	st := rng.New(seed)
	m := mat.NewDense(t, n, nil)
	for k := range t {
		shared := rng.NormalF64(st.Block(rng.Synthetic, step, uint32(k*(n+1))))
		for u := range n {
			w := st.Block(rng.Synthetic, step, uint32(k*(n+1)+u+1))
			v := 5 + float64(u) + shift*float64(u%3) + 1.5*shared + 2*rng.NormalF64(w)
			m.Set(k, u, math.Max(0, math.Round(v)))
		}
	}
	return m
}

func closeTo(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}
