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

// Each series is fitted over its sizes from fitMin up, or over all when fewer
// than two reach it.
func TestFitScaling(t *testing.T) {
	var rows []engine.ScalingRow
	for _, n := range []int{1000, 2000, 5000, 10000, 20000} {
		// The IPL step: a fixed cost that dominates small N, then linear.
		rows = append(rows, engine.ScalingRow{Kind: engine.KindIPL, Backend: "gl", Neurons: n, SecPerStep: 1e-3 + func() float64 {
			if n >= 5000 {
				return 1e-6 * float64(n)
			}
			return 0
		}()})
		if n <= 2000 {
			rows = append(rows, engine.ScalingRow{Kind: engine.KindDense, Backend: "gl", Neurons: n, SecPerStep: 1e-9 * float64(n) * float64(n)})
		}
	}
	fits := engine.FitScaling(rows, 5000)
	if len(fits) != 2 || fits[0].Kind != engine.KindIPL || fits[1].Kind != engine.KindDense {
		t.Fatalf("fits %+v", fits)
	}
	// 1e-3 + 1e-6 N over 5000..20000 is not a pure power law; its slope is
	// that of the three points, computed here by hand from their logs.
	lx := []float64{math.Log(5000), math.Log(10000), math.Log(20000)}
	ly := []float64{math.Log(6e-3), math.Log(11e-3), math.Log(21e-3)}
	mx, my := (lx[0]+lx[1]+lx[2])/3, (ly[0]+ly[1]+ly[2])/3
	var sxy, sxx float64
	for i := range lx {
		sxy += (lx[i] - mx) * (ly[i] - my)
		sxx += (lx[i] - mx) * (lx[i] - mx)
	}
	if f := fits[0]; math.Abs(f.Slope-sxy/sxx) > 1e-12 || f.FromN != 5000 || f.ToN != 20000 || f.Points != 3 {
		t.Errorf("IPL fit %+v, want slope %v over 5000..20000 (3 points)", f, sxy/sxx)
	}
	if f := fits[1]; math.Abs(f.Slope-2) > 1e-12 || f.FromN != 1000 || f.Points != 2 {
		t.Errorf("dense fit %+v, want slope 2 over both sizes", f)
	}
}
