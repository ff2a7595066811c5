package fisher

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// twoConditions returns T x n random counts in [0, 9] for + and -, the +
// ones larger by 1 on average.
func twoConditions(T, n int) (*mat.Dense, *mat.Dense) {
	r := rand.New(rand.NewPCG(3, 4))
	p, m := mat.NewDense(T, n, nil), mat.NewDense(T, n, nil)
	for t := range T {
		for i := range n {
			p.Set(t, i, float64(r.IntN(9)+1))
			m.Set(t, i, float64(r.IntN(9)))
		}
	}
	return p, m
}

// Subsets whose estimates would not fit in memory are refused before
// anything is allocated (issue 14 item 6: 2e9 subsets asked for a 208 GB
// block); a cancelled context stops the subsets with its error.
func TestSubsetsLimits(t *testing.T) {
	p, m := twoConditions(40, 12)
	s, err := NewStats(p, m, nil, 0.6, true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Subsets(SubsetSpec{Size: 5, Count: 1 << 40, Seed: 1}, nil)
	if !errors.Is(err, ErrBadData) || !strings.Contains(err.Error(), "subsets need") || !strings.Contains(err.Error(), "TiB") {
		t.Fatalf("2^40 subsets: %v", err)
	}
	if b := SubsetsBytes(2e9); b < 2e9*100 || b > 2e9*200 {
		t.Errorf("SubsetsBytes(2e9) = %d", b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.SubsetsContext(ctx, SubsetSpec{Size: 5, Count: 1000, Seed: 1}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if _, err := s.AnalyseContext(ctx, EstimateOptions{Subsets: SubsetSpec{Size: 5, Count: 10, Seed: 1}}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Analyse: %v", err)
	}
	if _, err := s.SubsetsContext(context.Background(), SubsetSpec{Size: 5, Count: 10, Seed: 1}, nil); err != nil {
		t.Fatal(err)
	}
}

// A ds whose 1/ds^2 overflows, values whose squares overflow and an f' that
// overflows are refused, instead of infinite estimates or "zero variance"
// (issue 14 item 6).
func TestOverflowsRefused(t *testing.T) {
	p, m := twoConditions(40, 3)
	if _, err := NewStats(p, m, nil, 1e-320, true); !errors.Is(err, ErrBadData) || !strings.Contains(err.Error(), "too small") {
		t.Errorf("ds 1e-320: %v", err)
	}
	if err := CheckDS(MinDS); err != nil {
		t.Errorf("ds %g: %v", MinDS, err)
	}
	big := mat.DenseCopyOf(p)
	big.Set(4, 1, 1e308)
	if _, err := NewStats(big, m, nil, 1, true); !errors.Is(err, ErrBadData) || !strings.Contains(err.Error(), "plus trial 4 neuron 1 is 1e+308") {
		t.Errorf("1e308: %v", err)
	}
	// The largest values allowed still give finite estimates.
	lim := math.Sqrt(math.MaxFloat64/float64(4*40)) / 4
	scaled := mat.DenseCopyOf(p)
	scaled.Scale(lim/9, p) // counts are at most 9 here
	sm := mat.DenseCopyOf(m)
	sm.Scale(lim/9, m)
	s, err := NewStats(scaled, sm, nil, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.Estimate()
	if err != nil || math.IsInf(e.Real, 0) || math.IsNaN(e.Real) || len(s.Active()) != 3 {
		t.Errorf("values up to the limit: %+v, %v, active %v", e, err, s.Active())
	}
	// f' = difference / ds overflows with ds = 1e-150 and differences of 1e200.
	hp, hm := mat.DenseCopyOf(p), mat.DenseCopyOf(m)
	hp.Scale(1e200, p)
	hm.Scale(1e200, m)
	if _, err := NewStats(hp, hm, nil, 1e-150, true); !errors.Is(err, ErrBadData) || !strings.Contains(err.Error(), "overflows") {
		t.Errorf("f' overflow: %v", err)
	}
	// f'^T C^-1 f' overflows although f' does not: responses differing by 1
	// between the conditions with a noise of 1e-11 around that, ds = 1e-150.
	hp.Scale(1e-11, p)
	hm.Scale(1e-11, m)
	hp.Apply(func(_, _ int, v float64) float64 { return v + 1 }, hp)
	s, err = NewStats(hp, hm, nil, 1e-150, true)
	if err == nil {
		_, err = s.Estimate()
	}
	if !errors.Is(err, ErrBadData) || !strings.Contains(err.Error(), "overflows") {
		t.Errorf("information overflow: %v", err)
	}
}
