package fisher

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// model is a linear-Gaussian population: responses mean +/- f' ds/2 plus noise
// with covariance C = sigma2 I + A A^T, whose Fisher information is known.
type model struct {
	name   string
	fp     []float64  // f'
	sigma2 float64    // private noise variance
	a      *mat.Dense // N x k shared-noise loadings; nil for none
}

func (m model) n() int { return len(m.fp) }

// truth is f'^T C^-1 f'.
func (m model) truth() float64 {
	v, err := ExactLinearGaussian(m.fp, m.sigma2, m.a, nil)
	if err != nil {
		panic(err)
	}
	return v
}

// shuffleTruth is sum f_i'^2 / C_ii.
func (m model) shuffleTruth() float64 {
	var s float64
	for i, f := range m.fp {
		c := m.sigma2
		if m.a != nil {
			row := m.a.RawRowView(i)
			for _, x := range row {
				c += x * x
			}
		}
		s += f * f / c
	}
	return s
}

// sample returns t trials x N responses with mean mu + sign f' ds/2.
func (m model) sample(r *rand.Rand, t int, sign, ds float64) *mat.Dense {
	n := m.n()
	k := 0
	if m.a != nil {
		_, k = m.a.Dims()
	}
	out := mat.NewDense(t, n, nil)
	sd := math.Sqrt(m.sigma2)
	u := make([]float64, k)
	for tr := range t {
		for j := range u {
			u[j] = r.NormFloat64()
		}
		row := out.RawRowView(tr)
		for i := range row {
			v := 5 + sign*m.fp[i]*ds/2 + sd*r.NormFloat64()
			if k > 0 {
				for j, x := range m.a.RawRowView(i) {
					v += x * u[j]
				}
			}
			row[i] = v
		}
	}
	return out
}

// newModel builds a model of n neurons with |f'_i| around fscale: k random shared
// sources of loading sd aload (strong correlations) and, when diff > 0, the
// information-limiting source sqrt(diff) f' (differential correlations).
func newModel(name string, seed uint64, n int, fscale, sigma2 float64, k int, aload, diff float64) model {
	r := rand.New(rand.NewPCG(seed, 7))
	m := model{name: name, sigma2: sigma2, fp: make([]float64, n)}
	for i := range m.fp {
		m.fp[i] = fscale * (0.5 + r.Float64()) * float64(1-2*(i%2))
	}
	cols := k
	if diff > 0 {
		cols++
	}
	if cols > 0 {
		m.a = mat.NewDense(n, cols, nil)
		for i := range n {
			for j := range k {
				m.a.Set(i, j, aload*r.NormFloat64())
			}
			if diff > 0 {
				m.a.Set(i, k, math.Sqrt(diff)*m.fp[i])
			}
		}
	}
	return m
}

// pick returns the columns idx of m.
func pick(m *mat.Dense, idx []int) *mat.Dense {
	t, _ := m.Dims()
	out := mat.NewDense(t, len(idx), nil)
	for r := range t {
		for a, i := range idx {
			out.Set(r, a, m.At(r, i))
		}
	}
	return out
}

// meanSD returns the mean and standard deviation (n - 1) of v.
func meanSD(v []float64) (float64, float64) {
	var s float64
	for _, x := range v {
		s += x
	}
	mean := s / float64(len(v))
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(v)-1))
}
