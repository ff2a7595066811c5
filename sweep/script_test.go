package sweep

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iplgpu/iplgpu/sweep/slurmtest"
)

// writeStandInSweep writes a sweep whose program is this test binary (the stand-in).
func writeStandInSweep(t *testing.T, y string) (string, *Manifest) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "sweep")
	m, err := Write(dir, mustParse(t, y), WriteOptions{Exe: exe})
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

// TestSbatchScriptSignals runs the generated sbatch script with bash, as Slurm
// would run one array task, with a fake scontrol, and checks its signal
// handling: USR1 (time limit near) checkpoints the run and requeues the task;
// SIGTERM to every process (scancel, preemption) checkpoints the run and the
// script waits for it; SIGTERM to the script alone leaves the run going.
func TestSbatchScriptSignals(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	const steps = 40
	dir, m := writeStandInSweep(t, "seeds: [1, 2, 3]\nresources: {time: 10m}\n")
	fake := t.TempDir()
	calls := filepath.Join(fake, "calls")
	os.WriteFile(filepath.Join(fake, "scontrol"), []byte("#!/bin/sh\necho \"$@\" >> "+calls+"\n"), 0o755)

	start := func(index string) (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command("bash", filepath.Join(dir, SbatchFile))
		cmd.Env = append(os.Environ(), standInVar+"=1", "IPLGPU_STANDIN_STEPS=40", "IPLGPU_STANDIN_STEP_MS=50",
			"SLURM_ARRAY_TASK_ID="+index, "SLURM_JOB_ID=77"+index, "PATH="+fake+":"+os.Getenv("PATH"))
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &out
	}
	running := func(i int) func() bool {
		return func() bool { return countLines(filepath.Join(m.RunDir(dir, m.Points[i]), "trials.txt")) >= 2 }
	}
	exitCode := func(cmd *exec.Cmd) int {
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	state := func(i int) State {
		st, _, err := pointState(dir, m, m.Points[i], runJSONProbe)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}

	// USR1 to the script: the run checkpoints, the script requeues its job.
	cmd, out := start("0")
	slurmtest.WaitUntil(t, "point 0 to run", 10*time.Second, running(0))
	cmd.Process.Signal(syscall.SIGUSR1)
	if code := exitCode(cmd); code != 130 {
		t.Errorf("USR1: exit %d, want 130 (the run's interrupted status)\n%s", code, out)
	}
	if b, _ := os.ReadFile(calls); string(b) != "requeue 770\n" {
		t.Errorf("USR1: scontrol calls %q, want requeue 770", b)
	}
	if st := state(0); st != Resumable {
		t.Errorf("USR1: point 0 is %s, want resumable", st)
	}
	if !strings.Contains(out.String(), "requeueing job 770") {
		t.Errorf("USR1: the script did not say it requeues:\n%s", out)
	}

	// SIGTERM to the whole process group (scancel): the run checkpoints, the
	// script waits for it and passes its status on; no requeue.
	os.Remove(calls)
	cmd, out = start("1")
	slurmtest.WaitUntil(t, "point 1 to run", 10*time.Second, running(1))
	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	if code := exitCode(cmd); code != 130 {
		t.Errorf("TERM to all: exit %d, want 130\n%s", code, out)
	}
	if _, err := os.Stat(calls); err == nil {
		t.Error("TERM to all: the script called scontrol")
	}
	if st := state(1); st != Resumable {
		t.Errorf("TERM to all: point 1 is %s, want resumable", st)
	}

	// SIGTERM to the script alone: the run goes on to the end.
	cmd, out = start("2")
	slurmtest.WaitUntil(t, "point 2 to run", 10*time.Second, running(2))
	cmd.Process.Signal(syscall.SIGTERM)
	if code := exitCode(cmd); code != 0 {
		t.Errorf("TERM to the script: exit %d, want 0 (the run finished)\n%s", code, out)
	}
	if st := state(2); st != Done {
		t.Errorf("TERM to the script: point 2 is %s, want done", st)
	}

	// Resume the two interrupted points (as a requeued task would): their
	// trials are those of an uninterrupted run.
	for _, i := range []string{"0", "1"} {
		cmd, out := start(i)
		if code := exitCode(cmd); code != 0 {
			t.Errorf("resuming point %s: exit %d\n%s", i, code, out)
		}
	}
	// Outside a job array the script refuses to run.
	cmd = exec.Command("bash", filepath.Join(dir, SbatchFile))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "this script is a Slurm job array") {
		t.Errorf("without SLURM_ARRAY_TASK_ID: %v\n%s", err, b)
	}
	starts := checkFinished(t, dir, m, steps)
	for i, want := range []int{2, 2, 1} {
		if len(starts[i]) != want {
			t.Errorf("point %d started %d times, want %d: %q", i, len(starts[i]), want, starts[i])
		}
	}
	if !strings.Contains(starts[0][1], "from resumable") {
		t.Errorf("point 0's second start: %q", starts[0][1])
	}
}

// TestStandInFromKubernetesIndex runs the stand-in as a Kubernetes pod would:
// no -index, JOB_COMPLETION_INDEX in the environment.
func TestStandInFromKubernetesIndex(t *testing.T) {
	dir, m := writeStandInSweep(t, "seeds: [1, 2]\n")
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "sweep", "run", "-dir", dir)
	cmd.Env = append(os.Environ(), standInVar+"=1", "IPLGPU_STANDIN_STEPS=2", "IPLGPU_STANDIN_STEP_MS=1", KubeIndexVar+"=1", SlurmIndexVar+"=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	sts, _ := Status(dir, m, runJSONProbe)
	if sts[0].State != Pending || sts[1].State != Done {
		t.Errorf("%s: want point 1 done, point 0 pending", Summary(sts))
	}
}
