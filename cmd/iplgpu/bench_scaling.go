package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/glbackend"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/report"
	"github.com/iplgpu/iplgpu/rundir"
)

// Files of a scaling run's output directory.
const (
	scalingCSV    = "bench.csv"
	scalingFigure = "scaling" // .png and .svg
)

// scalingOptions are the flags of `iplgpu bench -scaling`.
type scalingOptions struct {
	backends           []string
	nMin, nMax         int
	perDecade, m       int
	minSteps, maxSteps int
	seconds            float64
	rounds             int
	dense              bool
	denseMaxBytes      int64
	memFrac            float64
	maxTime            time.Duration
	fitMin             int
	out                string
}

// scalingTarget is one backend of a scaling run and what its device holds.
type scalingTarget struct {
	name     string // cpu, gl
	be       engine.Backend
	hostMem  bool  // its arrays live in host memory (the CPU, a software GL)
	devFree  int64 // free device memory (when !hostMem)
	blockMax int64 // largest storage binding (GL), 0 for none
	// Time of the last dense baseline (wall, with the fill) and its size, to
	// predict the next.
	denseSec float64
	denseN   int
	denseOff string // why the dense baseline stopped, once it has
}

// sizePlan is what the memory estimate allows at one size.
type sizePlan struct {
	n, spines   int
	edges       int64 // expected candidate contacts
	hostBytes   int64 // network, CPU state and build temporaries (model.EstimateBytes)
	glBytes     int64 // GL backend's device arrays
	denseBytes  int64
	hostOK      bool
	glWhy       string // why the GL backend cannot take this size ("" if it can)
	denseHostOK bool
	denseGLOK   bool
}

// scalingFlags are the flags of iplgpu bench -scaling as given.
type scalingFlags struct {
	backends                        string
	nMin, nMax, perDecade, m        int
	steps, minSteps, rounds, fitMin int
	seconds, denseGiB, memFrac      float64
	dense                           bool
	maxTime                         time.Duration
	out                             string
}

func parseScalingFlags(f scalingFlags) (*scalingOptions, error) {
	backends, nMin, nMax, perDecade, steps, minSteps := f.backends, f.nMin, f.nMax, f.perDecade, f.steps, f.minSteps
	seconds, rounds, denseGiB, memFrac, maxTime, out := f.seconds, f.rounds, f.denseGiB, f.memFrac, f.maxTime, f.out
	o := &scalingOptions{nMin: nMin, nMax: nMax, perDecade: perDecade, m: f.m, minSteps: minSteps, maxSteps: steps, seconds: seconds, rounds: rounds,
		dense: f.dense, denseMaxBytes: int64(denseGiB * (1 << 30)), memFrac: memFrac, maxTime: maxTime, fitMin: f.fitMin, out: out}
	for _, b := range strings.Split(backends, ",") {
		if b = strings.TrimSpace(b); b != "" {
			o.backends = append(o.backends, b)
		}
	}
	switch {
	case len(o.backends) == 0:
		return nil, fmt.Errorf("-backend %q: name at least one of cpu, gl", backends)
	case nMin < 2 || nMax < nMin:
		return nil, fmt.Errorf("-n-min %d, -n-max %d: want 2 <= n-min <= n-max", nMin, nMax)
	case perDecade < 1 || perDecade > 20:
		return nil, fmt.Errorf("-per-decade %d: allowed 1 to 20", perDecade)
	case minSteps < 1 || steps < minSteps:
		return nil, fmt.Errorf("-min-steps %d, -steps %d: want 1 <= min-steps <= steps", minSteps, steps)
	case !(seconds >= 0):
		return nil, fmt.Errorf("-seconds %g: want 0 or more", seconds)
	case rounds < 1 || rounds > 100:
		return nil, fmt.Errorf("-rounds %d: allowed 1 to 100", rounds)
	case !(memFrac > 0 && memFrac <= 1):
		return nil, fmt.Errorf("-mem-frac %g: allowed (0, 1]", memFrac)
	case !(denseGiB >= 0):
		return nil, fmt.Errorf("-dense-max-gib %g: want 0 or more", denseGiB)
	case maxTime < 0:
		return nil, fmt.Errorf("-max-time %v: want 0 (no limit) or more", maxTime)
	case out == "":
		return nil, fmt.Errorf("-out: name the output directory")
	}
	return o, nil
}

