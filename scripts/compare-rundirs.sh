#!/usr/bin/env bash
# Compares the run directories that two versions of iplgpu write for the same
# config and seed, on the CPU and the GL backend: every .npy, trials.csv and
# config.yaml byte for byte, run.json without its timing fields.
#   scripts/compare-rundirs.sh OLD_REV [NEW_REV]   (NEW_REV: the working tree)
set -euo pipefail
old=${1:?usage: $0 OLD_REV [NEW_REV]}
new=${2:-}
top=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'git -C "$top" worktree remove --force "$tmp/old" >/dev/null 2>&1 || true; [ -n "$new" ] && git -C "$top" worktree remove --force "$tmp/new" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
build() { # rev dir bin
  git -C "$top" worktree add --detach "$2" "$1" >/dev/null 2>&1
  (cd "$2" && go build -o "$3" ./cmd/iplgpu)
}
build "$old" "$tmp/old" "$tmp/iplgpu-old"
if [ -n "$new" ]; then build "$new" "$tmp/new" "$tmp/iplgpu-new"; else (cd "$top" && go build -o "$tmp/iplgpu-new" ./cmd/iplgpu); fi
cat > "$tmp/tiny.yaml" <<'YAML'
network: {neurons: 40, spines_per_neuron: 8}
homeostasis: {reference_trials: 2}
protocol:
  sessions: 2
  before: []
  session:
    - {name: train, mode: task, trials: 6, coherences: [0.3], learning: true, record: false}
    - {name: task, mode: task, trials: 6, coherences: [0.3, 0], learning: false, record: true}
    - {name: passive, mode: passive, trials: 2, coherences: [0.3], learning: false, record: true}
  after:
    - {name: abl, mode: task, trials: 4, coherences: [0.3], learning: false, ablation: lateral, record: true}
YAML
export EGL_PLATFORM=${EGL_PLATFORM:-surfaceless}
status=0
for be in cpu gl; do
  for v in old new; do
    "$tmp/iplgpu-$v" run -config "$tmp/tiny.yaml" -seed 3 -backend $be -out "$tmp/$v-$be" -analyse=false >/dev/null 2>&1
  done
  n=0
  for f in "$tmp/old-$be"/*; do
    b=$(basename "$f")
    if [ "$b" = run.json ]; then
      strip='import json,sys; d=json.load(open(sys.argv[1])); [d.pop(k) for k in ("build_seconds","simulate_seconds","started","finished")]; print(sorted(d.items()))'
      if ! cmp -s <(python3 -c "$strip" "$f") <(python3 -c "$strip" "$tmp/new-$be/$b"); then echo "$be: run.json differs"; status=1; fi
    elif ! cmp -s "$f" "$tmp/new-$be/$b"; then echo "$be: $b differs"; status=1; fi
    n=$((n+1))
  done
  echo "$be: compared $n files of $old against ${new:-the working tree}"
done
[ $status -eq 0 ] && echo "identical (timing fields of run.json aside)"
exit $status
