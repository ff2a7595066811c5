package glbackend

import (
	"github.com/iplgpu/iplgpu/engine/gl"
	"github.com/iplgpu/iplgpu/engine/model"

	"errors"
	"fmt"
	"math"

	ogl "github.com/go-gl/gl/v4.3-core/gl"

	"github.com/iplgpu/iplgpu/engine"
)

// Backend is the OpenGL compute implementation of engine.Backend. It keeps the
// whole dynamic state on the device and runs each step as four compute passes
// (shaders/): prob.comp once per frame, then per step spines.comp (event counts,
// coincidence traces, lateral gather, spine potential), edges.comp (the edges
// with events) and neurons.comp, separated by shader-storage barriers; the decay
// of e is one factor per step, set by the host (model.EScale) and folded into e
// by decay.comp at the end of the segment. The host only sets a few uniforms per step; a segment's
// gate values go up once, its spike counts come back once. It draws the same
// Philox numbers as cpu.Backend and computes in float32 in the CPU's order, without
// fused multiply-adds, so its state equals the CPU backend's within the tolerances
// stated in its tests (bit for bit on Mesa llvmpipe).
//
// A Backend is not safe for concurrent use.
type Backend struct {
	c    *gl.Context
	owns bool // Close closes c

	progGain, progProb, progSpines, progEdges, progNeurons, progDecay *gl.Program

	binding map[string]int // storage block name -> binding point

	net *model.Network
	p   model.Params
	buf Buffers
	// The spine potentials are double-buffered: spines.comp reads sBuf[0] and
	// writes sBuf[1], then the two swap. Between Runs the state is in sBuf[0].
	sBuf [2]*gl.Buffer
	dev  struct {
		phi, gain, mean *gl.Buffer // per spine: tuning, task gain, (afferent growth exp(mu) of the frame, residual z)
		trace           *gl.Buffer // per spine: coincidence trace
		rowPtr, csr     *gl.Buffer // CSR adjacency by target spine: row pointers, (partner, edge) pairs
		bg, h           *gl.Buffer // per neuron: OU background, homeostatic gain
		fbU             *gl.Buffer // per neuron: u(theta_i) of the feedback (host-computed)
	}
	all     []*gl.Buffer // every buffer above, for freeing
	counts  *gl.Buffer   // uint32 per bin x neuron of the current segment
	gate    *gl.Buffer   // the segment's gate value per step
	gainA   float32
	gainOK  bool
	fbA     float32
	fbOK    bool
	countsU []uint32
}

// Buffers are the device buffers of a loaded network that a renderer may draw
// from without copying to the host (viz/): std430 arrays, one scalar per spine or
// one 8-byte pair per edge. They are valid until the next Load or Close, their
// contents between Runs (a Run leaves the newest potentials in S). Use them inside
// the Backend's Context (Backend.Context).
type Buffers struct {
	SpineX, SpineY, SpineZ *gl.Buffer // spine positions (um), float per spine
	S                      *gl.Buffer // spine potentials, float per spine
	Events                 *gl.Buffer // afferent event counts of the last step, uint per spine
	// EdgeSpines holds the two spines (A, B) of each edge as an ivec2 (int32
	// pairs): usable as a GL_LINES element buffer over spine positions.
	EdgeSpines *gl.Buffer
	// EdgeState holds (w, e) of each edge as a vec2 (stride 8 bytes: w at offset
	// 0, e at offset 4): the lateral gather fetches both in one load.
	EdgeState *gl.Buffer
}

// The storage blocks of the kernels. Their binding points are set once in
// shaders/common.glsl (BIND_*), one per array and the same in every kernel;
// NewBackendOn reads them back by block name and checks that the kernels agree.
const (
	blockPhi        = "SpinePhi"
	blockGain       = "SpineGain"
	blockMean       = "SpineMean"
	blockTrace      = "SpineTrace"
	blockS          = "SpineS"
	blockSNext      = "SpineSNext"
	blockEvents     = "SpineEvents"
	blockRowPtr     = "CSRRowPtr"
	blockCSR        = "CSREntries"
	blockEdgeSpines = "EdgeSpines"
	blockEdgeState  = "EdgeState"
	blockBg         = "NeuronBackground"
	blockH          = "NeuronGain"
	blockCounts     = "BinCounts"
	blockGate       = "SegmentGate"
	blockFbU        = "NeuronFeedbackU"
)

