package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/iplgpu/iplgpu/compare"
	"github.com/iplgpu/iplgpu/design"
	"github.com/iplgpu/iplgpu/report/rival"
	"github.com/iplgpu/iplgpu/sweep"
)

const designSynopsis = `-from DIR [-out DIR] [-mechanisms ipl,feedback] [-seeds 1,2,3] [-replicates R] [-alpha A] [-within-boot B] [-readout neurons|electrodes [-units-per-electrode K] [-mua]] [-trials LIST] [-units LIST] [-repeats LIST] [-animals LIST]

Sizes an experiment that tells the IPL hypothesis from feedback-only
inference. DIR holds the runs of iplgpu compare (DIR/<mechanism>-seed<k>,
seeds are animals), or is the sweep of compare -plan whose points are done
(each mechanism and seed found through its manifest; the seeds default to
the sweep's); design resamples experiments of each size from them
(trials per block, units, frozen-noise repeats, animals), computes the
measurable signatures (b) distance at matched tuning and (c) frozen-noise
correlations, and estimates the power of two tests, with Wilson 95%
intervals. The rival test rejects the rival mechanism when the experiment's
rank p-value among the rival's values at that size is at most alpha; both
mechanisms see the same resamples, and a null check (the first mechanism
against itself) must reject at alpha. The zero-change test is the one an
experimenter runs on the data alone (is the learning change zero?): across
animals a one-sample t test of the per-animal values, within one animal a
trial bootstrap of the experiment's own trials. It writes design.csv,
design.md (first: the smallest size per signature and axis with 80% power,
then the size at which the data alone detect the change under one mechanism
only) and power.png/.svg into -out. Sizes above what the runs hold are
refused.`

func cmdDesign(args []string, stdout, stderr io.Writer) int {
	df := newDesignFlags(stderr)
	if code, done := parseFlags(df.fs, args); done {
		return code
	}
	o, code := df.options()
	if code != 0 {
		return code
	}
	return runDesign(o, df.outDir(), console{stdout, stderr})
}

// designFlags are iplgpu design's flags, as defined on fs.
type designFlags struct {
	fs                               *flag.FlagSet
	stderr                           io.Writer
	from, out, mechs, seeds, readout *string
	reps, perElectrode, maxPairs     *int
	withinBoot, withinReps           *int
	alpha                            *float64
	mua                              *bool
	seed                             *uint64
	sizes                            map[string]*string // per axis: the sizes to try
	base                             map[string]*int    // per axis: its size while another varies
}

