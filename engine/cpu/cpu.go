package cpu

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/engine/rng"
)

// Backend is the pure-Go reference backend. A step is two passes, each parallel
// over chunks of whole neurons. The spine pass, for each spine: gathers the
// lateral term from its contacts' w, e and partner potentials; advances its
// afferent residual and counts its events (model.AfferentEvents); advances the
// coincidence trace and the potential; after a neuron's last spine it sums
// them and advances the neuron (background, rate, spikes). The decay of e is
// lazy (model.EScale): one factor for all edges, folded into e at the end of
// the segment. The event pass then visits only the spines with events this
// step and adds the coincidence terms to e (and, when learning, to w) of their
// contacts. Every element is computed
// from the previous state alone, each edge by one worker, and sums run in a
// fixed order, so the results are bit-identical whatever the worker count or
// the chunks. The equations are those of Params.
//
// w, e and the lateral weight w x e live in the CSR arrays: every contact has
// two entries, one under each of its spines, each with its own copy of w, e
// (we) and w x e (ac), so a spine reads its contacts' weights in a row, and
// the event pass reads the w and e of a spine's contacts in a row too, instead
// of gathering them by edge id (faster where the edges outgrow the caches:
// the measurement is in BENCHMARKS.md). The
// copies are equal bit for bit: the event pass writes the one result to both
// (mirror gives the other entry), and the end of a segment scales both by the
// same factors and recomputes both products.
type Backend struct {
	workers int
	net     *model.Network
	p       model.Params

	s, sNext []float32 // spine potentials after the last step, and the buffer for the next
	x        []float32 // coincidence traces
	a        []uint8   // afferent event counts of the last step
	we       []float32 // (w, e/D) of each CSR entry (net.Partner's order), interleaved (D: model.EScale)
	ac       []float32 // w x (e/D) of each CSR entry: the lateral weight, rewritten with w or e
	mirror   []int32   // the entry of the same contact under its other spine
	b, h     []float32
	gain     []float32 // task excitability per spine for the current TaskA
	gainA    float32
	gainOK   bool
	fbU      []float32 // u(theta_i) of every neuron for fbA (zero until a feedback segment)
	fbA      float32
	fbOK     bool
	z        []float32 // afferent residual of each spine (model.AfferentEvents)
	growth   []float32 // exp(mu) of each spine under the current frame
	escale   model.EScale

	shares []share // each worker's range of the pass in progress (overNeurons)
	chunk  int     // neurons per chunk
}

// New returns a CPU backend with the given worker count (0 = GOMAXPROCS).
func New(workers int) *Backend {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return &Backend{workers: workers}
}

// Name implements Backend.
func (c *Backend) Name() string { return fmt.Sprintf("cpu (%d workers)", c.workers) }

// chunkSpines is about how many spines one chunk of a pass holds: the workers
// take chunks in turn as they finish the last, so a worker that the scheduler
// holds back (the cores are shared) delays the pass by one chunk, not by its
// whole share.
const chunkSpines = 2048

// Load implements Backend.
func (c *Backend) Load(net *model.Network, p model.Params) error {
	c.net, c.p = net, p
	S, N, C := net.Spines(), net.N, len(net.Partner)
	c.s, c.sNext = make([]float32, S), make([]float32, S)
	c.x, c.a = make([]float32, S), make([]uint8, S)
	for k := range c.s {
		c.s[k] = p.SBlank
	}
	c.we, c.ac = make([]float32, 2*C), make([]float32, C)
	for j := range C {
		c.we[2*j] = p.WInit
	}
	// ac = w x e is 0 while e is 0.
	// The entry of edge ed under its spine EdgeA (partner above the row's
	// spine), then the mirror of each entry.
	first := make([]int32, net.Edges())
	for k := 0; k < S; k++ {
		for j := net.RowPtr[k]; j < net.RowPtr[k+1]; j++ {
			if net.Partner[j] > int32(k) {
				first[net.EdgeOf[j]] = j
			}
		}
	}
	c.mirror = make([]int32, C)
	for k := 0; k < S; k++ {
		for j := net.RowPtr[k]; j < net.RowPtr[k+1]; j++ {
			if net.Partner[j] < int32(k) {
				m := first[net.EdgeOf[j]]
				c.mirror[j], c.mirror[m] = m, j
			}
		}
	}
	c.b, c.h = make([]float32, N), make([]float32, N)
	for i := range c.h {
		c.h[i] = 1
	}
	c.gain = make([]float32, S)
	c.gainOK = false
	c.fbU, c.fbOK = make([]float32, net.N), false
	c.z, c.growth = make([]float32, S), make([]float32, S)
	for k := range c.z {
		c.z[k] = model.AfferentStart(p.Key, k)
	}
	c.escale = model.NewEScale()
	c.chunk = max(1, chunkSpines/max(1, net.M))
	return nil
}

