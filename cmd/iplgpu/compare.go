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
	"time"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/compare"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/report/rival"
)

const compareSynopsis = `[-out DIR | -resume DIR] [-seeds 1,2,3] [-mechanisms ipl,feedback] [-sessions N] [-config FILE] [-preset NAME] [-set key=value]... [-backend cpu|gl|auto] [-boot B]

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
DIR, compare only analyses them again.`

func cmdCompare(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("compare", compareSynopsis, stderr)
	out := fs.String("out", "", "output directory (default runs/compare-<time>); the runs go into DIR/<mechanism>-seed<k>; run again into the same DIR, an interrupted compare keeps its complete runs and continues its stopped ones")
	resume := fs.String("resume", "", "continue the interrupted compare in `DIR` (as -out DIR with the same options)")
	seeds := fs.String("seeds", "1,2,3", "seeds (animals), comma-separated")
	mechs := fs.String("mechanisms", "ipl,feedback", "mechanisms to compare, comma-separated (the first two are tested against each other)")
	sessions := fs.Int("sessions", 0, "training sessions (0: the config's protocol.sessions)")
	file := fs.String("config", "", "config file over the embedded defaults (e.g. calibrated.yaml)")
	preset := fs.String("preset", "", "preset under the config file")
	backend := fs.String("backend", "cpu", "backend: auto, cpu or gl")
	boot := fs.Int("boot", 100, "bootstrap replicates of each run's analysis (intervals within a run)")
	switches := fs.Int("switch-pairs", 0, "pairs of passive and task blocks after training (0: 30)")
	switchGain := fs.Bool("switch-task-gain", false, "keep the task gain in the passive switch blocks, so that they differ from task blocks in the gate and the feedback alone (signature e)")
	var sets multiFlag
	fs.Var(&sets, "set", "override one key in every run, e.g. -set feedback.k_max=0.04 (repeatable)")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "iplgpu compare: "+format+"\n", a...)
		fs.Usage()
		return 2
	}
	var sd []uint64
	for _, f := range strings.Split(*seeds, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return usageErr("-seeds %q: want whole numbers, comma-separated, e.g. 1,2,3", *seeds)
		}
		sd = append(sd, v)
	}
	var ms []string
	for _, m := range strings.Split(*mechs, ",") {
		m = strings.TrimSpace(m)
		if m != "ipl" && m != "feedback" && m != "both" {
			return usageErr("-mechanisms %q: allowed ipl, feedback, both", *mechs)
		}
		ms = append(ms, m)
	}
	switch {
	case *sessions < 0:
		return usageErr("-sessions %d: want 0 (the config's) or more", *sessions)
	case *boot < 2:
		return usageErr("-boot %d: want at least 2 replicates", *boot)
	case *switches < 0 || *switches > compare.MaxSwitchPairs:
		return usageErr("-switch-pairs %d: want 0 (30) to %d", *switches, compare.MaxSwitchPairs)
	}
	if flagGiven(fs, "resume") {
		if *resume == "" || (*out != "" && *out != *resume) {
			return usageErr("-resume %q: give the directory of the interrupted compare (and no other -out)", *resume)
		}
		if st, err := os.Stat(*resume); err != nil || !st.IsDir() {
			return usageErr("-resume %s: no such directory", *resume)
		}
		*out = *resume
	}
	if *out == "" {
		*out = filepath.Join("runs", "compare-"+time.Now().Format("20060102-150405"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o := compare.Options{
		Seeds: sd, Mechanisms: ms, Preset: *preset, File: *file, Sets: sets, Sessions: *sessions, SwitchPairs: *switches, SwitchTaskGain: *switchGain, Out: *out,
		Log:      func(s string) { fmt.Fprintf(stderr, "iplgpu compare: %s\n", s) },
		Backend:  func() (engine.Backend, error) { return openBackend(*backend, io.Discard) },
		Analysis: analysis.Options{BootReplicates: *boot, Context: ctx},
	}
	res, err := compare.Run(ctx, o)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "iplgpu compare: interrupted: %v\n", err)
			return 130
		}
		fmt.Fprintf(stderr, "iplgpu compare: %v\n", err)
		return 1
	}
	if err := rival.WriteCompare(res, *out); err != nil {
		fmt.Fprintf(stderr, "iplgpu compare: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "compared %v on seeds %v in %.0f s: %s\n", ms, sd, res.Seconds, filepath.Join(*out, "compare.md"))
	return 0
}
