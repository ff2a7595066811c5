#!/usr/bin/env bash
# The one-call GPU check: everything iplgpu wants to know from an NVIDIA machine,
# in one command of at most 10 minutes, with prebuilt binaries (no Go, no
# network there). Prepare here with scripts/gpu-prepare.sh, carry .gpu/, and run
# from the repository root:
#   bash scripts/gpu-check.sh
# Parts, in order of importance, each with its own time limit inside the total
# (GPU_CHECK_SECONDS, default 570), each reported and none stopping the others:
#   1. the GL device: EGL route, renderer, limits (the GL tests' first line)
#   2. GL tests of engine/gl (Philox and float maths against Go) and
#      engine/glbackend (GL/CPU parity, conformance, the dense baseline)
#   3. iplgpu bench -scaling: IPL step and dense N x N baseline, CPU and GL,
#      up to 1,000,000 neurons or what memory and the time left allow
#   4. a short run of the large path: preset large-check (100,000 x 32) on GL
#   5. the numpy peer ported to PyTorch (scripts/peer_torch.py) on the card
#   6. the viewer at 20,000 neurons under the carried Xvfb: frames per second
#      and a screenshot
# Output, in $OUT (default ./gpu-check-out): summary.txt, check.log, bench.csv,
# scaling.png, scaling.svg, view.png, large-run.json (at most 8 files come back
# from the device machine). Off an NVIDIA machine it runs what it can (GL on
# Mesa llvmpipe, smaller sizes) and says what it skipped.
# Only part 6 needs X: bin/iplgpu and the test binaries are built with -tags
# egl,nowindow / -tags egl and link libEGL and libc alone; bin/iplgpu-view has
# the window (GLFW, libX11). The log holds each binary's ldd, and the summary
# ends with how the parts that need no X did.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
OUT=${OUT:-$root/gpu-check-out}
mkdir -p "$OUT"
log=$OUT/check.log
summary=$OUT/summary.txt
: > "$log"
: > "$summary"
total=${GPU_CHECK_SECONDS:-570}
deadline=$((SECONDS + total))
work=$(mktemp -d /tmp/gpu-check.XXXXXX)
xpid=
part=/dev/null
window=no      # the part running needs X (the viewer)
passed=0 failed=() skipped=()  # the parts that need no X