// Close implements Backend.
func (c *Backend) Close() error { return nil }

// State implements Backend.
func (c *Backend) State(dst *engine.State) error {
	net := c.net
	dst.S = append(dst.S[:0], c.s...)
	dst.X = append(dst.X[:0], c.x...)
	dst.Events = append(dst.Events[:0], c.a...)
	dst.Z = append(dst.Z[:0], c.z...)
	E := net.Edges()
	dst.W, dst.E = slices.Grow(dst.W[:0], E)[:E], slices.Grow(dst.E[:0], E)[:E]
	// Both entries of a contact hold the same w and e: the later one's write
	// is the earlier one's.
	for j, ed := range net.EdgeOf {
		dst.W[ed], dst.E[ed] = c.we[2*j], c.we[2*j+1]
	}
	dst.B = append(dst.B[:0], c.b...)
	dst.H = append(dst.H[:0], c.h...)
	return nil
}

// SetState implements Backend. w and e of an edge go to both of its CSR
// entries, which stay equal bit for bit.
func (c *Backend) SetState(src *engine.State) error {
	if c.net == nil {
		return fmt.Errorf("cpu: SetState before Load")
	}
	if err := src.Check(c.net); err != nil {
		return fmt.Errorf("cpu: SetState: %w", err)
	}
	copy(c.s, src.S)
	copy(c.x, src.X)
	copy(c.a, src.Events)
	copy(c.z, src.Z)
	for j, ed := range c.net.EdgeOf {
		c.we[2*j], c.we[2*j+1] = src.W[ed], src.E[ed]
	}
	c.refreshProducts()
	copy(c.b, src.B)
	copy(c.h, src.H)
	return nil
}

