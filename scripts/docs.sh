#!/usr/bin/env bash
# make docs: reruns what README.md and docs/ publish and refills their
# include blocks from the results (internal/docinclude). Every published
# number comes from a file this script writes under docs/results/ (or
# docs/sweep/, docs/scaling.*); a test (go test ./internal/docinclude) holds
# the pages equal to those files.
#   scripts/docs.sh [STAGE...]   stages: default seeds liug predictions
#                                compare calibrate-spatial compare-spatial sweep scaling test check
#                                (default: all)
# Runs go to $DOCS_WORK (default runs/docs), kept so a stage can be redone;
# only the small result files are copied into docs/. Times on a 2-core
# machine, as measured by the stage itself, go to docs/results/times.csv.
# DOCS_REUSE=1 keeps every complete run already in $DOCS_WORK and only
# analyses it again (after a change of the analysis or the report); its
# stages record no times.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
W=${DOCS_WORK:-runs/docs}
bin=bin/iplgpu
R=docs/results
# The design's sizes (iplgpu design): published with these.
DESIGN_ARGS="-replicates 400 -trials 10,20,40,80,160 -units 10,20,50,100,200 -repeats 3,5,10,20,30 -animals 1,2,3"
# At Utah-array scale the units axis counts electrodes (4 x 4 on the spatial slab),
# each with 3 sorted units and its multi-unit channel.
DESIGN_ARRAY_ARGS="-readout electrodes -mua -replicates 400 -trials 10,20,40,80,160 -units 2,4,8,16 -repeats 3,5,10,20,30 -animals 1,2,3"
mkdir -p "$W" "$R"
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(default seeds liug predictions compare calibrate-spatial compare-spatial sweep scaling test check)
make -s build

# simulate DIR ARGS...: `iplgpu run ARGS -analyse=false -out DIR` into a
# fresh DIR, or, with DOCS_REUSE=1, nothing when DIR holds a complete run.
simulate() {
  local dir=$1
  shift
  if [ "${DOCS_REUSE:-0}" = 1 ] && grep -q '"status": *"complete"' "$dir/run.json" 2>/dev/null; then
    echo "docs.sh: reusing the complete run in $dir"
    return
  fi
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  $bin run "$@" -analyse=false -out "$dir"
}
# timed NAME CMD...: runs CMD and records its wall time (not when reusing:
# the time would not be the stage's).
timed() {
  local name=$1 t0=$SECONDS
  shift
  "$@"
  [ "${DOCS_REUSE:-0}" = 1 ] || echo "$name,$((SECONDS - t0)),$(nproc),$(date -u +%Y-%m-%d)" >> "$R/times.csv.new"
}
# keep SRC DEST FILE...: copies the named result files of SRC into DEST.
keep() {
  local src=$1 dst=$2
  shift 2
  rm -rf "$dst"
  mkdir -p "$dst"
  for f in "$@"; do cp "$src/$f" "$dst/"; done
}
# seedset PRESET DIR SEEDS...: one run per seed, then the across-seed analysis.
seedset() {
  local preset=$1 dir=$2
  shift 2
  for s in "$@"; do
    simulate "$dir/s$s" -preset "$preset" -seed "$s"
  done
  $bin analyse "$dir"
}

# refill: merges this run's stage times into times.csv and times.md, and
# refills the pages' include blocks.
refill() {
  touch "$R/times.csv" "$R/times.csv.new"
  {
    echo "stage,seconds,cores,date"
    awk -F, 'FILENAME == ARGV[1] { new[$1] = 1; next } FNR > 1 && !($1 in new)' "$R/times.csv.new" "$R/times.csv"
    cat "$R/times.csv.new"
  } > "$R/times.csv.tmp"
  mv "$R/times.csv.tmp" "$R/times.csv"
  : > "$R/times.csv.new"
  {
    echo "# Times"
    echo
    echo "Wall time of each stage of \`make docs\` (scripts/docs.sh), with the cores of the machine it ran on and the date."
    echo
    echo "| stage | seconds | cores | date |"
    echo "|---|---:|---:|---|"
    tail -n +2 "$R/times.csv" | awk -F, '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }'
  } > "$R/times.md"
  go run ./internal/docinclude/cmd/docinclude -write
}