// benchScaling is `iplgpu bench -scaling`: the IPL step of each backend and
// the dense N x N baseline over log-spaced N, up to what memory allows (the
// estimate is printed first) and -max-time; it writes bench.csv, the figure
// and the config to o.out.
func benchScaling(o *scalingOptions, cfg *model.Config, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "iplgpu bench: "+format+"\n", a...)
		return 1
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fail("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sb := &scalingBench{o: o, cfg: cfg, ctx: ctx, stdout: stdout, stderr: stderr, start: time.Now(), dtS: cfg.Dynamics.DtMs / 1000}
	sb.openTargets()
	defer func() {
		for _, t := range sb.targets {
			t.be.Close()
		}
	}()
	if len(sb.targets) == 0 {
		return fail("no backend could run")
	}
	hostAvail, ok := model.AvailableMemory()
	if !ok {
		hostAvail = 8 << 30
		fmt.Fprintf(stderr, "iplgpu bench: cannot read the available memory here; assuming %d GiB\n", hostAvail>>30)
	}
	sb.printHeader()
	plans := sb.planSizes(hostAvail)
	if err := rundir.WriteFileAtomic(filepath.Join(o.out, "config.yaml"), func(w io.Writer) error {
		_, err := w.Write(model.ResolvedYAML(cfg))
		return err
	}); err != nil {
		return fail("%v", err)
	}
	stopped, err := sb.measure(plans)
	if err != nil {
		return fail("%v", err)
	}
	if stopped != "" {
		fmt.Fprintf(stdout, "# stopped: %s\n", stopped)
	}
	if len(sb.rows) == 0 {
		return fail("nothing was measured")
	}
	if err := sb.save(); err != nil {
		return fail("%v", err)
	}
	if err := sb.writeResults(); err != nil {
		return fail("%v", err)
	}
	return 0
}

// scalingBench is one iplgpu bench -scaling: its options, its backends and
// the rows measured so far.
type scalingBench struct {
	o              *scalingOptions
	cfg            *model.Config
	ctx            context.Context
	stdout, stderr io.Writer
	start          time.Time
	dtS            float64 // time step (s)
	targets        []*scalingTarget
	gl             *scalingTarget // the GL target, nil without one
	rows           []engine.ScalingRow
}

// openTargets opens the backends of -backend, skipping those that cannot run.
func (sb *scalingBench) openTargets() {
	for _, name := range sb.o.backends {
		be, err := openBackend(name, io.Discard)
		if err != nil {
			fmt.Fprintf(sb.stderr, "iplgpu bench: %v (skipped)\n", err)
			continue
		}
		t := &scalingTarget{name: name, be: be, hostMem: true}
		if g, ok := be.(*glbackend.Backend); ok {
			t.blockMax = g.Context().Limits().MaxSSBOBlockSize
			if _, free, ok := g.DeviceMemory(); ok && !g.Context().Info().Software {
				t.hostMem, t.devFree = false, free
			}
		}
		sb.targets = append(sb.targets, t)
	}
	for _, t := range sb.targets {
		if t.name == "gl" {
			sb.gl = t
		}
	}
}

// printHeader prints the bench's settings and its backends.
func (sb *scalingBench) printHeader() {
	fmt.Fprintf(sb.stdout, "# iplgpu %s bench -scaling: %d spines per neuron, dt = %g ms, seed %d\n# cpu: %s, %d threads\n",
		model.Version, sb.o.m, sb.dtS*1000, sb.cfg.Seed, cpuModel(), runtime.GOMAXPROCS(0))
	for _, t := range sb.targets {
		where := "host memory"
		if !t.hostMem {
			where = fmt.Sprintf("%.1f GiB of device memory free", float64(t.devFree)/(1<<30))
		}
		fmt.Fprintf(sb.stdout, "# %s: %s (%s)\n", t.name, t.be.Name(), where)
	}
}

