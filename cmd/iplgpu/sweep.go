package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/report"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/sweep"
)

const sweepUsage = `Usage:
  iplgpu sweep plan SWEEP.yaml -dir DIR   lay out the sweep: manifest, sweep.sbatch (Slurm), job.yaml (Kubernetes)
  iplgpu sweep local -dir DIR [-j N]      run every point that is not done here, N at a time
  iplgpu sweep run -dir DIR [-index I]    run one point (what sweep.sbatch and job.yaml call; the index
                                          defaults to SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)
  iplgpu sweep status -dir DIR            where every point stands: pending, running, done, failed, resumable
  iplgpu merge DIR                        one table and figures across the points (after the runs)

A sweep file names a base config or preset, the seeds and a grid of -set keys
(see the sweep package's Spec). Each point is an 'iplgpu run' with its own run
directory under DIR/runs, analysed when it completes. A point that is done is
never run again; one that was stopped (Ctrl-C, SIGTERM, scancel, preemption,
the time limit, kill -9) continues from its checkpoint, so running a sweep
again, or requeueing a Slurm task, finishes what is left.
`

// cmdSweep is the sweep subcommand and its verbs.
func cmdSweep(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, sweepUsage)
		return 2
	}
	switch args[0] {
	case "plan":
		return cmdSweepPlan(args[1:], stdout, stderr)
	case "run":
		return cmdSweepRun(args[1:], stdout, stderr)
	case "local":
		return cmdSweepLocal(args[1:], stdout, stderr)
	case "status":
		return cmdSweepStatus(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, sweepUsage)
		return 0
	}
	fmt.Fprintf(stderr, "iplgpu sweep: unknown verb %q\n\n%s", args[0], sweepUsage)
	return 2
}

