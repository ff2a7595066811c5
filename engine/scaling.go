package engine

import (
	"fmt"
	"math"

	"github.com/iplgpu/iplgpu/engine/model"
)

// DenseCoupler is implemented by backends that can time the N^2 baseline of
// `iplgpu bench -scaling` on their device: a step of all-to-all coupling of n
// units, one product y = W x of a dense n x n float32 matrix with a vector.
//
// The units are neurons. Any all-to-all coupling of N neurons reads at least
// N^2 weights per step, so this is the cheapest dense alternative to the IPL
// step of the same N neurons: coupling every spine to every other would read
// (N M)^2, M^2 = 1024 times more at 32 spines per neuron, and would not fit in
// memory beyond about N = 1,000. Where the sparse IPL step beats the N x N
// product it beats every dense scheme.
type DenseCoupler interface {
	// DenseCouplingStep fills W (n x n, entries DenseEntry) and x, then times
	// reps products one after another and returns the seconds of the fastest.
	DenseCouplingStep(n, reps int) (secPerStep float64, err error)
}

// DenseEntry is W[row][col] of the dense baseline: small positive values whose
// rows sum below 1 (the GL kernels compute the same, shaders/dense_fill.comp).
func DenseEntry(row, col, n int) float32 {
	return float32((uint32(row)*31+uint32(col)*17)&63) / (64 * float32(n))
}

// DenseBytes is the memory of the dense baseline at n units: W and two vectors.
func DenseBytes(n int) int64 { return 4*int64(n)*int64(n) + 8*int64(n) }

// DenseBytesPerStep is the memory traffic of one dense product: every weight
// read once, x read and y written.
func DenseBytesPerStep(n int) int64 { return DenseBytes(n) }

// Kinds of scaling rows.
const (
	KindIPL   = "ipl"   // the model's step: sparse IPL coupling
	KindDense = "dense" // the N x N dense baseline
)

// ScalingRow is one line of bench.csv of `iplgpu bench -scaling`: one kind of
// step on one backend at one size.
type ScalingRow struct {
	Kind            string  // KindIPL or KindDense
	Backend         string  // backend's short name (cpu, gl)
	Device          string  // backend's Name()
	Neurons         int     // N
	Spines          int     // N x M for the IPL step; N for the dense baseline
	Edges           int     // candidate contacts; N^2 couplings for the dense baseline
	Steps           int     // steps (products) timed
	BuildSeconds    float64 // network build (0 for the dense baseline)
	SecPerStep      float64
	SecPerBioSecond float64 // SecPerStep x steps per simulated second at the config's dt
	BytesPerStep    int64   // BytesPerStep or DenseBytesPerStep
	GBPerS          float64
	CopyGBPerS      float64 // the backend's copy kernel at this size (NaN if it has none)
}

// ScalingSizes returns the log-spaced neuron counts in [lo, hi], perDecade per
// factor of 10: the 1-2-5 series for three per decade (1000, 2000, 5000,
// 10000, ...), else 10^(k/perDecade) rounded to two significant digits.
func ScalingSizes(lo, hi, perDecade int) []int {
	if lo < 1 || hi < lo || perDecade < 1 {
		panic(fmt.Sprintf("engine: ScalingSizes(%d, %d, %d)", lo, hi, perDecade))
	}
	var out []int
	for d := 0; ; d++ {
		for k := range perDecade {
			var n int
			if perDecade == 3 {
				n = []int{1, 2, 5}[k] * int(math.Pow10(d))
			} else {
				v := math.Pow(10, float64(d)+float64(k)/float64(perDecade))
				mag := math.Pow10(max(d-1, 0))
				n = int(math.Round(v/mag) * mag)
			}
			if n > hi {
				return out
			}
			if n >= lo && (len(out) == 0 || n > out[len(out)-1]) {
				out = append(out, n)
			}
		}
	}
}

// LogLogSlope is the least-squares slope of log y against log x: the exponent
// b of a power law y = a x^b. Points with x or y not positive are left out; it
// returns NaN with fewer than two distinct x.
func LogLogSlope(x, y []float64) float64 {
	var sx, sy, sxx, sxy, n float64
	for i := range x {
		if !(x[i] > 0 && y[i] > 0) {
			continue
		}
		lx, ly := math.Log(x[i]), math.Log(y[i])
		sx += lx
		sy += ly
		sxx += lx * lx
		sxy += lx * ly
		n++
	}
	den := n*sxx - sx*sx
	if n < 2 || den <= 1e-12*n*sxx {
		return math.NaN()
	}
	return (n*sxy - sx*sy) / den
}

// BenchOptions say how long BenchLoaded times a step.
type BenchOptions struct {
	// MinSteps and MaxSteps bound the timed steps (after one warm-up bin);
	// between them, as many as take about TargetSeconds.
	MinSteps, MaxSteps int
	TargetSeconds      float64
	// Rounds of that many steps are timed, and the fastest kept (at least
	// one): on a shared machine the round least disturbed by other work.
	Rounds int
	// NoCopy skips the copy kernel.
	NoCopy bool
}