// planSizes is the memory plan, before any work: the sizes to measure (the
// last one over the budget, if any, ends the list) and what each can run;
// it prints the plan.
func (sb *scalingBench) planSizes(hostAvail int64) []sizePlan {
	o, gl := sb.o, sb.gl
	budget := int64(o.memFrac * float64(hostAvail))
	var plans []sizePlan
	for _, n := range engine.ScalingSizes(o.nMin, o.nMax, o.perDecade) {
		c := *sb.cfg
		c.Network.Neurons, c.Network.SpinesPerNeuron = n, o.m
		S := n * o.m
		p := sizePlan{n: n, spines: S, edges: int64(float64(S) * c.Network.ContactsPerSpine / 2), hostBytes: model.EstimateBytes(&c), denseBytes: engine.DenseBytes(n)}
		p.glBytes = glbackend.DeviceBytes(int64(S), p.edges, int64(n))
		host := p.hostBytes
		if gl != nil && gl.hostMem {
			host += p.glBytes
		}
		p.hostOK = host <= budget && S <= math.MaxInt32/2
		if gl != nil {
			switch csr := 16 * p.edges; {
			case csr > gl.blockMax:
				p.glWhy = fmt.Sprintf("CSR %.0f MiB > %.0f MiB block limit", float64(csr)/(1<<20), float64(gl.blockMax)/(1<<20))
			case !gl.hostMem && p.glBytes > int64(o.memFrac*float64(gl.devFree)):
				p.glWhy = fmt.Sprintf("%.1f GiB > %.0f%% of the free device memory", float64(p.glBytes)/(1<<30), 100*o.memFrac)
			}
			p.denseGLOK = p.denseBytes <= o.denseMaxBytes && (gl.hostMem && p.denseBytes <= budget || !gl.hostMem && p.denseBytes <= int64(o.memFrac*float64(gl.devFree)))
		}
		p.denseHostOK = p.denseBytes <= o.denseMaxBytes && p.denseBytes <= budget
		plans = append(plans, p)
		if !p.hostOK {
			break // larger sizes need more
		}
	}
	fmt.Fprintf(sb.stdout, "# memory plan (estimates before building): host %.1f GiB available, a size may use %.0f%% (%.1f GiB); dense baseline at most %.1f GiB\n",
		float64(hostAvail)/(1<<30), 100*o.memFrac, float64(budget)/(1<<30), float64(o.denseMaxBytes)/(1<<30))
	tw := tabwriter.NewWriter(sb.stdout, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "#\tneurons\tspines\tcontacts (est.)\thost GiB\tgl device GiB\tdense GiB\truns\t")
	for _, p := range plans {
		fmt.Fprintf(tw, "#\t%d\t%d\t%d\t%.2f\t%.2f\t%.2f\t%s\t\n", p.n, p.spines, p.edges, float64(p.hostBytes)/(1<<30), float64(p.glBytes)/(1<<30), float64(p.denseBytes)/(1<<30), strings.Join(sb.runsOf(p), " "))
	}
	tw.Flush()
	return plans
}

// runsOf says what the plan p runs, for the plan's table.
func (sb *scalingBench) runsOf(p sizePlan) []string {
	var runs []string
	if p.hostOK {
		runs = append(runs, "ipl")
		if p.denseHostOK || p.denseGLOK {
			runs = append(runs, "dense")
		}
	} else {
		runs = append(runs, "no: over the host memory budget")
	}
	if p.hostOK && sb.gl != nil && p.glWhy != "" {
		runs = append(runs, "(no gl: "+p.glWhy+")")
	}
	if p.hostOK && !p.denseHostOK && !p.denseGLOK {
		runs = append(runs, "(no dense: over -dense-max-gib or memory)")
	}
	return runs
}

// save writes the rows so far to scaling.csv, sorted.
func (sb *scalingBench) save() error {
	rows := sb.rows
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Kind != b.Kind {
			return a.Kind == engine.KindIPL
		}
		if a.Backend != b.Backend {
			return a.Backend < b.Backend
		}
		return a.Neurons < b.Neurons
	})
	return writeScalingCSV(filepath.Join(sb.o.out, scalingCSV), rows, sb.dtS, sb.o.m)
}

// remaining is the time left of -max-time.
func (sb *scalingBench) remaining() time.Duration {
	if sb.o.maxTime == 0 {
		return time.Duration(math.MaxInt64)
	}
	return sb.o.maxTime - time.Since(sb.start)
}

// measure times every size of plans in turn, saving the rows after each; it
// says why it stopped early ("" when it did not).
func (sb *scalingBench) measure(plans []sizePlan) (stopped string, err error) {
	lastN, lastSec := 0, 0.0 // the last size's IPL wall time
	for _, p := range plans {
		if !p.hostOK {
			return fmt.Sprintf("%d neurons would need %.1f GiB of host memory, over the budget", p.n, float64(p.hostBytes)/(1<<30)), nil
		}
		if sb.ctx.Err() != nil {
			return "interrupted", nil
		}
		if lastN > 0 {
			if pred := time.Duration(1.2 * lastSec * float64(p.n) / float64(lastN) * float64(time.Second)); pred > sb.remaining() {
				return fmt.Sprintf("%d neurons would take about %v, more than the %v left of -max-time", p.n, pred.Round(time.Second), sb.remaining().Round(time.Second)), nil
			}
		}
		// The dense baseline first, while nothing else is held.
		if sb.o.dense {
			for _, t := range sb.targets {
				if err := sb.measureDense(t, p); err != nil {
					return "", err
				}
			}
		}
		t0 := time.Now()
		interrupted, err := sb.measureIPL(p)
		if err != nil {
			return "", err
		}
		if interrupted {
			return "interrupted", nil
		}
		debug.FreeOSMemory()
		lastN, lastSec = p.n, time.Since(t0).Seconds()
		if err := sb.save(); err != nil {
			return "", err
		}
	}
	return "", nil
}