// parallel runs fn over [0, n) split into contiguous chunks, one per worker.
func (c *Backend) parallel(n int, fn func(lo, hi int)) {
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

// overNeurons runs fn over the neurons in chunks of c.chunk. Each worker of tm
// (the caller is worker 0; tm nil: the caller alone) owns a contiguous share of
// the neurons, the same at every pass, and takes its own chunks first, so that
// a neuron's spines, traces and rows stay in the cache of the core that
// stepped them last (interleaved chunks made the two cores pass the lines of
// s, e and w x e back and forth every step). A worker that has finished its
// share takes the remaining chunks of the others, so a worker the scheduler
// holds back delays the pass by about one chunk, not by its whole share.
func (c *Backend) overNeurons(tm *team, fn func(lo, hi int)) {
	n := c.net.N
	W := 1
	if tm != nil {
		W = tm.helpers + 1
	}
	if len(c.shares) < W {
		c.shares = make([]share, W)
	}
	for w := range W {
		c.shares[w].next.Store(int64(w * n / W))
		c.shares[w].end = (w + 1) * n / W
	}
	work := func(id int) {
		for v := range W {
			sh := &c.shares[(id+v)%W]
			for {
				lo := int(sh.next.Add(int64(c.chunk))) - c.chunk
				if lo >= sh.end {
					break
				}
				fn(lo, min(lo+c.chunk, sh.end))
			}
		}
	}
	if tm == nil {
		work(0)
		return
	}
	tm.run(work)
}

// share is one worker's contiguous range of neurons in a pass: the next chunk
// to take and the end, padded to its own cache line so that the workers'
// counters do not share one.
type share struct {
	next atomic.Int64
	end  int
	_    [48]byte
}

// stepArgs are the switches and inputs of one step.
type stepArgs struct {
	step    uint64
	gate    float32
	shared  float32
	fb      float32 // the feedback term F of the step (engine.Segment.Feedback): V_i gains F u(theta_i)
	frame   float32
	fill    bool     // a new frame begins: recompute the growth exp(mu)
	task    bool     // fill with the task gain
	grow    bool     // the event pass grows w
	lateral bool     // gather the lateral term
	bin     []uint16 // the spike counts of this step's bin; nil when not recording
}

// Run implements Backend.
func (c *Backend) Run(seg *engine.Segment, counts []uint16) error {
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
	if seg.Feedback != nil && (!c.fbOK || c.fbA != seg.TaskA) {
		for i, th := range c.net.Theta {
			c.fbU[i] = model.FeedbackU(&c.p, th, seg.TaskA)
		}
		c.fbA, c.fbOK = seg.TaskA, true
	}
	if seg.Record {
		clear(counts[:seg.Bins()*c.net.N])
	}
	args := &stepArgs{task: seg.Task, grow: seg.Learn && !seg.BlockForm, lateral: !seg.BlockLat && c.p.GLat > 0}
	spines := func(lo, hi int) { c.stepNeurons(lo, hi, args) }
	events := func(lo, hi int) { c.stepEvents(lo*c.net.M, hi*c.net.M, args.grow) }
	var tm *team
	if w := min(c.workers, (c.net.N+c.chunk-1)/c.chunk); w > 1 && seg.Steps > 0 {
		tm = newTeam(w - 1)
		defer tm.stop()
	}
	lastFrame := -2
	for t := 0; t < seg.Steps; t++ {
		// The drive changes only between frames: the event means are computed
		// at the first step of a frame.
		fi, frame := seg.FrameAt(t)
		args.step, args.gate, args.shared, args.fb = seg.Step0+uint64(t), seg.Gate[t], seg.SharedAt(t), seg.FeedbackAt(t)
		args.frame, args.fill = frame, fi != lastFrame
		lastFrame = fi
		if seg.Record {
			b := t / seg.BinSteps
			args.bin = counts[b*c.net.N : (b+1)*c.net.N]
		}
		c.overNeurons(tm, spines)
		c.s, c.sNext = c.sNext, c.s
		fold := c.escale.Step(&c.p)
		c.overNeurons(tm, events)
		if fold {
			c.scaleEdges(c.escale.D, 1)
			c.escale.Reset()
		}
	}
	c.endSegment(seg)
	return nil
}

// stepNeurons runs the spine pass (see Backend) over neurons [lo, hi) and
// their spines, from c.s into c.sNext.
func (c *Backend) stepNeurons(lo, hi int, st *stepArgs) {
	p := &c.p
	net := c.net
	M := net.M
	// Locals let the compiler keep the slices in registers and drop most bounds
	// checks in the hot loop; the arithmetic is that of the equations in Params.
	sOld, sNew, traces, events := c.s, c.sNext, c.x, c.a
	zs, growth, phi, gain := c.z, c.growth, net.Phi, c.gain
	fbU := c.fbU
	ac := c.ac
	rowPtr, partner := net.RowPtr, net.Partner
	key, stepLo, stepHi := p.Key, uint32(st.step), uint32(st.step>>32)
	// The stored e are e/D (model.EScale; D of the step's start, which only
	// Run changes, between passes): the sums run over w x stored e and are
	// scaled once by gate x D.
	gateD, gLat, diffusive := st.gate*c.escale.D, p.GLat, p.Diffusive
	sDecay, sLat, jump, cDecay := p.SDecay, p.SLat, p.Q, p.CDecay
	lateral := st.lateral
	halfInvM := 0.5 / float32(M)
	for i := lo; i < hi; i++ {
		k0 := i * M
		if st.fill {
			for k := k0; k < k0+M; k++ {
				g := float32(1)
				if st.task {
					g = gain[k]
				}
				growth[k] = model.AfferentGrowth(model.EventMean(p, phi[k], g, st.frame))
			}
		}
		// The neuron's spines as slices of one length, so that the compiler
		// drops the bounds checks of the loop below.
		so := sOld[k0 : k0+M]
		sn, tr, ev := sNew[k0:k0+M], traces[k0:k0+M], events[k0:k0+M]
		zn, gn, rp := zs[k0:k0+M], growth[k0:k0+M], rowPtr[k0:k0+M+1]
		sn, tr, ev, zn, gn, rp = sn[:len(so)], tr[:len(so)], ev[:len(so)], zn[:len(so)], gn[:len(so)], rp[:len(so)+1]
		var sum, sumOld float32
		for l, sk := range so {
			r0, r1 := rp[l], rp[l+1]
			var lat float32
			if lateral {
				// The lateral term reads e of the last step (the event pass
				// adds this step's coincidences).
				parts, as := partner[r0:r1], ac[r0:r1]
				as = as[:len(parts)]
				var num, den float32
				for j, q := range parts {
					a := as[j]
					num += a * sOld[q]
					den += a
				}
				num, den = flush(gateD*num), flush(gateD*den)
				if diffusive {
					lat = gLat * (num - den*sk) / max(1, den)
				} else {
					lat = gLat * num / max(1, den)
				}
				lat = flush(lat)
			}
			zk := zn[l] * gn[l]
			n := 0
			if zk >= 1 {
				n, zk = model.AfferentCross(key, k0+l, stepLo, stepHi, zk)
			}
			zn[l] = zk
			ev[l] = uint8(n)
			fn := float32(n)
			tr[l] = flush(tr[l]*cDecay + fn)
			sv := flush(sk*sDecay + sLat*lat + jump*fn)
			sn[l] = sv
			sum += sv
			sumOld += sk
		}
		// The neuron: V is the trapezoid mean of the step, (V_start + V_end)/2,
		// from the spine potentials and background before and after the step,
		// so that a step's spike count is centred on the step (the readout lags
		// by O(dt^2), not dt/2); spikes at rate h G rgain max(V - r0, 0).
		wb := rng.Philox4x32([4]uint32{uint32(i), stepLo, stepHi, uint32(rng.Background)}, key)
		bOld := c.b[i]
		b := bOld*p.BgDecayPerStep + p.BgNoisePerStep*rng.Normal(wb[0], wb[1])
		c.b[i] = b
		// Explicit conversions keep each product rounded (no fused
		// multiply-add), as the shader's precise does; at F = 0 the feedback
		// adds +-0, which leaves V unchanged.
		v := float32((sumOld+sum)*halfInvM) + float32((bOld+b)*0.5) + float32(st.fb*fbU[i])
		rate := c.h[i] * st.shared * p.RateGainHz * max(v-p.RateThreshold, 0)
		if st.bin != nil {
			ws := rng.Philox4x32([4]uint32{uint32(i), stepLo, stepHi, uint32(rng.Spikes)}, key)
			n := rng.Poisson(rate*p.DtS, rng.Uniform01(ws[0]))
			st.bin[i] = uint16(min(int(st.bin[i])+n, math.MaxUint16))
		}
	}
}

// stepEvents runs the event pass over spines [lo, hi): for every contact with
// an event at either end this step, e (already decayed by the spine pass)
// gains the coincidence term, and w too when grow. The contact is updated
// from its spine with an event, from the lower of the two when both have
// one: it reads w and e in that spine's row and writes the result to both of
// its entries.
func (c *Backend) stepEvents(lo, hi int, grow bool) {
	p := &c.p
	net := c.net
	events, traces, we, ac, mirror := c.a, c.x, c.we, c.ac, c.mirror
	rowPtr, partner := net.RowPtr, net.Partner
	jE, etaW := p.JE, p.EtaW
	d, inv := c.escale.D, c.escale.Inv
	for k, nk := range events[lo:hi] {
		if nk == 0 {
			continue
		}
		k += lo
		xk := traces[k]
		r0, r1 := rowPtr[k], rowPtr[k+1]
		parts, ms, acs, wes := partner[r0:r1], mirror[r0:r1], ac[r0:r1], we[2*r0:2*r1]
		ms, acs, wes = ms[:len(parts)], acs[:len(parts)], wes[:2*len(parts)]
		for j, q := range parts {
			nq := events[q]
			if nq != 0 && q < int32(k) {
				continue // spine q updates this contact
			}
			// Symmetric bit for bit: no branch on which end is EdgeA.
			co := model.Coincidences(p, nk, nq, xk, traces[q])
			pair := wes[2*j : 2*j+2]
			// Every term is >= 0: only the products by factors below 1 can
			// fall below the normal range.
			e := flush(pair[1] * d)
			e += flush(min(jE*co, 1) * (1 - e))
			e *= inv
			w := pair[0]
			if grow {
				w += flush(min(etaW*co, 1) * (1 - w))
			}
			a := flush(w * e)
			m := int(ms[j])
			pair[0], pair[1] = w, e
			we[2*m], we[2*m+1] = w, e
			acs[j], ac[m] = a, a
		}
	}
}

// endSegment applies the end-of-segment factors (engine.Segment.EndDecay): an
// analytic inter-trial interval, and the structural decay of w when learning.
func (c *Backend) endSegment(seg *engine.Segment) {
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
	fe, fw := c.escale.End(f), float32(1)
	c.escale.Reset()
	if f.LearnW {
		fw = f.W
	}
	c.scaleEdges(fe, fw)
}

// scaleEdges multiplies every stored e by fe and every w by fw (model.EScale,
// the end of a segment), in both entries of each contact, and recomputes their
// products.
func (c *Backend) scaleEdges(fe, fw float32) {
	if fe == 1 && fw == 1 {
		return
	}
	we := c.we
	c.parallel(len(we)/2, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			we[2*j] = flush(we[2*j] * fw)
			we[2*j+1] = flush(we[2*j+1] * fe)
		}
	})
	c.refreshProducts()
}

