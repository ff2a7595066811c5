package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/simrun"
)

// resumeSets is tinySets (two sessions, learning, homeostasis, w snapshots,
// an ablation block: 36 trials) with a checkpoint every 5 trials.
var resumeSets = append(append([]string{}, tinySets...), "output.checkpoint_trials=5")

func tinyConfig(t *testing.T, extra ...string) *model.Config {
	t.Helper()
	cfg, err := model.LoadConfig("", "", append(append([]string{}, resumeSets...), extra...))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// resumeDir continues the stopped run in dir to the end.
func resumeDir(t *testing.T, dir string, be engine.Backend) *rundir.Status {
	t.Helper()
	out, r, err := rundir.Reopen(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := simrun.Continue(context.Background(), be, out, r, engine.SimulateOptions{})
	if err != nil {
		t.Fatalf("resuming %s: %v", dir, err)
	}
	return st
}

func sameDirs(t *testing.T, want, got, what string) {
	t.Helper()
	diffs, err := rundir.CompareDirs(want, got)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Errorf("%s: the run directory differs from the uninterrupted run's:\n  %s", what, strings.Join(diffs, "\n  "))
	}
}

// A run stopped at any trial (ctx cancelled: the checkpoint is written at the
// stop) and resumed ends with the files of a run never stopped, byte for
// byte; so does a run stopped twice. The trials cover the first trial, a
// block's first trial after a session change (its w snapshot comes after the
// stop), the homeostasis reference phase and the last trial.
func TestResumeAfterInterruptIsIdentical(t *testing.T) {
	cfg := tinyConfig(t)
	want := filepath.Join(t.TempDir(), "whole")
	if _, err := simrun.Create(context.Background(), cfg, cpu.New(2), want, engine.SimulateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(want, rundir.CheckpointFile)); err == nil {
		t.Error("a complete run kept its checkpoint")
	}
	for _, stops := range [][]int{{0}, {1}, {2}, {7}, {14}, {20}, {35}, {3, 21}} {
		dir := filepath.Join(t.TempDir(), "run")
		first := true
		for _, stop := range stops {
			ctx, cancel := context.WithCancel(context.Background())
			opt := engine.SimulateOptions{Progress: func(p engine.Progress) {
				if p.Trial == stop {
					cancel()
				}
			}}
			var st *rundir.Status
			var err error
			if first {
				if stop == 0 {
					cancel()
				}
				st, err = simrun.Create(ctx, cfg, cpu.New(1), dir, opt)
				first = false
			} else {
				out, r, rerr := rundir.Reopen(dir)
				if rerr != nil {
					t.Fatal(rerr)
				}
				st, err = simrun.Continue(ctx, cpu.New(1), out, r, opt)
			}
			cancel()
			if !errors.Is(err, context.Canceled) || st.State != rundir.StateInterrupted || st.TrialsDone != stop {
				t.Fatalf("stops %v: stopping at %d: %v, status %q after %d trials", stops, stop, err, st.State, st.TrialsDone)
			}
			ck, err := rundir.OpenCheckpoint(dir)
			if stop == 0 {
				// Stopped during the network build: no checkpoint yet, and
				// resuming starts from the first trial.
				if !errors.Is(err, rundir.ErrNoCheckpoint) {
					t.Errorf("stopped before the first trial: checkpoint %v", err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if ck.Info.TrialsDone != stop {
				t.Errorf("stops %v: the checkpoint is after %d trials, want %d", stops, ck.Info.TrialsDone, stop)
			}
			ck.Close()
		}
		resumeDir(t, dir, cpu.New(2))
		sameDirs(t, want, dir, fmt.Sprint("stopped after trials ", stops))
	}
}

// A run killed outright between checkpoints (emulated: its directory copied
// as the process left it after trial k, with its last checkpoint from
// before) resumes from that checkpoint, runs the trials after it again, and
// ends with the files of a run never stopped.
func TestResumeAfterKillIsIdentical(t *testing.T) {
	cfg := tinyConfig(t)
	want := filepath.Join(t.TempDir(), "whole")
	if _, err := simrun.Create(context.Background(), cfg, cpu.New(2), want, engine.SimulateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, kill := range []int{3, 5, 13, 22, 33} {
		src := filepath.Join(t.TempDir(), "run")
		killed := filepath.Join(t.TempDir(), "killed")
		_, err := simrun.Create(context.Background(), cfg, cpu.New(1), src, engine.SimulateOptions{Progress: func(p engine.Progress) {
			if p.Trial == kill {
				copyDir(t, src, killed)
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		st, ok, err := rundir.ReadStatus(killed)
		if err != nil || !ok || st.State != rundir.StateRunning {
			t.Fatalf("killed after %d: run.json %+v (%v)", kill, st, err)
		}
		ck, err := rundir.OpenCheckpoint(killed)
		if err != nil {
			t.Fatal(err)
		}
		// Progress comes before the trial's checkpoint: killed in between.
		if want := (kill - 1) / 5 * 5; ck.Info.TrialsDone != want {
			t.Errorf("killed after %d trials: checkpoint after %d, want %d", kill, ck.Info.TrialsDone, want)
		}
		ck.Close()
		// Killed while writing a checkpoint and run.json: their temporary
		// files are left (fsutil.WriteAtomic), half written; resuming
		// removes them.
		for _, f := range []string{"." + rundir.CheckpointFile + "-1234567", "." + rundir.StatusFile + "-89"} {
			if err := os.WriteFile(filepath.Join(killed, f), []byte("PK\x03\x04 cut"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		resumeDir(t, killed, cpu.New(2))
		sameDirs(t, want, killed, fmt.Sprint("killed after trial ", kill))
	}
}

// Resuming refuses a complete run, a changed config.yaml, another process's
// directory and a directory without a run, each with its reason, and changes
// nothing.
func TestResumeRefuses(t *testing.T) {
	cfg := tinyConfig(t)
	done := filepath.Join(t.TempDir(), "done")
	if _, err := simrun.Create(context.Background(), cfg, cpu.New(1), done, engine.SimulateOptions{}); err != nil {
		t.Fatal(err)
	}
	stopped := func() string {
		dir := filepath.Join(t.TempDir(), "stopped")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		simrun.Create(ctx, cfg, cpu.New(1), dir, engine.SimulateOptions{Progress: func(p engine.Progress) {
			if p.Trial == 8 {
				cancel()
			}
		}})
		return dir
	}
	expect := func(dir, what string) {
		t.Helper()
		w, r, err := rundir.Reopen(dir)
		if err == nil {
			r.Close()
			w.Close()
			t.Errorf("Reopen took %s", dir)
			return
		}
		if !strings.Contains(err.Error(), what) {
			t.Errorf("Reopen of %s: %q, want it to say %q", dir, err, what)
		}
	}
	expect(done, "is complete")
	expect(t.TempDir(), "holds no config.yaml")

	edited := stopped()
	path := filepath.Join(edited, rundir.ConfigFile)
	b, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(b), "g_lat:", "g_lat: 0.31 #", 1)), 0o644)
	expect(edited, "edited after the run started")

	// Consistently edited: the file is one this version writes, but not the
	// one the checkpoint was written with.
	edited2 := stopped()
	cfg2 := tinyConfig(t, "dynamics.g_lat=0.31")
	os.WriteFile(filepath.Join(edited2, rundir.ConfigFile), model.ResolvedYAML(cfg2), 0o644)
	expect(edited2, "changed after the checkpoint was written")

	// trials.csv cut below the checkpoint (a line removed by hand): the
	// resumed run refuses to go on, and leaves the files as they were.
	cut := stopped()
	tpath := filepath.Join(cut, rundir.TrialsFile)
	tb, _ := os.ReadFile(tpath)
	lines := strings.SplitAfter(string(tb), "\n")
	os.WriteFile(tpath, []byte(strings.Join(append(lines[:3:3], lines[4:]...), "")), 0o644)
	before := listing(t, cut)
	expect(cut, "trials.csv: 386 bytes, fewer than the 425 checkpoint.npz records up to its checkpoint")
	if after := listing(t, cut); !reflect.DeepEqual(before, after) {
		t.Errorf("a refused resume changed the files: %v, then %v", before, after)
	}

	busy := stopped()
	w, r, err := rundir.Reopen(busy)
	if err != nil {
		t.Fatal(err)
	}
	expect(busy, "being written by another iplgpu process")
	r.Close()
	w.Close()
	before = listing(t, busy)
	resumeDir(t, busy, cpu.New(1)) // free again
	if after := listing(t, busy); reflect.DeepEqual(before, after) {
		t.Error("resuming changed nothing")
	}
}

func listing(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	m := map[string]int64{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		info, _ := e.Info()
		m[e.Name()] = info.Size()
	}
	return m
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		in, err := os.Open(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dst, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		out.Close()
	}
}

// With the feedback mechanism on (mechanism both: the host's feedback gain
// k_fb grows over the training trials), a run stopped in training and again
// in a later session and resumed each time ends with the files of a run
// never stopped.
func TestResumeWithFeedbackIsIdentical(t *testing.T) {
	cfg := tinyConfig(t, "mechanism=both")
	want := filepath.Join(t.TempDir(), "whole")
	if _, err := simrun.Create(context.Background(), cfg, cpu.New(2), want, engine.SimulateOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	for i, stop := range []int{9, 23} {
		ctx, cancel := context.WithCancel(context.Background())
		opt := engine.SimulateOptions{Progress: func(p engine.Progress) {
			if p.Trial == stop {
				cancel()
			}
		}}
		var st *rundir.Status
		var err error
		if i == 0 {
			st, err = simrun.Create(ctx, cfg, cpu.New(1), dir, opt)
		} else {
			out, r, rerr := rundir.Reopen(dir)
			if rerr != nil {
				t.Fatal(rerr)
			}
			st, err = simrun.Continue(ctx, cpu.New(1), out, r, opt)
		}
		cancel()
		if !errors.Is(err, context.Canceled) || st.TrialsDone != stop {
			t.Fatalf("stopping at %d: %v, status %q after %d trials", stop, err, st.State, st.TrialsDone)
		}
	}
	resumeDir(t, dir, cpu.New(2))
	sameDirs(t, want, dir, "feedback, stopped after trials 9 and 23")
}
