package main

// Sweeps on a real Slurm (scripts/slurm/up.sh starts a single-node one on
// this machine; make test runs the tests through scripts/slurm/with-slurm.sh).
// The tests build the iplgpu binary, let `iplgpu sweep plan` write the sbatch
// script, submit it as it is, and merge the result with `iplgpu merge`.
// Without sbatch on PATH, a Slurm config or a controller that answers they
// are skipped with the reason, unless IPLGPU_REQUIRE_SLURM=1, when they fail.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/sweep"
	"github.com/iplgpu/iplgpu/sweep/slurmtest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string // removed by TestMain
)

// binDirFor is the directory of the built binary (built first if needed).
func binDirFor(t *testing.T) string {
	iplgpuBinary(t)
	return binDir
}

// iplgpuBinary builds cmd/iplgpu once per test binary: the program the job
// array runs.
func iplgpuBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "iplgpu-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "iplgpu")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// The sweep of the Slurm tests: 2 values of g_lat x 2 seeds of a run that
// has every headline number at subset sizes 14 and 20 (60 recorded trials per
// block) and takes a few seconds.
const slurmBase = `network: {neurons: 60, spines_per_neuron: 8}
homeostasis: {reference_trials: 3}
output: {checkpoint_trials: 10}
protocol:
  sessions: 1
  baseline: false
  before: [{name: pre, mode: task, trials: 60, coherences: [0.3], learning: false, record: true}]
  session:
    - {name: train, mode: task, trials: 400, coherences: [0.3], learning: true, record: false}
    - {name: task, mode: task, trials: 60, coherences: [0.3], learning: false, record: true}
    - {name: passive, mode: passive, trials: 60, coherences: [0.3], learning: false, record: true}
  after:
    - {name: abl, mode: task, trials: 60, coherences: [0.3], learning: false, ablation: lateral, record: true}
`

const slurmSweepYAML = `name: slurm-test
config: base.yaml
seeds: [1, 2]
grid:
  dynamics.g_lat: [0.5, 0.9]
resources: {cpus: 1, memory: 1G, time: 10m}
slurm: {limit: 2, signal_seconds: 60}
`

// planSweep writes the sweep file and lets the built binary plan it in a
// new sweep directory.
func planSweep(t *testing.T, bin string) (string, *sweep.Manifest) {
	t.Helper()
	return planSweepIn(t, bin, t.TempDir())
}

func planSweepIn(t *testing.T, bin, src string) (string, *sweep.Manifest) {
	t.Helper()
	os.WriteFile(filepath.Join(src, "base.yaml"), []byte(slurmBase), 0o644)
	os.WriteFile(filepath.Join(src, "sweep.yaml"), []byte(slurmSweepYAML), 0o644)
	dir := filepath.Join(src, "sweep")
	if out, err := exec.Command(bin, "sweep", "plan", filepath.Join(src, "sweep.yaml"), "-dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("iplgpu sweep plan: %v\n%s", err, out)
	}
	m, err := sweep.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

var (
	refOnce sync.Once
	refDir  string
	refErr  error
)

// referenceSweep is the Slurm tests' sweep run here, uninterrupted
// (iplgpu sweep local), and merged: what every Slurm run of it must equal.
func referenceSweep(t *testing.T, bin string) string {
	t.Helper()
	refOnce.Do(func() {
		// Kept for every test of this binary (TestMain removes it).
		src, err := os.MkdirTemp(binDirFor(t), "reference-")
		if err != nil {
			refErr = err
			return
		}
		dir, _ := planSweepIn(t, bin, src)
		for _, args := range [][]string{{"sweep", "local", "-dir", dir, "-j", "2"}, {"merge", dir}} {
			if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
				refErr = fmt.Errorf("iplgpu %s: %v\n%s", strings.Join(args, " "), err, out)
				return
			}
		}
		refDir = dir
	})
	if refErr != nil {
		t.Fatal(refErr)
	}
	return refDir
}

// submitSweep sbatches the sweep's script as iplgpu sweep plan wrote it and
// cancels the job when the test ends.
func submitSweep(t *testing.T, dir string) string {
	t.Helper()
	return slurmtest.Submit(t, filepath.Join(dir, sweep.SbatchFile))
}

