package cpu

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/engine/rng"
)

// refBackend is the CPU backend as it was before the fused single-pass step
// (commit 2328e39), kept as the oracle that the fused Backend must match byte for
// byte; since then it draws events by time rescaling and decays e lazily
// (model.AfferentEvents, model.EScale) and flushes subnormals (model.Flush32)
// as the Backend does. The original comment follows.
//
// Backend is the pure-Go reference backend. Each step runs three passes, each parallel
// over a fixed number of workers: spines (afferent event counts, coincidence
// traces, lateral gather, spine potential), edges (fast efficacy and structural
// weight from the coincidences), neurons (potential, background, rate, spikes).
// Every element is computed from the previous state alone and sums run in a
// fixed order, so the results are bit-identical whatever the worker count. The
// equations are those of Params.
type refBackend struct {
	workers int
	net     *model.Network
	p       model.Params

	s, sNext []float32
	x        []float32 // coincidence traces
	a        []uint8   // afferent event counts of the last step
	w, e     []float32
	b, h     []float32
	gain     []float32 // task excitability per spine for the current TaskA
	gainA    float32
	gainOK   bool
	z        []float32 // afferent residuals (model.AfferentEvents)
	growth   []float32 // exp(mu) of each spine under the current frame
	escale   model.EScale
}

// New returns a CPU backend with the given worker count (0 = GOMAXPROCS).
func newRef(workers int) *refBackend {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return &refBackend{workers: workers}
}

// Name implements Backend.
func (c *refBackend) Name() string { return fmt.Sprintf("cpu (%d workers)", c.workers) }

// Load implements Backend.
func (c *refBackend) Load(net *model.Network, p model.Params) error {
	c.net, c.p = net, p
	S, E, N := net.Spines(), net.Edges(), net.N
	c.s, c.sNext, c.a = make([]float32, S), make([]float32, S), make([]uint8, S)
	c.x = make([]float32, S)
	for k := range c.s {
		c.s[k] = p.SBlank
	}
	c.w, c.e = make([]float32, E), make([]float32, E)
	for i := range c.w {
		c.w[i] = p.WInit
	}
	c.b, c.h = make([]float32, N), make([]float32, N)
	for i := range c.h {
		c.h[i] = 1
	}
	c.gain = make([]float32, S)
	c.gainOK = false
	c.z, c.growth = make([]float32, S), make([]float32, S)
	for k := range c.z {
		c.z[k] = model.AfferentStart(p.Key, k)
	}
	c.escale = model.NewEScale()
	return nil
}

// Close implements Backend.
func (c *refBackend) Close() error { return nil }

// State implements Backend.
func (c *refBackend) State(dst *engine.State) error {
	dst.S = append(dst.S[:0], c.s...)
	dst.X = append(dst.X[:0], c.x...)
	dst.Events = append(dst.Events[:0], c.a...)
	dst.Z = append(dst.Z[:0], c.z...)
	dst.W = append(dst.W[:0], c.w...)
	dst.E = append(dst.E[:0], c.e...)
	dst.B = append(dst.B[:0], c.b...)
	dst.H = append(dst.H[:0], c.h...)
	return nil
}

// SetState implements engine.Backend (the Backend interface asks for it;
// the tests here do not restore the reference).
func (c *refBackend) SetState(src *engine.State) error {
	if err := src.Check(c.net); err != nil {
		return err
	}
	copy(c.s, src.S)
	copy(c.x, src.X)
	copy(c.a, src.Events)
	copy(c.z, src.Z)
	copy(c.w, src.W)
	copy(c.e, src.E)
	copy(c.b, src.B)
	copy(c.h, src.H)
	return nil
}