// BenchLoaded times steps of net, already loaded on be, as BenchStep does,
// with the step count chosen by opt from a first timed bin, keeping the
// fastest of opt.Rounds rounds, and the backend's copy kernel at the step's
// size. BuildSeconds is left 0.
func BenchLoaded(be Backend, net *model.Network, opt BenchOptions) (*BenchResult, error) {
	probe, err := BenchStep(be, net, 1)
	if err != nil {
		return nil, err
	}
	steps := opt.MaxSteps
	if opt.TargetSeconds > 0 && probe > 0 {
		steps = int(math.Ceil(opt.TargetSeconds / probe))
	}
	steps = max(opt.MinSteps, min(steps, opt.MaxSteps), 1)
	r := &BenchResult{Backend: be.Name(), Neurons: net.N, Spines: net.Spines(), Edges: net.Edges(), Steps: steps,
		BytesPerStep: BytesPerStep(net), CopyGBPerS: math.NaN(), BandwidthFrac: math.NaN()}
	r.SecPerStep = math.Inf(1)
	for range max(opt.Rounds, 1) {
		sec, err := BenchStep(be, net, steps)
		if err != nil {
			return nil, err
		}
		r.SecPerStep = min(r.SecPerStep, sec)
	}
	r.fill()
	if bw, ok := be.(Bandwidther); ok && !opt.NoCopy {
		if r.CopyGBPerS, err = bw.CopyBandwidth(copyBytes(r.BytesPerStep), 5); err != nil {
			return nil, err
		}
		r.BandwidthFrac = r.GBPerS / r.CopyGBPerS
	}
	return r, nil
}

// copyBytes is the size of the copy that a step of stepBytes is compared with:
// as many bytes moved as the step (half read, half written), at least 64 MiB
// so that caches do not flatter it, at most 1 GiB, beyond which a copy runs at
// the same speed and would only take memory from the network.
func copyBytes(stepBytes int64) int {
	return int(min(max(stepBytes/2, 64<<20), 1<<30))
}

// fill derives the rates from SecPerStep.
func (r *BenchResult) fill() {
	r.SpineUpdPerS = float64(r.Spines) / r.SecPerStep
	r.EdgeUpdPerS = float64(r.Edges) / r.SecPerStep
	r.GBPerS = float64(r.BytesPerStep) / r.SecPerStep / 1e9
}

// BenchDense times the dense baseline of n neurons on be, reps products after
// a warm-up, when be is a DenseCoupler (ok false otherwise).
func BenchDense(be Backend, n, reps int, dtS float64) (row *ScalingRow, ok bool, err error) {
	dc, ok := be.(DenseCoupler)
	if !ok {
		return nil, false, nil
	}
	sec, err := dc.DenseCouplingStep(n, reps)
	if err != nil {
		return nil, true, fmt.Errorf("dense baseline of %d neurons: %w", n, err)
	}
	b := DenseBytesPerStep(n)
	return &ScalingRow{Kind: KindDense, Device: be.Name(), Neurons: n, Spines: n, Edges: n * n, Steps: reps,
		SecPerStep: sec, SecPerBioSecond: sec / dtS, BytesPerStep: b, GBPerS: float64(b) / sec / 1e9, CopyGBPerS: math.NaN()}, true, nil
}

// Row turns a BenchResult of the IPL step into a ScalingRow.
func (r *BenchResult) Row(dtS float64) *ScalingRow {
	return &ScalingRow{Kind: KindIPL, Device: r.Backend, Neurons: r.Neurons, Spines: r.Spines, Edges: r.Edges, Steps: r.Steps,
		BuildSeconds: r.BuildSeconds, SecPerStep: r.SecPerStep, SecPerBioSecond: r.SecPerStep / dtS,
		BytesPerStep: r.BytesPerStep, GBPerS: r.GBPerS, CopyGBPerS: r.CopyGBPerS}
}

// ScalingFit is the fitted power law of one series of a scaling run: time per
// step ~ N^Slope over the sizes from FromN up.
type ScalingFit struct {
	Kind, Backend string
	Slope         float64 // NaN with fewer than two sizes
	FromN, ToN    int
	Points        int
}

// FitScaling fits each (kind, backend) series of rows, in the order they first
// appear, over its sizes of at least fitMin neurons, or over all its sizes
// when fewer than two reach fitMin (small sizes carry fixed costs, such as a
// dispatch's latency, that would flatten the slope).
func FitScaling(rows []ScalingRow, fitMin int) []ScalingFit {
	type key struct{ kind, backend string }
	var order []key
	series := map[key][]ScalingRow{}
	for _, r := range rows {
		k := key{r.Kind, r.Backend}
		if _, ok := series[k]; !ok {
			order = append(order, k)
		}
		series[k] = append(series[k], r)
	}
	var fits []ScalingFit
	for _, k := range order {
		rs := series[k]
		pick := func(from int) (x, y []float64, lo, hi int) {
			lo, hi = math.MaxInt, 0
			for _, r := range rs {
				if r.Neurons >= from {
					x, y = append(x, float64(r.Neurons)), append(y, r.SecPerStep)
					lo, hi = min(lo, r.Neurons), max(hi, r.Neurons)
				}
			}
			return x, y, lo, hi
		}
		x, y, lo, hi := pick(fitMin)
		if len(x) < 2 {
			x, y, lo, hi = pick(0)
		}
		fits = append(fits, ScalingFit{Kind: k.kind, Backend: k.backend, Slope: LogLogSlope(x, y), FromN: lo, ToN: hi, Points: len(x)})
	}
	return fits
}
