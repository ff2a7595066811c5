package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/iplgpu/iplgpu/design"
	"github.com/iplgpu/iplgpu/report/rival"
)

const designSynopsis = `-from DIR [-out DIR] [-mechanisms ipl,feedback] [-seeds 1,2,3] [-replicates R] [-alpha A] [-readout neurons|electrodes] [-trials LIST] [-units LIST] [-repeats LIST] [-animals LIST]

Sizes an experiment that tells the IPL hypothesis from feedback-only
inference. DIR holds the runs of iplgpu compare (DIR/<mechanism>-seed<k>,
seeds are animals); design resamples experiments of each size from them
(trials per block, units, frozen-noise repeats, animals), computes the
measurable signatures (b) distance at matched tuning and (c) frozen-noise
correlations, and estimates the power of rejecting the rival mechanism (the
experiment's value outside the rival's central 1 - alpha range at that
size), with Wilson 95% intervals; both mechanisms see the same resamples, and
a null check (the first mechanism against itself) must reject at alpha. It
writes design.csv, design.md (first: the smallest size per signature and
axis with 80% power) and power.png/.svg into -out. Sizes above what the
runs hold are refused.`

func cmdDesign(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("design", designSynopsis, stderr)
	from := fs.String("from", "", "the compare output `DIR` holding <mechanism>-seed<k> runs")
	out := fs.String("out", "", "output directory (default DIR/design)")
	mechs := fs.String("mechanisms", "ipl,feedback", "the two mechanisms, comma-separated; the first is the null check's")
	seeds := fs.String("seeds", "1,2,3", "seeds (animals) of the runs, comma-separated")
	reps := fs.Int("replicates", 200, "simulated experiments per size and mechanism (20 to 100000)")
	alpha := fs.Float64("alpha", 0.05, "level of the test (0 < alpha <= 0.5)")
	seed := fs.Uint64("seed", 1, "seed of the resamples")
	readout := fs.String("readout", "neurons", "units: neurons (every neuron a unit at its soma), or electrodes (a 10 x 10 Utah array of 400 um pitch centred on the slab: the sorted units nearest each electrode within 100 um, at the electrode's position; the units axis then counts electrodes)")
	perElectrode := fs.Int("units-per-electrode", design.DefaultReadout.UnitsPerElectrode, "sorted units per electrode with -readout electrodes (1 to 20)")
	maxPairs := fs.Int("max-pairs", 0, "unit pairs of signature (b) per experiment at most (0: all pairs of the drawn units)")
	sizes := map[string]*string{
		design.AxisTrials:  fs.String("trials", "10,20,40,80,160", "task trials per sign and block to try, ascending"),
		design.AxisUnits:   fs.String("units", "10,20,50,100,200", "recorded units to try, ascending"),
		design.AxisRepeats: fs.String("repeats", "3,5,10,20,30", "trials per frozen frame sequence to try, ascending"),
		design.AxisAnimals: fs.String("animals", "1,2,3", "animals (seeds) to try, ascending"),
	}
	base := map[string]*int{
		design.AxisTrials:  fs.Int("base-trials", 0, "trials per sign while another axis varies (0: all the runs hold)"),
		design.AxisUnits:   fs.Int("base-units", 0, "units while another axis varies (0: 100 or all the runs hold)"),
		design.AxisRepeats: fs.Int("base-repeats", 0, "repeats per frozen sequence while another axis varies (0: all the runs hold)"),
		design.AxisAnimals: fs.Int("base-animals", 0, "animals while another axis varies (0: every seed)"),
	}
	if code, done := parseFlags(fs, args); done {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "iplgpu design: "+format+"\n", a...)
		fs.Usage()
		return 2
	}
	if *from == "" {
		return usageErr("-from: give the directory of an iplgpu compare")
	}
	if st, err := os.Stat(*from); err != nil || !st.IsDir() {
		return usageErr("-from %s: no such directory", *from)
	}
	o := design.Options{From: *from, Replicates: *reps, Alpha: *alpha, Seed: *seed, MaxPairs: *maxPairs, Sizes: map[string][]int{}}
	for _, m := range strings.Split(*mechs, ",") {
		m = strings.TrimSpace(m)
		if m != "ipl" && m != "feedback" {
			return usageErr("-mechanisms %q: allowed ipl, feedback", *mechs)
		}
		o.Mechanisms = append(o.Mechanisms, m)
	}
	for _, f := range strings.Split(*seeds, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return usageErr("-seeds %q: want whole numbers, comma-separated, e.g. 1,2,3", *seeds)
		}
		o.Seeds = append(o.Seeds, v)
	}
	for _, axis := range design.AxisOrder {
		for _, f := range strings.Split(*sizes[axis], ",") {
			v, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return usageErr("-%s %q: want whole numbers, comma-separated", axis, *sizes[axis])
			}
			o.Sizes[axis] = append(o.Sizes[axis], v)
		}
		if *base[axis] < 0 {
			return usageErr("-base-%s %d: want 0 (the default) or more", axis, *base[axis])
		}
	}
	switch *readout {
	case "neurons":
	case "electrodes":
		r := design.DefaultReadout
		r.UnitsPerElectrode = *perElectrode
		o.Readout = &r
	default:
		return usageErr("-readout %q: allowed neurons, electrodes", *readout)
	}
	if *perElectrode < 1 || *perElectrode > 20 {
		return usageErr("-units-per-electrode %d: want 1 to 20", *perElectrode)
	}
	if *maxPairs < 0 {
		return usageErr("-max-pairs %d: want 0 (all) or more", *maxPairs)
	}
	o.Base = design.Size{Trials: *base[design.AxisTrials], Units: *base[design.AxisUnits], Repeats: *base[design.AxisRepeats], Animals: *base[design.AxisAnimals]}
	if err := design.CheckOptions(o); err != nil {
		return usageErr("%s", strings.TrimPrefix(err.Error(), "design: "))
	}
	if *out == "" {
		*out = filepath.Join(*from, "design")
	}
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
	if err := rival.WriteDesign(res, *out); err != nil {
		fmt.Fprintf(stderr, "iplgpu design: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "design of %v on seeds %v in %.0f s: %s\n", o.Mechanisms, o.Seeds, res.Seconds, filepath.Join(*out, "design.md"))
	return 0
}
