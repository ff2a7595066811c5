package fisher_test

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/fisher"
)

// Two neurons with f' = (1, 1), private noise variance 1 and one shared source
// loading both: C = [[2, 1], [1, 2]], so I = f'^T C^-1 f' = 2/3, less than the
// 1 the neurons would carry with independent noise of the same variances.
func ExampleExactLinearGaussian() {
	a := mat.NewDense(2, 1, []float64{1, 1})
	i, err := fisher.ExactLinearGaussian([]float64{1, 1}, 1, a, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("I = %.4f\n", i)
	// Output: I = 0.6667
}

// Two coherence levels' I_real and variances, combined by inverse-variance
// weights.
func ExampleCombine() {
	mean, variance, err := fisher.Combine([]float64{10, 20}, []float64{1, 4})
	if err != nil {
		panic(err)
	}
	fmt.Printf("I = %.2f, var %.2f\n", mean, variance)
	// Output: I = 12.00, var 0.80
}

// The corrections for N = 20 neurons and T = 40 trials per condition at
// coherence +-0.3 (ds = 0.6): a naive 30 is 19.15 once corrected, give or take 5.4.
func ExampleDesign() {
	d := fisher.Design{N: 20, TPlus: 40, TMinus: 40, DF: 78, DS: 0.6}
	i := d.CorrectReal(30)
	fmt.Printf("I_real %.2f, sd %.2f\n", i, math.Sqrt(d.RealVariance(i)))
	// Output: I_real 19.15, sd 5.41
}
