package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/sweep"
)

// pointProbe tells every state of a point's run directory apart, from real
// runs: absent, empty, a stopped run with and without its checkpoint, a
// complete run before and after its analysis, a failed run and a directory
// that is no run.
func TestPointProbe(t *testing.T) {
	base := t.TempDir()
	cfg := filepath.Join(base, "resume.yaml")
	os.WriteFile(cfg, []byte(resumeYAML), 0o644)
	run := func(name string, analyse bool) string {
		dir := filepath.Join(base, name)
		if code, _, errs := runCLI("run", "-config", cfg, "-backend", "cpu", "-out", dir, "-analyse="+strconv.FormatBool(analyse)); code != 0 {
			t.Fatalf("run %s: exit %d\n%s", name, code, errs)
		}
		return dir
	}
	done := run("done", true)
	unanalysed := run("unanalysed", false)
	stopped := filepath.Join(base, "stopped")
	code, at := stopAt(t, stopped, 10, syscall.SIGTERM, "run", "-config", cfg, "-backend", "cpu", "-out", stopped, "-analyse=false")
	if code != 130 {
		t.Fatalf("stopped run: exit %d", code)
	}
	killedEarly := filepath.Join(base, "killed-early")
	if err := copyTree(stopped, killedEarly); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(killedEarly, rundir.CheckpointFile))
	st, _, _ := rundir.ReadStatus(killedEarly)
	st.State = rundir.StateRunning
	rundir.WriteStatus(killedEarly, &st)
	failed := filepath.Join(base, "failed")
	copyTree(stopped, failed)
	st.State, st.Error = rundir.StateFailed, "disk full\nmore"
	rundir.WriteStatus(failed, &st)
	notRun := filepath.Join(base, "not-run")
	os.MkdirAll(notRun, 0o755)
	os.WriteFile(filepath.Join(notRun, "notes.txt"), []byte("mine"), 0o644)
	lockOnly := filepath.Join(base, "lock-only")
	os.MkdirAll(lockOnly, 0o755)
	os.WriteFile(filepath.Join(lockOnly, rundir.LockFile), nil, 0o644)

	ck, err := rundir.OpenCheckpoint(stopped)
	if err != nil {
		t.Fatal(err)
	}
	ckAt := ck.Info.TrialsDone
	ck.Close()
	total := st.TrialsTotal
	for _, c := range []struct {
		dir    string
		state  sweep.State
		detail string
	}{
		{filepath.Join(base, "absent"), sweep.Pending, ""},
		{lockOnly, sweep.Pending, ""},
		{done, sweep.Done, fmt.Sprintf("%d of %d trials", total, total)},
		{unanalysed, sweep.Resumable, fmt.Sprintf("%d of %d trials, not analysed", total, total)},
		{stopped, sweep.Resumable, fmt.Sprintf("%d of %d trials, checkpoint after %d", ckAt, total, ckAt)},
		{killedEarly, sweep.Resumable, fmt.Sprintf("%d of %d trials, no checkpoint: starts again", ckAt, total)},
		{failed, sweep.Failed, fmt.Sprintf("%d of %d trials: disk full", ckAt, total)},
		{notRun, sweep.Failed, "holds 1 files but no config.yaml: not a run directory (move it away to run the point)"},
	} {
		st, detail, err := pointProbe(c.dir)
		if err != nil || st != c.state || detail != c.detail {
			t.Errorf("%s: %s, %q, %v; want %s, %q", filepath.Base(c.dir), st, detail, err, c.state, c.detail)
		}
	}
	if ckAt < at {
		t.Errorf("SIGTERM after trial %d, checkpoint after %d", at, ckAt)
	}
}

