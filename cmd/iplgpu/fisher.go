package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/internal/npy"
	"github.com/iplgpu/iplgpu/internal/sysmem"
	"github.com/iplgpu/iplgpu/report"
	"github.com/iplgpu/iplgpu/rundir"
)

const fisherSynopsis = `-plus A.npy -minus B.npy -ds X [-zero Z.npy] [-subset n -subsets K] [-boot B] [-seed S] [-format text|json|csv]
       iplgpu fisher -run DIR [-subset n -subsets K] [-boot B] [-seed S] [-bins START:END] [-format text|json|csv]
       iplgpu fisher -nwb FILE.nwb [-stimulus-column C] [-block-column C] [-mode-column C] [-session-column C] [-recorded-column C] [-bin-ms W] [...]

Bias-corrected linear Fisher information (Kanitscheider et al. 2015), I_real and
I_shuffle, and the redundancy I_shuffle - I_real, as Liu et al. measured them.
Information is in units of 1/ds^2.

With -plus and -minus: two trials x neurons arrays (.npy of dtype uint8,
uint16, uint32, uint64, int32, int64, float32 or float64, C order) for
stimuli differing by ds; the noise covariance is pooled over the two unless
-zero gives zero-coherence trials. Subsets report the mean and the 16th-84th
percentile over K random subsets of n neurons (their spread; the subsets share
the trials, so it is not an error bar).

Intervals over trials: a bootstrap of B replicates (trials resampled within
each condition, subsets drawn anew in each; -boot 0: none; not with -zero)
gives 95% intervals. Redundancy % is 100 mean(I_shuffle - I_real)/mean(I_shuffle)
over the subsets, blank unless the interval of I_shuffle lies above 0.

With -run: a run directory's responses.npy (trials x bins x neurons counts) and
trials.csv (iplgpu's or your own recording in that layout), analysed per session,
block, mode and coherence c > 0 (ds = 2c), summed over the bins of each trial,
at subset size n and at 14 and 52 neurons where the trials allow, with the
information-limiting variance epsilon fitted over subset sizes; the table goes
to DIR/fisher.csv (never the analysis's info.csv) and stdout.

With -nwb: an NWB 2.x file (a laboratory's recording, or one 'iplgpu export'
wrote) analysed as -run analyses a run: its units' spike times are counted in
bins of -bin-ms within each recorded trial of its trials table, whose columns
the -*-column flags name (the defaults are the columns export writes); a
missing or ill-typed column is refused before any spike is read. The table
goes to FILE.fisher.csv and stdout.`

// cmdFisher is the fisher subcommand.
func cmdFisher(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("fisher", fisherSynopsis, stderr)
	plus := fs.String("plus", "", "trials x neurons responses at +ds/2 (.npy)")
	minus := fs.String("minus", "", "trials x neurons responses at -ds/2 (.npy)")
	ds := fs.Float64("ds", 0, "stimulus difference between -plus and -minus, e.g. 0.6 for coherence +-0.3")
	zero := fs.String("zero", "", "trials x neurons responses at zero coherence (.npy): take the noise covariance from these")
	subset := fs.Int("subset", 0, fmt.Sprintf("neurons per random subset (0: none with -plus, %d with -run)", fisher.DefaultSubsetSize))
	subsets := fs.Int("subsets", fisher.DefaultSubsets, "number of random subsets")
	seed := fs.Uint64("seed", 1, "seed of the subset draw and the bootstrap")
	boot := fs.Int("boot", analysis.DefaultBootReplicates, "bootstrap replicates over trials for 95% intervals (0: none)")
	bootSubsets := fs.Int("boot-subsets", analysis.DefaultBootSubsets, "random subsets per bootstrap replicate")
	format := fs.String("format", "text", "output: text | json | csv")
	counts := fs.Bool("counts", true, "the values are spike counts: refuse negatives (-counts=false for signed responses such as z-scores)")
	runDir := fs.String("run", "", "run directory to analyse (responses.npy, trials.csv); writes DIR/fisher.csv")
	bins := fs.String("bins", "", "with -run or -nwb: bins summed per trial, START:END (0-based, END excluded; default all)")
	nwbFile := fs.String("nwb", "", "NWB file to analyse (units' spike times, trials table); writes FILE.fisher.csv")
	roles := nwbRoleFlags(fs)
	if code, done := parseFlags(fs, args); done {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "iplgpu fisher: "+format+"\n", a...)
		fs.Usage()
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch *format {
	case "text", "json", "csv":
	default:
		return usageErr("-format %q: want text, json or csv", *format)
	}
	if *subset < 0 || *subsets < 1 {
		return usageErr("-subset %d -subsets %d: want a subset size >= 0 and at least 1 subset", *subset, *subsets)
	}
	if *boot < 0 || *boot == 1 || *bootSubsets < 1 {
		return usageErr("-boot %d -boot-subsets %d: want 0 (no bootstrap) or at least 2 replicates, and at least 1 subset per replicate", *boot, *bootSubsets)
	}
	if err := sysmem.Check(fisher.SubsetsBytes(max(*subsets, *boot)), fmt.Sprintf("-subsets %d -boot %d: the estimates of that many subsets or replicates", *subsets, *boot)); err != nil {
		return usageErr("%v; ask for fewer", err)
	}
	ff := &fisherFlags{plus: *plus, minus: *minus, zero: *zero, ds: *ds, subset: *subset, subsets: *subsets, seed: *seed,
		format: *format, counts: *counts, runDir: *runDir, bins: *bins, roles: roles, set: set, usageErr: usageErr,
		bspec: fisher.BootSpec{Replicates: *boot, Subsets: *bootSubsets, Seed: *seed}}
	if *nwbFile != "" {
		if *runDir != "" {
			return usageErr("give -run DIR or -nwb FILE, not both")
		}
		ff.runDir = *nwbFile
	} else if roles.set(set) {
		return usageErr("the -*-column and -bin-ms flags go with -nwb")
	}
	if ff.runDir != "" {
		return ff.runMode(console{stdout, stderr})
	}
	return ff.pairMode(console{stdout, stderr})
}

