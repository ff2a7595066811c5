package sweep

// Tests against a real Slurm (scripts/slurm/up.sh starts one on this machine).
// They submit the sbatch script that Write generates, as it is; the program it
// runs is this test binary acting as `iplgpu sweep run` (standin_test.go).
// Without sbatch on PATH or a controller that answers they are skipped with the
// reason, unless IPLGPU_REQUIRE_SLURM=1, when they fail instead.

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func requireSlurm(t *testing.T) {
	t.Helper()
	miss := func(why string) {
		if os.Getenv("IPLGPU_REQUIRE_SLURM") == "1" {
			t.Fatalf("IPLGPU_REQUIRE_SLURM=1 but %s", why)
		}
		t.Skipf("%s (scripts/slurm/up.sh starts a single-node Slurm; IPLGPU_REQUIRE_SLURM=1 makes this a failure)", why)
	}
	if _, err := exec.LookPath("sbatch"); err != nil {
		miss("sbatch is not on PATH")
	}
	// go test caches a passing result while the files and environment variables
	// a test looked at are unchanged; the cluster is neither. Looking at its
	// config file makes a new cluster (up.sh rewrites it) or none (down.sh
	// removes /etc/slurm/slurm.conf) a cache miss. CI runs go test -count=1.
	// Without a config file the Slurm commands would look for a controller in
	// DNS (configless mode): there is none to find.
	conf := cmp.Or(os.Getenv("SLURM_CONF"), "/etc/slurm/slurm.conf")
	if _, err := os.Stat(conf); err != nil {
		miss(fmt.Sprintf("no Slurm config (%v)", err))
	}
	if out, err := exec.Command("squeue", "-h").CombinedOutput(); err != nil {
		miss(fmt.Sprintf("no Slurm controller answers: squeue: %v: %s", err, strings.TrimSpace(string(out))))
	}
}

