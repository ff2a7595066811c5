package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/report"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/simrun"
)

// stopSignals stop a run after its current trial, with a checkpoint: Ctrl-C,
// SIGTERM (scancel, Slurm's preemption, Kubernetes' pod termination) and
// SIGUSR1 (what the sbatch script of iplgpu sweep asks Slurm to send before
// the time limit).
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", "[-config FILE] [-preset NAME] [-out DIR] [-seed N] [-backend auto|cpu|gl] [-set key=value]...\n       iplgpu run -resume DIR [-backend auto|cpu|gl]", stderr)
	in := addRunInputs(fs)
	backend := fs.String("backend", "auto", "auto | cpu | gl (with -resume: default the backend that wrote the checkpoint)")
	analyse := fs.Bool("analyse", true, "analyse the run when it completes (tables, figures, report.md); 'iplgpu analyse DIR' does it later")
	resume := fs.String("resume", "", "continue the stopped run in `DIR` from its last checkpoint, with its own config.yaml")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	// From here on Ctrl-C, SIGTERM and SIGUSR1 cancel ctx: the network build,
	// the trials and the analysis stop soon after, with exit status 130; a
	// run that had begun its trials writes a checkpoint first.
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
	defer stop()
	opt := runOptions{backend: *backend, analyse: *analyse, prefix: "iplgpu run", progress: true}
	if flagGiven(fs, "resume") && strings.TrimSpace(*resume) == "" {
		fmt.Fprintln(stderr, "iplgpu run: -resume \"\": give the directory of the stopped run to continue")
		return 2
	}
	if *resume != "" {
		var given []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "config", "preset", "out", "seed", "set":
				given = append(given, "-"+f.Name)
			case "backend":
				opt.backendSet = true
			}
		})
		if len(given) > 0 {
			fmt.Fprintf(stderr, "iplgpu run: -resume continues %s with its own config.yaml; %s cannot change it (start a new run for another configuration)\n", *resume, strings.Join(given, ", "))
			return 2
		}
		return resumeRun(ctx, *resume, opt, stdout, stderr)
	}
	cfg, dir, err := in.resolve()
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu run: %v\n", err)
		return 1
	}
	return startRun(ctx, cfg, dir, opt, stdout, stderr)
}

// runOptions are the choices of startRun and resumeRun besides the run.
type runOptions struct {
	backend    string // auto | cpu | gl
	backendSet bool   // given on the command line (resumeRun: else the checkpoint's)
	analyse    bool
	prefix     string // of messages, e.g. "iplgpu run"
	progress   bool   // a progress bar (or lines) on stderr
}

// startRun claims the new run directory dir and runs cfg into it (iplgpu run);
// it returns the exit status.
func startRun(ctx context.Context, cfg *model.Config, dir string, opt runOptions, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, model.MemoryReport(cfg))
	if code := checkAnalysisMemory(cfg, opt, stderr); code != 0 {
		return code
	}
	out, err := rundir.Create(dir)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", opt.prefix, err)
		return 1
	}
	return simulateInto(ctx, cfg, out, nil, opt, console{stdout, stderr})
}

// resumeRun continues the stopped run in dir (iplgpu run -resume); it returns
// the exit status.
func resumeRun(ctx context.Context, dir string, opt runOptions, stdout, stderr io.Writer) int {
	out, r, err := rundir.Reopen(dir)
	if err != nil {
		fmt.Fprintf(stderr, "%s: cannot resume: %v\n", opt.prefix, err)
		return 1
	}
	cfg := r.Config
	fail := func(err error) int {
		r.Close()
		out.Close()
		fmt.Fprintf(stderr, "%s: %v\n", opt.prefix, err)
		return 1
	}
	if err := cfg.CheckRunnable(); err != nil {
		return fail(err)
	}
	if err := model.CheckMemory(cfg); err != nil {
		return fail(err)
	}
	fmt.Fprintln(stderr, model.MemoryReport(cfg))
	if code := checkAnalysisMemory(cfg, opt, stderr); code != 0 {
		r.Close()
		out.Close()
		return code
	}
	if r.Checkpoint != nil {
		in := r.Checkpoint.Info
		fmt.Fprintf(stderr, "%s: resuming %s after %d of %d trials (checkpoint of %s)\n", opt.prefix, dir, in.TrialsDone, in.TrialsTotal, in.Backend)
		if !opt.backendSet {
			// The same backend continues bit for bit; another only within
			// the backends' tolerances.
			opt.backend, _, _ = strings.Cut(in.Backend, " ")
		}
	} else {
		fmt.Fprintf(stderr, "%s: %s stopped before its first checkpoint: running it from the first trial\n", opt.prefix, dir)
	}
	return simulateInto(ctx, cfg, out, r, opt, console{stdout, stderr})
}

func checkAnalysisMemory(cfg *model.Config, opt runOptions, stderr io.Writer) int {
	if !opt.analyse {
		return 0
	}
	if err := model.CheckAnalysisMemory(cfg); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n  (-analyse=false runs the simulation alone; its analysis then needs a machine with more memory)\n", opt.prefix, err)
		return 1
	}
	return 0
}

// simulateInto runs (or, with r, continues) cfg into out, then analyses it
// when asked; it returns the exit status: 0, 1, or 130 when ctx was
// cancelled.
func simulateInto(ctx context.Context, cfg *model.Config, out *rundir.Writer, r *rundir.Resume, opt runOptions, con console) int {
	stdout, stderr := con.stdout, con.stderr
	dir := out.Dir()
	be, err := openBackend(opt.backend, stderr)
	if err != nil {
		if r != nil {
			r.Close()
		}
		out.Close()
		fmt.Fprintf(stderr, "%s: %v\n", opt.prefix, err)
		return 1
	}
	defer be.Close()

	sopt := engine.SimulateOptions{Log: func(s string) { fmt.Fprintln(stderr, s) }}
	if r != nil {
		sopt.Resume = simrun.Resume(r)
	}
	if opt.progress {
		bar := newProgress(stderr)
		sopt.Progress = func(p engine.Progress) {
			bar.update(p.Trial, p.Trials, fmt.Sprintf("session %d %s, %.1f Hz", p.Block.Session, p.Block.Name, p.MeanRateHz))
		}
	}
	sum, err := engine.Simulate(ctx, cfg, be, out, sopt)
	if errors.Is(err, context.Canceled) {
		if sum.TrialsTotal == 0 {
			fmt.Fprintf(stderr, "%s: interrupted before the first trial; %s holds the config and no trials ('iplgpu run -resume %s' starts it)\n", opt.prefix, dir, dir)
		} else {
			fmt.Fprintf(stderr, "%s: interrupted; %d of %d trials kept in %s, with a checkpoint ('iplgpu run -resume %s' continues it)\n", opt.prefix, sum.TrialsDone, sum.TrialsTotal, dir, dir)
		}
		return 130
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", opt.prefix, err)
		return 1
	}
	fmt.Fprintf(stdout, "run complete: %d trials (%d recorded) in %.1f s on %s\nrun directory: %s\n", sum.TrialsDone, sum.Recorded, sum.SimSeconds, sum.Backend, dir)
	if opt.analyse {
		return analyseDir(ctx, dir, analysis.Options{}, report.WriteOptions{}, opt.prefix, con)
	}
	return 0
}
