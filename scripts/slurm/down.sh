#!/usr/bin/env bash
# down.sh: stop the single-node Slurm that scripts/slurm/up.sh started.
#
# Cancels the jobs still in that cluster, then stops slurmd, slurmctld and munged
# by the PIDs up.sh recorded (SIGTERM, then SIGKILL after a grace period), after
# checking that each PID is still the daemon it was. Stops nothing else. The
# state directory stays, with its logs, for inspection; up.sh clears it.
#
# Usage: scripts/slurm/down.sh          (IPLGPU_SLURM_DIR as for up.sh)
set -uo pipefail

DIR=${IPLGPU_SLURM_DIR:-/tmp/iplgpu-slurm}
[ -e "$DIR/.iplgpu-slurm" ] || { echo "slurm down: $DIR holds no cluster of up.sh; nothing to stop" >&2; exit 0; }
export SLURM_CONF=$DIR/slurm.conf

# alive NAME: the recorded PID of NAME, if that process is still NAME.
alive() {
	local f=$DIR/$1.pid pid
	[ -s "$f" ] || return 1
	pid=$(cat "$f")
	[ -r "/proc/$pid/comm" ] || return 1
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] || return 1
	echo "$pid"
}

# Jobs first, while slurmctld and slurmd can still end them cleanly (their
# slurmstepd processes are not children of anything we could signal by PID).
if alive slurmctld >/dev/null; then
	jobs=$(squeue -h -o '%A' 2>/dev/null | sort -u)
	if [ -n "$jobs" ]; then
		echo "slurm down: cancelling jobs $(echo $jobs)" >&2
		scancel $jobs 2>/dev/null || true
		for _ in $(seq 60); do
			[ -z "$(squeue -h -o '%A' 2>/dev/null)" ] && break
			sleep 0.5
		done
	fi
fi

rc=0
for d in slurmd slurmctld munged; do
	pid=$(alive "$d") || { rm -f "$DIR/$d.pid"; continue; }
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 30); do alive "$d" >/dev/null || break; sleep 0.5; done
	if alive "$d" >/dev/null; then
		echo "slurm down: $d (pid $pid) ignored SIGTERM for 15 s; SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null
		sleep 0.5
	fi
	if alive "$d" >/dev/null; then
		echo "slurm down: $d (pid $pid) is still running" >&2
		rc=1
	else
		echo "slurm down: stopped $d (pid $pid)" >&2
		rm -f "$DIR/$d.pid"
	fi
done

if [ -s "$DIR/made-etc-link" ]; then
	link=$(cat "$DIR/made-etc-link")
	if [ -L "$link" ] && [ "$(readlink "$link")" = "$DIR/slurm.conf" ]; then
		rm -f "$link"
	fi
	rm -f "$DIR/made-etc-link"
fi
exit $rc
