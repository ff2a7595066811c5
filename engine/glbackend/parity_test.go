package glbackend

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/enginetest"
	"github.com/iplgpu/iplgpu/engine/gl/gltest"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/internal/npy"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/simrun"
)

// Tolerances of the GL backend against the CPU reference.
//
// Events: none may differ. The probabilities are computed once per frame with
// vmCR (double precision rounded once to float32, as Go rounds) and compared
// with the same Philox word, so a flip needs a tie within ~1e-16 of a float32
// rounding boundary.
//
// Spine potentials s, weights w, efficacies e, backgrounds b: relative 1e-5
// (absolute 1e-6 near 0). Both backends compute in float32, sum each lateral row
// in the same ascending-partner order and each neuron's spines in spine order,
// and the kernels mark every sum precise so the compiler cannot fuse
// multiply-adds. The division by sum(alpha) > 1 in the lateral term, which
// GLSL does not promise to round correctly (2.5 ulp allowed; NVIDIA uses a
// reciprocal), goes through crDiv (double, rounded once), so it is Go's; a
// device that rounds a float32 product or sum differently (none should) would
// put its error into s scaled by dt/tau_s g_lat < 1, decaying with the spine's
// time constant, so s would stay within a few ulp (< 1e-6 relative); 1e-5
// leaves a margin of ten. On Mesa llvmpipe the state is bit-identical.
//
// Spike counts: the same Philox uniforms and the Poisson inversion with the cr*
// helpers; a count can differ only when its uniform lies within the rate's
// rounding difference (~1e-6 relative) of a step of the Poisson CDF, so at most
// one bin in a thousand may differ (none on llvmpipe).
const (
	stateRelTol         = 1e-5
	stateAbsTol         = 1e-6
	countMismatchPerMil = 1
)

// diffStats compares two float32 arrays: how many differ bit for bit, the
// largest absolute and relative difference, and how many are outside tolerance.
type diffStats struct {
	n, differ, outside int
	maxAbs, maxRel     float64
}

func compareF32(a, b []float32) diffStats {
	d := diffStats{n: len(a)}
	for i := range a {
		if math.Float32bits(a[i]) == math.Float32bits(b[i]) {
			continue
		}
		d.differ++
		x, y := float64(a[i]), float64(b[i])
		ad := math.Abs(x - y)
		d.maxAbs = max(d.maxAbs, ad)
		if m := max(math.Abs(x), math.Abs(y)); m > 0 {
			d.maxRel = max(d.maxRel, ad/m)
		}
		if !scalar.EqualWithinAbsOrRel(x, y, stateAbsTol, stateRelTol) {
			d.outside++
		}
	}
	return d
}

func checkDiff(t *testing.T, what string, d diffStats) {
	t.Helper()
	t.Logf("%-22s %7d values, %5d differ bitwise, max |diff| %.3g, max rel %.3g", what, d.n, d.differ, d.maxAbs, d.maxRel)
	if d.outside > 0 {
		t.Errorf("%s: %d of %d values differ from the CPU by more than rel %g / abs %g (max rel %.3g)", what, d.outside, d.n, stateRelTol, stateAbsTol, d.maxRel)
	}
}

func loadBoth(t *testing.T, net *model.Network, p model.Params) (ref engine.Backend, gpu *Backend) {
	t.Helper()
	ref = cpu.New(0)
	gpu = newTestBackend(t)
	t.Cleanup(func() { gpu.Close() })
	for _, be := range []engine.Backend{ref, gpu} {
		if err := be.Load(net, p); err != nil {
			t.Fatal(err)
		}
	}
	return ref, gpu
}

func stateOf(t *testing.T, be engine.Backend) *engine.State {
	t.Helper()
	var st engine.State
	if err := be.State(&st); err != nil {
		t.Fatal(err)
	}
	return &st
}

// runBoth runs seg, recording the counts of n neurons, on the CPU and the GL
// backend, and returns their counts and their states after it.
func runBoth(t *testing.T, cpu engine.Backend, gpu *Backend, seg *engine.Segment, n int) (cc, gc []uint16, a, b *engine.State) {
	t.Helper()
	cc = make([]uint16, seg.Bins()*n)
	gc = make([]uint16, seg.Bins()*n)
	if err := cpu.Run(seg, cc); err != nil {
		t.Fatal(err)
	}
	if err := gpu.Run(seg, gc); err != nil {
		t.Fatal(err)
	}
	return cc, gc, stateOf(t, cpu), stateOf(t, gpu)
}

