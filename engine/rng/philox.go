// Package rng is the one random-number generator of iplgpu: Philox4x32-10
// (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as easy as 1, 2, 3").
//
// It is counter-based: a draw is a pure function of (key, counter), so no state is
// stored per spine and the CPU and GPU backends draw the same numbers for the same
// event. The key is the run seed; the counter is (element, step low, step high,
// purpose). shaders/common.glsl holds the identical GLSL version, and the
// conversions to floats below are mirrored there bit for bit.
package rng

import (
	"math"
	"math/bits"
)

// Philox constants from Random123.
const (
	mulA   = 0xD2511F53
	mulB   = 0xCD9E8D57
	weylA  = 0x9E3779B9
	weylB  = 0xBB67AE85
	rounds = 10
)

// Purpose separates the streams of different random decisions at the same step
// and element; it is the fourth counter word.
type Purpose uint32

// The streams of the model. Adding one is safe; renumbering changes every run.
const (
	Afferent    Purpose = 1  // spine afferent events: element = spine, the 4j..4j+3-th event of a step in block j (purpose word Afferent | j<<16)
	AfferentZ0  Purpose = 16 // a spine's first afferent residual, element = spine, step 0
	Background  Purpose = 2  // neuron OU background noise, element = neuron
	Spikes      Purpose = 3  // neuron Poisson spikes, element = neuron
	Frames      Purpose = 4  // stimulus frames, step = trial, element = frame
	Trials      Purpose = 5  // trial order and coherence signs, step = block
	Somata      Purpose = 10 // soma positions, element = neuron
	Tuning      Purpose = 11 // preferred orientations
	SpinePos    Purpose = 12 // spine offsets, element = spine
	SpineTune   Purpose = 13 // spine tuning jitter, element = spine
	Subsets     Purpose = 20 // analysis: random neuron subsets
	Synthetic   Purpose = 21 // test data
	Bootstrap   Purpose = 22 // analysis: trials drawn with replacement, step = replicate, element = trial slot
	BootSubsets Purpose = 23 // analysis: the neuron subsets of a bootstrap replicate
	MapPhases   Purpose = 14 // orientation-map plane waves
	ITI         Purpose = 6  // analytic inter-trial background draw, element = neuron
	Homeostasis Purpose = 7  // reserved
	Belief      Purpose = 9  // feedback belief OU (host): step = global step, element 0
	Frozen      Purpose = 15 // frozen-noise frame sequences: step = block, element = sequence x frames + frame
	SharedGain  Purpose = 8  // shared gain OU (host): element 0 per step, 1 for an analytic ITI, 2 (step 0) for the initial z
)

// AfferentBlockShift places the block index j of a spine's afferent draws in
// one step (events 4j..4j+3) in the purpose word: Afferent | j<<AfferentBlockShift.
const AfferentBlockShift = 16

// Philox4x32 runs the 10-round Philox4x32 bijection on ctr with key.
func Philox4x32(ctr [4]uint32, key [2]uint32) [4]uint32 {
	c0, c1, c2, c3 := ctr[0], ctr[1], ctr[2], ctr[3]
	k0, k1 := key[0], key[1]
	for r := 0; r < rounds; r++ {
		hi0, lo0 := bits.Mul32(mulA, c0)
		hi1, lo1 := bits.Mul32(mulB, c2)
		c0, c1, c2, c3 = hi1^c1^k0, lo1, hi0^c3^k1, lo0
		k0 += weylA
		k1 += weylB
	}
	return [4]uint32{c0, c1, c2, c3}
}

// Stream is a keyed generator: the run seed split into the Philox key.
type Stream struct {
	key [2]uint32
}

// New returns the stream of a run seed.
func New(seed uint64) Stream {
	return Stream{key: [2]uint32{uint32(seed), uint32(seed >> 32)}}
}

// Key returns the Philox key (for upload to the GPU).
func (s Stream) Key() [2]uint32 { return s.key }

// Block returns the four 32-bit words for (purpose, step, element).
func (s Stream) Block(p Purpose, step uint64, element uint32) [4]uint32 {
	return Philox4x32([4]uint32{element, uint32(step), uint32(step >> 32), uint32(p)}, s.key)
}

// Uniform01 maps a word to [0, 1) with 24 bits: exact in float32, identical in GLSL.
func Uniform01(x uint32) float32 {
	return float32(x>>8) * (1.0 / 16777216.0)
}

// UniformOpen maps a word to (0, 1): never 0, so its logarithm is finite.
func UniformOpen(x uint32) float32 {
	return (float32(x>>8) + 0.5) * (1.0 / 16777216.0)
}

// UniformExcl maps a word to (0, 1) with both ends excluded: the odd multiples
// of 2^-24, exact in float32 (so identical in GLSL); a product of residuals
// with it always falls.
func UniformExcl(x uint32) float32 {
	return float32((x>>8)|1) * (1.0 / 16777216.0)
}

// Normal returns a standard normal deviate from two words by Box-Muller, in float32
// as the GLSL version computes it.
func Normal(x, y uint32) float32 {
	u1 := UniformOpen(x)
	u2 := Uniform01(y)
	r := float32(math.Sqrt(float64(-2 * float32(math.Log(float64(u1))))))
	return r * float32(math.Cos(float64(2*math.Pi*u2)))
}

// PoissonMax caps the inversion loop; a count that large in one step means a rate
// far outside the model's range (kHz at dt = 10 ms).
const PoissonMax = 64

// PoissonLambdaMax clamps the mean of one draw: exp(-lambda) stays a normal
// float32 (no device flushes it to zero) and the loop cap is far in the tail.
const PoissonLambdaMax = 32

// Poisson returns a Poisson(lambda) count from one uniform u in [0,1) by inversion
// of the cumulative distribution, in float32 as the GLSL version computes it.
// lambda is clamped to PoissonLambdaMax.
func Poisson(lambda, u float32) int {
	if !(lambda > 0) {
		return 0
	}
	lambda = min(lambda, PoissonLambdaMax)
	return PoissonExp(lambda, float32(math.Exp(float64(-lambda))), u)
}

// PoissonExp is Poisson with exp(-lambda) given (expNeg, computed once where
// lambda is reused over many draws), for 0 < lambda <= PoissonLambdaMax; it
// returns 0 for lambda <= 0.
func PoissonExp(lambda, expNeg, u float32) int {
	if !(lambda > 0) {
		return 0
	}
	p := expNeg
	f := p
	k := 0
	for u >= f && k < PoissonMax {
		k++
		p *= lambda / float32(k)
		f += p
		if p == 0 {
			break
		}
	}
	return k
}

// Float64 returns a uniform float64 in [0,1) from two words (53 bits), for host-side
// construction where float32 resolution is not enough.
func Float64(hi, lo uint32) float64 {
	v := (uint64(hi)<<32 | uint64(lo)) >> 11
	return float64(v) * (1.0 / (1 << 53))
}

// NormalF64 returns a standard normal float64 from four words (Box-Muller, 53-bit).
func NormalF64(w [4]uint32) float64 {
	u1 := Float64(w[0], w[1])
	u2 := Float64(w[2], w[3])
	return math.Sqrt(-2*math.Log(1-u1)) * math.Cos(2*math.Pi*u2)
}
