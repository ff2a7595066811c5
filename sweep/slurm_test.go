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
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iplgpu/iplgpu/sweep/slurmtest"
)

// submit sbatches the sweep's script with the stand-in switched on, and
// cancels the job when the test ends.
func submit(t *testing.T, dir string, env ...string) string {
	t.Helper()
	return slurmtest.Submit(t, filepath.Join(dir, SbatchFile), append([]string{standInVar + "=1"}, env...)...)
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
		q := slurmtest.Queued(t, job)
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
	slurmtest.Require(t)
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