// refreshProducts recomputes w x e of every CSR entry from its w and e.
func (c *Backend) refreshProducts() {
	we, ac := c.we, c.ac
	c.parallel(len(ac), func(lo, hi int) {
		for j := lo; j < hi; j++ {
			ac[j] = flush(we[2*j] * we[2*j+1])
		}
	})
}

// flush is model.Flush32: the state holds no subnormal float32, as on a GPU
// that flushes them, so that every backend stores the same bits.
func flush(x float32) float32 { return model.Flush32(x) }

// CopyBandwidth implements Bandwidther for the Backend: a parallel copy between two
// float32 slices with the backend's workers.
func (c *Backend) CopyBandwidth(bytes, reps int) (float64, error) {
	n := bytes / 4
	src, dst := make([]float32, n), make([]float32, n)
	for i := range src {
		src[i] = float32(i)
	}
	c.parallel(n, func(lo, hi int) { copy(dst[lo:hi], src[lo:hi]) }) // warm: fault the pages in
	t0 := time.Now()
	for r := 0; r < reps; r++ {
		c.parallel(n, func(lo, hi int) { copy(dst[lo:hi], src[lo:hi]) })
	}
	sec := time.Since(t0).Seconds()
	if dst[n-1] != src[n-1] {
		return 0, fmt.Errorf("cpu copy: wrong result")
	}
	return float64(2*4*n*reps) / sec / 1e9, nil
}