// pointConfig resolves one point's configuration and checks it as iplgpu run
// does before any work: keys, ranges, memory of the run and of its analysis.
func pointConfig(preset, config string, sets []string, seed uint64) (*model.Config, error) {
	cfg, err := model.LoadConfig(preset, config, append(append([]string{}, sets...), fmt.Sprintf("seed=%d", seed)))
	if err != nil {
		return nil, err
	}
	if err := cfg.CheckRunnable(); err != nil {
		return nil, err
	}
	if err := model.CheckMemory(cfg); err != nil {
		return nil, err
	}
	if err := model.CheckAnalysisMemory(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

func cmdSweepPlan(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sweep plan", "SWEEP.yaml -dir DIR", stderr)
	dir := fs.String("dir", "", "the sweep directory to lay out (new, or holding this same sweep)")
	files, code, done := parseWithDirs(fs, args)
	if done {
		return code
	}
	if len(files) != 1 || *dir == "" {
		fmt.Fprintf(stderr, "iplgpu sweep plan: give one sweep file and -dir DIR\n")
		return 2
	}
	s, err := sweep.Load(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu sweep plan: %v\n", err)
		return 1
	}
	m, err := sweep.Write(*dir, s, sweep.WriteOptions{Check: func(preset, config string, sets []string, seed uint64) error {
		_, err := pointConfig(preset, config, sets, seed)
		return err
	}})
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu sweep plan: %v\n", err)
		return 1
	}
	abs, _ := filepath.Abs(*dir)
	fmt.Fprintf(stdout, "sweep %s: %d points (%d seeds", m.Name, len(m.Points), len(m.Seeds))
	if len(m.Params) > 0 {
		fmt.Fprintf(stdout, " x %s", strings.Join(m.Params, " x "))
	}
	fmt.Fprintf(stdout, ") in %s\n", abs)
	fmt.Fprintf(stdout, "  here:        iplgpu sweep local -dir %s -j 2\n", abs)
	fmt.Fprintf(stdout, "  Slurm:       sbatch %s\n", filepath.Join(abs, sweep.SbatchFile))
	fmt.Fprintf(stdout, "  Kubernetes:  kubectl apply -f %s   (set kubernetes.image and .claim in the sweep file)\n", filepath.Join(abs, sweep.KubeJobFile))
	fmt.Fprintf(stdout, "  then:        iplgpu sweep status -dir %s; iplgpu merge %s\n", abs, abs)
	return 0
}

// pointProbe says where a point's run directory stands, from run.json
// (rundir.ReadStatus), the checkpoint and the analysis's report.md:
//
//	nothing there (or the lock file alone)     Pending
//	run complete and analysed                  Done
//	run complete, report.md missing            Resumable (the analysis is left)
//	run failed                                 Failed
//	run stopped (interrupted, killed, or no    Resumable: from its checkpoint, or
//	run.json) with a config.yaml               from the first trial without one
//	files but no config.yaml                   Failed: not a run directory
func pointProbe(dir string) (sweep.State, string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return sweep.Pending, "", nil
	}
	if err != nil {
		return "", "", err
	}
	n := 0
	for _, e := range ents {
		if e.Name() != rundir.LockFile {
			n++
		}
	}
	if n == 0 {
		return sweep.Pending, "", nil
	}
	if _, err := os.Stat(filepath.Join(dir, rundir.ConfigFile)); err != nil {
		return sweep.Failed, fmt.Sprintf("holds %d files but no %s: not a run directory (move it away to run the point)", n, rundir.ConfigFile), nil
	}
	st, ok, err := rundir.ReadStatus(dir)
	if err != nil {
		return sweep.Failed, err.Error(), nil
	}
	detail := ""
	if ok && st.TrialsTotal > 0 {
		detail = fmt.Sprintf("%d of %d trials", st.TrialsDone, st.TrialsTotal)
	}
	switch {
	case ok && st.State == rundir.StateComplete:
		if _, err := os.Stat(filepath.Join(dir, rundir.ReportFile)); err != nil {
			return sweep.Resumable, detail + ", not analysed", nil
		}
		return sweep.Done, detail, nil
	case ok && st.State == rundir.StateFailed:
		return sweep.Failed, strings.TrimPrefix(detail+": "+firstLine(st.Error), ": "), nil
	}
	ck, err := rundir.OpenCheckpoint(dir)
	switch {
	case err == nil:
		detail = strings.TrimPrefix(fmt.Sprintf("%s, checkpoint after %d", detail, ck.Info.TrialsDone), ", ")
		ck.Close()
	case errors.Is(err, rundir.ErrNoCheckpoint):
		detail = strings.TrimPrefix(detail+", no checkpoint: starts again", ", ")
	default:
		return sweep.Failed, err.Error(), nil
	}
	return sweep.Resumable, detail, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// errStopped is a point's run stopped by a signal, with its checkpoint.
var errStopped = errors.New("stopped (exit 130): it resumes from its checkpoint")

// pointRunner runs sweep points as iplgpu run does (RunFunc).
type pointRunner struct {
	backend    string
	backendSet bool
	// output returns the point's stdout and stderr and a function that
	// closes them.
	output func(t sweep.Task) (io.Writer, io.Writer, func(), error)
}

// run is the sweep.RunFunc: a pending point starts, a resumable one
// continues from its checkpoint (or is analysed when only that is left), a
// failed one (sweep run -retry-failed) resumes too; a failed one that is no
// run directory is moved aside and started again.
func (r *pointRunner) run(ctx context.Context, t sweep.Task) error {
	stdout, stderr, closeOut, err := r.output(t)
	if err != nil {
		return err
	}
	defer closeOut()
	opt := runOptions{backend: r.backend, backendSet: r.backendSet, analyse: true, prefix: fmt.Sprintf("sweep point %d", t.Index), progress: true}
	fmt.Fprintf(stderr, "%s (%s): %s, %s\n", opt.prefix, t.Dir, t.State, time.Now().Format(time.RFC3339))
	code := 0
	st, hasStatus, _ := rundir.ReadStatus(t.RunDir)
	_, cfgErr := os.Stat(filepath.Join(t.RunDir, rundir.ConfigFile))
	switch {
	case t.State == sweep.Pending:
		cfg, err := pointConfig(t.Preset, t.Config, t.Sets, t.Seed)
		if err != nil {
			return err
		}
		code = startRun(ctx, cfg, t.RunDir, opt, stdout, stderr)
	case hasStatus && st.State == rundir.StateComplete:
		code = analyseDir(ctx, t.RunDir, analysis.Options{}, report.WriteOptions{}, opt.prefix, console{stdout, stderr})
	case cfgErr != nil: // not a run directory (Failed, retried)
		aside := fmt.Sprintf("%s.moved-%s", t.RunDir, time.Now().Format("20060102-150405"))
		if err := os.Rename(t.RunDir, aside); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%s: moved what %s held to %s\n", opt.prefix, t.RunDir, aside)
		cfg, err := pointConfig(t.Preset, t.Config, t.Sets, t.Seed)
		if err != nil {
			return err
		}
		code = startRun(ctx, cfg, t.RunDir, opt, stdout, stderr)
	default:
		code = resumeRun(ctx, t.RunDir, opt, stdout, stderr)
	}
	switch code {
	case 0:
		return nil
	case 130:
		return fmt.Errorf("%w: %w", errStopped, context.Canceled)
	}
	return fmt.Errorf("exit status %d (its log says why)", code)
}

func cmdSweepRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sweep run", "-dir DIR [-index I] [-backend auto|cpu|gl] [-retry-failed]", stderr)
	dir := fs.String("dir", "", "the sweep directory")
	index := fs.Int("index", -1, "the point to run (default: $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX)")
	backend := fs.String("backend", "auto", "auto | cpu | gl (a resumed point: default the backend of its checkpoint)")
	retry := fs.Bool("retry-failed", false, "run the point again if its last run failed")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if *dir == "" {
		fmt.Fprintln(stderr, "iplgpu sweep run: give -dir DIR")
		return 2
	}
	m, err := sweep.ReadManifest(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu sweep run: %v\n", err)
		return 1
	}
	i := *index
	if flagGiven(fs, "index") && i < 0 {
		fmt.Fprintf(stderr, "iplgpu sweep run: -index %d: point indices are 0 to %d\n", i, len(m.Points)-1)
		return 2
	}
	if i < 0 {
		var from string
		if i, from, err = sweep.IndexFromEnv(os.Getenv); err != nil {
			fmt.Fprintf(stderr, "iplgpu sweep run: %v\n", err)
			return 2
		}
		fmt.Fprintf(stderr, "iplgpu sweep run: point %d (from %s)\n", i, from)
	}
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
	defer stop()
	r := &pointRunner{backend: *backend, backendSet: flagGiven(fs, "backend"),
		output: func(sweep.Task) (io.Writer, io.Writer, func(), error) { return stdout, stderr, func() {}, nil }}
	st, err := sweep.RunPoint(ctx, *dir, m, i, sweep.Options{Probe: pointProbe, Run: r.run, RetryFailed: *retry,
		Log: func(s string) { fmt.Fprintln(stderr, "iplgpu sweep run:", s) }})
	switch {
	case err == nil:
		if st == sweep.Done {
			fmt.Fprintf(stderr, "iplgpu sweep run: point %d is done already\n", i)
		}
		return 0
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "iplgpu sweep run: %v\n", err)
		return 130
	}
	fmt.Fprintf(stderr, "iplgpu sweep run: %v\n", err)
	return 1
}