// measureDense times the dense baseline of size p on t, unless it has
// stopped or stops here (over the memory or the time left).
func (sb *scalingBench) measureDense(t *scalingTarget, p sizePlan) error {
	o := sb.o
	if t.denseOff != "" {
		return nil
	}
	fits := p.denseHostOK
	if t.name == "gl" {
		fits = p.denseGLOK
	}
	if !fits {
		t.denseOff = fmt.Sprintf("from %d neurons: %.1f GiB is over -dense-max-gib or the memory", p.n, float64(p.denseBytes)/(1<<30))
		fmt.Fprintf(sb.stderr, "bench: %s dense baseline stops %s\n", t.name, t.denseOff)
		return nil
	}
	reps := max(3, o.rounds)
	if t.denseN > 0 {
		pred := t.denseSec * math.Pow(float64(p.n)/float64(t.denseN), 2) // the whole call, fill and checks included
		if time.Duration(1.2*pred*float64(time.Second)) > sb.remaining() {
			t.denseOff = fmt.Sprintf("from %d neurons: it would take about %.0f s, more than is left of -max-time", p.n, pred)
			fmt.Fprintf(sb.stderr, "bench: %s dense baseline stops %s\n", t.name, t.denseOff)
			return nil
		}
	}
	t0 := time.Now()
	row, ok, err := engine.BenchDense(t.be, p.n, reps, sb.dtS)
	if err == nil && ok && float64(reps)*row.SecPerStep < o.seconds/5 {
		// Too short to time well (small N): again, for about -seconds.
		reps = int(max(min(math.Ceil(o.seconds/row.SecPerStep), 100000), 3))
		row, ok, err = engine.BenchDense(t.be, p.n, reps, sb.dtS)
	}
	if err != nil {
		return fmt.Errorf("%s: %v", t.name, err)
	}
	if !ok {
		t.denseOff = "the backend has no dense baseline"
		return nil
	}
	t.denseSec, t.denseN = time.Since(t0).Seconds(), p.n
	row.Backend = t.name
	sb.rows = append(sb.rows, *row)
	fmt.Fprintf(sb.stderr, "bench: %s dense %d x %d: %.3g s/step (%.1f GB/s)\n", t.name, p.n, p.n, row.SecPerStep, row.GBPerS)
	debug.FreeOSMemory()
	return nil
}

// measureIPL builds the network of size p and times the IPL model on every
// backend that can take it; interrupted says the build was cancelled.
func (sb *scalingBench) measureIPL(p sizePlan) (interrupted bool, err error) {
	o := sb.o
	t0 := time.Now()
	c := *sb.cfg
	c.Network.Neurons, c.Network.SpinesPerNeuron = p.n, o.m
	if err := c.Validate(); err != nil {
		return false, err
	}
	net, err := model.BuildNetworkContext(sb.ctx, &c, 0)
	if errors.Is(err, context.Canceled) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("%d neurons: %v", p.n, err)
	}
	build := time.Since(t0).Seconds()
	fmt.Fprintf(sb.stderr, "bench: %d neurons: network of %d spines, %d contacts built in %.1f s\n", p.n, net.Spines(), net.Edges(), build)
	params := model.ParamsFromConfig(&c)
	for _, t := range sb.targets {
		if t.name == "gl" && p.glWhy != "" {
			fmt.Fprintf(sb.stderr, "bench: gl skips %d neurons: %s\n", p.n, p.glWhy)
			continue
		}
		if err := t.be.Load(net, params); err != nil {
			return false, fmt.Errorf("%s at %d neurons: %v", t.name, p.n, err)
		}
		r, err := engine.BenchLoaded(t.be, net, engine.BenchOptions{MinSteps: o.minSteps, MaxSteps: o.maxSteps, TargetSeconds: o.seconds / float64(o.rounds), Rounds: o.rounds})
		if err != nil {
			return false, fmt.Errorf("%s at %d neurons: %v", t.name, p.n, err)
		}
		r.BuildSeconds = build
		row := r.Row(sb.dtS)
		row.Backend = t.name
		sb.rows = append(sb.rows, *row)
		fmt.Fprintf(sb.stderr, "bench: %s %d neurons: %.3g s/step, %.3g s per simulated s (%d steps; %.2f GB/s, copy %.2f GB/s)\n",
			t.name, p.n, row.SecPerStep, row.SecPerBioSecond, row.Steps, row.GBPerS, row.CopyGBPerS)
		if t.name == "cpu" { // drop its state before the next size
			t.be.Close()
			t.be, _ = openBackend("cpu", io.Discard)
		}
	}
	return false, nil
}

