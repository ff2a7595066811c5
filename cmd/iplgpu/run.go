package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/iplgpu/iplgpu/assets"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/experiment"
)

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", "[-config FILE] [-preset NAME] [-out DIR] [-seed N] [-backend auto|cpu|gl] [-set key=value]...", stderr)
	file := fs.String("config", "", "config file (YAML) over the embedded defaults; see 'iplgpu config'")
	preset := fs.String("preset", "", fmt.Sprintf("experiment preset %v (default: the learning experiment)", assets.Presets()))
	out := fs.String("out", "", "run directory (default runs/<preset>-<time>); must be new or empty")
	seed := fs.Int64("seed", -1, "run seed (overrides the config's seed)")
	backend := fs.String("backend", "auto", "auto | cpu | gl")
	analyse := fs.Bool("analyse", true, "analyse the run when it completes (tables, figures, report.md); 'iplgpu analyse DIR' does it later")
	var sets multiFlag
	fs.Var(&sets, "set", "override one key, e.g. -set network.neurons=500 (repeatable)")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if *seed >= 0 {
		sets = append(sets, fmt.Sprintf("seed=%d", *seed))
	}
	// Everything that can be wrong with the input is checked before any work.
	cfg, err := engine.LoadConfig(*preset, *file, sets)
	if err == nil {
		err = engine.CheckMemory(cfg)
	}
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu run: %v\n", err)
		return 1
	}
	dir := *out
	if dir == "" {
		name := *preset
		if name == "" {
			name = "learning"
		}
		dir = filepath.Join("runs", fmt.Sprintf("%s-%s", name, time.Now().Format("20060102-150405")))
	}
	if err := engine.PrepareOutDir(dir); err != nil {
		fmt.Fprintf(stderr, "iplgpu run: %v\n", err)
		return 1
	}
	be, err := openBackend(*backend, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu run: %v\n", err)
		return 1
	}
	defer be.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bar := newProgress(stderr)
	sum, err := engine.Simulate(ctx, cfg, be, engine.RunOptions{
		Out: dir,
		Log: func(s string) { fmt.Fprintln(stderr, s) },
		Progress: func(p engine.Progress) {
			bar.update(p.Trial, p.Trials, fmt.Sprintf("session %d %s, %.1f Hz", p.Block.Session, p.Block.Name, p.MeanRateHz))
		},
	})
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "iplgpu run: interrupted; %d of %d trials kept in %s\n", sum.TrialsDone, sum.TrialsTotal, dir)
		return 130
	}
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu run: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "run complete: %d trials (%d recorded) in %.1f s on %s\nrun directory: %s\n", sum.TrialsDone, sum.Recorded, sum.SimSeconds, sum.Backend, dir)
	if *analyse {
		return analyseDir(dir, experiment.Options{}, "iplgpu run", stdout, stderr)
	}
	return 0
}
