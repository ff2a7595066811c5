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
	"time"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/compare"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/report/rival"
	"github.com/iplgpu/iplgpu/sweep"
)

const compareSynopsis = `[-out DIR | -resume DIR | -plan DIR | -from-sweep DIR] [-seeds 1,2,3] [-mechanisms ipl,feedback] [-sessions N] [-config FILE] [-preset NAME] [-set key=value]... [-backend cpu|gl|auto] [-boot B]

Runs the IPL and the feedback-only mechanism (docs/model.md section 7) on one
protocol and the same seeds (seeds are animals), analyses every run and
writes compare.md, compare.csv, signatures.csv and compare.png into DIR: one
row per signature (a) ablation, (b) distance at matched tuning, (c)
frozen-noise A-vs-B correlation, (d) islets, (e) switch time course, (f)
within-trial rise, each with the mean and 95% interval across seeds per
mechanism, the paired t test of the per-seed differences and the
Holm-corrected p over the family of tested rows; the islets differ by
construction and are not tested. Give the calibrated strengths with -config
(iplgpu calibrate writes calibrated.yaml) or -set. With the runs complete in
DIR, compare only analyses them again.

On a cluster: -plan DIR lays the runs out as a sweep (mechanism x seeds,
as iplgpu sweep plan does: manifest, sweep.sbatch) without simulating; run
its points with iplgpu sweep local -dir DIR or sbatch DIR/sweep.sbatch
(checkpointed, resumable); then -from-sweep DIR analyses the done points
into DIR/compare (or -out), and iplgpu design -from DIR reads them too.`

// compareFlags are iplgpu compare's flags, as defined on fs.
type compareFlags struct {
	fs                                               *flag.FlagSet
	stderr                                           io.Writer
	out, resume, plan, fromSweep, seeds, mechs, file *string
	preset, backend                                  *string
	sessions, boot, switches                         *int
	switchGain                                       *bool
	sets                                             multiFlag
}

func newCompareFlags(stderr io.Writer) *compareFlags {
	fs := newFlagSet("compare", compareSynopsis, stderr)
	cf := &compareFlags{
		fs:         fs,
		stderr:     stderr,
		out:        fs.String("out", "", "output directory (default runs/compare-<time>; with -from-sweep DIR: DIR/compare); the runs go into DIR/<mechanism>-seed<k>; run again into the same DIR, an interrupted compare keeps its complete runs and continues its stopped ones"),
		resume:     fs.String("resume", "", "continue the interrupted compare in `DIR` (as -out DIR with the same options)"),
		plan:       fs.String("plan", "", "lay the runs out as a sweep in `DIR` (base-config.yaml, sweep.yaml with the grid mechanism x seeds, manifest, sweep.sbatch) without simulating"),
		fromSweep:  fs.String("from-sweep", "", "analyse the done points of the sweep in `DIR` (laid out by -plan) as a comparison"),
		seeds:      fs.String("seeds", "1,2,3", "seeds (animals), comma-separated (with -from-sweep: default the sweep's)"),
		mechs:      fs.String("mechanisms", "ipl,feedback", "mechanisms to compare, comma-separated (the first two are tested against each other; with -from-sweep: default the sweep's)"),
		sessions:   fs.Int("sessions", 0, "training sessions (0: the config's protocol.sessions)"),
		file:       fs.String("config", "", "config file over the embedded defaults (e.g. calibrated.yaml)"),
		preset:     fs.String("preset", "", "preset under the config file"),
		backend:    fs.String("backend", "cpu", "backend: auto, cpu or gl"),
		boot:       fs.Int("boot", 100, "bootstrap replicates of each run's analysis (intervals within a run)"),
		switches:   fs.Int("switch-pairs", 0, "pairs of passive and task blocks after training (0: 30)"),
		switchGain: fs.Bool("switch-task-gain", false, "keep the task gain in the passive switch blocks, so that they differ from task blocks in the gate and the feedback alone (signature e)"),
	}
	fs.Var(&cf.sets, "set", "override one key in every run, e.g. -set feedback.k_max=0.04 (repeatable)")
	return cf
}

// usageErr reports a bad flag with the usage and returns exit code 2.
func (cf *compareFlags) usageErr(format string, a ...any) int {
	fmt.Fprintf(cf.stderr, "iplgpu compare: "+format+"\n", a...)
	cf.fs.Usage()
	return 2
}

// options checks the parsed flags and turns them into compare options; a
// non-zero code is the usage error's, already reported.
func (cf *compareFlags) options() (compare.Options, int) {
	var o compare.Options
	for _, f := range strings.Split(*cf.seeds, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return o, cf.usageErr("-seeds %q: want whole numbers, comma-separated, e.g. 1,2,3", *cf.seeds)
		}
		o.Seeds = append(o.Seeds, v)
	}
	for _, m := range strings.Split(*cf.mechs, ",") {
		m = strings.TrimSpace(m)
		if m != "ipl" && m != "feedback" && m != "both" {
			return o, cf.usageErr("-mechanisms %q: allowed ipl, feedback, both", *cf.mechs)
		}
		o.Mechanisms = append(o.Mechanisms, m)
	}
	switch {
	case *cf.sessions < 0:
		return o, cf.usageErr("-sessions %d: want 0 (the config's) or more", *cf.sessions)
	case *cf.boot < 2:
		return o, cf.usageErr("-boot %d: want at least 2 replicates", *cf.boot)
	case *cf.switches < 0 || *cf.switches > compare.MaxSwitchPairs:
		return o, cf.usageErr("-switch-pairs %d: want 0 (30) to %d", *cf.switches, compare.MaxSwitchPairs)
	}
	o.Preset, o.File, o.Sets, o.Sessions, o.SwitchPairs, o.SwitchTaskGain = *cf.preset, *cf.file, cf.sets, *cf.sessions, *cf.switches, *cf.switchGain
	o.Log = func(s string) { fmt.Fprintf(cf.stderr, "iplgpu compare: %s\n", s) }
	o.Backend = func() (engine.Backend, error) { return openBackend(*cf.backend, io.Discard) }
	o.Analysis = analysis.Options{BootReplicates: *cf.boot}
	return o, cf.modes()
}

