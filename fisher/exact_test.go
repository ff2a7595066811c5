package fisher

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

// denseTruth solves f^T C^-1 f with C = sigma2 I + A Cu A^T built explicitly and
// a general LU solve: the simple reference for ExactLinearGaussian.
func denseTruth(f []float64, sigma2 float64, a *mat.Dense, cu *mat.SymDense) float64 {
	n := len(f)
	c := mat.NewDense(n, n, nil)
	if a != nil {
		var acu mat.Dense
		if cu != nil {
			acu.Mul(a, cu)
		} else {
			acu.CloneFrom(a)
		}
		c.Mul(&acu, a.T())
	}
	for i := range n {
		c.Set(i, i, c.At(i, i)+sigma2)
	}
	var x mat.VecDense
	fv := mat.NewVecDense(n, f)
	if err := x.SolveVec(c, fv); err != nil {
		panic(err)
	}
	return mat.Dot(fv, &x)
}

// TestExactLinearGaussian compares the Woodbury path (k < N) and the dense path
// (k >= N) with an explicit solve, to a relative 1e-9, for identity, general and
// rank-deficient Cu.
func TestExactLinearGaussian(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 20))
	randn := func(rows, cols int, scale float64) *mat.Dense {
		m := mat.NewDense(rows, cols, nil)
		for i := range rows {
			for j := range cols {
				m.Set(i, j, scale*r.NormFloat64())
			}
		}
		return m
	}
	psd := func(k, rank int) *mat.SymDense {
		b := randn(k, rank, 1)
		s := mat.NewSymDense(k, nil)
		s.SymOuterK(1, b)
		return s
	}
	for _, c := range []struct {
		n, k   int
		sigma2 float64
		cu     *mat.SymDense
	}{
		{30, 0, 0.7, nil},
		{30, 1, 1, nil},
		{30, 4, 1, nil},
		{30, 4, 0.3, psd(4, 4)},
		{30, 5, 2, psd(5, 2)}, // singular Cu: Woodbury via its eigenvectors
		{30, 29, 1, nil},
		{8, 8, 1, psd(8, 8)}, // dense
		{8, 12, 0.5, nil},    // dense, more sources than neurons
		{200, 3, 1.3, psd(3, 3)},
	} {
		t.Run(fmt.Sprintf("N=%d k=%d", c.n, c.k), func(t *testing.T) {
			f := make([]float64, c.n)
			for i := range f {
				f[i] = r.NormFloat64()
			}
			var a *mat.Dense
			if c.k > 0 {
				a = randn(c.n, c.k, 1.5)
			}
			got, err := ExactLinearGaussian(f, c.sigma2, a, c.cu)
			if err != nil {
				t.Fatal(err)
			}
			if want := denseTruth(f, c.sigma2, a, c.cu); !scalar.EqualWithinRel(got, want, 1e-9) {
				t.Errorf("got %v, dense solve %v", got, want)
			}
		})
	}
}

func TestExactLinearGaussianErrors(t *testing.T) {
	f := []float64{1, 2, 3}
	if _, err := ExactLinearGaussian(f, -1, nil, nil); !errors.Is(err, ErrBadData) {
		t.Errorf("negative sigma2: %v", err)
	}
	if _, err := ExactLinearGaussian(f, 0, nil, nil); !errors.Is(err, ErrSingular) {
		t.Errorf("C = 0: %v", err)
	}
	indef := mat.NewSymDense(2, []float64{1, 0, 0, -1})
	a := mat.NewDense(3, 2, []float64{1, 0, 0, 1, 1, 1})
	if _, err := ExactLinearGaussian(f, 1, a, indef); !errors.Is(err, ErrBadData) {
		t.Errorf("indefinite Cu: %v", err)
	}
	if v, err := ExactLinearGaussian(f, 2, nil, nil); err != nil || math.Abs(v-7) > 1e-12 {
		t.Errorf("sigma2 I: %v %v, want 7", v, err)
	}
}
