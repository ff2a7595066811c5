#!/usr/bin/env bash
# up.sh: a real single-node Slurm on this machine, for tests and CI.
#
# Installs Debian's munge, slurmctld, slurmd and slurm-client if they are missing,
# writes a minimal slurm.conf and a private munge key under one state directory,
# starts munged, slurmctld and slurmd as root (each in the foreground of its own
# session, so the PID recorded is the daemon's own), and waits until sinfo shows
# the node idle. scripts/slurm/down.sh stops exactly these processes, by PID.
#
# Usage (as root):
#   scripts/slurm/up.sh            # prints the export line for SLURM_CONF
#   . "$IPLGPU_SLURM_DIR/env.sh"   # or: export SLURM_CONF=$IPLGPU_SLURM_DIR/slurm.conf
#   sbatch ...; squeue; scontrol ...
#   scripts/slurm/down.sh
#
# Environment:
#   IPLGPU_SLURM_DIR    state directory (default /tmp/iplgpu-slurm); must not
#                       already hold a running cluster of ours
#   IPLGPU_SLURM_PORT   slurmctld port (default 6817); slurmd uses PORT+1
#   IPLGPU_SLURM_WAIT   seconds to wait for the node to come up (default 60)
#
# Nothing outside the state directory is changed, except: packages are installed
# when missing, and /etc/slurm/slurm.conf is created as a symlink to ours when no
# such file exists (so that sbatch/squeue work without SLURM_CONF); down.sh
# removes that symlink again only if it still points at ours.
set -euo pipefail

DIR=${IPLGPU_SLURM_DIR:-/tmp/iplgpu-slurm}
PORT=${IPLGPU_SLURM_PORT:-6817}
WAIT=${IPLGPU_SLURM_WAIT:-60}

die() { echo "slurm up: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (slurmd must run as root to start jobs as their users)"

# --- packages --------------------------------------------------------------
need=()
for c in munged:munge slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client; do
	command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "slurm up: installing ${need[*]}" >&2
	# Keep apt from starting the packaged services: we start our own, by PID.
	made_policy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		made_policy=1
	fi
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get install -y --no-install-recommends "${need[@]}" ||
		{ apt-get update && apt-get install -y --no-install-recommends "${need[@]}"; }; } >&2
	[ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

# --- refuse to start twice -------------------------------------------------
for d in munged slurmctld slurmd; do
	if [ -s "$DIR/$d.pid" ] && kill -0 "$(cat "$DIR/$d.pid")" 2>/dev/null; then
		die "$d from an earlier up.sh is still running (pid $(cat "$DIR/$d.pid")): run scripts/slurm/down.sh first"
	fi
done

# --- state directory, key, config ------------------------------------------
if [ -e "$DIR" ] && [ -n "$(ls -A "$DIR" 2>/dev/null)" ] && [ ! -e "$DIR/.iplgpu-slurm" ]; then
	die "$DIR exists and was not made by up.sh: choose another IPLGPU_SLURM_DIR"
fi
rm -rf "$DIR"
mkdir -p "$DIR"/{state,spool,log,munge}
touch "$DIR/.iplgpu-slurm"
chmod 755 "$DIR"
chmod 700 "$DIR/munge"
mungekey --create --keyfile="$DIR/munge/munge.key" --force
chmod 600 "$DIR/munge/munge.key"

host=$(hostname -s)
# slurmd -C prints this machine's node line (CPUs, sockets, cores, threads,
# RealMemory) exactly as slurmd will register it, so the node is never drained
# for a mismatch.
node=$(slurmd -C | head -n1)
case "$node" in NodeName=*) ;; *) die "slurmd -C printed no node line: $node" ;; esac
node="NodeName=$host NodeAddr=127.0.0.1 ${node#NodeName=* }"

cat >"$DIR/slurm.conf" <<EOF
# Written by scripts/slurm/up.sh: a single-node cluster for tests.
ClusterName=iplgpu
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# cred_expire: also the seconds a requeued job waits before it may start again
# (default 120).
AuthInfo=socket=$DIR/munge/munge.socket,cred_expire=10
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/slurmd-%n
SlurmctldPidFile=$DIR/slurmctld.pidfile
SlurmdPidFile=$DIR/slurmd.pidfile
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups in a container: plain process tracking, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
# Cores are the consumable; memory is checked against RealMemory but not reserved,
# so jobs without --mem can share the node.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# No accounting daemon: sacct does not work, poll squeue / scontrol instead.
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
# Jobs may be requeued (scontrol requeue, preemption); a node that comes back
# after down.sh/up.sh is usable again without an admin.
JobRequeue=1
ReturnToService=2
# Seconds between SIGTERM and SIGKILL when a job is cancelled or times out.
KillWait=10
# Finished jobs stay visible to scontrol show job this long (seconds).
MinJobAge=600
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
$node State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF

cat >"$DIR/env.sh" <<EOF
export SLURM_CONF=$DIR/slurm.conf
EOF

# /etc/slurm/slurm.conf: make bare sbatch/squeue find the cluster when no config is there.
if [ ! -e /etc/slurm/slurm.conf ] && [ ! -L /etc/slurm/slurm.conf ]; then
	mkdir -p /etc/slurm
	ln -s "$DIR/slurm.conf" /etc/slurm/slurm.conf
	echo /etc/slurm/slurm.conf >"$DIR/made-etc-link"
fi
export SLURM_CONF=$DIR/slurm.conf

# --- daemons ---------------------------------------------------------------
# start NAME CMD...: runs CMD in the foreground of a new session, records its PID.
start() {
	local name=$1
	shift
	setsid "$@" >>"$DIR/log/$name.out" 2>&1 </dev/null &
	echo $! >"$DIR/$name.pid"
	echo "slurm up: $name pid $!" >&2
}

start munged munged --foreground --force \
	--socket="$DIR/munge/munge.socket" --key-file="$DIR/munge/munge.key" \
	--pid-file="$DIR/munge/munged.pid" --log-file="$DIR/log/munged.log" \
	--seed-file="$DIR/munge/munged.seed"
for _ in $(seq 50); do [ -S "$DIR/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$DIR/munge/munge.socket" ] || die "munged did not create its socket; see $DIR/log/munged.log"
munge --socket="$DIR/munge/munge.socket" -n | unmunge --socket="$DIR/munge/munge.socket" >/dev/null ||
	die "munge round trip failed; see $DIR/log/munged.log"

# -i: ignore (and clear) any saved state; this is a fresh cluster every time.
start slurmctld slurmctld -D -i -f "$DIR/slurm.conf"
start slurmd slurmd -D -f "$DIR/slurm.conf"

# --- wait for the node ----------------------------------------------------
state=
for _ in $(seq $((WAIT * 2))); do
	for d in munged slurmctld slurmd; do
		kill -0 "$(cat "$DIR/$d.pid")" 2>/dev/null || {
			tail -n 20 "$DIR/log/$d.out" "$DIR/log/$d.log" >&2 2>/dev/null || true
			die "$d exited during start-up; logs in $DIR/log"
		}
	done
	state=$(sinfo -h -N -n "$host" -o '%t' 2>/dev/null || true)
	[ "$state" = idle ] && break
	sleep 0.5
done
if [ "$state" != idle ]; then
	sinfo -N -l >&2 || true
	die "node $host is not idle after ${WAIT}s (state '${state:-none}'); logs in $DIR/log; run down.sh"
fi
sinfo -N -o '%N %t %c %m %P' >&2
echo "export SLURM_CONF=$DIR/slurm.conf"