// modes refuses -plan, -from-sweep and -resume together or with the flags
// they do not take.
func (cf *compareFlags) modes() int {
	given := 0
	for _, f := range []string{"resume", "plan", "from-sweep"} {
		if flagGiven(cf.fs, f) {
			given++
		}
	}
	if given > 1 {
		return cf.usageErr("-resume, -plan and -from-sweep: give one of them")
	}
	if flagGiven(cf.fs, "plan") {
		if *cf.plan == "" || flagGiven(cf.fs, "out") {
			return cf.usageErr("-plan %q: give the sweep directory to lay out (and no -out)", *cf.plan)
		}
		for _, f := range []string{"backend", "boot"} {
			if flagGiven(cf.fs, f) {
				return cf.usageErr("-%s: not with -plan (give -backend to iplgpu sweep local or run, -boot to compare -from-sweep)", f)
			}
		}
	}
	if flagGiven(cf.fs, "from-sweep") {
		if *cf.fromSweep == "" {
			return cf.usageErr("-from-sweep: give the sweep directory of a compare -plan")
		}
		for _, f := range []string{"sessions", "config", "preset", "set", "backend", "switch-pairs", "switch-task-gain"} {
			if flagGiven(cf.fs, f) {
				return cf.usageErr("-%s: not with -from-sweep (the sweep's runs hold their configuration)", f)
			}
		}
	}
	if flagGiven(cf.fs, "resume") {
		if *cf.resume == "" || (*cf.out != "" && *cf.out != *cf.resume) {
			return cf.usageErr("-resume %q: give the directory of the interrupted compare (and no other -out)", *cf.resume)
		}
		if st, err := os.Stat(*cf.resume); err != nil || !st.IsDir() {
			return cf.usageErr("-resume %s: no such directory", *cf.resume)
		}
		*cf.out = *cf.resume
	}
	return 0
}

func cmdCompare(args []string, stdout, stderr io.Writer) int {
	cf := newCompareFlags(stderr)
	if code, done := parseFlags(cf.fs, args); done {
		return code
	}
	o, code := cf.options()
	if code != 0 {
		return code
	}
	if *cf.plan != "" {
		return comparePlan(o, *cf.plan, stdout, stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o.Analysis.Context = ctx
	var res *compare.Result
	var err error
	if *cf.fromSweep != "" {
		if *cf.out == "" {
			*cf.out = filepath.Join(*cf.fromSweep, "compare")
		}
		res, err = compareFromSweep(o, *cf.fromSweep, flagGiven(cf.fs, "mechanisms"), flagGiven(cf.fs, "seeds"))
	} else {
		if *cf.out == "" {
			*cf.out = filepath.Join("runs", "compare-"+time.Now().Format("20060102-150405"))
		}
		o.Out = *cf.out
		res, err = compare.Run(ctx, o)
	}
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "iplgpu compare: interrupted: %v\n", err)
			return 130
		}
		fmt.Fprintf(stderr, "iplgpu compare: %v\n", err)
		return 1
	}
	if err := os.MkdirAll(*cf.out, 0o755); err != nil {
		fmt.Fprintf(stderr, "iplgpu compare: %v\n", err)
		return 1
	}
	if err := rival.WriteCompare(res, *cf.out); err != nil {
		fmt.Fprintf(stderr, "iplgpu compare: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "compared %v on seeds %v in %.0f s: %s\n", res.Options.Mechanisms, res.Options.Seeds, res.Seconds, filepath.Join(*cf.out, "compare.md"))
	return 0
}

// comparePlan lays the comparison o out as a sweep in dir (compare.PlanSweep)
// and says how to run it.
func comparePlan(o compare.Options, dir string, stdout, stderr io.Writer) int {
	m, err := compare.PlanSweep(dir, o, pointConfig, sweep.WriteOptions{})
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu compare: %s\n", strings.TrimPrefix(err.Error(), "compare: "))
		return 1
	}
	abs, _ := filepath.Abs(dir)
	fmt.Fprintf(stdout, "compare sweep %s: %d points (mechanisms %v x seeds %v) in %s\n", m.Name, len(m.Points), o.Mechanisms, o.Seeds, abs)
	fmt.Fprintf(stdout, "  here:     iplgpu sweep local -dir %s -j 2\n", abs)
	fmt.Fprintf(stdout, "  Slurm:    sbatch %s\n", filepath.Join(abs, sweep.SbatchFile))
	fmt.Fprintf(stdout, "  then:     iplgpu compare -from-sweep %s; iplgpu design -from %s\n", abs, abs)
	return 0
}

// compareFromSweep analyses the done points of the sweep in dir as the
// comparison o; the mechanisms and seeds are the sweep's unless given.
func compareFromSweep(o compare.Options, dir string, mechsGiven, seedsGiven bool) (*compare.Result, error) {
	runs, err := compare.ReadSweep(dir, pointProbe)
	if err != nil {
		return nil, err
	}
	if !mechsGiven {
		o.Mechanisms = nil
	}
	if !seedsGiven {
		o.Seeds = nil
	}
	runs.Apply(&o)
	if err := runs.Check(o.Mechanisms, o.Seeds); err != nil {
		return nil, err
	}
	return compare.FromRuns(o)
}
