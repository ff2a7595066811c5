package rng

import (
	"math"
	"testing"
)

// Known-answer vectors of Random123 (kat_vectors, "philox4x32 10" lines):
// counter (4 words), key (2 words), expected output (4 words).
func TestPhiloxKnownAnswers(t *testing.T) {
	cases := []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff}, [4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0}, [4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	}
	for _, c := range cases {
		if got := Philox4x32(c.ctr, c.key); got != c.want {
			t.Errorf("Philox4x32(%08x, %08x) = %08x, want %08x", c.ctr, c.key, got, c.want)
		}
	}
}

func TestStreamsDiffer(t *testing.T) {
	s := New(42)
	a := s.Block(Afferent, 7, 3)
	if a == s.Block(Spikes, 7, 3) || a == s.Block(Afferent, 8, 3) || a == s.Block(Afferent, 7, 4) || a == New(43).Block(Afferent, 7, 3) {
		t.Fatal("streams for different purpose, step, element or seed coincide")
	}
	if a != New(42).Block(Afferent, 7, 3) {
		t.Fatal("same counter and key gave different words")
	}
}

// The float conversions must have the right moments over many draws.
func TestDistributions(t *testing.T) {
	s := New(1)
	const n = 200000
	var sumU, sumZ, sumZ2, sumP float64
	const lambda = 0.7
	for i := 0; i < n; i++ {
		w := s.Block(Synthetic, 0, uint32(i))
		u := Uniform01(w[0])
		if u < 0 || u >= 1 {
			t.Fatalf("Uniform01 out of range: %v", u)
		}
		sumU += float64(u)
		z := float64(Normal(w[1], w[2]))
		sumZ += z
		sumZ2 += z * z
		sumP += float64(Poisson(lambda, Uniform01(w[3])))
	}
	// Tolerances: 5 standard errors of each mean.
	if m := sumU / n; math.Abs(m-0.5) > 5*math.Sqrt(1.0/12/n) {
		t.Errorf("uniform mean %v", m)
	}
	if m := sumZ / n; math.Abs(m) > 5/math.Sqrt(n) {
		t.Errorf("normal mean %v", m)
	}
	if v := sumZ2 / n; math.Abs(v-1) > 5*math.Sqrt(2.0/n) {
		t.Errorf("normal variance %v", v)
	}
	if m := sumP / n; math.Abs(m-lambda) > 5*math.Sqrt(lambda/n) {
		t.Errorf("poisson mean %v, want %v", m, lambda)
	}
	if Poisson(0, 0.99) != 0 || Poisson(-1, 0.5) != 0 {
		t.Error("Poisson of a non-positive rate must be 0")
	}
}

// BenchmarkPhilox4x32: one block, as the backends draw one per neuron and step
// (background, spikes) and one per afferent event (up to four events).
func BenchmarkPhilox4x32(b *testing.B) {
	key := [2]uint32{0x12345678, 0x9abcdef0}
	var acc uint32
	for i := range b.N {
		w := Philox4x32([4]uint32{uint32(i), 7, 0, uint32(Afferent)}, key)
		acc ^= w[0] ^ w[3]
	}
	if acc == 1 {
		b.Log(acc)
	}
}

// UniformExcl never reaches 0 or 1, and its values are the odd multiples of
// 2^-24, exactly (so GLSL's rngUniformExcl computes the same float).
func TestUniformExcl(t *testing.T) {
	for _, c := range []struct {
		x    uint32
		want float32
	}{
		{0, 1.0 / (1 << 24)},
		{0xFF, 1.0 / (1 << 24)},
		{0x100, 1.0 / (1 << 24)},
		{0x200, 3.0 / (1 << 24)},
		{0xFFFFFFFF, float32((1<<24)-1) / (1 << 24)},
	} {
		if got := UniformExcl(c.x); got != c.want {
			t.Errorf("UniformExcl(%#x) = %v, want %v", c.x, got, c.want)
		}
	}
	for x := uint32(0); x < 1<<20; x += 97 {
		u := UniformExcl(x * 4099)
		if !(u > 0 && u < 1) {
			t.Fatalf("UniformExcl(%#x) = %v, outside (0, 1)", x*4099, u)
		}
		if m := float64(u) * (1 << 24); m != math.Floor(m) || int64(m)%2 != 1 {
			t.Fatalf("UniformExcl(%#x) = %v is not an odd multiple of 2^-24", x*4099, u)
		}
	}
}