func newDesignFlags(stderr io.Writer) *designFlags {
	fs := newFlagSet("design", designSynopsis, stderr)
	return &designFlags{
		fs:           fs,
		stderr:       stderr,
		from:         fs.String("from", "", "the compare output `DIR` holding <mechanism>-seed<k> runs, or the sweep directory of compare -plan"),
		out:          fs.String("out", "", "output directory (default DIR/design)"),
		mechs:        fs.String("mechanisms", "ipl,feedback", "the two mechanisms, comma-separated; the first is the null check's"),
		seeds:        fs.String("seeds", "1,2,3", "seeds (animals) of the runs, comma-separated (from a sweep: default the sweep's)"),
		reps:         fs.Int("replicates", 200, "simulated experiments per size and mechanism (20 to 100000)"),
		alpha:        fs.Float64("alpha", 0.05, "level of the test (0 < alpha <= 0.5)"),
		seed:         fs.Uint64("seed", 1, "seed of the resamples"),
		readout:      fs.String("readout", "neurons", "units: neurons (every neuron a unit at its soma), or electrodes (a 10 x 10 Utah array of 400 um pitch centred on the slab: the sorted units nearest each electrode within 100 um, at the electrode's position; the units axis then counts electrodes)"),
		perElectrode: fs.Int("units-per-electrode", design.DefaultReadout.UnitsPerElectrode, "sorted units per electrode with -readout electrodes (1 to 20; 0 to 20 with -mua)"),
		mua:          fs.Bool("mua", false, "with -readout electrodes: add each electrode's multi-unit channel, the summed counts of its neurons within the radius that are not sorted units (preference: their circular mean)"),
		maxPairs:     fs.Int("max-pairs", 0, "unit pairs of signature (b) per experiment at most (0: all pairs of the drawn units)"),
		withinBoot:   fs.Int("within-boot", 50, "trial-bootstrap resamples of the within-animal zero-change test (experiments of 1 animal; 0: not run, else 10 to 10000)"),
		withinReps:   fs.Int("within-replicates", 200, "experiments per size that run the within-animal test (0: all replicates; at most -replicates)"),
		sizes: map[string]*string{
			design.AxisTrials:  fs.String("trials", "10,20,40,80,160", "task trials per sign and block to try, ascending"),
			design.AxisUnits:   fs.String("units", "10,20,50,100,200", "recorded units to try, ascending"),
			design.AxisRepeats: fs.String("repeats", "3,5,10,20,30", "trials per frozen frame sequence to try, ascending"),
			design.AxisAnimals: fs.String("animals", "1,2,3", "animals (seeds) to try, ascending"),
		},
		base: map[string]*int{
			design.AxisTrials:  fs.Int("base-trials", 0, "trials per sign while another axis varies (0: all the runs hold)"),
			design.AxisUnits:   fs.Int("base-units", 0, "units while another axis varies (0: 100 or all the runs hold)"),
			design.AxisRepeats: fs.Int("base-repeats", 0, "repeats per frozen sequence while another axis varies (0: all the runs hold)"),
			design.AxisAnimals: fs.Int("base-animals", 0, "animals while another axis varies (0: every seed)"),
		},
	}
}

// usageErr reports a bad flag with the usage and returns exit code 2.
func (df *designFlags) usageErr(format string, a ...any) int {
	fmt.Fprintf(df.stderr, "iplgpu design: "+format+"\n", a...)
	df.fs.Usage()
	return 2
}

// options checks the parsed flags and turns them into design options; a
// non-zero code is the usage error's, already reported.
func (df *designFlags) options() (design.Options, int) {
	if *df.from == "" {
		return design.Options{}, df.usageErr("-from: give the directory of an iplgpu compare")
	}
	if st, err := os.Stat(*df.from); err != nil || !st.IsDir() {
		return design.Options{}, df.usageErr("-from %s: no such directory", *df.from)
	}
	o := design.Options{From: *df.from, Replicates: *df.reps, Alpha: *df.alpha, Seed: *df.seed, MaxPairs: *df.maxPairs, Sizes: map[string][]int{},
		WithinBoot: *df.withinBoot, WithinReplicates: *df.withinReps}
	given := false
	df.fs.Visit(func(f *flag.Flag) { given = given || f.Name == "within-replicates" })
	if !given {
		o.WithinReplicates = min(o.WithinReplicates, o.Replicates) // the default, with fewer replicates: all of them
	}
	if code := df.lists(&o); code != 0 {
		return o, code
	}
	if code := df.sweepPools(&o); code != 0 {
		return o, code
	}
	if code := df.readoutOptions(&o); code != 0 {
		return o, code
	}
	if *df.maxPairs < 0 {
		return o, df.usageErr("-max-pairs %d: want 0 (all) or more", *df.maxPairs)
	}
	o.Base = design.Size{Trials: *df.base[design.AxisTrials], Units: *df.base[design.AxisUnits], Repeats: *df.base[design.AxisRepeats], Animals: *df.base[design.AxisAnimals]}
	if err := design.CheckOptions(o); err != nil {
		return o, df.usageErr("%s", strings.TrimPrefix(err.Error(), "design: "))
	}
	return o, 0
}

