package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/internal/sysmem"
	"github.com/iplgpu/iplgpu/report"
	"github.com/iplgpu/iplgpu/rundir"
)

const analyseSynopsis = `[-unverified] [-subset n] [-sizes LIST] [-subsets K] [-boot B] [-time-subsets K] [-islet-threshold x] [-seed S] [-no-figures] DIR [DIR...]
       iplgpu analyse [flags] [-out DIR] FILE.nwb

Analyses a run directory written by 'iplgpu run' (also an interrupted one) and
(re)writes into it: info.csv, timecourse.csv, network.csv, w_hist.csv,
islets.csv, tuning.csv, taskcorr.csv, spatial.csv, calibration.csv (the
model against Liu et al., docs/model.md section 9), consistency.csv and
reversibility.csv where the run has what they need, the figures (PNG and SVG)
and report.md; a run whose files differ from its manifest.json is refused
(-unverified: analysed, each difference a note in the report). Information
is in units of 1/coherence^2. Intervals are 95% bootstrap intervals over
trials (B replicates: trials resampled within each stimulus class, K random
subsets of n neurons drawn anew in each); every
difference the report claims comes from a bootstrap test of it.

Seeds as animals: given a directory that holds run directories (one level
down), or several run directories, of one configuration with different
seeds, analyses each run and writes the spread across seeds, next to the
within-run intervals, to seeds.csv, seeds.md and fig_seeds in that directory
(or in -out), and the model-against-Liu table (docs/model.md section 9) judged on
the mean over the seeds to seeds_calibration.csv and seeds.md.

An NWB file that 'iplgpu export' wrote is analysed as its run, its spike
times binned again into the run's counts, into -out (default FILE.analysis,
next to it): the same tables as the run directory's. A recording from
elsewhere (no iplgpu protocol in general/protocol) is binned as
'iplgpu fisher -nwb' bins it, its trial columns named by the -*-column flags,
and analysed as far as it allows: fisher.csv (I_real, I_shuffle, redundancy
per block and coherence, with bootstrap intervals, noise correlations, Fano
factors, epsilon) and distance.csv (signature b: the redundancy increase from
the first to the last task block against unit distance at matched tuning,
on soma or electrode positions, where the units have preferred orientations).`