// fisherFlags are iplgpu fisher's parsed flags (those that tell a run
// from a pair of matrices), the bootstrap they ask for and the usage error.
type fisherFlags struct {
	plus, minus, zero, format, runDir, bins string
	ds                                      float64
	subset, subsets                         int
	seed                                    uint64
	counts                                  bool
	roles                                   *nwbRoles
	set                                     map[string]bool
	usageErr                                func(string, ...any) int
	bspec                                   fisher.BootSpec
}

// runMode analyses a run directory or an NWB file (-run, -nwb).
func (ff *fisherFlags) runMode(con console) int {
	stderr := con.stderr
	fail := func(err error) int {
		fmt.Fprintf(stderr, "iplgpu fisher: %v\n", err)
		return 1
	}
	for _, f := range []string{"plus", "minus", "zero", "ds", "counts"} {
		if ff.set[f] {
			return ff.usageErr("-%s does not go with -run (ds is 2c for each coherence c of the run)", f)
		}
	}
	var w fisher.BinRange
	if ff.bins != "" {
		a, b, ok := strings.Cut(ff.bins, ":")
		var err1, err2 error
		w.Start, err1 = strconv.Atoi(a)
		w.End, err2 = strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || w.Start < 0 || w.End <= w.Start {
			return ff.usageErr("-bins %q: want START:END with 0 <= START < END, e.g. 0:8", ff.bins)
		}
	}
	if ff.set["subset"] && ff.subset < 2 {
		return ff.usageErr("-subset %d: a run analysis needs subsets of at least 2 neurons", ff.subset)
	}
	spec := fisher.SubsetSpec{Size: ff.subset, Count: ff.subsets, Seed: ff.seed}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := fisherRun(ctx, ff.runDir, ff.roles, fisherRunOptions{subsets: spec, boot: ff.bspec, window: w, format: ff.format}, con)
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		fmt.Fprintf(stderr, "iplgpu fisher: interrupted; %s not written\n", filepath.Join(ff.runDir, rundir.FisherFile))
		return 130
	}
	if err != nil {
		return fail(err)
	}
	return 0
}

