package sweep

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Environment variables that carry a point's index.
const (
	SlurmIndexVar = "SLURM_ARRAY_TASK_ID"  // set by Slurm in every task of a job array
	KubeIndexVar  = "JOB_COMPLETION_INDEX" // set by Kubernetes in every pod of an Indexed Job
)

// IndexFromEnv returns the point index given by the environment (getenv is
// os.Getenv, or a map's lookup in tests) and the variable it came from:
// SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX. Neither set, both set to
// different values, or a value that is not a non-negative integer, is an error.
func IndexFromEnv(getenv func(string) string) (int, string, error) {
	var idx = -1
	var from string
	for _, v := range []string{SlurmIndexVar, KubeIndexVar} {
		s := strings.TrimSpace(getenv(v))
		if s == "" {
			continue
		}
		i, err := strconv.Atoi(s)
		if err != nil || i < 0 {
			return 0, v, fmt.Errorf("%s=%q is not a point index (a non-negative integer)", v, s)
		}
		if idx >= 0 && i != idx {
			return 0, v, fmt.Errorf("%s=%d and %s=%d disagree: which point is this?", from, idx, v, i)
		}
		if idx < 0 {
			idx, from = i, v
		}
	}
	if idx < 0 {
		return 0, "", fmt.Errorf("no point index: give -index, or run as a Slurm array task (%s) or a Kubernetes Indexed Job pod (%s)", SlurmIndexVar, KubeIndexVar)
	}
	return idx, from, nil
}

// Task is one point to run, as a RunFunc gets it.
type Task struct {
	Point
	SweepDir string   // the sweep directory
	RunDir   string   // the point's run directory (may not exist yet)
	Preset   string   // "" for none
	Config   string   // the base config file, "" for none
	Sets     []string // every -set, in order: the sweep's fixed ones, then the point's
	// State is the point's state before this run: Pending (start it),
	// Resumable (continue it from what its directory holds) or Failed (only
	// with RetryFailed: start it again).
	State State
}

// RunFunc runs one point and returns when its run ends. When ctx is cancelled
// (SIGINT, SIGTERM) it stops at the next safe place, leaving a run that the
// Probe then calls Resumable, and returns an error.
type RunFunc func(ctx context.Context, t Task) error

// Options are what RunPoint and RunLocal need from the run directory's owner.
type Options struct {
	Probe Probe   // reads a point's run directory; required
	Run   RunFunc // runs a point; required
	// RetryFailed runs points whose last run failed again; without it they are
	// reported and left alone.
	RetryFailed bool
	// Log, if not nil, gets one line per point started and finished.
	Log func(string)
}

// ErrFailedBefore says a point was not run because its last run failed.
var ErrFailedBefore = errors.New("its last run failed (run it again with retry-failed)")

// RunPoint runs point index of the sweep in dir, unless it is done (then it
// does nothing and returns Done, nil) or another process runs it now (Running,
// ErrClaimed). It holds the point's lock for the whole run. It returns the
// point's state before the run and the run's error.
func RunPoint(ctx context.Context, dir string, m *Manifest, index int, opt Options) (State, error) {
	p, err := m.Point(index)
	if err != nil {
		return "", err
	}
	st, _, err := runPoint(ctx, dir, m, p, opt)
	return st, err
}