// writeResults prints the rows and the fitted slopes and writes the figure.
func (sb *scalingBench) writeResults() error {
	o, rows, stdout := sb.o, sb.rows, sb.stdout
	tw := tabwriter.NewWriter(stdout, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\tbackend\tneurons\tspines\tedges\tsteps\tbuild s\ts/step\ts/bio s\tMB/step\tGB/s\tcopy GB/s\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%.2f\t%.3g\t%.3g\t%.1f\t%.2f\t%.2f\t\n", r.Kind, r.Backend, r.Neurons, r.Spines, r.Edges, r.Steps,
			r.BuildSeconds, r.SecPerStep, r.SecPerBioSecond, float64(r.BytesPerStep)/1e6, r.GBPerS, r.CopyGBPerS)
	}
	tw.Flush()
	fits := engine.FitScaling(rows, o.fitMin)
	for _, f := range fits {
		fmt.Fprintf(stdout, "# slope %s %s: %.2f (log-log least squares over %d sizes, %d to %d neurons)\n", f.Kind, f.Backend, f.Slope, f.Points, f.FromN, f.ToN)
	}
	var devices []string
	for _, t := range sb.targets {
		devices = append(devices, fmt.Sprintf("%s: %s", t.name, shortDevice(t.be.Name())))
	}
	title := fmt.Sprintf("Step cost against N on %s (%s)", cpuModel(), strings.Join(devices, "; "))
	if err := report.WriteScaling(o.out, scalingFigure, rows, fits, report.ScalingOptions{Title: title, DtMs: sb.dtS * 1000, M: o.m}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# written %s, %s.png, %s.svg and config.yaml in %s (%.0f s)\n", scalingCSV, scalingFigure, scalingFigure, o.out, time.Since(sb.start).Seconds())
	return nil
}

// shortDevice drops what a backend name says about itself beyond the device:
// "gl (llvmpipe (LLVM 15.0.6, 256 bits), OpenGL 4.5 ...)" -> "llvmpipe (LLVM 15.0.6, 256 bits)".
func shortDevice(name string) string {
	if i := strings.Index(name, " ("); i > 0 && strings.HasSuffix(name, ")") {
		inner := name[i+2 : len(name)-1]
		if j := strings.LastIndex(inner, ", OpenGL"); j > 0 {
			inner = inner[:j]
		}
		return inner
	}
	return name
}

// scalingColumns are bench.csv's columns (BENCHMARKS.md describes them).
var scalingColumns = []string{"kind", "backend", "device", "neurons", "spines_per_neuron", "spines", "edges", "steps", "build_s",
	"s_per_step", "s_per_bio_s", "dt_ms", "bytes_per_step", "gb_per_s", "copy_gb_per_s", "fraction_of_copy", "cpu"}

func writeScalingCSV(path string, rows []engine.ScalingRow, dtS float64, m int) error {
	return rundir.WriteFileAtomic(path, func(wr io.Writer) error {
		w := csv.NewWriter(wr)
		w.Write(scalingColumns)
		g := func(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
		for _, r := range rows {
			mm := m
			if r.Kind == engine.KindDense {
				mm = 0 // the baseline couples neurons, not spines
			}
			w.Write([]string{r.Kind, r.Backend, r.Device, strconv.Itoa(r.Neurons), strconv.Itoa(mm), strconv.Itoa(r.Spines), strconv.Itoa(r.Edges),
				strconv.Itoa(r.Steps), g(r.BuildSeconds), g(r.SecPerStep), g(r.SecPerBioSecond), g(dtS * 1000), strconv.FormatInt(r.BytesPerStep, 10),
				g(r.GBPerS), g(r.CopyGBPerS), g(r.GBPerS / r.CopyGBPerS), cpuModel()})
		}
		w.Flush()
		return w.Error()
	})
}