// waitArray waits until every point is done and the job has left the
// queue; on a timeout it shows the tasks' logs.
func waitArray(t *testing.T, dir string, m *sweep.Manifest, job string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		sts, err := sweep.Status(dir, m, pointProbe)
		if err != nil {
			t.Fatal(err)
		}
		q := slurmtest.Queued(t, job)
		if sweep.Count(sts)[sweep.Done] == len(m.Points) && len(q) == 0 {
			return
		}
		if time.Now().After(deadline) {
			logs, _ := filepath.Glob(filepath.Join(dir, sweep.LogsDir, "*"))
			var b strings.Builder
			for _, l := range logs {
				c, _ := os.ReadFile(l)
				fmt.Fprintf(&b, "== %s\n%s", l, shorten(string(c)))
			}
			t.Fatalf("after %v: %s; queue %q\n%s", limit, sweep.Summary(sts), q, b.String())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// sameSweep merges the sweep in dir with the built binary and checks that
// it equals the reference: merged.csv, merged_points.csv and merged.md byte
// for byte, and every point's run directory (the simulation's files; the
// analysis's tables, figures and report name the run's path) too. It returns
// merged.csv.
func sameSweep(t *testing.T, bin, dir, ref string, m *sweep.Manifest) string {
	t.Helper()
	if out, err := exec.Command(bin, "merge", dir).CombinedOutput(); err != nil {
		t.Fatalf("iplgpu merge: %v\n%s", err, out)
	}
	for _, f := range []string{rundir.MergedFile, rundir.MergedPointsFile, rundir.MergedReportFile, "fig_merge_g_lat.svg"} {
		a, _ := os.ReadFile(filepath.Join(ref, f))
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || !bytes.Equal(a, b) {
			if strings.HasSuffix(f, ".svg") {
				t.Errorf("%s differs from the uninterrupted local sweep's (%v)", f, err)
			} else {
				t.Errorf("%s differs from the uninterrupted local sweep's (%v):\n%s\nwant:\n%s", f, err, shorten(string(b)), shorten(string(a)))
			}
		}
	}
	for _, p := range m.Points {
		diffs, err := rundir.CompareDirs(m.RunDir(ref, p), m.RunDir(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		var sim []string
		for _, d := range diffs {
			if !strings.HasPrefix(d, rundir.ReportFile+":") {
				sim = append(sim, d)
			}
		}
		if len(sim) > 0 {
			t.Errorf("point %d (%s) differs from the uninterrupted local sweep's:\n  %s", p.Index, p.Dir, strings.Join(sim, "\n  "))
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, rundir.MergedFile))
	return string(b)
}

// checkMerged checks merged.csv's content: both conditions, every headline
// number, two seeds for the redundancy % at n = 14 and 20 and for I_real, a
// positive I_shuffle, and the mean the mean of the seeds' values.
func checkMerged(t *testing.T, merged string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(merged), "\n")
	if lines[0] != "dynamics.g_lat,quantity,seeds,mean,sd,ci_lo,ci_hi,values" || len(lines) != 1+2*9 {
		t.Fatalf("merged.csv: want a header and 2 conditions x 9 headline numbers:\n%s", merged)
	}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		if f[0] != "0.5" && f[0] != "0.9" {
			t.Errorf("merged.csv row of an unknown condition: %s", l)
		}
		switch f[1] {
		case "redundancy_pct_n14", "redundancy_pct_n20", "i_real", "i_shuffle", "ablation_pct":
			var a, b, mean float64
			if f[2] != "2" || len(strings.Fields(f[7])) != 2 {
				t.Errorf("merged.csv: %s has %s seeds (%q), want 2", f[1], f[2], f[7])
				continue
			}
			fmt.Sscan(f[7], &a, &b)
			fmt.Sscan(f[3], &mean)
			if d := mean - (a+b)/2; d > 1e-4*max(1, mean) || d < -1e-4*max(1, mean) {
				t.Errorf("merged.csv: %s mean %v, want the mean of %v and %v", f[1], mean, a, b)
			}
			if f[1] == "i_shuffle" && !(a > 0 && b > 0) {
				t.Errorf("merged.csv: I_shuffle %v, %v; want positive", a, b)
			}
		}
	}
}

// TestSlurmSweep submits the sbatch script of a 4-point sweep (2 values x 2
// seeds), waits for the job array, merges it, checks the merged table, and
// checks that it equals the same sweep run locally without Slurm.
func TestSlurmSweep(t *testing.T) {
	slurmtest.Require(t)
	bin := iplgpuBinary(t)
	ref := referenceSweep(t, bin)
	dir, m := planSweep(t, bin)
	t0 := time.Now()
	job := submitSweep(t, dir)
	waitArray(t, dir, m, job, 4*time.Minute)
	t.Logf("job array %s: %d points done in %.0f s", job, len(m.Points), time.Since(t0).Seconds())
	merged := sameSweep(t, bin, dir, ref, m)
	checkMerged(t, merged)
	t.Logf("merged.csv:\n%s", merged)
	for i := range m.Points {
		b, err := os.ReadFile(filepath.Join(dir, sweep.LogsDir, fmt.Sprintf("%04d.err", i)))
		if err != nil || !strings.Contains(string(b), fmt.Sprintf("point %d (%s): pending, starting", i, m.Points[i].Dir)) {
			t.Errorf("log of task %d: %v\n%s", i, err, shorten(string(b)))
		}
	}
	// Submitting the finished sweep again runs nothing.
	job2 := submitSweep(t, dir)
	waitArray(t, dir, m, job2, 2*time.Minute)
	for i := range m.Points {
		b, _ := os.ReadFile(filepath.Join(dir, sweep.LogsDir, fmt.Sprintf("%04d.err", i)))
		if !strings.Contains(string(b), "done already") || strings.Count(string(b), "pending, starting") != 1 {
			t.Errorf("task %d after resubmitting the finished sweep:\n%s", i, shorten(string(b)))
		}
	}
}

// TestSlurmCancelRequeue cancels one array task while its run is in its
// trials (scancel JOB_1: SIGTERM to the task, the run checkpoints), requeues
// it (scontrol requeue JOB_1), and checks that the point resumed from its
// checkpoint and that the merged result equals the uninterrupted sweep's.
func TestSlurmCancelRequeue(t *testing.T) {
	slurmtest.Require(t)
	bin := iplgpuBinary(t)
	ref := referenceSweep(t, bin)
	dir, m := planSweep(t, bin)
	job := submitSweep(t, dir)
	task := job + "_1"
	p := m.Points[1]
	run := m.RunDir(dir, p)
	slurmtest.WaitUntil(t, "point 1 to run 100 trials", 2*time.Minute, func() bool { return trialLines(run) >= 100 })
	slurmtest.Cmd(t, "scancel", task)
	at := trialLines(run)
	slurmtest.WaitUntil(t, "point 1 to stop with a checkpoint", time.Minute, func() bool {
		st, _, err := pointProbe(run)
		held, _ := sweep.Status(dir, m, pointProbe)
		return err == nil && st == sweep.Resumable && held[1].State == sweep.Resumable
	})
	slurmtest.WaitUntil(t, "task 1 to be cancelled", time.Minute, func() bool { return slurmtest.JobState(t, task) == "CANCELLED" })
	st, _, _ := rundir.ReadStatus(run)
	ck, err := rundir.OpenCheckpoint(run)
	if err != nil {
		t.Fatalf("the cancelled point has no checkpoint: %v", err)
	}
	stopped := ck.Info.TrialsDone
	ck.Close()
	if st.State != rundir.StateInterrupted || stopped != st.TrialsDone || stopped < at || stopped >= st.TrialsTotal {
		t.Errorf("after scancel: run.json %q after %d trials, checkpoint after %d (scancel at %d of %d); want interrupted, the checkpoint at the stop", st.State, st.TrialsDone, stopped, at, st.TrialsTotal)
	}
	t.Logf("%s CANCELLED: point 1 stopped after %d of %d trials with a checkpoint", task, stopped, st.TrialsTotal)

	slurmtest.Cmd(t, "scontrol", "requeue", task)
	// A requeued job waits cred_expire+1 s before it may start (11 s with
	// up.sh's slurm.conf).
	waitArray(t, dir, m, job, 4*time.Minute)
	b, _ := os.ReadFile(filepath.Join(dir, sweep.LogsDir, "0001.err"))
	log := string(b)
	want := fmt.Sprintf("resuming %s after %d of", run, stopped)
	if !strings.Contains(log, "CANCELLED") || !strings.Contains(log, want) {
		t.Errorf("task 1's log (appended across the requeue) lacks the cancel or %q:\n%s", want, shorten(log))
	}
	checkMerged(t, sameSweep(t, bin, dir, ref, m))
}
