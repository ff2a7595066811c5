#!/bin/bash
# bench-peer.sh [ROUNDS] [STEPS]: the CPU backend against the numpy peer, side by
# side on one machine, alternating:
# each round runs the peer once (1,000 x 32, 20 trials) and then
# `iplgpu bench -backend cpu -n 1000 -spines 32 -steps STEPS` once, and prints
# both throughputs (spine-steps per second) and their ratio; the last line is
# the median of each column and the median ratio. Build bin/iplgpu first
# (make build). The peer (peer_bench.py and ipl2.py: the IPL model as a numpy
# user would write it) is not part of this repository: set IPLGPU_PEER_DIR to the
# directory that holds it (PEER_DIR is accepted too). It needs Debian's
# python3-numpy and python3-scipy.
set -euo pipefail
rounds=${1:-5}
steps=${2:-1000}
here=$(cd "$(dirname "$0")/.." && pwd)
peer_dir=${IPLGPU_PEER_DIR:-${PEER_DIR:-}}
[ -n "$peer_dir" ] || { echo "bench-peer: the numpy peer is not part of this repository; set IPLGPU_PEER_DIR to the directory holding peer_bench.py" >&2; exit 2; }
peer=$peer_dir/peer_bench.py
bin=$here/bin/iplgpu
[ -f "$peer" ] || { echo "bench-peer: no peer_bench.py in IPLGPU_PEER_DIR=$peer_dir" >&2; exit 2; }
[ -x "$bin" ] || { echo "bench-peer: no $bin: run make build" >&2; exit 2; }
echo "round peer_spine_steps_per_s cpu_spine_steps_per_s ratio"
rows=()
for r in $(seq "$rounds"); do
	p=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$peer" 1000 32 20 | sed -n 's/.*spine-steps\/s=\([0-9.e+]*\).*/\1/p')
	c=$("$bin" bench -backend cpu -n 1000 -spines 32 -steps "$steps" -csv '' 2>/dev/null | awk '$1 == "cpu" {print $7}')
	ratio=$(awk -v a="$c" -v b="$p" 'BEGIN {printf "%.2f", a / b}')
	echo "$r $p $c $ratio"
	rows+=("$p $c $ratio")
done
printf '%s\n' "${rows[@]}" | awk '
	{ p[NR] = $1; c[NR] = $2; q[NR] = $3 }
	function median(a, n,   i, j, t) {
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	END { printf "median %.3g %.3g %.2f\n", median(p, NR), median(c, NR), median(q, NR) }'