// cmdAnalyse is the analyse subcommand.
func cmdAnalyse(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("analyse", analyseSynopsis, stderr)
	subset := fs.Int("subset", fisher.DefaultSubsetSize, "neurons per random subset (the headline size)")
	sizes := fs.String("sizes", "14,52", "further subset sizes, comma-separated (Liu et al.'s monkeys R and G; empty: none)")
	subsets := fs.Int("subsets", fisher.DefaultSubsets, "random subsets per block and size (info.csv)")
	boot := fs.Int("boot", analysis.DefaultBootReplicates, "bootstrap replicates over trials per block (0: no intervals, tests or redundancy %)")
	bootSubsets := fs.Int("boot-subsets", analysis.DefaultBootSubsets, "random subsets per bootstrap replicate and size")
	timeSubsets := fs.Int("time-subsets", analysis.DefaultTimeSubsets, "random subsets per window of the within-trial time courses")
	threshold := fs.Float64("islet-threshold", analysis.DefaultIsletThreshold, "structural weight w at or above which a contact links an islet, in (0, 1]")
	seed := fs.Uint64("seed", analysis.DefaultSeed, "seed of the subset draws and the bootstrap (> 0)")
	noFigures := fs.Bool("no-figures", false, "write the tables and the report but no figures")
	out := fs.String("out", "", "with several runs: the directory for seeds.csv and seeds.md (default: the runs' parent); with FILE.nwb: the directory of the analysis (default FILE.analysis)")
	unverified := fs.Bool("unverified", false, "analyse a run whose files differ from its manifest.json (each difference is a note in the report) instead of refusing it")
	roles := nwbRoleFlags(fs)
	dirs, code, done := parseWithDirs(fs, args)
	if done {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "iplgpu analyse: "+format+"\n", a...)
		fs.Usage()
		return 2
	}
	extra := []int{}
	for _, f := range strings.Split(*sizes, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 2 {
			return usageErr("-sizes %q: want subset sizes of at least 2 neurons, comma-separated, e.g. 14,52", *sizes)
		}
		extra = append(extra, n)
	}
	switch {
	case *subset < 2:
		return usageErr("-subset %d: subsets need at least 2 neurons", *subset)
	case *subsets < 1 || *timeSubsets < 1:
		return usageErr("-subsets %d -time-subsets %d: ask for at least 1 subset", *subsets, *timeSubsets)
	case *boot < 0 || *boot == 1 || *bootSubsets < 1:
		return usageErr("-boot %d -boot-subsets %d: want 0 (no bootstrap) or at least 2 replicates, and at least 1 subset per replicate", *boot, *bootSubsets)
	case !(*threshold > 0 && *threshold <= 1):
		return usageErr("-islet-threshold %v: w lies in [0, 1]; give a threshold in (0, 1]", *threshold)
	case *seed == 0:
		return usageErr("-seed 0: give a seed > 0")
	}
	if err := sysmem.Check(fisher.SubsetsBytes(max(*subsets, *timeSubsets, *boot)), fmt.Sprintf("-subsets %d -time-subsets %d -boot %d: the estimates of that many subsets or replicates", *subsets, *timeSubsets, *boot)); err != nil {
		return usageErr("%v; ask for fewer", err)
	}
	// Ctrl-C and SIGTERM stop the analysis with exit status 130.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opt := analysis.Options{
		SubsetSize: *subset, Sizes: extra, Subsets: *subsets, TimeSubsets: *timeSubsets,
		IsletThreshold: *threshold, Seed: *seed, BootSubsets: *bootSubsets, Context: ctx,
		Unverified: *unverified,
	}
	if *boot == 0 {
		opt.NoBootstrap = true
	} else {
		opt.BootReplicates = *boot
	}
	ropt := report.WriteOptions{NoFigures: *noFigures, Context: ctx}
	if len(dirs) == 1 && isNWB(dirs[0]) {
		dst := *out
		if dst == "" {
			dst = strings.TrimSuffix(dirs[0], filepath.Ext(dirs[0])) + ".analysis"
		}
		return nwbJob{ctx: ctx, file: dirs[0], out: dst, roles: roles, opt: opt, ropt: ropt, stdout: stdout, stderr: stderr}.analyse()
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if roles.set(given) {
		return usageErr("the -*-column and -bin-ms flags go with an NWB file")
	}
	runs, parent, err := runDirs(dirs)
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu analyse: %v\n", err)
		return 1
	}
	if len(runs) == 1 && parent == "" {
		return analyseDir(ctx, runs[0], opt, ropt, "iplgpu analyse", console{stdout, stderr})
	}
	if *out != "" {
		parent = *out
	}
	if parent == "" {
		return usageErr("the runs %v lie in different directories: give -out DIR for seeds.csv and seeds.md", dirs)
	}
	return analyseSeeds(runs, parent, opt, ropt, stdout, stderr)
}

// runDirs resolves the arguments: one run directory; one directory holding
// run directories (parent set); or several run directories (parent: their
// common parent, "" when they have none).
func runDirs(dirs []string) (runs []string, parent string, err error) {
	isRun := func(d string) bool {
		_, err := os.Stat(filepath.Join(d, rundir.ConfigFile))
		return err == nil
	}
	if len(dirs) == 1 {
		ents, err := os.ReadDir(dirs[0])
		if isRun(dirs[0]) || err != nil {
			// A run, or something the run analysis will name the problem of.
			return dirs, "", nil
		}
		for _, e := range ents {
			if d := filepath.Join(dirs[0], e.Name()); e.IsDir() && isRun(d) {
				runs = append(runs, d)
			}
		}
		switch len(runs) {
		case 0:
			return dirs, "", nil
		case 1:
			return nil, "", fmt.Errorf("%s holds one run directory (%s); the spread across seeds needs at least 2: analyse it directly, or run more seeds", dirs[0], runs[0])
		}
		return runs, dirs[0], nil
	}
	parent = filepath.Dir(filepath.Clean(dirs[0]))
	for _, d := range dirs {
		if !isRun(d) {
			return nil, "", fmt.Errorf("%s is not a run directory (no %s); with several arguments give run directories", d, rundir.ConfigFile)
		}
		if filepath.Dir(filepath.Clean(d)) != parent {
			parent = ""
		}
	}
	return dirs, parent, nil
}

