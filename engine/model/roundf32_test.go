package model

import (
	"math"
	"testing"

	"github.com/iplgpu/iplgpu/engine/rng"
)

// float32s returns n float32 values spread over [lo, hi]: uniform ones, and
// ones uniform in the exponent (so small magnitudes are as common as large).
func float32s(n int, lo, hi float64) []float32 {
	st := rng.New(7)
	out := make([]float32, 0, n)
	for i := 0; len(out) < n; i++ {
		w := st.Block(rng.Synthetic, 32, uint32(i))
		out = append(out, float32(lo+(hi-lo)*rng.Float64(w[0], w[1])))
		m := math.Max(math.Abs(lo), math.Abs(hi))
		v := m * math.Exp2(-40*rng.Float64(w[2], w[3]))
		if w[3]&1 == 1 {
			v = -v
		}
		if v >= lo && v <= hi {
			out = append(out, float32(v))
		}
	}
	return out
}

// Exp32 equals float32(math.Exp(float64(x))) bit for bit: on random
// arguments over the whole float32 range of exp, on every float32 in a few
// dense stretches, and at the edges (NaN, infinities, over- and underflow).
func TestExp32(t *testing.T) {
	n := 2_000_000
	if testing.Short() {
		n = 200_000
	}
	xs := float32s(n, -110, 95)
	for _, x := range []float32{0, -0, 1, -1, 88, -87, 87.9, -86.9, 89, -104, -150, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())} {
		xs = append(xs, x)
	}
	for _, lo := range []float32{-0.3, -6, 0.2} { // 2^20 consecutive float32s from each
		x := lo
		for range 1 << 20 {
			xs = append(xs, x)
			x = math.Nextafter32(x, 100)
		}
	}
	for _, x := range xs {
		want, got := float32(math.Exp(float64(x))), Exp32(x)
		if math.Float32bits(want) != math.Float32bits(got) && !(want != want && got != got) {
			t.Fatalf("Exp32(%v (%#08x)) = %v, math gives %v", x, math.Float32bits(x), got, want)
		}
	}
}

// Cos32 equals float32(math.Cos(float64(x))) bit for bit, on random
// arguments, on every float32 near the zeros of the cosine up to 4 pi, and at
// the edges.
func TestCos32(t *testing.T) {
	n := 2_000_000
	if testing.Short() {
		n = 200_000
	}
	xs := float32s(n, -4*math.Pi, 4*math.Pi)
	xs = append(xs, float32s(n/10, -1e6, 1e6)...)
	for _, x := range []float32{0, 1, -1, 1e5, -1e5, 3e7, float32(math.Inf(1)), float32(math.NaN())} {
		xs = append(xs, x)
	}
	for z := 1; z <= 8; z++ { // the 2^16 float32s around each zero (2z-1) pi/2
		x := float32((2*float64(z) - 1) * math.Pi / 2)
		for range 1 << 15 {
			x = math.Nextafter32(x, 0)
		}
		for range 1 << 16 {
			xs = append(xs, x, -x)
			x = math.Nextafter32(x, 100)
		}
	}
	for _, x := range xs {
		want, got := float32(math.Cos(float64(x))), Cos32(x)
		if math.Float32bits(want) != math.Float32bits(got) && !(want != want && got != got) {
			t.Fatalf("Cos32(%v (%#08x)) = %v, math gives %v", x, math.Float32bits(x), got, want)
		}
	}
}

// BenchmarkExp32 and BenchmarkCos32 against the math package's rounded
// results they replace.
func BenchmarkExp32(b *testing.B) {
	xs := float32s(4096, -10, 0)
	var s float32
	b.Run("Exp32", func(b *testing.B) {
		for i := range b.N {
			s += Exp32(xs[i&4095])
		}
	})
	b.Run("math", func(b *testing.B) {
		for i := range b.N {
			s += float32(math.Exp(float64(xs[i&4095])))
		}
	})
	b.Run("Cos32", func(b *testing.B) {
		for i := range b.N {
			s += Cos32(xs[i&4095])
		}
	})
	b.Run("mathCos", func(b *testing.B) {
		for i := range b.N {
			s += float32(math.Cos(float64(xs[i&4095])))
		}
	})
	_ = s
}