func slurm(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// submit sbatches the sweep's script with the stand-in switched on, and
// cancels the job when the test ends.
func submit(t *testing.T, dir string, env ...string) string {
	t.Helper()
	cmd := exec.Command("sbatch", "--parsable", filepath.Join(dir, SbatchFile))
	// sbatch passes the submitting environment to the job (--export=ALL).
	cmd.Env = append(append(os.Environ(), standInVar+"=1"), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sbatch: %v\n%s", err, out)
	}
	job, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	t.Logf("submitted job array %s", job)
	t.Cleanup(func() { exec.Command("scancel", job).Run() })
	return job
}

// queued lists the job's array tasks still in the queue, e.g. ["12_0 R", "12_[2-3%2] PD"].
func queued(t *testing.T, job string) []string {
	out, err := exec.Command("squeue", "-h", "-j", job, "-o", "%i %t").CombinedOutput()
	s := strings.TrimSpace(string(out))
	if err != nil {
		if strings.Contains(s, "Invalid job id") {
			return nil // purged already
		}
		t.Fatalf("squeue: %v\n%s", err, s)
	}
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// jobState is scontrol's JobState of one job or array task (e.g. 12_1).
func jobState(t *testing.T, id string) string {
	for _, f := range strings.Fields(slurm(t, "scontrol", "show", "job", id)) {
		if v, ok := strings.CutPrefix(f, "JobState="); ok {
			return v
		}
	}
	t.Fatalf("scontrol show job %s: no JobState", id)
	return ""
}

// waitSweep waits until every point is done and the job has left the queue.
func waitSweep(t *testing.T, dir string, m *Manifest, job string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		sts, err := Status(dir, m, RunJSONProbe)
		if err != nil {
			t.Fatal(err)
		}
		q := queued(t, job)
		if Count(sts)[Done] == len(m.Points) && len(q) == 0 {
			return
		}
		if time.Now().After(deadline) {
			logs, _ := filepath.Glob(filepath.Join(dir, LogsDir, "*"))
			var b strings.Builder
			for _, l := range logs {
				c, _ := os.ReadFile(l)
				fmt.Fprintf(&b, "== %s\n%s", l, c)
			}
			t.Fatalf("after %v: %s; queue %q\n%s", limit, Summary(sts), q, b.String())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

const slurmSweep = `name: slurm-test
set: [network.neurons=50]
seeds: [1, 2]
grid:
  dynamics.g_lat: [0.5, 1.0]
resources: {cpus: 1, memory: 64M, time: 10m}
slurm: {limit: 2, signal_seconds: 60}
`

// TestSlurmJobArray submits a 4-point sweep (2 values x 2 seeds) and waits for
// every point to finish.
func TestSlurmJobArray(t *testing.T) {
	requireSlurm(t)
	const steps = 3
	dir, m := writeStandInSweep(t, slurmSweep)
	job := submit(t, dir, fmt.Sprint("IPLGPU_STANDIN_STEPS=", steps), "IPLGPU_STANDIN_STEP_MS=100")
	waitSweep(t, dir, m, job, 2*time.Minute)
	starts := checkFinished(t, dir, m, steps)
	for i, s := range starts {
		if len(s) != 1 || !strings.Contains(s[0], "from pending") || !strings.Contains(s[0], "restarts 0") {
			t.Errorf("point %d starts: %q, want one from pending", i, s)
		}
		// Per-task logs, named by the zero-padded task id (%4a).
		b, err := os.ReadFile(filepath.Join(dir, LogsDir, fmt.Sprintf("%04d.err", i)))
		if err != nil || !strings.Contains(string(b), fmt.Sprintf("point %d was pending: <nil>", i)) {
			t.Errorf("log of task %d: %v\n%s", i, err, b)
		}
	}
	// Submitting the finished sweep again runs nothing.
	job2 := submit(t, dir)
	waitSweep(t, dir, m, job2, 2*time.Minute)
	for i, s := range checkFinished(t, dir, m, steps) {
		if len(s) != 1 {
			t.Errorf("point %d started again after resubmitting a finished sweep: %q", i, s)
		}
	}
}

// TestSlurmCancelRequeue cancels one array task while it runs (scancel
// JOB_1), requeues it (scontrol requeue JOB_1), and checks that it resumes
// and that every point ends as in an uninterrupted sweep.
func TestSlurmCancelRequeue(t *testing.T) {
	requireSlurm(t)
	const steps = 20
	dir, m := writeStandInSweep(t, slurmSweep)
	job := submit(t, dir, fmt.Sprint("IPLGPU_STANDIN_STEPS=", steps), "IPLGPU_STANDIN_STEP_MS=250")
	task := job + "_1"
	p := m.Points[1]
	waitFor(t, "point 1 to run a few trials", time.Minute, func() bool {
		return countLines(filepath.Join(m.RunDir(dir, p), "trials.txt")) >= 3
	})
	slurm(t, "scancel", task)
	waitFor(t, "point 1 to stop and checkpoint", time.Minute, func() bool {
		st, _, err := pointState(dir, m, p, RunJSONProbe)
		return err == nil && st == Resumable
	})
	waitFor(t, "task 1 to be cancelled", time.Minute, func() bool { return jobState(t, task) == "CANCELLED" })
	t.Logf("%s CANCELLED after %d of %d trials", task, countLines(filepath.Join(m.RunDir(dir, p), "trials.txt")), steps)

	slurm(t, "scontrol", "requeue", task)
	if st := jobState(t, task); st != "PENDING" && st != "RUNNING" {
		t.Errorf("after scontrol requeue %s: JobState=%s, want PENDING", task, st)
	}
	// A requeued job waits cred_expire+1 s before it may start (11 s with
	// up.sh's slurm.conf, 121 s with Slurm's default).
	waitSweep(t, dir, m, job, 4*time.Minute)
	starts := checkFinished(t, dir, m, steps)
	for i, s := range starts {
		want := 1
		if i == 1 {
			want = 2
		}
		if len(s) != want {
			t.Errorf("point %d started %d times, want %d: %q", i, len(s), want, s)
		}
	}
	if len(starts[1]) == 2 && (!strings.Contains(starts[1][1], "from resumable") || !strings.Contains(starts[1][1], "restarts 1")) {
		t.Errorf("point 1's second start: %q, want from resumable, restarts 1", starts[1][1])
	}
	if b, _ := os.ReadFile(filepath.Join(dir, LogsDir, "0001.err")); !strings.Contains(string(b), "CANCELLED") ||
		!strings.Contains(string(b), "point 1 was resumable: <nil>") {
		t.Errorf("task 1's log (appended across the requeue):\n%s", b)
	}
}

// TestSlurmTimeLimitRequeue gives a point more work than its time limit
// allows: Slurm sends USR1 before the limit, the script has the run
// checkpoint and requeues the task, until the point is done. It takes two to
// four minutes (Slurm's time limit is in minutes), so it runs only with
// IPLGPU_SLURM_SLOW=1.
func TestSlurmTimeLimitRequeue(t *testing.T) {
	if os.Getenv("IPLGPU_SLURM_SLOW") != "1" {
		t.Skip("takes minutes: set IPLGPU_SLURM_SLOW=1")
	}
	requireSlurm(t)
	const steps = 300 // 75 s of work against a 2-minute limit with USR1 60 s before it
	dir, m := writeStandInSweep(t, "name: slurm-limit\nseeds: [1]\nresources: {cpus: 1, memory: 64M, time: 2m}\nslurm: {signal_seconds: 60}\n")
	job := submit(t, dir, fmt.Sprint("IPLGPU_STANDIN_STEPS=", steps), "IPLGPU_STANDIN_STEP_MS=250")
	waitSweep(t, dir, m, job, 8*time.Minute)
	starts := checkFinished(t, dir, m, steps)
	if len(starts[0]) < 2 {
		t.Errorf("point 0 started %d times, want at least 2 (requeued at the time limit): %q", len(starts[0]), starts[0])
	}
	b, _ := os.ReadFile(filepath.Join(dir, LogsDir, "0000.err"))
	if !strings.Contains(string(b), "requeueing job") {
		t.Errorf("task 0's log shows no requeue:\n%s", b)
	}
	t.Logf("starts: %q", starts[0])
}
