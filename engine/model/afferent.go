package model

import "github.com/iplgpu/iplgpu/engine/rng"

// Afferent events are drawn by time rescaling rather than by a coin per step.
// Each spine k carries a residual z_k = exp(-R_k), where R_k is the integrated
// event rate (hazard) still to pass before its next event; R_k is a unit
// exponential, drawn afresh after every event as -ln u with u uniform in (0, 1).
// A step with mean mu_k = lambda_k dt lowers R_k by mu_k, i.e. multiplies z_k by
// AfferentGrowth(mu_k) = exp(mu_k), and every time z_k reaches 1 an event occurs
// and R_k gains a fresh unit exponential, z_k *= u. Since a unit exponential is
// memoryless, the count of a step is Poisson(mu_k) given the whole past, and the
// counts of different steps are independent: the same law as a Poisson draw per
// step (docs/model.md section 5.1), so P(n_k >= 1) = 1 - exp(-lambda_k dt) as before.
// The work is one multiplication and one comparison per spine and step and one
// Philox draw per event, not per step. Every operation is a float32 product, so
// both backends compute the same z and counts bit for bit (common.glsl:
// afferentEvents).
//
// The uniforms: the 4j+i-th event of spine k in a step uses word i of the
// Philox block (element k, step, Afferent | j<<rng.AfferentBlockShift), mapped by
// rng.UniformExcl; the first residual of spine k uses word 0 of (element k,
// step 0, AfferentZ0).

// AfferentGrowth is exp(mu), the factor by which a step with event mean mu
// multiplies a spine's residual, rounded as both backends round it.
func AfferentGrowth(mu float32) float32 {
	return Exp32(mu)
}

// AfferentStart is the first residual z of spine k: exp(-R) of a unit
// exponential R, i.e. a uniform in (0, 1).
func AfferentStart(key [2]uint32, k int) float32 {
	w := rng.Philox4x32([4]uint32{uint32(k), 0, 0, uint32(rng.AfferentZ0)}, key)
	return rng.UniformExcl(w[0])
}

// AfferentCross counts the events of spine k in the step (stepLo, stepHi) once
// its residual, already multiplied by the step's growth, has reached z >= 1: an
// event, a fresh exponential (z *= u), and again while z >= 1. It returns the
// count and the residual after the step (in (0, 1)). A count reaching
// rng.PoissonMax stops the step there and leaves z >= 1, so the rest fall into
// the next step (far outside the rates Config.Validate allows).
func AfferentCross(key [2]uint32, k int, stepLo, stepHi uint32, z float32) (int, float32) {
	n := 0
	var w [4]uint32
	for z >= 1 && n < rng.PoissonMax {
		if n&3 == 0 {
			w = rng.Philox4x32([4]uint32{uint32(k), stepLo, stepHi, uint32(rng.Afferent) | uint32(n>>2)<<rng.AfferentBlockShift}, key)
		}
		z *= rng.UniformExcl(w[n&3])
		n++
	}
	return n, z
}

// AfferentEvents is one step of spine k's afferent events: the residual z times
// the step's growth exp(mu), then AfferentCross. It returns the count and the
// new residual; the backends inline the common case of no event.
func AfferentEvents(key [2]uint32, k int, step uint64, growth, z float32) (int, float32) {
	z *= growth
	if z < 1 {
		return 0, z
	}
	return AfferentCross(key, k, uint32(step), uint32(step>>32), z)
}

// EScale is the decay of every fast efficacy e inside a segment, applied
// lazily: a backend stores e/D and D is one number for all edges, so a step does
// not rewrite every edge's e (docs/model.md section 6.2: e' = e exp(-dt/tau_e) + ...).
// A step multiplies D by EDecayPerStep; an edge whose e must change (a
// coincidence) is read as stored x D and written back as e x Inv. When D falls
// below EScaleFloor, and at the end of every segment, the backend multiplies
// every stored e by D (Apply) and D returns to 1, so a backend's State (read
// between segments) holds the true e. The host computes D and Inv, so both
// backends use the same rounded factors.
type EScale struct {
	D   float32 // stored e x D = e
	Inv float32 // float32(1 / D)
}

// EScaleFloor is the D below which the backends fold D into the stored e.
// (exp(-dt/tau_e) per step reaches it after 44 tau_e.)
const EScaleFloor = 1.0 / (1 << 64)

// NewEScale is the scale at the start of a segment, D = 1.
func NewEScale() EScale { return EScale{D: 1, Inv: 1} }

// Step advances the scale by one step's decay; it returns true when the
// backend must fold D into the stored e and Reset before the next step.
func (s *EScale) Step(p *Params) bool {
	s.D *= p.EDecayPerStep
	s.Inv = 1 / s.D
	return s.D < EScaleFloor
}

// Reset returns the scale to 1 after the backend folded D into e.
func (s *EScale) Reset() { *s = NewEScale() }

// End is the factor that folds the scale into the stored e at the end of a
// segment: D, times the inter-trial decay of e when the segment ends with an
// analytic inter-trial interval. A backend multiplies every stored e by it
// (when it is not 1) and Resets the scale.
func (s EScale) End(f SegmentDecay) float32 {
	if f.ITI {
		return s.D * f.E
	}
	return s.D
}