say() { echo "$*" | tee -a "$summary" >> "$log"; echo "$*"; }
note() { echo "$*" >> "$log"; }
left() { echo $((deadline - SECONDS)); }
# run NAME LIMIT CMD...: runs CMD with its output in the log (and in $part
# until the next run), within LIMIT seconds and the time left (keeping
# `reserve` seconds for the later parts), and reports how it ended.
run() {
  local name=$1 limit=$2
  shift 2
  local avail=$(($(left) - reserve))
  [ "$avail" -lt "$limit" ] && limit=$avail
  if [ "$limit" -lt 10 ]; then
    part=/dev/null
    say "SKIP $name: no time left ($(left) s to the deadline)"
    [ $window = no ] && failed+=("$name (no time left)")
    return 1
  fi
  note ""
  note "==== $name (limit ${limit} s): $*"
  local t0=$SECONDS
  part=$work/part.out
  timeout --kill-after=5 "$limit" "$@" > "$part" 2>&1
  local rc=$?
  cat "$part" >> "$log"
  local dt=$((SECONDS - t0))
  if [ $rc -eq 0 ]; then
    say "OK   $name (${dt} s)"
    [ $window = no ] && passed=$((passed + 1))
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    say "TIME $name: stopped after ${limit} s"
    [ $window = no ] && failed+=("$name (time)")
  else
    say "FAIL $name: exit $rc after ${dt} s (see check.log)"
    [ $window = no ] && failed+=("$name (exit $rc)")
  fi
  return $rc
}
# linkage NAME BINARY: the binary's ldd in the log, and what it lacks in the
# summary (a missing library makes the part exit 127 before any GL call).
linkage() {
  local out
  if command -v ldd >/dev/null 2>&1; then out=$(ldd "$2" 2>&1); else out=$(LD_TRACE_LOADED_OBJECTS=1 "$2" 2>&1); fi
  note "---- ldd $1 (LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-})"
  note "$out"
  local miss
  miss=$(echo "$out" | awk '/not found/ {printf "%s ", $1}')
  if [ -n "$miss" ]; then say "MISSING for $1: $miss"; fi
}
cleanup() {
  [ -n "$xpid" ] && kill "$xpid" 2>/dev/null
  rm -rf "$work"
  say "done in $SECONDS s; files in $OUT: $(cd "$OUT" && ls | tr '\n' ' ')"
}
nonwindow() {
  if [ ${#failed[@]} -eq 0 ] && [ $passed -gt 0 ]; then
    say "parts without X: all $passed run passed${skipped:+; skipped: ${skipped[*]}}"
  else
    say "parts without X: $passed passed, ${#failed[@]} failed: ${failed[*]}${skipped:+; skipped: ${skipped[*]}}"
  fi
}
trap cleanup EXIT

say "iplgpu gpu-check on $(hostname), $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
[ -f .gpu/commit ] && say "binaries built by scripts/gpu-prepare.sh at $(tr '\n' ' ' < .gpu/commit)"

# ---- setup: binaries, GL loaders, NVIDIA's EGL vendor file ---------------------
reserve=0
if [ ! -f .gpu/bin.tar.xz ]; then
  say "FAIL setup: .gpu/bin.tar.xz is missing: run scripts/gpu-prepare.sh here and carry .gpu"
  exit 1
fi
tar -C "$work" -xJf .gpu/bin.tar.xz
bin=$work/bin
# The X and GL libraries this machine has (ldconfig's cache), for the log.
# awk reads the whole list: an early exit (grep -q) would fail the pipe (pipefail).
has_lib() { ldconfig -p 2>/dev/null | awk -v l="$1" '$1 == l {f = 1} END {exit !f}'; }
for l in libX11.so.6 libX11-xcb.so.1 libxcb.so.1 libGL.so.1 libGLX.so.0 libEGL.so.1 libGLdispatch.so.0; do
  has_lib $l && note "system has $l" || note "system lacks $l"
done
# The GL loaders (glvnd): a driver brings its vendor libraries only. When any of
# libEGL, libGL, libGLX is missing, the carried loaders are unpacked under
# $work (not into /) and put first on the library path of every part.
lack=
for l in libEGL.so.1 libGL.so.1 libGLX.so.0; do
  has_lib $l || lack+="$l "
done
if [ -n "$lack" ]; then
  if [ -d .gpu/gl ]; then
    for f in .gpu/gl/*.deb; do dpkg-deb -x "$f" "$work/glroot"; done
    export LD_LIBRARY_PATH=$work/glroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    say "this machine lacks ${lack% }: using the carried GL loaders ($(ls .gpu/gl | sed 's/_.*//' | tr '\n' ' '))"
  else
    say "this machine lacks ${lack% } and .gpu/gl was not carried"
  fi
fi
nvidia=no
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  nvidia=yes
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,clocks.max.mem --format=csv >> "$log" 2>&1
  say "GPU: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1)"
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
    [ -d "$d" ] && ! has_lib libEGL_nvidia.so.0 && export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d
  done
  for f in /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json /usr/share/glvnd/egl_vendor.d/10_nvidia.json /etc/glvnd/egl_vendor.d/10_nvidia.json; do
    if [ -f "$f" ]; then export __EGL_VENDOR_LIBRARY_FILENAMES=$f; break; fi
  done
  note "EGL vendor file: ${__EGL_VENDOR_LIBRARY_FILENAMES:-none found}; LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
else
  say "no NVIDIA GPU here (nvidia-smi): GL runs on what this machine has (Mesa llvmpipe), sizes are smaller"
  export EGL_PLATFORM=${EGL_PLATFORM:-surfaceless}
fi

for b in iplgpu gl.test glbackend.test; do linkage "$b" "$bin/$b"; done

# ---- 1, 2: the GL device and the GL tests ---------------------------------------
reserve=420
export IPLGPU_REQUIRE_GL=1
# A test binary runs in its package's directory, as go test runs it (testdata/).
# tests: the counts of a test binary's verbose output, and what failed or skipped.
tests() {
  say "  $(grep -c '^--- PASS' "$part") passed, $(grep -c '^--- FAIL' "$part") failed, $(grep -c '^--- SKIP' "$part") skipped"
  grep -E "^--- (FAIL|SKIP)" "$part" | sed 's/^/  /' | tee -a "$summary"
}
run "GL tests (engine/gl: Philox, float maths, buffers, dense baseline)" 90 env -C engine/gl "$bin/gl.test" -test.count=1 -test.v
tests
grep -m1 "tests on" "$part" | sed 's/^/GL device: /' | tee -a "$summary"
reserve=360
run "GL/CPU parity and conformance (engine/glbackend)" 150 env -C engine/glbackend "$bin/glbackend.test" -test.count=1 -test.v
tests

# ---- 3: scaling -----------------------------------------------------------------
reserve=200
scal=$work/scaling
if [ $nvidia = yes ]; then
  nmax=1000000 dense=48
else
  nmax=${GPU_CHECK_NMAX:-50000} dense=2
fi
budget=$(($(left) - reserve - 30))
if [ $budget -gt 30 ]; then
  run "bench -scaling to $nmax neurons (max-time ${budget}s)" $((budget + 60)) \
    "$bin/iplgpu" bench -scaling -backend cpu,gl -n-min 1000 -n-max $nmax -dense-max-gib $dense -seconds 1 -max-time ${budget}s -out "$scal"
  for f in bench.csv scaling.png scaling.svg; do [ -f "$scal/$f" ] && cp "$scal/$f" "$OUT/"; done
  [ -f "$scal/config.yaml" ] && { note "---- scaling config.yaml"; cat "$scal/config.yaml" >> "$log"; }
  grep "^# slope\|^# stopped" "$part" | tee -a "$summary"
  if [ -f "$scal/bench.csv" ]; then
    # The performance goal: >= 50% of the copy kernel's bandwidth at 20,000 and 100,000 neurons.
    awk -F, 'NR > 1 && $1 == "ipl" && ($4 == 20000 || $4 == 100000) {printf "  %s %s neurons: %.3g s/step, %.3g s per simulated s, %.1f GB/s = %.0f%% of copy\n", $2, $4, $10, $11, $14, 100*$16}' "$scal/bench.csv" | tee -a "$summary"
  fi
else
  say "SKIP bench -scaling: no time left"
  failed+=("bench -scaling (no time left)")
fi

# ---- 4: the large path ------------------------------------------------------------
reserve=110
large=$work/large
if [ $nvidia = yes ]; then lset=(); else lset=(-set network.neurons=${GPU_CHECK_LARGE_N:-20000}); fi
run "run -preset large-check on gl ${lset[*]}" 150 "$bin/iplgpu" run -preset large-check -backend gl "${lset[@]}" -out "$large"
[ -f "$large/run.json" ] && cp "$large/run.json" "$OUT/large-run.json" && grep -E '"(backend|neurons|spines|edges|build_seconds|simulate_seconds|status)"' "$large/run.json" | sed 's/^ */  /' | tee -a "$summary"
[ -f "$large/report.md" ] && { note "---- large report.md"; cat "$large/report.md" >> "$log"; }

# ---- 5: the PyTorch peer ------------------------------------------------------------
reserve=70
if python3 -c 'import torch' >/dev/null 2>&1; then
  dev=$(python3 -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")')
  run "PyTorch peer on $dev (1,000 and 20,000 neurons x 32)" 100 \
    python3 scripts/peer_torch.py --device "$dev" --sizes 1000,20000 --spines 32 --trials 8 --seconds 30
  grep "^peer torch" "$part" | sed 's/^/  /' | tee -a "$summary"
else
  say "SKIP PyTorch peer: python3 cannot import torch here (the GPU machine has it; see scripts/peer_torch.py)"
  skipped+=("PyTorch peer")
fi

nonwindow

# ---- 6: the viewer under Xvfb ---------------------------------------------------------
reserve=0
window=yes
if [ -s .gpu/xroot.tar.xz ]; then
  xroot=$work/xroot
  mkdir -p "$xroot" && tar -C "$xroot" -xJf .gpu/xroot.tar.xz
  xlib=$xroot/usr/lib/x86_64-linux-gnu:$xroot/lib/x86_64-linux-gnu
  # Xvfb runs xkbcomp from /usr/bin (compiled in): one file, added only if absent.
  [ -x /usr/bin/xkbcomp ] || cp "$xroot/usr/bin/xkbcomp" /usr/bin/xkbcomp 2>> "$log" || note "cannot place xkbcomp in /usr/bin"
  LD_LIBRARY_PATH=$xlib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} LIBGL_DRIVERS_PATH=$xroot/usr/lib/x86_64-linux-gnu/dri \
    "$xroot/usr/bin/Xvfb" :93 -screen 0 1280x1024x24 -nolisten tcp -xkbdir "$xroot/usr/share/X11/xkb" >> "$log" 2>&1 &
  xpid=$!
  sleep 2
  if kill -0 "$xpid" 2>/dev/null; then
    vn=${GPU_CHECK_VIEW_N:-20000}
    LD_LIBRARY_PATH=$xlib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} linkage iplgpu-view "$bin/iplgpu-view"
    view=(env DISPLAY=:93 LD_LIBRARY_PATH=$xlib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$bin/iplgpu-view" view -preset large-check -set network.neurons=$vn -size 1280x900 -frames 2 -fps 30 -screenshot "$OUT/view.png")
    ok=no
    if [ $nvidia = yes ]; then
      # GLX on the GPU: NVIDIA's GLX client library, Xvfb's GLX for the protocol.
      run "viewer at $vn neurons, GLX on NVIDIA" 120 env __GLX_VENDOR_LIBRARY_NAME=nvidia "${view[@]}" -out "$work/view-nv" && ok=yes
    fi
    if [ $ok = no ]; then
      run "viewer at $vn neurons, GLX on Mesa (llvmpipe)" 150 env LIBGL_DRIVERS_PATH=$xroot/usr/lib/x86_64-linux-gnu/dri "${view[@]}" -out "$work/view-mesa" && ok=yes
    fi
    grep -E "^backend: |frames drawn during the run|frames turning the camera" "$part" | sed 's/^/  /' | tee -a "$summary"
  else
    say "FAIL viewer: the carried Xvfb did not start (see check.log)"
  fi
else
  say "SKIP viewer: .gpu/xroot.tar.xz (Xvfb, Mesa, X libraries) was not carried"
fi
