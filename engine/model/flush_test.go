package model

import (
	"math"
	"testing"
)

func TestFlush32(t *testing.T) {
	minNormal := math.Float32frombits(0x00800000)
	maxSub := math.Float32frombits(0x007fffff)
	negZero := float32(math.Copysign(0, -1))
	for _, c := range []struct{ in, want float32 }{
		{maxSub, 0}, {math.SmallestNonzeroFloat32, 0}, {-maxSub, negZero},
		{minNormal, minNormal}, {-minNormal, -minNormal}, {0, 0}, {negZero, negZero},
		{1, 1}, {float32(math.Inf(1)), float32(math.Inf(1))},
	} {
		if got := Flush32(c.in); math.Float32bits(got) != math.Float32bits(c.want) {
			t.Errorf("Flush32(%g) = %g (bits %08x), want %g (bits %08x)", c.in, got, math.Float32bits(got), c.want, math.Float32bits(c.want))
		}
	}
	nan := float32(math.NaN())
	if got := Flush32(nan); got == got {
		t.Errorf("Flush32(NaN) = %g", got)
	}
}
