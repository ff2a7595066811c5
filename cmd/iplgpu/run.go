package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/report"
	"github.com/iplgpu/iplgpu/rundir"
)

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", "[-config FILE] [-preset NAME] [-out DIR] [-seed N] [-backend auto|cpu|gl] [-set key=value]...", stderr)
	in := addRunInputs(fs)
	backend := fs.String("backend", "auto", "auto | cpu | gl")
	analyse := fs.Bool("analyse", true, "analyse the run when it completes (tables, figures, report.md); 'iplgpu analyse DIR' does it later")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	// From here on Ctrl-C and SIGTERM cancel ctx: the network build, the
	// trials and the analysis stop soon after, with exit status 130.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, dir, err := in.resolve()
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu run: %v\n", err)
		return 1
	}
	fmt.Fprintln(stderr, model.MemoryReport(cfg))
	if *analyse {
		if err := model.CheckAnalysisMemory(cfg); err != nil {
			fmt.Fprintf(stderr, "iplgpu run: %v\n  (-analyse=false runs the simulation alone; its analysis then needs a machine with more memory)\n", err)
			return 1
		}
	}
	out, err := rundir.Create(dir)
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu run: %v\n", err)
		return 1
	}
	be, err := openBackend(*backend, stderr)
	if err != nil {
		out.Close()
		fmt.Fprintf(stderr, "iplgpu run: %v\n", err)
		return 1
	}
	defer be.Close()

	bar := newProgress(stderr)
	sum, err := engine.Simulate(ctx, cfg, be, out, engine.SimulateOptions{
		Log: func(s string) { fmt.Fprintln(stderr, s) },
		Progress: func(p engine.Progress) {
			bar.update(p.Trial, p.Trials, fmt.Sprintf("session %d %s, %.1f Hz", p.Block.Session, p.Block.Name, p.MeanRateHz))
		},
	})
	if errors.Is(err, context.Canceled) {
		if sum.TrialsTotal == 0 {
			fmt.Fprintf(stderr, "iplgpu run: interrupted before the first trial; %s holds the config and no trials\n", dir)
		} else {
			fmt.Fprintf(stderr, "iplgpu run: interrupted; %d of %d trials kept in %s\n", sum.TrialsDone, sum.TrialsTotal, dir)
		}
		return 130
	}
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu run: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "run complete: %d trials (%d recorded) in %.1f s on %s\nrun directory: %s\n", sum.TrialsDone, sum.Recorded, sum.SimSeconds, sum.Backend, dir)
	if *analyse {
		return analyseDir(ctx, dir, analysis.Options{}, report.WriteOptions{}, "iplgpu run", stdout, stderr)
	}
	return 0
}
