package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/iplgpu/iplgpu/compare"
	"github.com/iplgpu/iplgpu/engine"
)

const calibrateSynopsis = `[-out DIR] [-mechanism feedback|ipl] [-target PCT] [-seed N] [-sessions N] [-config FILE] [-preset NAME] [-set key=value]... [-backend cpu|gl|auto]

Sets one mechanism's strength so that its late-learning task redundancy % at
subsets of 14 neurons matches a target (docs/model.md section 7.4, fair
comparison): feedback.k_max for feedback, dynamics.g_lat for ipl. Without
-target the target is the IPL default's value, measured first on the same
protocol. The search protocol is reduced (stated): the config's training
sessions, then one task block of 320 recorded trials; no baseline, passive or
ablation blocks. Every step (parameter, measured redundancy with its 95%
bootstrap interval) goes to DIR/calibration.csv, the chosen value to
DIR/calibrated.yaml (use it with run or compare -config). A target the
mechanism cannot reach within its parameter's bound is refused (exit 1).`

func cmdCalibrate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("calibrate", calibrateSynopsis, stderr)
	out := fs.String("out", "", "output directory (default runs/calibrate-<time>)")
	mech := fs.String("mechanism", "feedback", "mechanism to calibrate: feedback (k_max) or ipl (g_lat)")
	target := fs.Float64("target", math.NaN(), "target redundancy % at n = 14 (default: the IPL default's, measured)")
	seed := fs.Uint64("seed", 1, "seed of every run of the search")
	sessions := fs.Int("sessions", 0, "training sessions (0: the config's protocol.sessions)")
	file := fs.String("config", "", "config file over the embedded defaults")
	preset := fs.String("preset", "", "preset under the config file")
	backend := fs.String("backend", "cpu", "backend: auto, cpu or gl")
	steps := fs.Int("steps", 6, "search steps after the target is bracketed")
	var sets multiFlag
	fs.Var(&sets, "set", "override one key in every run, e.g. -set network.neurons=100 (repeatable)")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "iplgpu calibrate: "+format+"\n", a...)
		fs.Usage()
		return 2
	}
	switch {
	case *mech != "feedback" && *mech != "ipl":
		return usageErr("-mechanism %q: allowed feedback, ipl", *mech)
	case !math.IsNaN(*target) && !(*target > 0 && *target < 100):
		return usageErr("-target %v: want a redundancy %% in (0, 100)", *target)
	case *sessions < 0 || *steps < 1:
		return usageErr("-sessions %d -steps %d: want sessions >= 0 and at least 1 step", *sessions, *steps)
	}
	if *out == "" {
		*out = filepath.Join("runs", "calibrate-"+time.Now().Format("20060102-150405"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	t0 := time.Now()
	cal, err := compare.Calibrate(compare.CalibrateOptions{
		Mechanism: *mech, Target: *target, Seed: *seed, Preset: *preset, File: *file, Sets: sets, Sessions: *sessions,
		MaxSteps: *steps, Out: *out, Context: ctx,
		Backend: func() (engine.Backend, error) { return openBackend(*backend, io.Discard) },
		Log:     func(s string) { fmt.Fprintf(stderr, "iplgpu calibrate: %s\n", s) },
	})
	var un *compare.ErrUnreachable
	switch {
	case errors.As(err, &un):
		fmt.Fprintf(stderr, "iplgpu %v (steps in %s)\n", err, filepath.Join(*out, "calibration.csv"))
		return 1
	case err != nil && ctx.Err() != nil:
		fmt.Fprintf(stderr, "iplgpu calibrate: interrupted: %v\n", err)
		return 130
	case err != nil:
		fmt.Fprintf(stderr, "iplgpu calibrate: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s = %g (target %.1f%%, %d steps, %.0f s): %s\n", cal.Key, cal.Value, cal.Target, len(cal.Steps), time.Since(t0).Seconds(), filepath.Join(*out, "calibrated.yaml"))
	return 0
}
