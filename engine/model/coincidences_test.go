package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCoincidencesSymmetric: the weighted coincidence count of an edge is the
// same bit for bit whichever spine is passed first, which lets the CPU event
// pass update an edge from either end without ordering the arguments.
func TestCoincidencesSymmetric(t *testing.T) {
	p := &Params{CNorm: 0.7310586}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		nk, nl := uint8(r.IntN(6)), uint8(r.IntN(6))
		xk := float32(r.Float64()*4) + float32(nk)
		xl := float32(r.Float64()*4) + float32(nl)
		a, b := Coincidences(p, nk, nl, xk, xl), Coincidences(p, nl, nk, xl, xk)
		if math.Float32bits(a) != math.Float32bits(b) {
			t.Fatalf("Coincidences(%d, %d, %g, %g) = %g but swapped %g", nk, nl, xk, xl, a, b)
		}
	}
	// A hand value: one event on each end, traces 1.5 and 1.25 after the step:
	// (1 x 1.25 + 1 x 1.5 - 1) CNorm = 1.75 CNorm.
	if got, want := Coincidences(p, 1, 1, 1.5, 1.25), float32(1.75)*p.CNorm; got != want {
		t.Fatalf("Coincidences(1, 1, 1.5, 1.25) = %g, want %g", got, want)
	}
}
