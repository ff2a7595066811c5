package engine

import (
	"fmt"
	"math"
	"time"

	"github.com/iplgpu/iplgpu/engine/model"
)

// Bandwidther is implemented by backends that can time a plain copy on their
// device: the reference that a step's achieved bandwidth is compared with.
type Bandwidther interface {
	// CopyBandwidth copies a buffer of the given size reps times and returns the
	// achieved GB/s, counting bytes read plus bytes written.
	CopyBandwidth(bytes, reps int) (float64, error)
}

// BytesPerStep is the memory traffic of one step under the performance model
// (BENCHMARKS.md): every spine and every edge read and written once, with their
// indices, as the GL kernels touch them. Spine pass: the afferent growth and
// residual read and the residual written, s read and write, event count,
// coincidence trace read and write, row pointer (36 B per spine) plus per CSR
// entry partner, edge id, w, e and the partner's s (20 B, two entries per
// edge). Edge pass: endpoints and their two event counts (16 B per edge); the
// traces, e and w of the few edges with an event this step are not counted
// (model.EScale: the others are not written). Neuron pass: the neuron's spines
// again (4 B per spine) and b, h and a count (14 B per neuron).
func BytesPerStep(net *model.Network) int64 {
	S, E, N := int64(net.Spines()), int64(net.Edges()), int64(net.N)
	return S*(36+4) + E*(2*20+16) + N*14
}

// BenchResult is one row of `iplgpu bench`.
type BenchResult struct {
	Backend       string
	Neurons       int
	Spines        int
	Edges         int
	Steps         int
	BuildSeconds  float64
	SecPerStep    float64
	SpineUpdPerS  float64
	EdgeUpdPerS   float64
	BytesPerStep  int64
	GBPerS        float64
	CopyGBPerS    float64 // NaN when the backend cannot time a copy
	BandwidthFrac float64 // GBPerS / CopyGBPerS
}

// BenchStep times steps of learning in task mode under changing frames, with
// recording, after one warm-up segment; the network must be loaded.
func BenchStep(be Backend, net *model.Network, steps int) (float64, error) {
	const frameSteps, binSteps = 10, 5
	mk := func(step0 uint64, n int) (*Segment, []uint16) {
		n = (n + binSteps - 1) / binSteps * binSteps
		frames := make([]float32, (n+frameSteps-1)/frameSteps)
		for i := range frames {
			frames[i] = float32(i) * 0.37
		}
		gate := make([]float32, n)
		for i := range gate {
			gate[i] = 1
		}
		seg := &Segment{Step0: step0, Steps: n, FrameSteps: frameSteps, Frames: frames, Gate: gate,
			Task: true, TaskA: math.Pi / 4, Learn: true, Record: true, BinSteps: binSteps}
		return seg, make([]uint16, seg.Bins()*net.N)
	}
	warm, wc := mk(0, binSteps)
	if err := be.Run(warm, wc); err != nil {
		return 0, err
	}
	seg, counts := mk(uint64(binSteps), steps)
	t0 := time.Now()
	if err := be.Run(seg, counts); err != nil {
		return 0, err
	}
	return time.Since(t0).Seconds() / float64(seg.Steps), nil
}

// Bench builds a network of n neurons x m spines from cfg, loads it on the
// backend, times the steps and the backend's copy kernel.
func Bench(cfg *model.Config, be Backend, n, m, steps int) (*BenchResult, error) {
	c := *cfg
	c.Network.Neurons, c.Network.SpinesPerNeuron = n, m
	if err := c.Validate(); err != nil {
		return nil, err
	}
	t0 := time.Now()
	net, err := model.BuildNetwork(&c)
	if err != nil {
		return nil, err
	}
	r := &BenchResult{Backend: be.Name(), Neurons: n, Spines: net.Spines(), Edges: net.Edges(), Steps: steps,
		BuildSeconds: time.Since(t0).Seconds(), BytesPerStep: BytesPerStep(net), CopyGBPerS: math.NaN(), BandwidthFrac: math.NaN()}
	if err := be.Load(net, model.ParamsFromConfig(&c)); err != nil {
		return nil, fmt.Errorf("load %d neurons: %w", n, err)
	}
	if r.SecPerStep, err = BenchStep(be, net, steps); err != nil {
		return nil, err
	}
	r.fill()
	if bw, ok := be.(Bandwidther); ok {
		if r.CopyGBPerS, err = bw.CopyBandwidth(copyBytes(r.BytesPerStep), 5); err != nil {
			return nil, err
		}
		r.BandwidthFrac = r.GBPerS / r.CopyGBPerS
	}
	return r, nil
}
