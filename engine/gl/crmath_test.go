package gl

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCorrectlyRoundedMath checks common.glsl's crCos, crLog, crExp, crSqrt,
// crDiv and vmCR against Go's float32(math.F(float64(x))) on 2^20 inputs spread
// over their domains, edges included. As in TestRNGMatchesGo, at most 1 in 10^5
// may differ, by at most 1 ulp. The fast vm (the driver's float cos and exp) is
// only reported: it is not meant to match bit for bit.
func TestCorrectlyRoundedMath(t *testing.T) {
	c := needGL(t)
	p := loadTestProgram(t, c, "crmath.comp")
	const n = 1 << 20
	const kappa = float32(3)
	r := rand.New(rand.NewPCG(3, 4))
	xs := make([]float32, n)
	ys := make([]float32, n)
	halfPi := math.Pi / 2
	for i := range xs {
		switch i % 4 {
		case 0: // angles, as Box-Muller and vm use them
			xs[i] = float32((r.Float64()*2 - 1) * 2 * math.Pi)
		case 1: // floats next to multiples of pi/2, where cos is tiny
			k := float64(r.IntN(9) - 4)
			x := float32(k * halfPi)
			for j := r.IntN(5) - 2; j != 0; j -= sign(j) {
				x = math.Nextafter32(x, float32(math.Inf(sign(j))))
			}
			xs[i] = x
		case 2: // any positive float (log, sqrt), every exponent
			xs[i] = math.Float32frombits(r.Uint32N(0x7f000000) + 0x00800000)
		case 3: // exp's range without subnormal results
			xs[i] = float32(-87 + r.Float64()*(88.7+87))
		}
		ys[i] = math.Float32frombits(r.Uint32N(0x7e000000) + 0x01000000) // normal, either sign below
		if r.IntN(2) == 0 {
			ys[i] = -ys[i]
		}
	}
	xs[0], xs[1], xs[2], xs[3] = 0, 1, float32(math.Pi), 1-1.0/(1<<24)
	outA := make([]float32, 4*n)
	outB := make([]float32, 4*n)
	do(t, c, func() error {
		bufs := map[string]*Buffer{}
		for _, b := range []struct {
			block string
			size  int
		}{{"MathX", 4 * n}, {"MathY", 4 * n}, {"MathA", 16 * n}, {"MathB", 16 * n}} {
			buf, err := c.NewBuffer(b.block, b.size)
			if err != nil {
				return err
			}
			defer buf.Delete()
			if err := p.Bind(b.block, buf); err != nil {
				return err
			}
			bufs[b.block] = buf
		}
		if err := Upload(bufs["MathX"], 0, xs); err != nil {
			return err
		}
		if err := Upload(bufs["MathY"], 0, ys); err != nil {
			return err
		}
		p.SetFloat("uKappa", kappa)
		p.Dispatch1D(n)
		if err := Download(bufs["MathA"], 0, outA); err != nil {
			return err
		}
		return Download(bufs["MathB"], 0, outB)
	})

	type fn struct {
		name   string
		got    func(i int) float32
		want   func(x, y float32) float32
		domain func(x float32) bool
		diff   int
		total  int
		maxUlp float64
	}
	f32 := func(f func(float64) float64) func(x, y float32) float32 {
		return func(x, _ float32) float32 { return float32(f(float64(x))) }
	}
	goVM := func(x, _ float32) float32 {
		return float32(math.Exp(float64(kappa * (float32(math.Cos(float64(2*x))) - 1))))
	}
	all := func(float32) bool { return true }
	fns := []*fn{
		{name: "crCos", got: func(i int) float32 { return outA[4*i] }, want: f32(math.Cos), domain: func(x float32) bool { return math.Abs(float64(x)) < 1e6 }},
		{name: "crLog", got: func(i int) float32 { return outA[4*i+1] }, want: f32(math.Log), domain: func(x float32) bool { return x > 0 }},
		{name: "crExp", got: func(i int) float32 { return outA[4*i+2] }, want: f32(math.Exp), domain: func(x float32) bool { return x > -87 && x < 88.7 }},
		{name: "crSqrt", got: func(i int) float32 { return outA[4*i+3] }, want: f32(math.Sqrt), domain: func(x float32) bool { return x >= 0 }},
		{name: "crDiv", got: func(i int) float32 { return outB[4*i] }, want: func(x, y float32) float32 { return x / y }, domain: all},
		{name: "vmCR", got: func(i int) float32 { return outB[4*i+1] }, want: goVM, domain: func(x float32) bool { return math.Abs(float64(x)) < 1e5 }},
	}
	for i := 0; i < n; i++ {
		for _, f := range fns {
			if !f.domain(xs[i]) {
				continue
			}
			f.total++
			g, w := f.got(i), f.want(xs[i], ys[i])
			if math.Float32bits(g) == math.Float32bits(w) {
				continue
			}
			if f.name == "crDiv" && (isSubnormal32(w) || isSubnormal32(g)) {
				f.total-- // GPUs may flush float32 subnormals; Go does not
				continue
			}
			f.diff++
			u := math.Abs(float64(g)-float64(w)) / ulp32(w)
			f.maxUlp = math.Max(f.maxUlp, u)
			if u > 1 || f.diff <= 3 {
				t.Errorf("%s(%v, %v) = %v, Go %v (%.1f ulp)", f.name, xs[i], ys[i], g, w, u)
			}
		}
	}
	for _, f := range fns {
		t.Logf("%-6s %d of %d differ from Go (max %.1f ulp)", f.name, f.diff, f.total, f.maxUlp)
		if f.total < n/8 || f.diff > f.total/100000 {
			t.Errorf("%s: %d of %d differ, want <= 1 in 10^5", f.name, f.diff, f.total)
		}
	}
	// The fast vm, for the record.
	var vmMaxRel float64
	vmSame, vmTotal := 0, 0
	for i := 0; i < n; i++ {
		if math.Abs(float64(xs[i])) > 2*math.Pi {
			continue
		}
		vmTotal++
		g, w := outB[4*i+2], goVM(xs[i], 0)
		if g == w {
			vmSame++
		}
		if w > 1e-30 {
			vmMaxRel = math.Max(vmMaxRel, math.Abs(float64(g)-float64(w))/float64(w))
		}
	}
	t.Logf("fast vm on |x| <= 2 pi: %d of %d equal Go's, max relative diff %.2g", vmSame, vmTotal, vmMaxRel)
}

func sign(j int) int {
	if j < 0 {
		return -1
	}
	return 1
}

func isSubnormal32(x float32) bool {
	a := math.Abs(float64(x))
	return a != 0 && a < 0x1p-126
}
