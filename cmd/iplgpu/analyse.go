package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/fisher"
	"github.com/iplgpu/iplgpu/report"
	"github.com/iplgpu/iplgpu/rundir"
)

const analyseSynopsis = `[-subset n] [-subsets K] [-time-subsets K] [-islet-threshold x] [-seed S] [-no-figures] DIR

Analyses a run directory written by 'iplgpu run' (also an interrupted one) and
(re)writes into it: info.csv, timecourse.csv, network.csv, w_hist.csv,
islets.csv, tuning.csv, the figures fig1..fig7 (PNG and SVG) and report.md.
Information is in units of 1/coherence^2; intervals are 68% intervals over K
random subsets of n neurons.`

// cmdAnalyse is the analyse subcommand.
func cmdAnalyse(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("analyse", analyseSynopsis, stderr)
	subset := fs.Int("subset", fisher.DefaultSubsetSize, "neurons per random subset")
	subsets := fs.Int("subsets", fisher.DefaultSubsets, "random subsets per block (info.csv)")
	timeSubsets := fs.Int("time-subsets", analysis.DefaultTimeSubsets, "random subsets per window of the within-trial time courses")
	threshold := fs.Float64("islet-threshold", analysis.DefaultIsletThreshold, "structural weight w at or above which a contact links an islet, in (0, 1]")
	seed := fs.Uint64("seed", analysis.DefaultSeed, "seed of the subset draws (> 0)")
	noFigures := fs.Bool("no-figures", false, "write the tables and the report but no figures")
	dir, code, done := parseWithDir(fs, args)
	if done {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "iplgpu analyse: "+format+"\n", a...)
		fs.Usage()
		return 2
	}
	switch {
	case *subset < 2:
		return usageErr("-subset %d: subsets need at least 2 neurons", *subset)
	case *subsets < 1 || *timeSubsets < 1:
		return usageErr("-subsets %d -time-subsets %d: ask for at least 1 subset", *subsets, *timeSubsets)
	case !(*threshold > 0 && *threshold <= 1):
		return usageErr("-islet-threshold %v: w lies in [0, 1]; give a threshold in (0, 1]", *threshold)
	case *seed == 0:
		return usageErr("-seed 0: give a seed > 0")
	}
	return analyseDir(dir, analysis.Options{
		SubsetSize: *subset, Subsets: *subsets, TimeSubsets: *timeSubsets,
		IsletThreshold: *threshold, Seed: *seed,
	}, report.WriteOptions{NoFigures: *noFigures}, "iplgpu analyse", stdout, stderr)
}

// analyseDir runs the analysis, printing notes to stderr and where the report
// is to stdout; it returns the exit status.
func analyseDir(dir string, opt analysis.Options, ropt report.WriteOptions, prefix string, stdout, stderr io.Writer) int {
	t0 := time.Now()
	opt.Log = func(s string) { fmt.Fprintf(stderr, "%s: note: %s\n", prefix, s) }
	sum, run, err := analysis.Load(dir, opt)
	if err != nil {
		fmt.Fprintf(stderr, "%s: analysis failed: %v\n", prefix, err)
		return 1
	}
	out, err := report.Write(sum, run, ropt)
	if err != nil {
		fmt.Fprintf(stderr, "%s: writing the analysis failed: %v\n", prefix, err)
		return 1
	}
	fmt.Fprintf(stdout, "analysis: %d blocks, %d files in %.1f s\nreport: %s\n", len(sum.Blocks), len(out.Files), time.Since(t0).Seconds(), filepath.Join(dir, rundir.ReportFile))
	return 0
}

// parseWithDir parses flags with exactly one positional argument, the run
// directory, which may come before, between or after the flags. It returns
// (dir, exit code, done) like parseFlags.
func parseWithDir(fs *flag.FlagSet, args []string) (string, int, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", 0, true
			}
			return "", 2, true
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch len(pos) {
	case 0:
		fmt.Fprintf(fs.Output(), "iplgpu %s: give the run directory to analyse\n", fs.Name())
		fs.Usage()
		return "", 2, true
	case 1:
		return pos[0], 0, false
	}
	fmt.Fprintf(fs.Output(), "iplgpu %s: unexpected argument %q (one run directory at a time)\n", fs.Name(), pos[1])
	fs.Usage()
	return "", 2, true
}
