package sweep

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// SlurmScript returns the sbatch script of the sweep m (spec s) in the sweep
// directory dir (absolute): a job array with one task per point that runs
// `exe runArgs... -dir DIR -index $SLURM_ARRAY_TASK_ID`.
//
// How the script treats signals (checked against a real slurmctld/slurmd, see
// scripts/slurm/README.md):
//   - --requeue: preemption and `scontrol requeue` put a task back in the queue;
//     the point resumes from its checkpoint when the task runs again.
//   - scancel, preemption and requeue send SIGTERM to every process of the task:
//     the run checkpoints and stops; the script waits for it (it ignores SIGTERM
//     itself) so that Slurm does not kill the run before the checkpoint is down.
//   - --signal=B:USR1@N: N seconds (Slurm may be up to a minute early) before the
//     time limit Slurm sends USR1 to the script alone; the script sends SIGTERM to
//     the run, waits for the checkpoint and requeues its own task.
//   - --open-mode=append: a requeued task appends to its log instead of
//     truncating it (Slurm's default truncates on requeue).
func SlurmScript(m *Manifest, s *Spec, dir, exe string, runArgs []string) []byte {
	var b bytes.Buffer
	n := len(m.Points)
	limit := s.Slurm.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	limit = min(limit, n)
	r := s.Resources
	fmt.Fprintf(&b, `#!/bin/bash
# Slurm job array for the sweep %[1]s: one task per point, %[2]d points.
# Written by iplgpu sweep. Submit it as it is:
#
#   sbatch %[3]s/%[4]s
#
# Task I runs point I of the sweep (%[5]s). A point that is done does
# nothing; one that was interrupted resumes from its checkpoint, so submitting
# this script again, or requeueing a task (scontrol requeue JOBID_I), finishes
# what is left.
`, m.Name, n, dir, SbatchFile, ManifestJSON)
	opt := func(format string, a ...any) { fmt.Fprintf(&b, "#SBATCH "+format+"\n", a...) }
	opt("--job-name=%s", m.Name)
	opt("--array=0-%d%%%d", n-1, limit)
	opt("--requeue")
	opt("--signal=B:USR1@%d", s.Slurm.SignalSeconds)
	opt("--open-mode=append")
	opt("--output=%s/%s/%%4a.out", dir, LogsDir)
	opt("--error=%s/%s/%%4a.err", dir, LogsDir)
	opt("--chdir=%s", dir)
	opt("--nodes=1")
	opt("--ntasks=1")
	opt("--cpus-per-task=%d", r.CPUs)
	opt("--mem=%dM", r.memMiB)
	opt("--time=%s", slurmTime(r.limit))
	if r.GPUs > 0 {
		opt("--gres=gpu:%d", r.GPUs)
	}
	if s.Slurm.Partition != "" {
		opt("--partition=%s", s.Slurm.Partition)
	}
	if s.Slurm.Account != "" {
		opt("--account=%s", s.Slurm.Account)
	}
	if s.Slurm.QOS != "" {
		opt("--qos=%s", s.Slurm.QOS)
	}
	for _, e := range s.Slurm.Extra {
		opt("%s", e)
	}
	var cmd []string
	for _, a := range append([]string{exe}, runArgs...) {
		cmd = append(cmd, shellQuote(a))
	}
	fmt.Fprintf(&b, `
sweep_dir=%[1]s
index=${SLURM_ARRAY_TASK_ID:?this script is a Slurm job array: submit it with sbatch}

# USR1 (the time limit is near): ask the run to checkpoint, then requeue.
requeue=0
child=
on_usr1() {
	requeue=1
	[ -n "$child" ] && kill -TERM "$child" 2>/dev/null
}
trap on_usr1 USR1
# SIGTERM (scancel, preemption) reaches the run too: wait for its checkpoint.
trap : TERM

%[2]s -dir "$sweep_dir" -index "$index" &
child=$!
while :; do
	wait "$child"
	status=$?
	kill -0 "$child" 2>/dev/null || break # wait was cut short by a signal
done
if [ "$requeue" = 1 ]; then
	echo "sweep: point $index stopped before the time limit (exit $status): requeueing job $SLURM_JOB_ID" >&2
	scontrol requeue "$SLURM_JOB_ID"
fi
exit "$status"
`, dir, strings.Join(cmd, " "))
	return b.Bytes()
}

// slurmTime formats a time limit as Slurm's days-hours:minutes:seconds.
func slurmTime(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d-%02d:%02d:%02d", s/86400, s/3600%24, s/60%60, s%60)
}