// pairMode analyses two matrices of responses (-plus, -minus, -ds).
func (ff *fisherFlags) pairMode(con console) int {
	stdout, stderr := con.stdout, con.stderr
	fail := func(err error) int {
		fmt.Fprintf(stderr, "iplgpu fisher: %v\n", err)
		return 1
	}
	if ff.plus == "" || ff.minus == "" {
		return ff.usageErr("give -plus and -minus (with -ds), or -run DIR")
	}
	if !ff.set["ds"] {
		return ff.usageErr("-ds is required: the stimulus difference between -plus and -minus (e.g. 0.6 for coherence +-0.3)")
	}
	if !(ff.ds > 0) || math.IsInf(ff.ds, 0) {
		return ff.usageErr("-ds %v: the stimulus difference must be a positive number", ff.ds)
	}
	if err := fisher.CheckDS(ff.ds); err != nil {
		return ff.usageErr("-ds %v: %v", ff.ds, err)
	}
	if ff.set["bins"] {
		return ff.usageErr("-bins goes with -run only")
	}
	if ff.set["subsets"] && ff.subset == 0 {
		return ff.usageErr("-subsets needs -subset n, the neurons per subset")
	}
	p, err := readMatrix(ff.plus)
	if err != nil {
		return fail(err)
	}
	m, err := readMatrix(ff.minus)
	if err != nil {
		return fail(err)
	}
	var z *mat.Dense
	if ff.zero != "" {
		if z, err = readMatrix(ff.zero); err != nil {
			return fail(err)
		}
	}
	opt := fisher.EstimateOptions{Counts: ff.counts, Subsets: fisher.SubsetSpec{Size: ff.subset, Count: ff.subsets, Seed: ff.seed}}
	res, err := fisher.Analyse(p, m, z, ff.ds, opt)
	if errors.Is(err, fisher.ErrNegativeCount) {
		err = fmt.Errorf("%w (-counts=false for signed responses)", err)
	}
	if err != nil {
		return fail(err)
	}
	tp, n := p.Dims()
	tm, _ := m.Dims()
	sh := report.FisherPairShape{Neurons: n, TrialsPlus: tp, TrialsMinus: tm, DS: ff.ds}
	if z != nil {
		sh.TrialsZero, _ = z.Dims()
	}
	var fullCI, subsetsCI *fisher.Intervals
	if ff.bspec.Replicates > 0 {
		if z != nil {
			fmt.Fprintf(stderr, "iplgpu fisher: note: no bootstrap with -zero (the resampling is within the + and - trials); no intervals over trials and no redundancy %%\n")
		} else {
			bs := ff.bspec
			bs.EstimateSubsets = ff.subsets
			if fullCI, subsetsCI, err = fisher.BootstrapResult(p, m, ff.ds, res, bs, analysis.CILevel); err != nil {
				return fail(err)
			}
		}
	}
	if err := report.NewFisherPair(res, sh, fullCI, subsetsCI).Write(stdout, ff.format); err != nil {
		return fail(err)
	}
	if res.FullNote != "" && ff.format == "csv" {
		fmt.Fprintf(stderr, "iplgpu fisher: no estimate for all %d neurons: %s\n", n, res.FullNote)
	}
	return 0
}

// readMatrix reads a 2-D trials x neurons .npy array of any supported dtype.
func readMatrix(path string) (*mat.Dense, error) {
	shape, data, err := npy.ReadFloat64(path)
	if err != nil {
		return nil, err
	}
	if len(shape) != 2 {
		return nil, fmt.Errorf("%s: shape %v; want a 2-D array, trials x neurons", path, shape)
	}
	if shape[0] == 0 || shape[1] == 0 {
		return nil, fmt.Errorf("%s: shape %v holds no responses; want trials x neurons, both > 0", path, shape)
	}
	return mat.NewDense(shape[0], shape[1], data), nil
}

// fisherRunOptions are fisherRun's estimator settings and output format.
type fisherRunOptions struct {
	subsets fisher.SubsetSpec
	boot    fisher.BootSpec
	window  fisher.BinRange // bins summed per trial; zero: all
	format  string          // text, json or csv
}

// fisherRun analyses a recording in the run-directory layout (responses.npy,
// trials.csv: iplgpu's or a user's) and writes DIR/fisher.csv, its own table:
// the analysis's info.csv is never touched.
func fisherRun(ctx context.Context, dir string, roles *nwbRoles, fo fisherRunOptions, con console) error {
	spec, boot, w, format, stdout, stderr := fo.subsets, fo.boot, fo.window, fo.format, con.stdout, con.stderr
	rec, outPath, err := openRecording(dir, roles, func(format string, a ...any) {
		fmt.Fprintf(stderr, "iplgpu fisher: note: "+format+"\n", a...)
	})
	if err != nil {
		return err
	}
	if w != (fisher.BinRange{}) && w.End > rec.Responses.Bins {
		return fmt.Errorf("-bins %d:%d: %s has %d bins per trial", w.Start, w.End, rec.Source, rec.Responses.Bins)
	}
	rows, notes, err := analysis.InfoRows(rec.Responses, rec.Trials, analysis.InfoOptions{Subsets: spec, Window: w, Boot: boot, Context: ctx})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "iplgpu fisher: note: %s\n", n)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s: nothing to analyse: no session and block has recorded trials at both +c and -c for a coherence c > 0 with enough trials (see the notes above); %s not written", dir, rundir.FisherFile)
	}
	if err := rundir.WriteFileAtomic(outPath, func(f io.Writer) error { return report.WriteFisherCSV(f, rows) }); err != nil {
		return err
	}
	return report.WriteFisherRows(stdout, rows, format, boot, outPath)
}
