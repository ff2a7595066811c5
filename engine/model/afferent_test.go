package model

import (
	"math"
	"testing"

	"github.com/iplgpu/iplgpu/engine/rng"
)

// The counts of the time-rescaled draws are Poisson(mu) and independent from
// step to step: for each mean, one spine's chain of steps gives the mean and
// variance of the count (both mu), P(n = 0) = exp(-mu), and a lag-1
// correlation of 0, each within 5 standard errors of the chain's length
// (false alarm below 1e-6 per check). A mean that changes every step (as the
// frames make it) must keep the law: the last case alternates two means.
func TestAfferentCountsArePoisson(t *testing.T) {
	key := [2]uint32{0x1234, 0x5678}
	const steps = 200000
	for _, c := range []struct {
		name   string
		mu     [2]float32
		spines int
	}{
		{"rare", [2]float32{0.02, 0.02}, 3},
		{"default peak", [2]float32{0.27, 0.27}, 3},
		{"several per step", [2]float32{2.5, 2.5}, 2},
		{"alternating", [2]float32{0.05, 0.6}, 3},
	} {
		for k := 0; k < c.spines; k++ {
			z := AfferentStart(key, k)
			var sum, sum2, zeros, lag float64
			var muSum, muVar, p0 float64
			prev := 0.0
			for s := 0; s < steps; s++ {
				mu := c.mu[s&1]
				var n int
				n, z = AfferentEvents(key, k, uint64(s), AfferentGrowth(mu), z)
				if !(z > 0 && z < 1) {
					t.Fatalf("%s: spine %d step %d: residual %v outside (0, 1)", c.name, k, s, z)
				}
				x := float64(n)
				sum += x
				sum2 += x * x
				if n == 0 {
					zeros++
				}
				lag += (x - float64(mu)) * (prev - float64(c.mu[(s+1)&1]))
				prev = x
				muSum += float64(mu)
				muVar += float64(mu)
				p0 += math.Exp(-float64(mu))
			}
			mean := sum / steps
			wantMean := muSum / steps
			seMean := math.Sqrt(muVar) / steps
			if math.Abs(mean-wantMean) > 5*seMean {
				t.Errorf("%s spine %d: mean count %.5f, want %.5f ± %.5f", c.name, k, mean, wantMean, 5*seMean)
			}
			// Variance of a Poisson(mu) count is mu; its sample estimate has
			// variance (mu + 2 mu^2) / steps.
			if c.mu[0] == c.mu[1] {
				mu := float64(c.mu[0])
				v := sum2/steps - mean*mean
				se := math.Sqrt((mu + 2*mu*mu) / steps)
				if math.Abs(v-mu) > 5*se {
					t.Errorf("%s spine %d: variance %.5f, want %.5f ± %.5f", c.name, k, v, mu, 5*se)
				}
			}
			wantP0 := p0 / steps
			if se := math.Sqrt(wantP0 * (1 - wantP0) / steps); math.Abs(zeros/steps-wantP0) > 5*se {
				t.Errorf("%s spine %d: P(no event) %.5f, want %.5f ± %.5f", c.name, k, zeros/steps, wantP0, 5*se)
			}
			// Covariance of consecutive counts around their means: 0, with
			// standard error sqrt(mu_a mu_b / steps).
			cov := lag / steps
			if se := math.Sqrt(float64(c.mu[0]*c.mu[1]) / steps); math.Abs(cov) > 5*se {
				t.Errorf("%s spine %d: covariance of consecutive counts %.5f, want 0 ± %.5f", c.name, k, cov, 5*se)
			}
		}
	}
}

// One step by hand: residual 0.5, growth 4 makes 2 >= 1, an event, times the
// first uniform of the spine's block; again while the product stays >= 1.
func TestAfferentEventsByHand(t *testing.T) {
	key := [2]uint32{7, 9}
	const k, step = 11, 5
	w := rng.Philox4x32([4]uint32{k, step, 0, uint32(rng.Afferent)}, key)
	z := float32(2)
	n := 0
	for i := 0; z >= 1; i++ {
		z *= float32((w[i]>>8)|1) / (1 << 24)
		n++
	}
	gn, gz := AfferentEvents(key, k, step, 4, 0.5)
	if gn != n || gz != z {
		t.Fatalf("AfferentEvents = %d, %v; by hand %d, %v", gn, gz, n, z)
	}
	if n, z := AfferentEvents(key, k, step, 1.5, 0.5); n != 0 || z != 0.75 {
		t.Fatalf("no event: got %d, %v; want 0, 0.75", n, z)
	}
	// A residual of 1e6 (about 14 events) spans several blocks: events
	// 4j..4j+3 use block j, whose purpose word is Afferent | j << 16.
	zz, want := float32(1e6), 0
	var wj [4]uint32
	for ; zz >= 1; want++ {
		if want%4 == 0 {
			wj = rng.Philox4x32([4]uint32{k, step, 0, uint32(rng.Afferent) + uint32(want/4)*65536}, key)
		}
		zz *= float32((wj[want%4]>>8)|1) / (1 << 24)
	}
	if want < 5 {
		t.Fatalf("the hand count is %d: the case does not reach a second block", want)
	}
	if gn, gz := AfferentCross(key, k, step, 0, 1e6); gn != want || gz != zz {
		t.Fatalf("AfferentCross from 1e6 = %d, %v; by hand %d, %v", gn, gz, want, zz)
	}
	if z0 := AfferentStart(key, k); !(z0 > 0 && z0 < 1) {
		t.Fatalf("first residual %v outside (0, 1)", z0)
	}
}

// The lazy scale of e: after n steps D is EDecayPerStep^n rounded step by
// step, and it asks for a fold exactly when it falls below the floor.
func TestEScale(t *testing.T) {
	p := &Params{EDecayPerStep: 0.5}
	s := NewEScale()
	for n := 1; n <= 70; n++ {
		fold := s.Step(p)
		want := float32(math.Ldexp(1, -n))
		if s.D != want || s.Inv != 1/want {
			t.Fatalf("step %d: D %v, Inv %v; want %v, %v", n, s.D, s.Inv, want, 1/want)
		}
		if fold != (n > 64) {
			t.Fatalf("step %d: fold %v", n, fold)
		}
		if fold {
			s.Reset()
			if s.D != 1 || s.Inv != 1 {
				t.Fatal("Reset does not return to 1")
			}
			break
		}
	}
	s = EScale{D: 0.25, Inv: 4}
	if f := s.End(SegmentDecay{ITI: true, E: 0.5}); f != 0.125 {
		t.Fatalf("End with an ITI = %v, want 0.125", f)
	}
	if f := s.End(SegmentDecay{E: 0.5}); f != 0.25 {
		t.Fatalf("End without an ITI = %v, want 0.25", f)
	}
}
