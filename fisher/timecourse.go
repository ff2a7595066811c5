package fisher

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/recording"
)

// Responses is the trials x bins x neurons array of a recording (package
// recording); the alias keeps the estimators' signatures.
type Responses = recording.Responses

// BinRange is the half-open range of bins [Start, End) (package recording).
type BinRange = recording.BinRange

// NewResponses wraps data of shape (trials, bins, neurons): recording.NewResponses.
func NewResponses(shape []int, data any) (Responses, error) {
	return recording.NewResponses(shape, data)
}

// Windows returns the windows of width consecutive bins starting every step bins
// within bins: step = width gives non-overlapping windows (width 1: single bins;
// width 4 of 50 ms bins: 200 ms), step 1 a sliding window. A last window that
// would run past bins is dropped.
func Windows(bins, width, step int) []BinRange {
	if width < 1 || step < 1 {
		panic(fmt.Sprintf("fisher: Windows: width %d and step %d must be positive", width, step))
	}
	var ws []BinRange
	for s := 0; s+width <= bins; s += step {
		ws = append(ws, BinRange{Start: s, End: s + width})
	}
	return ws
}

// Cumulative returns the windows [0, step), [0, 2 step), ..., ending with
// [0, bins) even when bins is not a multiple of step.
func Cumulative(bins, step int) []BinRange {
	if step < 1 {
		panic(fmt.Sprintf("fisher: Cumulative: step %d must be positive", step))
	}
	var ws []BinRange
	for e := step; e < bins; e += step {
		ws = append(ws, BinRange{Start: 0, End: e})
	}
	if bins > 0 {
		ws = append(ws, BinRange{Start: 0, End: bins})
	}
	return ws
}

// Conditions are the trials (rows of the responses) of each condition: the
// stimuli +ds/2 and -ds/2, and zero (nil for the pooled covariance).
type Conditions struct {
	Plus, Minus, Zero []int
}

// TimeCourse analyses each window: the responses of trials tr.Plus, tr.Minus
// (and tr.Zero) summed over the window's bins, as Analyse does. The result's
// Window says which bins.
func TimeCourse(r Responses, tr Conditions, ds float64, windows []BinRange, opt EstimateOptions) ([]Result, error) {
	plus, minus, zero := tr.Plus, tr.Minus, tr.Zero
	if len(plus) < 2 || len(minus) < 2 || (zero != nil && len(zero) < 2) {
		return nil, fmt.Errorf("%w: %d plus, %d minus and %d zero trials; each condition needs at least 2 (and more than N + 4 for N neurons)", ErrTooFewTrials, len(plus), len(minus), len(zero))
	}
	out := make([]Result, 0, len(windows))
	var bp, bm, bz *mat.Dense
	for _, w := range windows {
		bp = r.Sum(bp, plus, w)
		bm = r.Sum(bm, minus, w)
		var z *mat.Dense
		if zero != nil {
			bz = r.Sum(bz, zero, w)
			z = bz
		}
		res, err := Analyse(bp, bm, z, ds, opt)
		if err != nil {
			return out, fmt.Errorf("bins %v: %w", w, err)
		}
		res.Window = w
		out = append(out, res)
	}
	return out, nil
}