// analyseSeeds analyses each run (writing its own report) and the spread
// across them into dir.
func analyseSeeds(runs []string, dir string, opt analysis.Options, ropt report.WriteOptions, stdout, stderr io.Writer) int {
	t0 := time.Now()
	var sums []*analysis.Summary
	var cfgs []*model.Config
	for _, d := range runs {
		prefix := "iplgpu analyse " + filepath.Base(d)
		o := opt
		o.Log = func(s string) { fmt.Fprintf(stderr, "%s: note: %s\n", prefix, s) }
		sum, run, err := analysis.Load(d, o)
		if interrupted(opt.Context, err, prefix, d, stderr) {
			return 130
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: analysis failed: %v\n", prefix, err)
			return 1
		}
		if _, err := report.Write(sum, run, ropt); interrupted(opt.Context, err, prefix, d, stderr) {
			return 130
		} else if err != nil {
			fmt.Fprintf(stderr, "%s: writing the analysis failed: %v\n", prefix, err)
			return 1
		}
		fmt.Fprintf(stdout, "analysis of %s: %d blocks in %.1f s; report: %s\n", d, len(sum.Blocks), sum.Seconds, filepath.Join(d, rundir.ReportFile))
		sums = append(sums, sum)
		cfgs = append(cfgs, run.Config)
	}
	ss, err := analysis.AcrossSeeds(sums, cfgs)
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu analyse: %v\n", err)
		return 1
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "iplgpu analyse: %v\n", err)
		return 1
	}
	if _, err := report.WriteSeeds(ss, dir, ropt); err != nil {
		fmt.Fprintf(stderr, "iplgpu analyse: writing the summary across seeds failed: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "across %d seeds in %.1f s: %s\n", len(runs), time.Since(t0).Seconds(), filepath.Join(dir, rundir.SeedsReportFile))
	return 0
}

// analyseDir runs the analysis, printing notes to stderr and where the report
// is to stdout; it returns the exit status.
// It returns 130 when ctx is cancelled (Ctrl-C, SIGTERM): the files written
// so far are whole.
func analyseDir(ctx context.Context, dir string, opt analysis.Options, ropt report.WriteOptions, prefix string, con console) int {
	load := func(o analysis.Options) (*analysis.Summary, *rundir.Run, error) { return analysis.Load(dir, o) }
	return analyseLoaded(ctx, loadedRun{source: dir, dir: dir, started: time.Now(), load: load}, opt, ropt, prefix, con)
}

// loadedRun is what analyseLoaded analyses: where it was read from (named
// when the analysis is interrupted), the directory the report goes to, when
// the work started, and the loader that reads and analyses it.
type loadedRun struct {
	source, dir string
	started     time.Time
	load        func(analysis.Options) (*analysis.Summary, *rundir.Run, error)
}

// analyseLoaded analyses src and writes its report into src.dir, printing
// notes to stderr and where the report is to stdout; it returns the exit
// status (130 when ctx is cancelled: the files written so far are whole).
func analyseLoaded(ctx context.Context, src loadedRun, opt analysis.Options, ropt report.WriteOptions, prefix string, con console) int {
	stdout, stderr := con.stdout, con.stderr
	opt.Log = func(s string) { fmt.Fprintf(stderr, "%s: note: %s\n", prefix, s) }
	opt.Context, ropt.Context = ctx, ctx
	sum, run, err := src.load(opt)
	if interrupted(ctx, err, prefix, src.source, stderr) {
		return 130
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: analysis failed: %v\n", prefix, err)
		return 1
	}
	out, err := report.Write(sum, run, ropt)
	if interrupted(ctx, err, prefix, src.source, stderr) {
		return 130
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: writing the analysis failed: %v\n", prefix, err)
		return 1
	}
	fmt.Fprintf(stdout, "analysis: %d blocks, %d files in %.1f s\nreport: %s\n", len(sum.Blocks), len(out.Files), time.Since(src.started).Seconds(), filepath.Join(src.dir, rundir.ReportFile))
	return 0
}

// interrupted says (and tells the user) whether err is ctx's cancellation.
func interrupted(ctx context.Context, err error, prefix, dir string, stderr io.Writer) bool {
	if ctx == nil || ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
		return false
	}
	fmt.Fprintf(stderr, "%s: analysis interrupted; the tables and figures already written are whole, 'iplgpu analyse %s' redoes it\n", prefix, dir)
	return true
}

// parseWithDirs parses flags with one or more positional arguments (run
// directories) before, between or after the flags.
func parseWithDirs(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	pos, code, done := parsePositional(fs, args)
	if done {
		return nil, code, true
	}
	if len(pos) == 0 {
		fmt.Fprintf(fs.Output(), "iplgpu %s: give the run directory to analyse\n", fs.Name())
		fs.Usage()
		return nil, 2, true
	}
	return pos, 0, false
}

// parsePositional parses flags with any number of positional arguments
// before, between or after them.
func parsePositional(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, 0, true
			}
			return nil, 2, true
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return pos, 0, false
}