// sweepPools reads the pools of a -from that is a sweep directory (iplgpu
// compare -plan) through its manifest: each mechanism and seed one done
// point; the seeds default to the sweep's.
func (df *designFlags) sweepPools(o *design.Options) int {
	if _, err := os.Stat(filepath.Join(o.From, sweep.ManifestJSON)); err != nil {
		return 0
	}
	runs, err := compare.ReadSweep(o.From, pointProbe)
	if err == nil && !flagGiven(df.fs, "seeds") {
		o.Seeds = runs.Seeds
	}
	if err == nil {
		err = runs.Check(o.Mechanisms, o.Seeds)
	}
	if err != nil {
		fmt.Fprintf(df.stderr, "iplgpu design: -from %s\n", err)
		return 1
	}
	o.PoolDir = runs.RunDir
	return 0
}

// readoutOptions checks -readout, -units-per-electrode and -mua and sets
// o.Readout.
func (df *designFlags) readoutOptions(o *design.Options) int {
	switch *df.readout {
	case "neurons":
		for _, f := range []string{"units-per-electrode", "mua"} {
			if flagGiven(df.fs, f) {
				return df.usageErr("-%s: only with -readout electrodes", f)
			}
		}
		return 0
	case "electrodes":
	default:
		return df.usageErr("-readout %q: allowed neurons, electrodes", *df.readout)
	}
	low := 1
	if *df.mua {
		low = 0
	}
	if *df.perElectrode < low || *df.perElectrode > 20 {
		return df.usageErr("-units-per-electrode %d: want 1 to 20 (0 to 20 with -mua)", *df.perElectrode)
	}
	r := design.DefaultReadout
	r.UnitsPerElectrode, r.MUA = *df.perElectrode, *df.mua
	o.Readout = &r
	return 0
}

// lists parses the comma-separated flags (mechanisms, seeds, the sizes per
// axis) into o and checks the base sizes.
func (df *designFlags) lists(o *design.Options) int {
	for _, m := range strings.Split(*df.mechs, ",") {
		m = strings.TrimSpace(m)
		if m != "ipl" && m != "feedback" {
			return df.usageErr("-mechanisms %q: allowed ipl, feedback", *df.mechs)
		}
		o.Mechanisms = append(o.Mechanisms, m)
	}
	for _, f := range strings.Split(*df.seeds, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return df.usageErr("-seeds %q: want whole numbers, comma-separated, e.g. 1,2,3", *df.seeds)
		}
		o.Seeds = append(o.Seeds, v)
	}
	for _, axis := range design.AxisOrder {
		for _, f := range strings.Split(*df.sizes[axis], ",") {
			v, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return df.usageErr("-%s %q: want whole numbers, comma-separated", axis, *df.sizes[axis])
			}
			o.Sizes[axis] = append(o.Sizes[axis], v)
		}
		if *df.base[axis] < 0 {
			return df.usageErr("-base-%s %d: want 0 (the default) or more", axis, *df.base[axis])
		}
	}
	return 0
}

// outDir is -out, or DIR/design by default.
func (df *designFlags) outDir() string {
	if *df.out == "" {
		return filepath.Join(*df.from, "design")
	}
	return *df.out
}

// runDesign runs the resampling (interruptible) and writes its report into out.
func runDesign(o design.Options, out string, con console) int {
	stdout, stderr := con.stdout, con.stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o.Context = ctx
	o.Log = func(s string) { fmt.Fprintf(stderr, "iplgpu design: %s\n", s) }
	res, err := design.Run(o)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "iplgpu design: interrupted: %v\n", err)
			return 130
		}
		fmt.Fprintf(stderr, "iplgpu design: %s\n", strings.TrimPrefix(err.Error(), "design: "))
		return 1
	}
	if err := rival.WriteDesign(res, out); err != nil {
		fmt.Fprintf(stderr, "iplgpu design: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "design of %v on seeds %v in %.0f s: %s\n", o.Mechanisms, o.Seeds, res.Seconds, filepath.Join(out, "design.md"))
	return 0
}