// maxWorkers bounds -j of sweep local and merge: each worker holds a run or
// an analysis, so a larger value only asks for memory no machine has.
const maxWorkers = 1024

func cmdSweepLocal(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sweep local", "-dir DIR [-j N] [-backend auto|cpu|gl] [-retry-failed]", stderr)
	dir := fs.String("dir", "", "the sweep directory")
	workers := fs.Int("j", 1, "points run at once (each uses the cores its backend uses)")
	backend := fs.String("backend", "auto", "auto | cpu | gl (a resumed point: default the backend of its checkpoint)")
	retry := fs.Bool("retry-failed", false, "run points whose last run failed again")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if *dir == "" || *workers < 1 || *workers > maxWorkers {
		fmt.Fprintf(stderr, "iplgpu sweep local: give -dir DIR and -j N from 1 to %d\n", maxWorkers)
		return 2
	}
	m, err := sweep.ReadManifest(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu sweep local: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
	defer stop()
	var mu sync.Mutex
	logf := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05"), s)
	}
	r := &pointRunner{backend: *backend, backendSet: flagGiven(fs, "backend"),
		// Each point's output goes to logs/NNNN.out and .err, as under Slurm.
		output: func(t sweep.Task) (io.Writer, io.Writer, func(), error) {
			open := func(ext string) (*os.File, error) {
				return os.OpenFile(filepath.Join(*dir, sweep.LogsDir, fmt.Sprintf("%04d.%s", t.Index, ext)), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
			}
			o, err := open("out")
			if err != nil {
				return nil, nil, nil, err
			}
			e, err := open("err")
			if err != nil {
				o.Close()
				return nil, nil, nil, err
			}
			logf(fmt.Sprintf("point %d: output in %s", t.Index, e.Name()))
			return o, e, func() { o.Close(); e.Close() }, nil
		}}
	rep, err := sweep.RunLocal(ctx, *dir, m, *workers, sweep.Options{Probe: pointProbe, Run: r.run, RetryFailed: *retry, Log: logf})
	if sts, serr := sweep.Status(*dir, m, pointProbe); serr == nil {
		fmt.Fprintln(stdout, sweep.Summary(sts))
	}
	if rep != nil && len(rep.Busy) > 0 {
		fmt.Fprintf(stderr, "iplgpu sweep local: points %v were running in another process\n", rep.Busy)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "iplgpu sweep local: %v\n", err)
		return 130
	}
	fmt.Fprintf(stderr, "iplgpu sweep local: %v\n", err)
	return 1
}

func cmdSweepStatus(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sweep status", "-dir DIR", stderr)
	dir := fs.String("dir", "", "the sweep directory")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if *dir == "" {
		fmt.Fprintln(stderr, "iplgpu sweep status: give -dir DIR")
		return 2
	}
	m, err := sweep.ReadManifest(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu sweep status: %v\n", err)
		return 1
	}
	sts, err := sweep.Status(*dir, m, pointProbe)
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu sweep status: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "sweep %s: %s\n", m.Name, sweep.Summary(sts))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "index\tstate\tdetail\tdir")
	for _, s := range sts {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Index, s.State, s.Detail, s.Dir)
	}
	tw.Flush()
	return 0
}

// flagGiven says whether the flag name was set on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			given = true
		}
	})
	return given
}
