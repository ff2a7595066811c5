package sweep

// Tests against a real Slurm (scripts/slurm/up.sh starts one on this machine).
// They submit the sbatch script that Write generates, as it is; the program it
// runs is this test binary acting as `iplgpu sweep run` (standin_test.go). The
// job array of the real iplgpu, its cancel and requeue, and the merge, are
// tested in cmd/iplgpu (slurm_test.go); this one keeps what the stand-in's
// exact timing makes testable: the requeue at the time limit.
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
		sts, err := Status(dir, m, runJSONProbe)
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