func copyTree(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// A local sweep stopped with SIGTERM (its running points checkpoint) and run
// again ends with the run directories and the merged table of a sweep never
// stopped; sweep status shows the stopped points as resumable in between.
func TestSweepLocalStopAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("about 30 s of runs: not with -short")
	}
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "base.yaml"), []byte(resumeYAML), 0o644)
	os.WriteFile(filepath.Join(src, "sweep.yaml"), []byte("name: local\nconfig: base.yaml\nseeds: [1, 2]\ngrid:\n  dynamics.g_lat: [0.5, 0.9]\n"), 0o644)
	plan := func(name string) string {
		dir := filepath.Join(t.TempDir(), name)
		if code, out, errs := runCLI("sweep", "plan", filepath.Join(src, "sweep.yaml"), "-dir", dir); code != 0 {
			t.Fatalf("sweep plan: exit %d\n%s%s", code, out, errs)
		}
		return dir
	}
	ref := plan("ref")
	if r := runProcess(t, 3*time.Minute, nil, "sweep", "local", "-dir", ref, "-j", "2", "-backend", "cpu"); r.code != 0 {
		t.Fatalf("sweep local: exit %d\n%s", r.code, shorten(r.stderr))
	}
	dir := plan("stopped")
	m, err := sweep.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	first := m.RunDir(dir, m.Points[0])
	code, at := stopAt(t, first, 20, syscall.SIGTERM, "sweep", "local", "-dir", dir, "-j", "2", "-backend", "cpu")
	if code != 130 {
		t.Errorf("sweep local after SIGTERM: exit %d, want 130", code)
	}
	sts, err := sweep.Status(dir, m, pointProbe)
	if err != nil {
		t.Fatal(err)
	}
	c := sweep.Count(sts)
	if c[sweep.Resumable] != 2 || c[sweep.Pending] != 2 {
		t.Errorf("after SIGTERM at trial %d of point 0: %s; want the 2 running points resumable, 2 pending", at, sweep.Summary(sts))
	}
	_, out, _ := runCLI("sweep", "status", "-dir", dir)
	if !strings.Contains(out, "2 resumable, 2 pending") || !strings.Contains(out, "checkpoint after") {
		t.Errorf("sweep status:\n%s", out)
	}
	if r := runProcess(t, 3*time.Minute, nil, "sweep", "local", "-dir", dir, "-j", "2", "-backend", "cpu"); r.code != 0 {
		t.Fatalf("sweep local again: exit %d\n%s", r.code, shorten(r.stderr))
	}
	if b, _ := os.ReadFile(filepath.Join(dir, sweep.LogsDir, "0000.err")); !strings.Contains(string(b), "resuming") {
		t.Errorf("point 0 did not resume from its checkpoint:\n%s", shorten(string(b)))
	}
	for _, d := range []string{ref, dir} {
		if code, _, errs := runCLI("merge", d); code != 0 {
			t.Fatalf("merge %s: exit %d\n%s", d, code, errs)
		}
	}
	for _, f := range []string{rundir.MergedFile, rundir.MergedPointsFile, rundir.MergedReportFile} {
		a, _ := os.ReadFile(filepath.Join(ref, f))
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if string(a) != string(b) {
			t.Errorf("%s differs from the uninterrupted sweep's:\n%s\nwant:\n%s", f, b, a)
		}
	}
	for _, p := range m.Points {
		diffs, _ := rundir.CompareDirs(m.RunDir(ref, p), m.RunDir(dir, p))
		for _, d := range diffs {
			if !strings.HasPrefix(d, rundir.ReportFile+":") { // it names its directory
				t.Errorf("point %d: %s", p.Index, d)
			}
		}
	}
}

// iplgpu sweep run takes its point from JOB_COMPLETION_INDEX (a Kubernetes
// Indexed Job's pod) as from SLURM_ARRAY_TASK_ID, runs that point alone,
// does nothing for a point that is done, and refuses a missing or wrong
// index.
func TestSweepRunIndexFromEnv(t *testing.T) {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "base.yaml"), []byte(resumeYAML), 0o644)
	os.WriteFile(filepath.Join(src, "sweep.yaml"), []byte("name: kube\nconfig: base.yaml\nseeds: [1, 2]\n"), 0o644)
	dir := filepath.Join(t.TempDir(), "sweep")
	if code, out, errs := runCLI("sweep", "plan", filepath.Join(src, "sweep.yaml"), "-dir", dir); code != 0 || !strings.Contains(out, "kubectl apply -f "+filepath.Join(dir, sweep.KubeJobFile)) {
		t.Fatalf("sweep plan: exit %d\n%s%s", code, out, errs)
	}
	env := []string{"JOB_COMPLETION_INDEX=1", "SLURM_ARRAY_TASK_ID="}
	r := runProcess(t, 2*time.Minute, env, "sweep", "run", "-dir", dir, "-backend", "cpu")
	if r.code != 0 || !strings.Contains(r.stderr, "point 1 (from JOB_COMPLETION_INDEX)") {
		t.Fatalf("sweep run: exit %d\n%s", r.code, shorten(r.stderr))
	}
	m, _ := sweep.ReadManifest(dir)
	sts, _ := sweep.Status(dir, m, pointProbe)
	if sts[0].State != sweep.Pending || sts[1].State != sweep.Done {
		t.Errorf("after running point 1: %s, %s; want pending, done", sts[0].State, sts[1].State)
	}
	if r := runProcess(t, time.Minute, env, "sweep", "run", "-dir", dir); r.code != 0 || !strings.Contains(r.stderr, "point 1 is done already") {
		t.Errorf("again: exit %d\n%s", r.code, shorten(r.stderr))
	}
	if r := runProcess(t, time.Minute, []string{"JOB_COMPLETION_INDEX=", "SLURM_ARRAY_TASK_ID="}, "sweep", "run", "-dir", dir); r.code != 2 || !strings.Contains(r.stderr, "no point index") {
		t.Errorf("no index: exit %d\n%s", r.code, r.stderr)
	}
	expectCLI(t, []string{"sweep", "run", "-dir", dir, "-index", "5"}, 1, nil, []string{"index 5 is outside the sweep kube: its points are 0 to 1"})
	expectCLI(t, []string{"sweep", "status", "-dir", t.TempDir()}, 1, nil, []string{"is not a sweep directory"})
	expectCLI(t, []string{"sweep", "frobnicate"}, 2, nil, []string{`unknown verb "frobnicate"`})
	expectCLI(t, []string{"merge", dir}, 0, []string{"merged 1 runs in 1 conditions"}, []string{"point 0 (runs/0000-seed=1) is pending, left out"})
}