: > "$R/times.csv.new"
for stage in "${stages[@]}"; do
  case $stage in
  default)
    # The default run, seed 1: the numbers of the README's first section.
    timed "default run (seed 1)" simulate "$W/default-s1"
    timed "default run analysis" $bin analyse "$W/default-s1"
    keep "$W/default-s1" "$R/default" report.md calibration.csv info.csv fig2_redundancy.png fig3_within_trial.png
    ;;
  seeds)
    # Calibration seeds 1-4 (the defaults were tuned on their mean) and
    # held-out seeds 5-8 (never used in tuning): the same table on each.
    timed "learning seeds 1-4" seedset learning "$W/cal" 1 2 3 4
    timed "learning seeds 5-8" seedset learning "$W/held" 5 6 7 8
    keep "$W/cal" "$R/seeds-calibration" seeds.md seeds_calibration.csv seeds.csv fig_seeds.png fig_seeds.svg
    keep "$W/held" "$R/seeds-heldout" seeds.md seeds_calibration.csv seeds.csv fig_seeds.png fig_seeds.svg
    ;;
  liug)
    timed "liu-g seeds 1-4" seedset liu-g "$W/liug-cal" 1 2 3 4
    timed "liu-g seeds 5-8" seedset liu-g "$W/liug-held" 5 6 7 8
    keep "$W/liug-cal" "$R/liu-g-calibration" seeds.md seeds_calibration.csv fig_seeds.png fig_seeds.svg
    keep "$W/liug-held" "$R/liu-g-heldout" seeds.md seeds_calibration.csv fig_seeds.png fig_seeds.svg
    ;;
  predictions)
    # Each prediction's preset as shipped, on the seeds its test uses.
    for spec in reversibility:5 consistency:1 within-trial:5 within-trial:6 spatial:5 ablation:5 ablation:6; do
      p=${spec%%:*} s=${spec##*:}
      timed "$p (seed $s)" simulate "$W/pred/$p-s$s" -preset "$p" -seed "$s"
      timed "$p (seed $s) analysis" $bin analyse "$W/pred/$p-s$s"
      keep "$W/pred/$p-s$s" "$R/predictions/$p-s$s" report.md calibration.csv
    done
    ;;
  compare)
    # compare keeps the complete runs of its -out and analyses them again.
    [ "${DOCS_REUSE:-0}" = 1 ] || rm -rf "$W/cmp" "$W/cmp-gate"
    timed "compare (seeds 1-3)" $bin compare -out "$W/cmp"
    keep "$W/cmp" "$R/compare" compare.md compare.csv signatures.csv compare.png compare.svg
    timed "design (compare pools)" $bin design -from "$W/cmp" -out "$W/cmp/design" $DESIGN_ARGS
    keep "$W/cmp/design" "$R/design" design.md design.csv power.png power.svg
    timed "compare, passive switches with the task gain kept (seeds 1-3)" $bin compare -out "$W/cmp-gate" -switch-task-gain
    keep "$W/cmp-gate" "$R/compare-gate" compare.md compare.csv signatures.csv
    # Signature (e) with four times the switches (docs/design.md, item 4).
    [ "${DOCS_REUSE:-0}" = 1 ] || rm -rf "$W/cmp-switch120"
    timed "compare, 120 switch pairs with the task gain kept (seeds 1-3)" $bin compare -out "$W/cmp-switch120" -switch-task-gain -switch-pairs 120
    keep "$W/cmp-switch120" "$R/compare-switch120" compare.md compare.csv signatures.csv
    ;;
  calibrate-spatial)
    # The feedback strength at Utah-array scale (docs/design.md).
    rm -rf "$W/cal-spatial"
    timed "calibrate feedback on the spatial preset (seed 1)" $bin calibrate -preset spatial -mechanism feedback -out "$W/cal-spatial"
    keep "$W/cal-spatial" "$R/calibrate-spatial" calibration.csv calibrated.yaml
    ;;
  compare-spatial)
    # Both mechanisms at Utah-array scale (4000 neurons, seeds 1-3), the
    # feedback at the strength calibrated there (the published
    # calibrated.yaml), and the design read out as the array.
    [ "${DOCS_REUSE:-0}" = 1 ] || rm -rf "$W/cmp-spatial"
    timed "compare, spatial preset (seeds 1-3)" $bin compare -preset spatial -config "$R/calibrate-spatial/calibrated.yaml" -out "$W/cmp-spatial"
    keep "$W/cmp-spatial" "$R/compare-spatial" compare.md compare.csv signatures.csv compare.png compare.svg
    timed "design, Utah-array read-out (spatial pools)" $bin design -from "$W/cmp-spatial" -out "$W/cmp-spatial/design" $DESIGN_ARRAY_ARGS
    keep "$W/cmp-spatial/design" "$R/design-array" design.md design.csv power.png power.svg
    ;;
  sweep)
    rm -rf "$W/sweep"
    $bin sweep plan docs/sweep/glat.yaml -dir "$W/sweep"
    timed "sweep glat (9 points local -j 1)" $bin sweep local -dir "$W/sweep" -j 1
    timed "merge" $bin merge "$W/sweep"
    keep "$W/sweep" docs/sweep-merged merged.md merged.csv merged_points.csv fig_merge_g_lat.png fig_merge_g_lat.svg
    cp docs/sweep-merged/* docs/sweep/ && rm -rf docs/sweep-merged
    ;;
  scaling)
    # BENCHMARKS.md's command: the figure and table it shows (docs/scaling.*).
    rm -rf "$W/scaling"
    timed "bench -scaling (cpu and gl)" sh -c "$bin bench -scaling -n-min 1000 -n-max 200000 -dense-max-gib 2 -seconds 3 -rounds 3 -max-time 25m -out $W/scaling > $W/scaling-stdout.txt"
    cp "$W/scaling/bench.csv" docs/scaling.csv
    cp "$W/scaling/scaling.png" "$W/scaling/scaling.svg" docs/
    mkdir -p "$R/scaling" && cp "$W/scaling-stdout.txt" "$R/scaling/stdout.txt"
    ;;
  test | check)
    # The README's test commands, timed on this machine (pages refilled
    # first: make check holds them equal to the result files).
    refill
    timed "make $stage" make -s "$stage"
    ;;
  *)
    echo "docs.sh: unknown stage $stage (default seeds liug predictions compare calibrate-spatial compare-spatial sweep scaling test check)" >&2
    exit 2
    ;;
  esac
done
refill
rm -f "$R/times.csv.new"