// parallel runs fn over [0, n) split into contiguous chunks, one per worker.
func (c *refBackend) parallel(n int, fn func(lo, hi int)) {
	w := c.workers
	if n < 2048 || w == 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + w - 1) / w
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// Run implements Backend.
func (c *refBackend) Run(seg *engine.Segment, counts []uint16) error {
	if err := seg.Check(c.net, counts); err != nil {
		return err
	}
	if seg.Gain != nil {
		copy(c.h, seg.Gain)
	}
	if seg.Task && (!c.gainOK || c.gainA != seg.TaskA) {
		c.parallel(len(c.gain), func(lo, hi int) {
			for k := lo; k < hi; k++ {
				c.gain[k] = model.TaskGain(&c.p, c.net.Phi[k], seg.TaskA)
			}
		})
		c.gainA, c.gainOK = seg.TaskA, true
	}
	if seg.Record {
		clear(counts[:seg.Bins()*c.net.N])
	}
	lastFrame := -2
	for t := 0; t < seg.Steps; t++ {
		// The drive changes only between frames: the event means are computed
		// once per frame.
		if fi, frame := seg.FrameAt(t); fi != lastFrame {
			c.fillMean(frame, seg.Task)
			lastFrame = fi
		}
		step := seg.Step0 + uint64(t)
		c.stepSpines(step, seg.Gate[t], seg)
		fold := c.escale.Step(&c.p)
		c.stepEdges(seg)
		if fold {
			for ed := range c.e {
				c.e[ed] = flush(c.e[ed] * c.escale.D)
			}
			c.escale.Reset()
		}
		var bin []uint16
		if seg.Record {
			b := t / seg.BinSteps
			bin = counts[b*c.net.N : (b+1)*c.net.N]
		}
		c.stepNeurons(step, seg.SharedAt(t), bin)
	}
	c.endSegment(seg)
	return nil
}

// fillMean computes every spine's expected event count per step under one frame.
func (c *refBackend) fillMean(frame float32, task bool) {
	c.parallel(len(c.growth), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			g := float32(1)
			if task {
				g = c.gain[k]
			}
			c.growth[k] = model.AfferentGrowth(model.EventMean(&c.p, c.net.Phi[k], g, frame))
		}
	})
}

// stepSpines draws afferent event counts, advances the coincidence traces and
// the spine potentials one step, reading s and the edge state of the previous
// step.
func (c *refBackend) stepSpines(step uint64, gate float32, seg *engine.Segment) {
	p := &c.p
	net := c.net
	lateral := !seg.BlockLat && p.GLat > 0
	// Locals let the compiler keep the slices in registers and drop most bounds
	// checks in the hot loop; the arithmetic is unchanged.
	sOld, sNew, events, traces, zs, growth := c.s, c.sNext, c.a, c.x, c.z, c.growth
	gateD := gate * c.escale.D
	w, e := c.w, c.e
	rowPtr, partner, edgeOf := net.RowPtr, net.Partner, net.EdgeOf
	key := p.Key
	gLat, diffusive := p.GLat, p.Diffusive
	sDecay, sLat, q, cDecay := p.SDecay, p.SLat, p.Q, p.CDecay
	c.parallel(net.Spines(), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			n, z := model.AfferentEvents(key, k, step, growth[k], zs[k])
			zs[k] = z
			events[k] = uint8(n)
			fn := float32(n)
			traces[k] = flush(traces[k]*cDecay + fn)
			sk := sOld[k]
			var lat float32
			if lateral {
				var num, den float32
				r0, r1 := rowPtr[k], rowPtr[k+1]
				parts, eds := partner[r0:r1], edgeOf[r0:r1]
				for j, ed := range eds {
					alpha := flush(w[ed] * e[ed])
					num += alpha * sOld[parts[j]]
					den += alpha
				}
				num, den = flush(gateD*num), flush(gateD*den)
				if diffusive {
					lat = gLat * (num - den*sk) / max(1, den)
				} else {
					lat = gLat * num / max(1, den)
				}
				lat = flush(lat)
			}
			sNew[k] = flush(sk*sDecay + sLat*lat + q*fn)
		}
	})
	c.s, c.sNext = c.sNext, c.s
}

