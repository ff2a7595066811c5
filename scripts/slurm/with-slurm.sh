#!/usr/bin/env bash
# with-slurm.sh CMD [ARG...]: runs CMD with a single-node Slurm up (up.sh) and
# stops exactly the daemons up.sh started when CMD ends, however it ends.
# Exit status: CMD's.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/up.sh" >&2 || exit 1
trap '"$here/down.sh" >&2' EXIT
export SLURM_CONF=${IPLGPU_SLURM_DIR:-/tmp/iplgpu-slurm}/slurm.conf
"$@"
