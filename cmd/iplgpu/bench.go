package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/model"
)

func cmdBench(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench", "[-backend LIST] [-n LIST] [-spines M] [-steps K] [-csv FILE]\n       iplgpu bench -scaling [-backend LIST] [-n-min N] [-n-max N] [-per-decade K] [-max-time D] [-out DIR] ...", stderr)
	backends := fs.String("backend", "cpu,gl", "comma-separated backends to time (cpu, gl)")
	ns := fs.String("n", "1000,5000,20000", "comma-separated neuron counts")
	m := fs.Int("spines", 32, "spines per neuron")
	steps := fs.Int("steps", 50, "timed steps per size (after one warm-up bin); with -scaling the most per size")
	csvPath := fs.String("csv", "bench.csv", "CSV file for the results (\"\" for none)")
	file := fs.String("config", "", "config file for the dynamics constants (default: embedded)")
	scaling := fs.Bool("scaling", false, "scaling run: the IPL step and the dense N x N baseline of each backend over log-spaced N up to what memory allows; writes bench.csv, scaling.png/.svg and config.yaml to -out")
	nMin := fs.Int("n-min", 1000, "-scaling: the smallest neuron count")
	nMax := fs.Int("n-max", 1000000, "-scaling: the largest neuron count (fewer if memory or -max-time do not allow it)")
	perDecade := fs.Int("per-decade", 3, "-scaling: sizes per factor of 10 (3: 1, 2, 5, 10, ...)")
	minSteps := fs.Int("min-steps", 5, "-scaling: the fewest timed steps per size")
	seconds := fs.Float64("seconds", 1, "-scaling: time steps for about this many seconds per size and backend (between -min-steps and -steps per round)")
	rounds := fs.Int("rounds", 3, "-scaling: time this many rounds of steps (dense: products) and keep the fastest, the least disturbed by other work")
	dense := fs.Bool("dense", true, "-scaling: also time the dense N x N baseline (a dense matrix-vector product per step) on each backend")
	denseGiB := fs.Float64("dense-max-gib", 16, "-scaling: the largest dense matrix (GiB); each device's memory limits it too")
	memFrac := fs.Float64("mem-frac", 0.6, "-scaling: the fraction of the available host (or device) memory one size may use, by the estimate")
	maxTime := fs.Duration("max-time", 0, "-scaling: start no size predicted to end after this much time in all (0: no limit), e.g. 6m")
	fitMin := fs.Int("fit-min", 5000, "-scaling: fit the slopes over sizes of at least this many neurons")
	outDir := fs.String("out", "bench-scaling", "-scaling: output directory (created; files in it are replaced)")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	cfg, err := model.LoadConfig("", *file, nil)
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu bench: %v\n", err)
		return 1
	}
	if *scaling {
		if *m < 1 {
			fmt.Fprintf(stderr, "iplgpu bench: -spines %d: want 1 or more\n", *m)
			return 2
		}
		o, err := parseScalingFlags(scalingFlags{backends: *backends, nMin: *nMin, nMax: *nMax, perDecade: *perDecade, m: *m, steps: *steps, minSteps: *minSteps,
			seconds: *seconds, rounds: *rounds, dense: *dense, denseGiB: *denseGiB, memFrac: *memFrac, maxTime: *maxTime, fitMin: *fitMin, out: *outDir})
		if err != nil {
			fmt.Fprintf(stderr, "iplgpu bench: %v\n", err)
			return 2
		}
		return benchScaling(o, cfg, stdout, stderr)
	}
	var sizes []int
	for _, s := range strings.Split(*ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 2 {
			fmt.Fprintf(stderr, "iplgpu bench: -n %q: want comma-separated neuron counts >= 2\n", *ns)
			return 2
		}
		sizes = append(sizes, n)
	}
	if *steps < 1 || *m < 1 {
		fmt.Fprintf(stderr, "iplgpu bench: -steps and -spines must be >= 1\n")
		return 2
	}
	fmt.Fprintf(stdout, "# iplgpu %s bench: %d spines per neuron, %d steps per size\n# cpu: %s, %d threads\n", model.Version, *m, *steps, cpuModel(), runtime.GOMAXPROCS(0))
	var results []*engine.BenchResult
	for _, name := range strings.Split(*backends, ",") {
		name = strings.TrimSpace(name)
		be, err := openBackend(name, io.Discard)
		if err != nil {
			fmt.Fprintf(stderr, "iplgpu bench: %v (skipped)\n", err)
			continue
		}
		fmt.Fprintf(stdout, "# %s: %s\n", name, be.Name())
		for _, n := range sizes {
			r, err := engine.Bench(cfg, be, n, *m, *steps)
			if err != nil {
				fmt.Fprintf(stderr, "iplgpu bench: %s at %d neurons: %v\n", name, n, err)
				be.Close()
				return 1
			}
			fmt.Fprintf(stderr, "bench: %s %d neurons: %.3g s/step\n", name, n, r.SecPerStep)
			results = append(results, r)
		}
		be.Close()
	}
	if len(results) == 0 {
		fmt.Fprintln(stderr, "iplgpu bench: no backend could run")
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "backend\tneurons\tspines\tedges\tbuild s\ts/step\tspine upd/s\tedge upd/s\tMB/step\tGB/s\tcopy GB/s\tof copy\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.2f\t%.3g\t%.3g\t%.3g\t%.1f\t%.2f\t%.2f\t%.0f%%\t\n", shortName(r.Backend), r.Neurons, r.Spines, r.Edges, r.BuildSeconds,
			r.SecPerStep, r.SpineUpdPerS, r.EdgeUpdPerS, float64(r.BytesPerStep)/1e6, r.GBPerS, r.CopyGBPerS, 100*r.BandwidthFrac)
	}
	tw.Flush()
	if *csvPath != "" {
		if err := writeBenchCSV(*csvPath, results); err != nil {
			fmt.Fprintf(stderr, "iplgpu bench: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "# written %s\n", *csvPath)
	}
	return 0
}

func shortName(s string) string {
	if i := strings.Index(s, " ("); i > 0 {
		return s[:i]
	}
	return s
}

func writeBenchCSV(path string, rs []*engine.BenchResult) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"backend", "device", "neurons", "spines", "edges", "steps", "build_s", "s_per_step", "spine_updates_per_s", "edge_updates_per_s", "bytes_per_step", "gb_per_s", "copy_gb_per_s", "fraction_of_copy", "cpu"})
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
	for _, r := range rs {
		w.Write([]string{shortName(r.Backend), r.Backend, strconv.Itoa(r.Neurons), strconv.Itoa(r.Spines), strconv.Itoa(r.Edges), strconv.Itoa(r.Steps),
			g(r.BuildSeconds), g(r.SecPerStep), g(r.SpineUpdPerS), g(r.EdgeUpdPerS), strconv.FormatInt(r.BytesPerStep, 10), g(r.GBPerS), g(r.CopyGBPerS), g(r.BandwidthFrac), cpuModel()})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// cpuModel reads the processor name from /proc/cpuinfo (Linux).
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "model name") {
			if _, v, ok := strings.Cut(line, ":"); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	return runtime.GOARCH
}