// parityFrames is a frame sequence with orientation changes, A, B and a blank.
var parityFrames = []float32{0.3, float32(math.Pi / 4), 2.1, float32(math.NaN()), float32(3 * math.Pi / 4), 1.2, 0.05, 2.9, float32(math.NaN()), 1.6}

// TestParityWithCPU runs the same network on the CPU and GL backends for 50
// steps (learning on, task mode, frames changing, gate varying), first as
// one-step segments to compare every step's events, then as one recorded
// segment with an inter-trial decay, a varying shared gain and a varying
// feedback term, and compares s,
// the coincidence traces x, w, e, b and the counts. A step of 2 ms and strong
// drive give counts above 1 and many coincidences.
func TestParityWithCPU(t *testing.T) {
	gltest.Need(t)
	for _, coupling := range []string{"additive", "diffusive"} {
		t.Run(coupling, func(t *testing.T) {
			// w_init 0.5 and eta_w 0.05 make the lateral sums large (den > 1 on
			// some spines) and learning visible within 50 steps.
			cfg, net := enginetest.SmallNetwork(t, "network.neurons=120", "network.spines_per_neuron=16",
				"dynamics.w_init=0.5", "dynamics.eta_w=0.05", "dynamics.lambda_w_per_s=0.2", "dynamics.afferent_peak_hz=80",
				"dynamics.dt_ms=2",
				"dynamics.coupling="+coupling)
			p := model.ParamsFromConfig(cfg)
			cpu, gpu := loadBoth(t, net, p)
			const steps = 50
			gate := func(t int) float32 { return 0.6 + 0.4*float32(math.Sin(float64(t)/7)) }

			// One step per segment: events and s after every step.
			evMismatch, evTotal, evOn, divided := 0, 0, 0, 0
			var sDiff diffStats
			for s := 0; s < steps; s++ {
				divided += spinesDividing(net, stateOf(t, cpu), gate(s))
				seg := enginetest.Segment(uint64(s), 1, parityFrames[s/5], gate(s))
				seg.Task, seg.TaskA, seg.Learn = true, math.Pi/4, true
				for _, be := range []engine.Backend{cpu, gpu} {
					if err := be.Run(seg, nil); err != nil {
						t.Fatal(err)
					}
				}
				a, b := stateOf(t, cpu), stateOf(t, gpu)
				for k := range a.Events {
					if a.Events[k] != b.Events[k] {
						evMismatch++
					}
					evOn += int(a.Events[k])
				}
				evTotal += len(a.Events)
				d := compareF32(a.S, b.S)
				sDiff.n += d.n
				sDiff.differ += d.differ
				sDiff.outside += d.outside
				sDiff.maxAbs, sDiff.maxRel = max(sDiff.maxAbs, d.maxAbs), max(sDiff.maxRel, d.maxRel)
			}
			t.Logf("afferent events: %d of %d differ (%d events); %d spine updates divided by sum(alpha) > 1", evMismatch, evTotal, evOn, divided)
			if evMismatch != 0 {
				t.Errorf("%d of %d afferent events differ from the CPU backend's, want 0", evMismatch, evTotal)
			}
			checkDiff(t, "s after each step", sDiff)

			// One segment of 50 steps, 5 steps per frame and per bin, then a decay.
			g := make([]float32, steps)
			for i := range g {
				g[i] = gate(steps + i)
			}
			shared := make([]float32, steps)
			for i := range shared {
				shared[i] = 1 + 0.3*float32(math.Cos(float64(i)/5))
			}
			// A varying feedback term (docs/model.md section 7.2): V_i += F u(theta_i).
			fb := make([]float32, steps)
			for i := range fb {
				fb[i] = 0.4 * float32(math.Sin(float64(i)/3))
			}
			seg := &engine.Segment{Step0: steps, Steps: steps, FrameSteps: 5, Frames: parityFrames, Gate: g, Shared: shared,
				Feedback: fb, Task: true, TaskA: math.Pi / 4, Learn: true, Record: true, BinSteps: 5, DecayS: 0.7}
			cc, gc, a, b := runBoth(t, cpu, gpu, seg, net.N)
			checkDiff(t, "s after the segment", compareF32(a.S, b.S))
			checkDiff(t, "x", compareF32(a.X, b.X))
			checkDiff(t, "w", compareF32(a.W, b.W))
			checkDiff(t, "e", compareF32(a.E, b.E))
			checkDiff(t, "b", compareF32(a.B, b.B))
			checkExact(t, "afferent residual z", a.Z, b.Z)
			var grown int
			for _, w := range a.W {
				if w > p.WInit {
					grown++
				}
			}
			cMismatch, spikes := 0, 0
			for i := range cc {
				if cc[i] != gc[i] {
					cMismatch++
				}
				spikes += int(cc[i])
			}
			t.Logf("counts: %d of %d bins differ (%d spikes); %d of %d edges grew", cMismatch, len(cc), spikes, grown, len(a.W))
			if cMismatch*1000 > countMismatchPerMil*len(cc) {
				t.Errorf("%d of %d count bins differ from the CPU backend's, want at most %d per mil", cMismatch, len(cc), countMismatchPerMil)
			}
			if spikes == 0 || grown == 0 || divided == 0 {
				t.Errorf("%d spikes, %d grown edges, %d divisions: the comparison proves little", spikes, grown, divided)
			}
		})
	}
}

