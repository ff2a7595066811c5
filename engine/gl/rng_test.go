package gl

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/iplgpu/iplgpu/engine/rng"
)

// loadTestProgram compiles a kernel from testdata (test kernels are not embedded
// in the binary).
func loadTestProgram(t testing.TB, c *Context, file string) *Program {
	t.Helper()
	body, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var p *Program
	do(t, c, func() error {
		p, err = c.CompileCompute(file, string(body), nil)
		return err
	})
	return p
}

// The raw bijection against the Random123 known answers and against Go on
// random counters and keys.
func TestPhiloxRawMatchesGo(t *testing.T) {
	c := needGL(t)
	p := loadTestProgram(t, c, "philox_raw.comp")
	ctrs := [][4]uint32{
		{0, 0, 0, 0},
		{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
		{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
	}
	keys := [][2]uint32{{0, 0}, {0xffffffff, 0xffffffff}, {0xa4093822, 0x299f31d0}}
	kat := [][4]uint32{
		{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
		{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
		{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for len(ctrs) < 1<<16 {
		ctrs = append(ctrs, [4]uint32{r.Uint32(), r.Uint32(), r.Uint32(), r.Uint32()})
		keys = append(keys, [2]uint32{r.Uint32(), r.Uint32()})
	}
	n := len(ctrs)
	ctrFlat := make([]uint32, 4*n)
	keyFlat := make([]uint32, 4*n)
	for i := range ctrs {
		copy(ctrFlat[4*i:], ctrs[i][:])
		copy(keyFlat[4*i:], keys[i][:])
	}
	got := make([]uint32, 4*n)
	do(t, c, func() error {
		bc, err := c.NewBuffer("ctr", 16*n)
		if err != nil {
			return err
		}
		defer bc.Delete()
		bk, err := c.NewBuffer("key", 16*n)
		if err != nil {
			return err
		}
		defer bk.Delete()
		bo, err := c.NewBuffer("out", 16*n)
		if err != nil {
			return err
		}
		defer bo.Delete()
		if err := Upload(bc, 0, ctrFlat); err != nil {
			return err
		}
		if err := Upload(bk, 0, keyFlat); err != nil {
			return err
		}
		for block, b := range map[string]*Buffer{"RawCtr": bc, "RawKey": bk, "RawOut": bo} {
			if err := p.Bind(block, b); err != nil {
				return err
			}
		}
		p.Dispatch1D(n)
		return Download(bo, 0, got)
	})
	bad := 0
	for i := range ctrs {
		var g [4]uint32
		copy(g[:], got[4*i:])
		want := rng.Philox4x32(ctrs[i], keys[i])
		if i < len(kat) && want != kat[i] {
			t.Fatalf("Go Philox fails known answer %d", i)
		}
		if g != want {
			if bad < 5 {
				t.Errorf("GLSL philox4x32(%08x, %08x) = %08x, want %08x", ctrs[i], keys[i], g, want)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d blocks differ", bad, n)
	}
}

// rngCase is one launch of rng_check.comp.
type rngCase struct {
	seed    uint64
	purpose rng.Purpose
	step    uint64
	base    uint32 // first element; near 2^32 to test its wrap-around
}

// TestRNGMatchesGo compares the GLSL stream, floats, normals and Poisson counts
// with engine/rng on 3 x 2^20 elements.
//
// Words, Uniform01 and UniformOpen must be bit-identical: integer and exact float
// operations only. Normal and Poisson go through common.glsl's cr* functions,
// which compute log, cos, exp, sqrt and division in double and round once, so
// they differ from Go's float32(math.F(float64(x))) only when the true value
// lies within ~1e-16 of a float32 rounding boundary (odds ~1e-8 a draw) or a
// driver's double division or sqrt is not IEEE. The test allows 1 draw in 10^5
// to differ, a normal by at most 1 ulp; here none do.
func TestRNGMatchesGo(t *testing.T) {
	c := needGL(t)
	p := loadTestProgram(t, c, "rng_check.comp")
	const n = 1 << 20
	cases := []rngCase{
		{seed: 0, purpose: rng.Afferent, step: 0, base: 0},
		{seed: 42, purpose: rng.Spikes, step: 1<<32 + 7, base: 0xFFF80000},
		{seed: 0xDEADBEEFCAFEF00D, purpose: rng.Background, step: 0xFFFFFFFF_FFFFFFF0, base: 12345},
	}
	words := make([]uint32, 4*n)
	floats := make([]float32, 4*n)
	var normSame, normTotal, poisSame, poisTotal int
	var normMaxAbs, normMaxUlp float64
	var worst struct {
		i         int
		gl, goVal float32
	}
	do(t, c, func() error {
		bw, err := c.NewBuffer("words", 16*n)
		if err != nil {
			return err
		}
		defer bw.Delete()
		bf, err := c.NewBuffer("floats", 16*n)
		if err != nil {
			return err
		}
		defer bf.Delete()
		if err := p.Bind("CheckWords", bw); err != nil {
			return err
		}
		if err := p.Bind("CheckFloats", bf); err != nil {
			return err
		}
		for _, tc := range cases {
			s := rng.New(tc.seed)
			p.SetKey("uKey", s)
			p.SetU64("uStep", tc.step)
			p.SetUint("uPurpose", uint32(tc.purpose))
			p.SetUint("uElementBase", tc.base)
			p.Dispatch1D(n)
			if err := Download(bw, 0, words); err != nil {
				return err
			}
			if err := Download(bf, 0, floats); err != nil {
				return err
			}
			badWords, badUniform := 0, 0
			for i := 0; i < n; i++ {
				w := s.Block(tc.purpose, tc.step, tc.base+uint32(i))
				var g [4]uint32
				copy(g[:], words[4*i:])
				if g != w {
					if badWords < 3 {
						t.Errorf("seed %#x step %#x element %#x: GLSL block %08x, Go %08x", tc.seed, tc.step, tc.base+uint32(i), g, w)
					}
					badWords++
					continue
				}
				f := floats[4*i : 4*i+4]
				if math.Float32bits(f[0]) != math.Float32bits(rng.Uniform01(w[0])) ||
					math.Float32bits(f[1]) != math.Float32bits(rng.UniformOpen(w[1])) {
					badUniform++
				}
				z := rng.Normal(w[2], w[3])
				normTotal++
				if math.Float32bits(f[2]) == math.Float32bits(z) {
					normSame++
				} else {
					d := math.Abs(float64(f[2]) - float64(z))
					if d > normMaxAbs {
						normMaxAbs = d
						worst.i, worst.gl, worst.goVal = i, f[2], z
					}
					normMaxUlp = math.Max(normMaxUlp, d/ulp32(z))
					if d > ulp32(z) {
						t.Errorf("normal of element %#x: GLSL %v, Go %v", tc.base+uint32(i), f[2], z)
					}
				}
				lambda := float32(i&8191) * (1.0 / 128)
				poisTotal++
				if int(f[3]) == rng.Poisson(lambda, rng.Uniform01(w[0])) {
					poisSame++
				}
			}
			if badWords > 0 || badUniform > 0 {
				t.Errorf("seed %#x step %#x: %d of %d blocks differ, %d uniforms differ", tc.seed, tc.step, badWords, n, badUniform)
			}
		}
		return nil
	})
	t.Logf("normal: %d of %d bit-identical (%.4f%%), max |diff| %.3g (%.1f ulp), worst at i=%d: GLSL %v Go %v",
		normSame, normTotal, 100*float64(normSame)/float64(normTotal), normMaxAbs, normMaxUlp, worst.i, worst.gl, worst.goVal)
	t.Logf("poisson: %d of %d identical (%.4f%%), lambda in [0, 64)",
		poisSame, poisTotal, 100*float64(poisSame)/float64(poisTotal))
	if normTotal-normSame > normTotal/100000 {
		t.Errorf("%d of %d normals differ, want <= 1 in 10^5", normTotal-normSame, normTotal)
	}
	if poisTotal-poisSame > poisTotal/100000 {
		t.Errorf("%d of %d Poisson counts differ, want <= 1 in 10^5", poisTotal-poisSame, poisTotal)
	}
}

// ulp32 is the spacing of float32 values at x.
func ulp32(x float32) float64 {
	a := math.Abs(float64(x))
	if a < math.SmallestNonzeroFloat32 {
		return math.SmallestNonzeroFloat32
	}
	next := math.Nextafter32(float32(a), float32(math.Inf(1)))
	return float64(next) - a
}
