package fisher

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// ExactLinearGaussian returns the Fisher information f'^T C^-1 f' of the
// linear-Gaussian model r = f(s) + eps + A u, eps ~ N(0, sigma2 I), u ~ N(0, Cu),
// whose covariance is C = sigma2 I + A Cu A^T: the ground truth the estimators are
// tested against. A is N x k (nil: no shared noise); Cu is k x k positive
// semi-definite (nil: the identity).
//
// When A has fewer columns than rows and sigma2 > 0 it uses the Woodbury identity:
// with Cu = V L V^T and B = A V L^(1/2), C = sigma2 I + B B^T and
//
//	f'^T C^-1 f' = (|f'|^2 - (B^T f')^T (sigma2 I_k + B^T B)^-1 (B^T f')) / sigma2,
//
// costing O(N k^2) instead of O(N^3); otherwise it solves with C directly.
func ExactLinearGaussian(fprime []float64, sigma2 float64, A *mat.Dense, Cu *mat.SymDense) (float64, error) {
	n := len(fprime)
	k := 0
	if A != nil {
		var r int
		r, k = A.Dims()
		if r != n {
			panic(fmt.Sprintf("fisher: ExactLinearGaussian: A has %d rows for %d neurons", r, n))
		}
		if Cu != nil && Cu.SymmetricDim() != k {
			panic(fmt.Sprintf("fisher: ExactLinearGaussian: Cu is %d x %d for A with %d columns", Cu.SymmetricDim(), Cu.SymmetricDim(), k))
		}
	}
	if math.IsNaN(sigma2) || sigma2 < 0 {
		return math.NaN(), fmt.Errorf("%w: sigma2 = %v; the private noise variance must be >= 0", ErrBadData, sigma2)
	}
	f := mat.NewVecDense(n, fprime)
	if k == 0 {
		if !(sigma2 > 0) {
			return math.NaN(), fmt.Errorf("%w: C = sigma2 I with sigma2 = 0", ErrSingular)
		}
		return mat.Dot(f, f) / sigma2, nil
	}
	if k < n && sigma2 > 0 {
		return woodbury(f, sigma2, A, Cu)
	}
	// Dense: C = sigma2 I + A Cu A^T.
	var acu mat.Dense
	if Cu != nil {
		acu.Mul(A, Cu)
	} else {
		acu.CloneFrom(A)
	}
	var prod mat.Dense
	prod.Mul(&acu, A.T())
	c := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			v := 0.5 * (prod.At(i, j) + prod.At(j, i))
			if i == j {
				v += sigma2
			}
			c.SetSym(i, j, v)
		}
	}
	return solveQuad(c, f)
}

// woodbury evaluates f^T C^-1 f for C = sigma2 I + A Cu A^T with k < N columns.
func woodbury(f *mat.VecDense, sigma2 float64, A *mat.Dense, Cu *mat.SymDense) (float64, error) {
	_, k := A.Dims()
	b := A
	if Cu != nil {
		var eig mat.EigenSym
		if !eig.Factorize(Cu, true) {
			return math.NaN(), fmt.Errorf("fisher: eigendecomposition of Cu failed")
		}
		vals := eig.Values(nil)
		var vecs mat.Dense
		eig.VectorsTo(&vecs)
		tol := 1e-12 * max(math.Abs(vals[0]), math.Abs(vals[k-1]))
		for j, l := range vals {
			if l < -tol {
				return math.NaN(), fmt.Errorf("%w: Cu has eigenvalue %v; a covariance must be positive semi-definite", ErrBadData, l)
			}
			s := math.Sqrt(max(l, 0))
			for i := range k {
				vecs.Set(i, j, vecs.At(i, j)*s)
			}
		}
		b = new(mat.Dense)
		b.Mul(A, &vecs)
	}
	// Inner k x k matrix sigma2 I + B^T B and the projection B^T f.
	inner := mat.NewSymDense(k, nil)
	inner.SymOuterK(1, b.T())
	for i := range k {
		inner.SetSym(i, i, inner.At(i, i)+sigma2)
	}
	var bf mat.VecDense
	bf.MulVec(b.T(), f)
	q, err := solveQuad(inner, &bf)
	if err != nil {
		return math.NaN(), err
	}
	return (mat.Dot(f, f) - q) / sigma2, nil
}

// solveQuad returns v^T M^-1 v for a positive definite M.
func solveQuad(m *mat.SymDense, v *mat.VecDense) (float64, error) {
	var chol mat.Cholesky
	if !chol.Factorize(m) {
		return math.NaN(), fmt.Errorf("%w: C is not positive definite", ErrSingular)
	}
	var x mat.VecDense
	if err := chol.SolveVecTo(&x, v); err != nil {
		return math.NaN(), fmt.Errorf("%w: %v", ErrSingular, err)
	}
	return mat.Dot(v, &x), nil
}
