package cpu

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/iplgpu/iplgpu/engine"
)

// DenseCouplingStep implements engine.DenseCoupler: y = W x with a dense
// row-major n x n float32 W, by gonum's Sgemv (assembly dot products) on
// blocks of rows, one per worker, so the baseline uses the same cores as the
// backend's step. It returns the time of the fastest of reps products. It
// allocates 4 n^2 bytes; the caller checks that they fit.
func (c *Backend) DenseCouplingStep(n, reps int) (float64, error) {
	if n < 1 || reps < 1 {
		panic(fmt.Sprintf("cpu: DenseCouplingStep(n=%d, reps=%d)", n, reps))
	}
	w := make([]float32, n*n)
	x, y := make([]float32, n), make([]float32, n)
	c.parallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := w[i*n : (i+1)*n]
			for j := range row {
				row[j] = engine.DenseEntry(i, j, n)
			}
		}
	})
	for j := range x {
		x[j] = 1 + float32(j%7)/8
	}
	product := func() {
		c.parallel(n, func(lo, hi int) {
			a := blas32.General{Rows: hi - lo, Cols: n, Stride: n, Data: w[lo*n : hi*n]}
			blas32.Gemv(blas.NoTrans, 1, a, blas32.Vector{N: n, Inc: 1, Data: x}, 0, blas32.Vector{N: hi - lo, Inc: 1, Data: y[lo:hi]})
		})
	}
	product() // warm-up: pages, caches
	sec := math.Inf(1)
	for range reps {
		t0 := time.Now()
		product()
		sec = min(sec, time.Since(t0).Seconds())
	}
	for _, i := range []int{0, n / 2, n - 1} {
		want := 0.0
		for j := range n {
			want += float64(engine.DenseEntry(i, j, n)) * float64(x[j])
		}
		if d := math.Abs(float64(y[i]) - want); d > 1e-3*want {
			return 0, fmt.Errorf("cpu: dense baseline row %d: y = %v, float64 gives %v", i, y[i], want)
		}
	}
	return sec, nil
}
