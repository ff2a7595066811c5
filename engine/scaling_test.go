package engine_test

import (
	"math"
	"slices"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
)

func TestScalingSizes(t *testing.T) {
	for _, tc := range []struct {
		lo, hi, perDecade int
		want              []int
	}{
		{1000, 1000000, 3, []int{1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1000000}},
		{1500, 60000, 3, []int{2000, 5000, 10000, 20000, 50000}},
		{1000, 10000, 1, []int{1000, 10000}},
		{1000, 10000, 2, []int{1000, 3200, 10000}},
		{100, 1000, 4, []int{100, 180, 320, 560, 1000}},
		{2, 9, 3, []int{2, 5}},
		{3000, 4000, 3, nil},
	} {
		if got := engine.ScalingSizes(tc.lo, tc.hi, tc.perDecade); !slices.Equal(got, tc.want) {
			t.Errorf("ScalingSizes(%d, %d, %d) = %v, want %v", tc.lo, tc.hi, tc.perDecade, got, tc.want)
		}
	}
}

// The slope of an exact power law is its exponent; points that are not
// positive are left out; one distinct x gives NaN.
func TestLogLogSlope(t *testing.T) {
	x := []float64{1000, 2000, 5000, 10000, 20000}
	for _, b := range []float64{1, 2, 1.37} {
		y := make([]float64, len(x))
		for i := range x {
			y[i] = 3e-7 * math.Pow(x[i], b)
		}
		y = append(y, 0)
		if got := engine.LogLogSlope(append(x, 50000), y); math.Abs(got-b) > 1e-12 {
			t.Errorf("slope of x^%g = %v", b, got)
		}
	}
	if got := engine.LogLogSlope([]float64{5, 5}, []float64{1, 2}); !math.IsNaN(got) {
		t.Errorf("one distinct x: slope %v, want NaN", got)
	}
}