// stepEdges updates the fast efficacy and (when learning) the structural weight
// of every edge from this step's coincidences.
func (c *refBackend) stepEdges(seg *engine.Segment) {
	p := &c.p
	net := c.net
	grow := seg.Learn && !seg.BlockForm
	events, traces, ws, es := c.a, c.x, c.w, c.e
	ea, eb := net.EdgeA, net.EdgeB
	jE, etaW := p.JE, p.EtaW
	d, inv := c.escale.D, c.escale.Inv
	c.parallel(net.Edges(), func(lo, hi int) {
		for ed := lo; ed < hi; ed++ {
			ka, kb := ea[ed], eb[ed]
			na, nb := events[ka], events[kb]
			if na|nb != 0 {
				co := model.Coincidences(p, na, nb, traces[ka], traces[kb])
				e := flush(es[ed] * d)
				e += flush(min(jE*co, 1) * (1 - e))
				es[ed] = e * inv
				if grow {
					w := ws[ed]
					ws[ed] = w + flush(min(etaW*co, 1)*(1-w))
				}
			}
		}
	})
}

// stepNeurons sums each neuron's spines, advances its background, and draws its
// spikes at rate h G rgain max(V - r0, 0) into the current bin (nil when not
// recording). V is the trapezoid mean of the step, (V_start + V_end)/2, from the
// spine potentials and background before and after the step, so that a step's
// spike count is centred on the step (the readout lags by O(dt^2), not dt/2).
func (c *refBackend) stepNeurons(step uint64, shared float32, bin []uint16) {
	p := &c.p
	M := c.net.M
	halfInvM := 0.5 / float32(M)
	sNew, sOld := c.s, c.sNext // stepSpines swapped them
	c.parallel(c.net.N, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			var sum, sumOld float32
			for _, v := range sNew[i*M : (i+1)*M] {
				sum += v
			}
			for _, v := range sOld[i*M : (i+1)*M] {
				sumOld += v
			}
			wb := rng.Philox4x32([4]uint32{uint32(i), uint32(step), uint32(step >> 32), uint32(rng.Background)}, p.Key)
			bOld := c.b[i]
			b := bOld*p.BgDecayPerStep + p.BgNoisePerStep*rng.Normal(wb[0], wb[1])
			c.b[i] = b
			v := (sumOld+sum)*halfInvM + (bOld+b)*0.5
			rate := c.h[i] * shared * p.RateGainHz * max(v-p.RateThreshold, 0)
			if bin != nil {
				ws := rng.Philox4x32([4]uint32{uint32(i), uint32(step), uint32(step >> 32), uint32(rng.Spikes)}, p.Key)
				n := rng.Poisson(rate*p.DtS, rng.Uniform01(ws[0]))
				bin[i] = uint16(min(int(bin[i])+n, math.MaxUint16))
			}
		}
	})
}

// endSegment applies the end-of-segment factors (engine.Segment.EndDecay): an
// analytic inter-trial interval, and the structural decay of w when learning.
func (c *refBackend) endSegment(seg *engine.Segment) {
	p := &c.p
	f := seg.EndDecay(p)
	if f.ITI {
		for k := range c.s {
			c.s[k] = flush(p.SBlank + (c.s[k]-p.SBlank)*f.S)
			c.x[k] = flush(c.x[k] * f.C)
		}
		step := seg.Step0 + uint64(seg.Steps)
		for i := range c.b {
			wb := rng.Philox4x32([4]uint32{uint32(i), uint32(step), uint32(step >> 32), uint32(rng.ITI)}, p.Key)
			c.b[i] = c.b[i]*f.B + f.Noise*rng.Normal(wb[0], wb[1])
		}
	}
	if fe := c.escale.End(f); fe != 1 {
		for ed := range c.e {
			c.e[ed] = flush(c.e[ed] * fe)
		}
	}
	c.escale.Reset()
	if f.LearnW {
		for ed := range c.w {
			c.w[ed] = flush(c.w[ed] * f.W)
		}
	}
}