// runPoint is RunPoint; ran says whether the RunFunc was called.
func runPoint(ctx context.Context, dir string, m *Manifest, p Point, opt Options) (st State, ran bool, err error) {
	if opt.Run == nil {
		return "", false, errors.New("sweep: no RunFunc")
	}
	probe := opt.Probe
	if probe == nil {
		return "", false, errors.New("sweep: no Probe")
	}
	lock, err := claim(lockPath(dir, p))
	if errors.Is(err, ErrClaimed) {
		return Running, false, fmt.Errorf("point %d (%s): %w", p.Index, p.Dir, err)
	}
	if err != nil {
		return "", false, err
	}
	defer lock.Close()
	// Probe under the lock: nobody else can start or end this point meanwhile.
	st, detail, err := probe(m.RunDir(dir, p))
	if err != nil {
		return "", false, fmt.Errorf("point %d (%s): %w", p.Index, p.Dir, err)
	}
	switch st {
	case Done:
		logf(opt, "point %d (%s): done already", p.Index, p.Dir)
		return Done, false, nil
	case Failed:
		if !opt.RetryFailed {
			if detail != "" {
				return Failed, false, fmt.Errorf("point %d (%s): %w: %s", p.Index, p.Dir, ErrFailedBefore, detail)
			}
			return Failed, false, fmt.Errorf("point %d (%s): %w", p.Index, p.Dir, ErrFailedBefore)
		}
	case Running:
		st = Resumable // we hold the lock: whoever ran it is gone
	case Pending, Resumable:
	default:
		return "", false, fmt.Errorf("point %d (%s): the probe said %q", p.Index, p.Dir, st)
	}
	if err := ctx.Err(); err != nil {
		return st, false, err
	}
	t := Task{Point: p, SweepDir: dir, RunDir: m.RunDir(dir, p), Preset: m.Preset,
		Config: m.ConfigPath(dir), Sets: m.Overrides(p), State: st}
	logf(opt, "point %d (%s): %s, starting", p.Index, p.Dir, st)
	if err := opt.Run(ctx, t); err != nil {
		logf(opt, "point %d (%s): %v", p.Index, p.Dir, err)
		return st, true, fmt.Errorf("point %d (%s): %w", p.Index, p.Dir, err)
	}
	logf(opt, "point %d (%s): finished", p.Index, p.Dir)
	return st, true, nil
}

func logf(opt Options, format string, a ...any) {
	if opt.Log != nil {
		opt.Log(fmt.Sprintf(format, a...))
	}
}

// Report is what RunLocal did.
type Report struct {
	Ran     []int         // points run (to the end or not)
	Done    []int         // points that were done already
	Busy    []int         // points another process was running
	Skipped []int         // points not started: failed before (without RetryFailed), or cancelled first
	Errors  map[int]error // the points whose run returned an error, or that failed before
}

// RunLocal runs every point of the sweep in dir that is not done, with the given
// number of workers (at least 1), each point as RunPoint does. When ctx is
// cancelled no further point starts, the running ones get the cancelled ctx,
// and RunLocal returns once they have returned. The error says how many points
// failed or were left; the Report says which.
func RunLocal(ctx context.Context, dir string, m *Manifest, workers int, opt Options) (*Report, error) {
	if opt.Run == nil {
		return nil, errors.New("sweep: no RunFunc")
	}
	if workers < 1 {
		workers = 1
	}
	rep := &Report{Errors: map[int]error{}}
	var mu sync.Mutex
	add := func(list *[]int, i int, err error) {
		mu.Lock()
		defer mu.Unlock()
		*list = append(*list, i)
		if err != nil {
			rep.Errors[i] = err
		}
	}
	pending := make(chan Point)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range pending {
				if ctx.Err() != nil {
					add(&rep.Skipped, p.Index, nil)
					continue
				}
				st, ran, err := runPoint(ctx, dir, m, p, opt)
				switch {
				case ran:
					add(&rep.Ran, p.Index, err)
				case errors.Is(err, ErrClaimed):
					add(&rep.Busy, p.Index, nil)
				case st == Done && err == nil:
					add(&rep.Done, p.Index, nil)
				default: // failed before, cancelled first, or could not look
					add(&rep.Skipped, p.Index, err)
				}
			}
		}()
	}
	for _, p := range m.Points {
		pending <- p
	}
	close(pending)
	wg.Wait()
	for _, l := range [][]int{rep.Ran, rep.Done, rep.Busy, rep.Skipped} {
		sort.Ints(l)
	}
	if len(rep.Errors) > 0 || ctx.Err() != nil {
		var idx []int
		for i := range rep.Errors {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		msg := fmt.Sprintf("%d of %d points did not finish", len(idx), len(m.Points))
		if len(idx) > 0 {
			msg += fmt.Sprintf(" (first: %v)", rep.Errors[idx[0]])
		}
		if ctx.Err() != nil {
			left := 0
			for _, i := range rep.Skipped {
				if rep.Errors[i] == nil {
					left++
				}
			}
			msg = fmt.Sprintf("%s; stopped: %d points not started", msg, left)
			return rep, fmt.Errorf("%s: %w", msg, ctx.Err())
		}
		return rep, errors.New(msg)
	}
	return rep, nil
}
