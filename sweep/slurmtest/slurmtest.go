// Package slurmtest holds what the tests that submit to a real Slurm share
// (the sweep package's and the command's): the check that a cluster answers,
// and sbatch, squeue and scontrol calls that fail the test on an error.
package slurmtest

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Require skips the test unless a Slurm cluster answers (scripts/slurm/up.sh
// starts a single-node one), and fails it instead with
// IPLGPU_REQUIRE_SLURM=1.
func Require(t *testing.T) {
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

// Cmd runs a Slurm command and returns its trimmed output.
func Cmd(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// Submit sbatches script with the test's environment plus env (sbatch
// passes the submitting environment to the job, --export=ALL), and cancels
// the job when the test ends. It returns the job id.
func Submit(t *testing.T, script string, env ...string) string {
	t.Helper()
	cmd := exec.Command("sbatch", "--parsable", script)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sbatch %s: %v\n%s", script, err, out)
	}
	job, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	t.Logf("submitted job array %s", job)
	t.Cleanup(func() { exec.Command("scancel", job).Run() })
	return job
}

// Queued lists the job's array tasks still in the queue, e.g. ["12_0 R",
// "12_[2-3%2] PD"]; none once the job has been purged.
func Queued(t *testing.T, job string) []string {
	t.Helper()
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

// JobState is scontrol's JobState of one job or array task (e.g. 12_1).
func JobState(t *testing.T, id string) string {
	t.Helper()
	for _, f := range strings.Fields(Cmd(t, "scontrol", "show", "job", id)) {
		if v, ok := strings.CutPrefix(f, "JobState="); ok {
			return v
		}
	}
	t.Fatalf("scontrol show job %s: no JobState", id)
	return ""
}

// WaitUntil polls cond every 50 ms and fails the test when it has not held
// within limit (what names the awaited state in the message).
func WaitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
