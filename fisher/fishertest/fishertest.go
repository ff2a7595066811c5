// Package fishertest makes synthetic recordings for the tests of the packages
// that analyse them.
package fishertest

import (
	"math/rand/v2"

	"github.com/iplgpu/iplgpu/fisher"
)

// poissonish returns a count with mean lambda (a sum of 20 Bernoulli draws,
// enough for test data).
func poissonish(r *rand.Rand, lambda float64) uint16 {
	var k uint16
	for range 20 {
		if r.Float64() < lambda/20 {
			k++
		}
	}
	return k
}

// Responses returns trials x bins x neurons counts, and the counts themselves,
// whose mean depends on the sign of each trial's coherence coh[t] (neurons of
// even and odd index prefer opposite signs) and on a shared per-trial gain;
// neuron silent never fires (-1: none).
func Responses(r *rand.Rand, coh []float64, bins, neurons, silent int) (fisher.Responses, []uint16) {
	data := make([]uint16, len(coh)*bins*neurons)
	for t, c := range coh {
		gain := 1 + 0.3*r.NormFloat64()
		for b := range bins {
			for i := range neurons {
				if i == silent {
					continue
				}
				tune := 1 + c*float64(1-2*(i%2))*(0.5+float64(i)/float64(neurons))
				data[(t*bins+b)*neurons+i] = poissonish(r, max(0, 2*tune*gain))
			}
		}
	}
	resp, err := fisher.NewResponses([]int{len(coh), bins, neurons}, data)
	if err != nil {
		panic(err)
	}
	return resp, data
}