var blockNames = []string{blockPhi, blockGain, blockMean, blockS, blockSNext, blockEvents, blockRowPtr,
	blockCSR, blockEdgeSpines, blockEdgeState, blockBg, blockH, blockCounts, blockGate, blockTrace, blockFbU}

// maxBlocksPerKernel is the most storage blocks one kernel uses (spines.comp).
const maxBlocksPerKernel = 9

// NewBackend creates a GL backend on a new headless context of its own, which
// Close closes.
func NewBackend() (*Backend, error) {
	c, err := gl.NewContext()
	if err != nil {
		return nil, err
	}
	b, err := NewBackendOn(c)
	if err != nil {
		c.Close()
		return nil, err
	}
	b.owns = true
	return b, nil
}

// NewBackendOn creates a GL backend on an existing context (shared with tests or
// a renderer); Close leaves the context open. It compiles the kernels.
func NewBackendOn(c *gl.Context) (*Backend, error) {
	b := &Backend{c: c}
	err := c.Do(func() error {
		l := c.Limits()
		var blocks int32
		ogl.GetIntegerv(ogl.MAX_COMPUTE_SHADER_STORAGE_BLOCKS, &blocks)
		if l.MaxSSBOBindings < len(blockNames) || int(blocks) < maxBlocksPerKernel {
			return fmt.Errorf("glbackend: the GL backend needs %d shader storage bindings and %d storage blocks per compute shader; %s has %d (GL_MAX_SHADER_STORAGE_BUFFER_BINDINGS) and %d (GL_MAX_COMPUTE_SHADER_STORAGE_BLOCKS): use -backend cpu",
				len(blockNames), maxBlocksPerKernel, c.Info().Renderer, l.MaxSSBOBindings, blocks)
		}
		for _, p := range []struct {
			dst  **gl.Program
			file string
		}{
			{&b.progGain, "gain.comp"}, {&b.progProb, "prob.comp"}, {&b.progSpines, "spines.comp"},
			{&b.progEdges, "edges.comp"}, {&b.progNeurons, "neurons.comp"}, {&b.progDecay, "decay.comp"},
		} {
			prog, err := c.NewProgram(p.file, nil)
			if err != nil {
				b.deletePrograms()
				return err
			}
			*p.dst = prog
		}
		if err := b.readBindings(); err != nil {
			b.deletePrograms()
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// readBindings reads each storage block's binding point from the programs that
// use it and checks that they agree and that every block is used. Call inside Do.
func (b *Backend) readBindings() error {
	b.binding = map[string]int{}
	for _, name := range blockNames {
		for _, p := range b.programs() {
			n, err := p.BlockBinding(name)
			if err != nil {
				continue // not used by this kernel
			}
			if m, ok := b.binding[name]; ok && m != n {
				return fmt.Errorf("glbackend: storage block %s has binding %d in one kernel and %d in %s; the kernels must take it from common.glsl", name, m, n, p.Name())
			}
			if n >= b.c.Limits().MaxSSBOBindings {
				return fmt.Errorf("glbackend: storage block %s of %s has binding %d, beyond GL_MAX_SHADER_STORAGE_BUFFER_BINDINGS = %d", name, p.Name(), n, b.c.Limits().MaxSSBOBindings)
			}
			b.binding[name] = n
		}
		if _, ok := b.binding[name]; !ok {
			return fmt.Errorf("glbackend: no kernel uses storage block %s", name)
		}
	}
	owner := map[int]string{}
	for _, name := range blockNames {
		n := b.binding[name]
		if other, ok := owner[n]; ok {
			return fmt.Errorf("glbackend: storage blocks %s and %s share binding %d; each array needs its own (common.glsl)", other, name, n)
		}
		owner[n] = name
	}
	return nil
}

func (b *Backend) programs() []*gl.Program {
	return []*gl.Program{b.progGain, b.progProb, b.progSpines, b.progEdges, b.progNeurons, b.progDecay}
}

func (b *Backend) deletePrograms() {
	for _, p := range b.programs() {
		if p != nil {
			p.Delete()
		}
	}
}

// Name implements engine.Backend: "gl (renderer, OpenGL version)".
func (b *Backend) Name() string {
	i := b.c.Info()
	return fmt.Sprintf("gl (%s, OpenGL %s)", i.Renderer, i.Version)
}

// Context is the GL context the backend runs on.
func (b *Backend) Context() *gl.Context { return b.c }

// Buffers returns the device buffers of the loaded network (zero before Load).
func (b *Backend) Buffers() Buffers { return b.buf }

// CopyBandwidth implements engine.Bandwidther with the context's copy kernel,
// on at most one storage block (GL_MAX_SHADER_STORAGE_BLOCK_SIZE): beyond
// 64 MiB a copy's speed no longer depends on its size.
func (b *Backend) CopyBandwidth(bytes, reps int) (float64, error) {
	return b.c.CopyBandwidth(int(min(int64(bytes), b.c.Limits().MaxSSBOBlockSize)), reps)
}

// bufferSpec is one device array of a network.
type bufferSpec struct {
	dst   **gl.Buffer
	name  string
	bytes int
}

// specs lists every array Load allocates, with its size for net.
func (b *Backend) specs(net *model.Network) []bufferSpec {
	S, E, N := net.Spines(), net.Edges(), net.N
	return []bufferSpec{
		{&b.buf.SpineX, "spine x", 4 * S},
		{&b.buf.SpineY, "spine y", 4 * S},
		{&b.buf.SpineZ, "spine z", 4 * S},
		{&b.sBuf[0], "spine potential s", 4 * S},
		{&b.sBuf[1], "spine potential s (next step)", 4 * S},
		{&b.buf.Events, "spine event counts", 4 * S},
		{&b.dev.trace, "spine coincidence traces", 4 * S},
		{&b.dev.phi, "spine tuning phi", 4 * S},
		{&b.dev.gain, "spine task gain", 4 * S},
		{&b.dev.mean, "spine afferent growth and residual", 8 * S},
		{&b.dev.rowPtr, "CSR row pointers", 4 * (S + 1)},
		{&b.dev.csr, "CSR (partner, edge) entries", 8 * len(net.Partner)},
		{&b.buf.EdgeSpines, "edge spines (A, B)", 8 * E},
		{&b.buf.EdgeState, "edge state (w, e)", 8 * E},
		{&b.dev.bg, "neuron background b", 4 * N},
		{&b.dev.h, "neuron gain h", 4 * N},
		{&b.dev.fbU, "neuron feedback tuning u", 4 * N},
	}
}

// CheckLimits reports, before anything is allocated, every array of net that
// would exceed GL_MAX_SHADER_STORAGE_BLOCK_SIZE on the backend's device.
func (b *Backend) CheckLimits(net *model.Network) error {
	limit := b.c.Limits().MaxSSBOBlockSize
	var errs []error
	for _, s := range b.specs(net) {
		if int64(s.bytes) > limit {
			errs = append(errs, fmt.Errorf("buffer %q needs %d bytes (%.1f MiB)", s.name, s.bytes, float64(s.bytes)/(1<<20)))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("glbackend: a network of %d neurons x %d spines with %d edges does not fit %s, whose GL_MAX_SHADER_STORAGE_BLOCK_SIZE is %d bytes (%.1f MiB): %w; use fewer neurons (network.neurons), spines per neuron (network.spines_per_neuron) or contacts per spine, or -backend cpu",
		net.N, net.M, net.Edges(), b.c.Info().Renderer, limit, float64(limit)/(1<<20), errors.Join(errs...))
}

// Load implements engine.Backend.
func (b *Backend) Load(net *model.Network, p model.Params) error {
	if err := b.CheckLimits(net); err != nil {
		// Unload the previous network too: a failed Load leaves none loaded.
		b.c.Do(func() error { b.freeBuffers(); return nil })
		return err
	}
	S, E, N := net.Spines(), net.Edges(), net.N
	if S > math.MaxInt32 || E > math.MaxInt32 {
		return fmt.Errorf("glbackend: %d spines and %d edges exceed the int32 indices of the kernels", S, E)
	}
	return b.c.Do(func() error {
		b.freeBuffers()
		b.net, b.p = nil, p
		b.gainOK, b.fbOK = false, false
		specs := b.specs(net)
		for _, s := range specs {
			buf, err := b.c.NewBuffer(s.name, s.bytes)
			if err != nil {
				b.freeBuffers()
				return err
			}
			*s.dst = buf
			b.all = append(b.all, buf)
		}
		b.buf.S = b.sBuf[0]
		s0 := make([]float32, S)
		for k := range s0 {
			s0[k] = p.SBlank
		}
		we := make([]float32, 2*E) // (w, e) = (w_init, 0)
		ends := make([]int32, 2*E)
		for i := 0; i < E; i++ {
			we[2*i] = p.WInit
			ends[2*i], ends[2*i+1] = net.EdgeA[i], net.EdgeB[i]
		}
		csr := make([]int32, 2*len(net.Partner))
		for j := range net.Partner {
			csr[2*j], csr[2*j+1] = net.Partner[j], net.EdgeOf[j]
		}
		h0 := make([]float32, N)
		for i := range h0 {
			h0[i] = 1
		}
		gz := make([]float32, 2*S) // (growth, residual): prob.comp fills the growth
		for k := 0; k < S; k++ {
			gz[2*k+1] = model.AfferentStart(p.Key, k)
		}
		ups := []error{
			gl.Upload(b.buf.SpineX, 0, net.SpineX),
			gl.Upload(b.buf.SpineY, 0, net.SpineY),
			gl.Upload(b.buf.SpineZ, 0, net.SpineZ),
			gl.Upload(b.sBuf[0], 0, s0),
			gl.Upload(b.dev.trace, 0, make([]float32, S)),
			gl.Upload(b.dev.phi, 0, net.Phi),
			gl.Upload(b.dev.mean, 0, gz),
			gl.Upload(b.dev.rowPtr, 0, net.RowPtr),
			gl.Upload(b.dev.csr, 0, csr),
			gl.Upload(b.buf.EdgeSpines, 0, ends),
			gl.Upload(b.buf.EdgeState, 0, we),
			gl.Upload(b.dev.h, 0, h0),
			gl.Upload(b.dev.fbU, 0, make([]float32, N)),
		}
		if err := errors.Join(ups...); err != nil {
			b.freeBuffers()
			return err
		}
		b.net = net
		return nil
	})
}

// freeBuffers deletes every buffer. Call inside Do.
func (b *Backend) freeBuffers() {
	for _, buf := range b.all {
		buf.Delete()
	}
	for _, buf := range []*gl.Buffer{b.counts, b.gate} {
		if buf != nil {
			buf.Delete()
		}
	}
	b.all, b.counts, b.gate = nil, nil, nil
	b.buf, b.sBuf = Buffers{}, [2]*gl.Buffer{}
	b.dev.phi, b.dev.gain, b.dev.mean, b.dev.trace = nil, nil, nil, nil
	b.dev.rowPtr, b.dev.csr = nil, nil
	b.dev.bg, b.dev.h, b.dev.fbU = nil, nil, nil
	b.net = nil
}

// Close implements engine.Backend. It frees the buffers and programs, and
// closes the context when NewBackend made it.
func (b *Backend) Close() error {
	err := b.c.Do(func() error {
		b.freeBuffers()
		b.deletePrograms()
		return nil
	})
	if errors.Is(err, gl.ErrClosed) {
		err = nil
	}
	if b.owns {
		if cerr := b.c.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// State implements engine.Backend.
func (b *Backend) State(dst *engine.State) error {
	if b.net == nil {
		return errors.New("glbackend: State before Load")
	}
	S, E, N := b.net.Spines(), b.net.Edges(), b.net.N
	dst.S = resize(dst.S, S)
	dst.X = resize(dst.X, S)
	dst.Events = resize(dst.Events, S)
	dst.Z = resize(dst.Z, S)
	dst.W = resize(dst.W, E)
	dst.E = resize(dst.E, E)
	dst.B = resize(dst.B, N)
	dst.H = resize(dst.H, N)
	ev := make([]uint32, S)
	we := make([]float32, 2*E)
	gz := make([]float32, 2*S)
	err := b.c.Do(func() error {
		return errors.Join(
			gl.Download(b.sBuf[0], 0, dst.S),
			gl.Download(b.dev.trace, 0, dst.X),
			gl.Download(b.buf.Events, 0, ev),
			gl.Download(b.dev.mean, 0, gz),
			gl.Download(b.buf.EdgeState, 0, we),
			gl.Download(b.dev.bg, 0, dst.B),
			gl.Download(b.dev.h, 0, dst.H),
		)
	})
	for k, a := range ev {
		dst.Events[k] = uint8(a)
		dst.Z[k] = gz[2*k+1]
	}
	for i := 0; i < E; i++ {
		dst.W[i], dst.E[i] = we[2*i], we[2*i+1]
	}
	return err
}

// SetState implements engine.Backend.
func (b *Backend) SetState(src *engine.State) error {
	if b.net == nil {
		return errors.New("glbackend: SetState before Load")
	}
	if err := src.Check(b.net); err != nil {
		return fmt.Errorf("glbackend: SetState: %w", err)
	}
	E := b.net.Edges()
	ev := make([]uint32, len(src.Events))
	for k, a := range src.Events {
		ev[k] = uint32(a)
	}
	we := make([]float32, 2*E)
	for i := 0; i < E; i++ {
		we[2*i], we[2*i+1] = src.W[i], src.E[i]
	}
	gz := make([]float32, 2*len(src.Z)) // the growth is refilled at a Run's first frame
	for k, z := range src.Z {
		gz[2*k+1] = z
	}
	return b.c.Do(func() error {
		return errors.Join(
			gl.Upload(b.sBuf[0], 0, src.S),
			gl.Upload(b.dev.trace, 0, src.X),
			gl.Upload(b.buf.Events, 0, ev),
			gl.Upload(b.dev.mean, 0, gz),
			gl.Upload(b.buf.EdgeState, 0, we),
			gl.Upload(b.dev.bg, 0, src.B),
			gl.Upload(b.dev.h, 0, src.H),
		)
	})
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// ensure returns *buf, reallocated when smaller than bytes. Call inside Do.
func (b *Backend) ensure(buf **gl.Buffer, name string, bytes int) (*gl.Buffer, error) {
	if *buf != nil && (*buf).Size() >= bytes {
		return *buf, nil
	}
	if *buf != nil {
		(*buf).Delete()
		*buf = nil
	}
	nb, err := b.c.NewBuffer(name, bytes)
	if err != nil {
		return nil, err
	}
	*buf = nb
	return nb, nil
}

// clearBuffer zero-fills the first bytes (a multiple of 4) of buf. Call inside Do.
func clearBuffer(buf *gl.Buffer, bytes int) {
	if bytes == 0 {
		return
	}
	ogl.MemoryBarrier(ogl.BUFFER_UPDATE_BARRIER_BIT)
	ogl.BindBuffer(ogl.COPY_WRITE_BUFFER, buf.ID())
	ogl.ClearBufferSubData(ogl.COPY_WRITE_BUFFER, ogl.R32UI, 0, bytes, ogl.RED_INTEGER, ogl.UNSIGNED_INT, nil)
	ogl.BindBuffer(ogl.COPY_WRITE_BUFFER, 0)
}

// bindAll binds every array to its binding point, s of the step before at
// SpineS. Call inside Do.
func (b *Backend) bindAll() {
	for name, buf := range map[string]*gl.Buffer{
		blockPhi: b.dev.phi, blockGain: b.dev.gain, blockMean: b.dev.mean, blockS: b.sBuf[0], blockSNext: b.sBuf[1],
		blockTrace:  b.dev.trace,
		blockEvents: b.buf.Events, blockRowPtr: b.dev.rowPtr, blockCSR: b.dev.csr,
		blockEdgeSpines: b.buf.EdgeSpines, blockEdgeState: b.buf.EdgeState, blockBg: b.dev.bg, blockH: b.dev.h,
		blockFbU:    b.dev.fbU,
		blockCounts: b.counts, blockGate: b.gate,
	} {
		buf.BindBase(b.binding[name])
	}
}

// Run implements engine.Backend. All steps of the segment are issued in one
// Context.Do; it returns when the device has finished them.
func (b *Backend) Run(seg *engine.Segment, counts []uint16) error {
	if err := seg.Check(b.net, counts); err != nil {
		return err
	}
	S, N := b.net.Spines(), b.net.N
	bins := 0
	if seg.Record {
		bins = seg.Bins()
	}
	err := b.c.Do(func() error {
		if err := b.prepare(seg, bins); err != nil {
			return err
		}
		b.setStepConstants(seg)
		if cur := b.steps(seg); cur != 0 {
			// Keep the state in sBuf[0] between Runs, where Buffers().S points.
			b.sBuf[0].CopyFrom(b.sBuf[1], 4*S)
		}
		if bins > 0 {
			b.countsU = resize(b.countsU, bins*N)
			if err := gl.Download(b.counts, 0, b.countsU); err != nil {
				return err
			}
		} else {
			b.c.Finish()
		}
		return b.c.CheckError(fmt.Sprintf("running %d steps", seg.Steps))
	})
	if err != nil {
		return err
	}
	for i, c := range b.countsU[:bins*N] {
		counts[i] = uint16(min(c, math.MaxUint16))
	}
	return nil
}

// prepare uploads what the segment brings (the gains, the feedback's u,
// the gate), clears the counts of its bins, binds the buffers and computes
// the task gain when the task's orientation changed. Call inside Do.
func (b *Backend) prepare(seg *engine.Segment, bins int) error {
	net, p := b.net, &b.p
	S, N := net.Spines(), net.N
	if seg.Gain != nil {
		if err := gl.Upload(b.dev.h, 0, seg.Gain); err != nil {
			return err
		}
	}
	if seg.Feedback != nil && (!b.fbOK || b.fbA != seg.TaskA) {
		// u(theta_i) in Go, uploaded: the same float32 values as the CPU's.
		u := make([]float32, N)
		for i, th := range net.Theta {
			u[i] = model.FeedbackU(p, th, seg.TaskA)
		}
		if err := gl.Upload(b.dev.fbU, 0, u); err != nil {
			return err
		}
		b.fbA, b.fbOK = seg.TaskA, true
	}
	if _, err := b.ensure(&b.gate, "segment gate", 4*max(seg.Steps, 1)); err != nil {
		return err
	}
	if err := gl.Upload(b.gate, 0, seg.Gate[:seg.Steps]); err != nil {
		return err
	}
	if _, err := b.ensure(&b.counts, "spike counts", 4*max(bins*N, 1)); err != nil {
		return fmt.Errorf("%w; record fewer bins per segment or fewer neurons", err)
	}
	clearBuffer(b.counts, 4*bins*N)
	b.bindAll()

	if seg.Task && (!b.gainOK || b.gainA != seg.TaskA) {
		g := b.progGain
		g.SetFloat("uKappa", p.Kappa)
		g.SetFloat("uBeta", p.Beta)
		g.SetFloat("uTaskA", seg.TaskA)
		g.SetFloat("uHalfPi", math.Pi/2)
		g.Dispatch1D(S)
		b.c.Barrier()
		b.gainA, b.gainOK = seg.TaskA, true
	}
	return nil
}

// steps runs the segment's steps and its end-of-segment decay; it returns
// which of sBuf holds the spine potentials after them. Call inside Do.
func (b *Backend) steps(seg *engine.Segment) (cur int) {
	p := &b.p
	S, E, N := b.net.Spines(), b.net.Edges(), b.net.N
	cur = 0
	lastFrame := -2
	es := model.NewEScale()
	for t := 0; t < seg.Steps; t++ {
		if fi, frame := seg.FrameAt(t); fi != lastFrame {
			pr := b.progProb
			blank := frame != frame
			if blank {
				frame = 0
			}
			pr.SetFloat("uFrame", frame)
			pr.SetUint("uBlank", boolU(blank))
			pr.SetUint("uTask", boolU(seg.Task))
			pr.Dispatch1D(S)
			b.c.Barrier()
			lastFrame = fi
		}
		step := seg.Step0 + uint64(t)
		b.sBuf[cur].BindBase(b.binding[blockS])
		b.sBuf[1-cur].BindBase(b.binding[blockSNext])
		sp := b.progSpines
		sp.SetU64("uStep", step)
		sp.SetUint("uT", uint32(t))
		sp.SetFloat("uD", es.D)
		sp.Dispatch1D(S)
		b.c.Barrier()
		// Edges and neurons read this step's events and potentials and write
		// disjoint arrays: no barrier between them.
		fold := es.Step(p)
		ed := b.progEdges
		ed.SetFloat("uD", es.D)
		ed.SetFloat("uInvD", es.Inv)
		ed.Dispatch1D(E)
		ne := b.progNeurons
		ne.SetU64("uStep", step)
		ne.SetFloat("uShared", seg.SharedAt(t))
		ne.SetFloat("uFeedback", seg.FeedbackAt(t))
		if seg.Record {
			ne.SetUint("uBinOffset", uint32(t/seg.BinSteps*N))
		}
		ne.Dispatch1D(N)
		b.c.Barrier()
		cur = 1 - cur
		if fold {
			b.sBuf[cur].BindBase(b.binding[blockS])
			b.decay(seg, model.SegmentDecay{}, es.D)
			b.c.Barrier()
			es.Reset()
		}
	}
	f := seg.EndDecay(p)
	if fe := es.End(f); f.ITI || f.LearnW || fe != 1 {
		b.sBuf[cur].BindBase(b.binding[blockS])
		b.decay(seg, f, fe)
		b.c.Barrier()
	}
	return cur
}

// setStepConstants sets the uniforms that stay fixed over a segment. Call inside Do.
func (b *Backend) setStepConstants(seg *engine.Segment) {
	p := &b.p
	pr := b.progProb
	pr.SetFloat("uRate0", p.Rate0Hz)
	pr.SetFloat("uPeak", p.PeakHz)
	pr.SetFloat("uDt", p.DtS)
	pr.SetFloat("uKappa", p.Kappa)

	sp := b.progSpines
	sp.SetUvec2("uKey", p.Key[0], p.Key[1])
	sp.SetFloat("uSDecay", p.SDecay)
	sp.SetFloat("uSLat", p.SLat)
	sp.SetFloat("uQ", p.Q)
	sp.SetFloat("uCDecay", p.CDecay)
	sp.SetFloat("uGLat", p.GLat)
	sp.SetUint("uLateral", boolU(!seg.BlockLat && p.GLat > 0))
	sp.SetUint("uDiffusive", boolU(p.Diffusive))

	ed := b.progEdges
	ed.SetFloat("uJE", p.JE)
	ed.SetFloat("uEtaW", p.EtaW)
	ed.SetFloat("uCNorm", p.CNorm)
	ed.SetUint("uGrow", boolU(seg.Learn && !seg.BlockForm))

	ne := b.progNeurons
	ne.SetUvec2("uKey", p.Key[0], p.Key[1])
	ne.SetUint("uM", uint32(b.net.M))
	ne.SetFloat("uHalfInvM", 0.5/float32(b.net.M))
	ne.SetFloat("uBgDecay", p.BgDecayPerStep)
	ne.SetFloat("uBgNoise", p.BgNoisePerStep)
	ne.SetFloat("uRateGain", p.RateGainHz)
	ne.SetFloat("uThreshold", p.RateThreshold)
	ne.SetFloat("uDt", p.DtS)
	ne.SetUint("uRecord", boolU(seg.Record))
	ne.SetUint("uBinOffset", 0)
}

// decay issues the end of a segment (an analytic inter-trial interval, the
// structural decay and the factor fe of every stored e, model.EScale.End), with
// the factors f computed in float32 exactly as cpu.Backend computes them
// (engine.Segment.EndDecay); with a zero f, it only multiplies e by fe (the
// fold of a long segment's D). Call inside Do.
func (b *Backend) decay(seg *engine.Segment, f model.SegmentDecay, fe float32) {
	p := &b.p
	S, E, N := b.net.Spines(), b.net.Edges(), b.net.N
	d := b.progDecay
	d.SetUvec2("uKey", p.Key[0], p.Key[1])
	d.SetU64("uStep", seg.Step0+uint64(seg.Steps))
	d.SetUint("uSpines", uint32(S))
	d.SetUint("uEdges", uint32(E))
	d.SetUint("uNeurons", uint32(N))
	d.SetUint("uITI", boolU(f.ITI))
	d.SetUint("uLearnW", boolU(f.LearnW))
	d.SetFloat("uSBlank", p.SBlank)
	d.SetFloat("uFs", f.S)
	d.SetFloat("uEScale", fe)
	d.SetFloat("uFc", f.C)
	d.SetFloat("uFw", f.W)
	d.SetFloat("uFb", f.B)
	d.SetFloat("uNb", f.Noise)
	d.Dispatch1D(max(S, E, N))
}

func boolU(v bool) uint32 {
	if v {
		return 1
	}
	return 0
}

var _ engine.Backend = (*Backend)(nil)
var _ engine.Bandwidther = (*Backend)(nil)