// TestParitySplitDispatch repeats a recorded segment with the work-group count
// limit lowered to 3, so that every pass is split over several glDispatchCompute
// calls (Dispatch1D's uInvocationBase), and checks that the state and counts are
// still the CPU backend's.
func TestParitySplitDispatch(t *testing.T) {
	c := gltest.Need(t)
	cfg, net := enginetest.SmallNetwork(t, "network.neurons=300", "network.spines_per_neuron=8", "dynamics.w_init=0.5", "dynamics.eta_w=0.05")
	p := model.ParamsFromConfig(cfg)
	ref, gpu := loadBoth(t, net, p)
	lowered := c.Limits()
	lowered.MaxWorkGroupCount[0] = 3
	defer c.SetLimits(c.SetLimits(lowered))
	// 2400 spines in groups of 256 need 10 groups (4 dispatches), 300 neurons
	// in groups of 64 need 5 (2 dispatches).
	seg := &engine.Segment{Steps: 20, FrameSteps: 4, Frames: parityFrames, Gate: fullGate(20),
		Task: true, TaskA: 0.3, Learn: true, Record: true, BinSteps: 5, DecayS: 0.3}
	cc, gc, a, b := runBoth(t, ref, gpu, seg, net.N)
	checkDiff(t, "s", compareF32(a.S, b.S))
	checkDiff(t, "w", compareF32(a.W, b.W))
	checkDiff(t, "b", compareF32(a.B, b.B))
	differ := 0
	for i := range cc {
		if cc[i] != gc[i] {
			differ++
		}
	}
	if differ*1000 > countMismatchPerMil*len(cc) {
		t.Errorf("%d of %d count bins differ from the CPU backend's with split dispatches", differ, len(cc))
	}
}

// TestParityEScaleFold runs a segment long enough that the lazy decay of e
// (model.EScale) reaches its floor and is folded into e inside the segment
// (tau_e of one step), with learning and an inter-trial decay at its end, and
// checks the GL state against the CPU's.
func TestParityEScaleFold(t *testing.T) {
	gltest.Need(t)
	cfg, net := enginetest.SmallNetwork(t, "network.neurons=200", "network.spines_per_neuron=8", "dynamics.tau_e_ms=10",
		"dynamics.w_init=0.5", "dynamics.eta_w=0.05", "dynamics.j_e=0.5", "dynamics.afferent_peak_hz=80")
	p := model.ParamsFromConfig(cfg)
	const steps = 150
	if folds := math.Log(model.EScaleFloor) / math.Log(float64(p.EDecayPerStep)); folds > steps/2 {
		t.Fatalf("e's scale folds after %.0f steps: the segment of %d does not fold it twice", folds, steps)
	}
	ref, gpu := loadBoth(t, net, p)
	seg := &engine.Segment{Steps: steps, FrameSteps: 5, Frames: parityFrames, Gate: fullGate(steps),
		Task: true, TaskA: math.Pi / 4, Learn: true, Record: true, BinSteps: 5, DecayS: 0.4}
	_, _, a, b := runBoth(t, ref, gpu, seg, net.N)
	checkDiff(t, "s", compareF32(a.S, b.S))
	checkDiff(t, "w", compareF32(a.W, b.W))
	checkDiff(t, "e", compareF32(a.E, b.E))
	checkExact(t, "afferent residual z", a.Z, b.Z)
	nonzero := 0
	for _, e := range a.E {
		if e > 0 {
			nonzero++
		}
	}
	if nonzero == 0 {
		t.Error("every e is 0 after the segment: the comparison proves little")
	}
}

