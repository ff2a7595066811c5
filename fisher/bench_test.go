package fisher

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// benchData returns plus and minus of t trials x n neurons from a low-rank model.
func benchData(n, t int) (*mat.Dense, *mat.Dense) {
	m := newModel("bench", 40, n, 0.5, 1, 5, 0.8, 0.01)
	r := rand.New(rand.NewPCG(40, 40))
	return m.sample(r, t, 1, 0.6), m.sample(r, t, -1, 0.6)
}

// benchTrials is the number of trials per condition for n neurons: 1000, or 2n
// where 1000 would not exceed n + 4.
func benchTrials(n int) int { return max(1000, 2*n) }

// BenchmarkEstimate times the whole analysis of all n neurons: f', the pooled
// covariance (centred data, one Gemm) and the Cholesky solve.
func BenchmarkEstimate(b *testing.B) {
	for _, n := range []int{20, 50, 200, 1000} {
		t := benchTrials(n)
		plus, minus := benchData(n, t)
		b.Run(fmt.Sprintf("N=%d/T=%d+%d", n, t, t), func(b *testing.B) {
			for b.Loop() {
				s, err := NewStats(plus, minus, nil, 0.6, false)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Estimate(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCovariance compares the Gemm path the package uses with Dsyrk (half
// the flops, but serial in gonum) on the same centred data.
func BenchmarkCovariance(b *testing.B) {
	for _, n := range []int{20, 50, 200, 1000} {
		t := benchTrials(n)
		plus, minus := benchData(n, t)
		means := [][]float64{colMeans(plus), colMeans(minus)}
		b.Run(fmt.Sprintf("gemm/N=%d/T=%d", n, 2*t), func(b *testing.B) {
			for b.Loop() {
				covariance([]*mat.Dense{plus, minus}, means, 2*t-2)
			}
		})
		b.Run(fmt.Sprintf("syrk/N=%d/T=%d", n, 2*t), func(b *testing.B) {
			for b.Loop() {
				covarianceSyrk([]*mat.Dense{plus, minus}, means, 2*t-2)
			}
		})
	}
}

// covarianceSyrk is covariance computed with Dsyrk, for the comparison.
func covarianceSyrk(blocks []*mat.Dense, means [][]float64, df int) *mat.SymDense {
	_, n := blocks[0].Dims()
	var xc []float64
	for k, x := range blocks {
		r, _ := x.Dims()
		for t := range r {
			for i, v := range x.RawRowView(t) {
				xc = append(xc, v-means[k][i])
			}
		}
	}
	rows := len(xc) / n
	c := blas64.Symmetric{N: n, Stride: n, Uplo: blas.Upper, Data: make([]float64, n*n)}
	blas64.Syrk(blas.Trans, 1/float64(df), blas64.General{Rows: rows, Cols: n, Stride: n, Data: xc}, 0, c)
	return mat.NewSymDense(n, c.Data)
}

// BenchmarkSubsets times 1000 random subsets of 50 neurons from 1000 trials
// (500 per condition) of 200 neurons: with the statistics computed once
// ("subsets"), and including them ("stats+subsets").
func BenchmarkSubsets(b *testing.B) {
	const n, t, size, count = 200, 500, 50, 1000
	plus, minus := benchData(n, t)
	spec := SubsetSpec{Size: size, Count: count, Seed: 1}
	name := fmt.Sprintf("%dx%d_of_N=%d/T=%d+%d", count, size, n, t, t)
	b.Run("stats+subsets/"+name, func(b *testing.B) {
		for b.Loop() {
			s, err := NewStats(plus, minus, nil, 0.6, false)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.Subsets(spec, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	s, err := NewStats(plus, minus, nil, 0.6, false)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("subsets/"+name, func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Subsets(spec, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