// fullGate is the gate of a task segment of n steps: m = 1 throughout.
func fullGate(n int) []float32 {
	g := make([]float32, n)
	for i := range g {
		g[i] = 1
	}
	return g
}

// checkExact requires two arrays of products of equally rounded factors (the
// afferent residuals) to be equal bit for bit.
func checkExact(t *testing.T, what string, a, b []float32) {
	t.Helper()
	if d := compareF32(a, b); d.differ > 0 {
		t.Errorf("%s: %d of %d values differ from the CPU's (max rel %.3g), want none", what, d.differ, d.n, d.maxRel)
	}
}

// spinesDividing counts the spines whose lateral sum of alpha exceeds 1 under
// gate m: the ones whose lateral term takes the division.
func spinesDividing(net *model.Network, st *engine.State, m float32) int {
	n := 0
	for k := 0; k < net.Spines(); k++ {
		var den float32
		for j := net.RowPtr[k]; j < net.RowPtr[k+1]; j++ {
			ed := net.EdgeOf[j]
			den += m * (st.W[ed] * st.E[ed])
		}
		if den > 1 {
			n++
		}
	}
	return n
}

// TestParityLongRun runs a small experiment through engine.Simulate on both
// backends (40 learning trials, then 160 recorded task trials at coherence
// +-0.3) and compares the population mean rate (within 2%) and the
// bias-corrected linear Fisher information about the sign of the coherence (each
// backend's estimate inside the other's 68% interval, +-1 sd).
func TestParityLongRun(t *testing.T) {
	gltest.Need(t)
	if testing.Short() {
		t.Skip("long parity run skipped in -short mode")
	}
	cfg, err := model.LoadConfig("", "", []string{"network.neurons=30", "network.spines_per_neuron=16", "seed=7"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Protocol = model.ProtocolConfig{
		Sessions: 1,
		Session: []model.BlockConfig{
			{Name: "train", Mode: "task", Trials: 40, Coherences: []float64{0.3}, Learning: true},
			{Name: "task", Mode: "task", Trials: 160, Coherences: []float64{0.3}, Record: true},
		},
	}
	cfg.Output.WSnapshots = false
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	type result struct {
		rate     float64
		info, sd float64
		resp     []uint16
	}
	run := func(name string, be engine.Backend) result {
		out := filepath.Join(dir, name)
		t0 := time.Now()
		if _, err := simrun.Create(context.Background(), cfg, be, out, engine.SimulateOptions{}); err != nil {
			t.Fatal(err)
		}
		shape, data, err := npy.Read(filepath.Join(out, "responses.npy"))
		if err != nil {
			t.Fatal(err)
		}
		elapsed := time.Since(t0)
		resp := data.([]uint16)
		rows, bins, N := shape[0], shape[1], shape[2]
		coh := recordedCoherence(t, filepath.Join(out, "trials.csv"), rows)
		var plus, minus []float64
		var total float64
		for r := 0; r < rows; r++ {
			row := make([]float64, N)
			for b := 0; b < bins; b++ {
				for i := 0; i < N; i++ {
					row[i] += float64(resp[(r*bins+b)*N+i])
				}
			}
			for _, v := range row {
				total += v
			}
			if coh[r] > 0 {
				plus = append(plus, row...)
			} else {
				minus = append(minus, row...)
			}
		}
		trialS := float64(bins) * cfg.Stimulus.BinMs / 1000
		res := result{rate: total / float64(rows*N) / trialS, resp: resp}
		st, err := fisher.NewStats(mat.NewDense(len(plus)/N, N, plus), mat.NewDense(len(minus)/N, N, minus), nil, 2*0.3, true)
		if err != nil {
			t.Fatal(err)
		}
		est, err := st.EstimateSubset(st.Active())
		if err != nil {
			t.Fatal(err)
		}
		res.info, res.sd = est.Real, math.Sqrt(est.RealVar)
		t.Logf("%s (%.1f s): %d recorded trials (%d +c, %d -c), %d neurons (%d active): mean rate %.3f Hz, I_real %.2f ± %.2f (1/coherence^2)",
			be.Name(), elapsed.Seconds(), rows, len(plus)/N, len(minus)/N, N, len(st.Active()), res.rate, res.info, res.sd)
		return res
	}
	c := run("cpu", cpu.New(0))
	gpu := newTestBackend(t)
	defer gpu.Close()
	g := run("gl", gpu)

	differ := 0
	for i := range c.resp {
		if c.resp[i] != g.resp[i] {
			differ++
		}
	}
	t.Logf("responses: %d of %d counts differ; rate ratio gl/cpu %.5f; I_real difference %.3g (sd %.3g cpu, %.3g gl)",
		differ, len(c.resp), g.rate/c.rate, g.info-c.info, c.sd, g.sd)
	if math.Abs(g.rate/c.rate-1) > 0.02 {
		t.Errorf("mean rate %.3f Hz on GL, %.3f Hz on the CPU: more than 2%% apart", g.rate, c.rate)
	}
	if d := math.Abs(g.info - c.info); d > c.sd || d > g.sd {
		t.Errorf("I_real %.2f ± %.2f on GL, %.2f ± %.2f on the CPU: not inside each other's 68%% intervals", g.info, g.sd, c.info, c.sd)
	}
}

// recordedCoherence reads the signed coherence of each recorded trial (by row)
// from a run's trials.csv.
func recordedCoherence(t *testing.T, path string, rows int) []float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	trials, err := rundir.ReadTrials(f)
	if err != nil {
		t.Fatal(err)
	}
	coh := make([]float64, rows)
	seen := 0
	for _, tr := range trials {
		if !tr.Recorded || tr.Row < 0 || tr.Row >= rows {
			continue
		}
		coh[tr.Row] = tr.Coherence
		seen++
	}
	if seen != rows {
		t.Fatalf("%s lists %d recorded trials, responses.npy holds %d", path, seen, rows)
	}
	return coh
}

// TestParityFeedbackRun runs a short experiment with both mechanisms (IPLs
// and the fed-back belief, docs/model.md section 7) through engine.Simulate on
// both backends and requires identical spike counts: the belief is computed
// once on the host and both backends add the same float32 term. A strong
// k_max makes the term move the counts (checked against a run without it).
func TestParityFeedbackRun(t *testing.T) {
	gltest.Need(t)
	sets := []string{"network.neurons=40", "network.spines_per_neuron=8", "seed=3", "mechanism=both",
		"feedback.k_max=0.3", "feedback.eta_fb=0.5", "output.w_snapshots=false"}
	mk := func(extra ...string) *model.Config {
		cfg, err := model.LoadConfig("", "", append(append([]string{}, sets...), extra...))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Protocol = model.ProtocolConfig{
			Sessions: 1,
			Session: []model.BlockConfig{
				{Name: "train", Mode: "task", Trials: 4, Coherences: []float64{0.3}, Learning: true},
				{Name: "task", Mode: "task", Trials: 6, Coherences: []float64{0.3}, Record: true, Frames: "frozen", Sequences: 1},
				{Name: "passive", Mode: "passive", Trials: 2, Coherences: []float64{0.3}, Record: true},
			},
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	dir := t.TempDir()
	run := func(name string, cfg *model.Config, be engine.Backend) []uint16 {
		out := filepath.Join(dir, name)
		if _, err := simrun.Create(context.Background(), cfg, be, out, engine.SimulateOptions{}); err != nil {
			t.Fatal(err)
		}
		_, data, err := npy.Read(filepath.Join(out, "responses.npy"))
		if err != nil {
			t.Fatal(err)
		}
		return data.([]uint16)
	}
	cfg := mk()
	a := run("cpu", cfg, cpu.New(0))
	b := run("gl", cfg, newTestBackend(t))
	ipl := run("ipl", mk("mechanism=ipl"), cpu.New(0))
	differ, fromIPL := 0, 0
	for i := range a {
		if a[i] != b[i] {
			differ++
		}
		if a[i] != ipl[i] {
			fromIPL++
		}
	}
	t.Logf("%d of %d count bins differ between the backends; %d differ from the run without feedback", differ, len(a), fromIPL)
	if differ != 0 {
		t.Errorf("%d of %d count bins differ between the CPU and GL backends under mechanism both", differ, len(a))
	}
	if fromIPL == 0 {
		t.Errorf("the feedback changed no count: the comparison proves nothing")
	}
}
