#!/usr/bin/env bash
# Installs the Python package (pip install ./python, as a user would) and runs
# its tests against the binary BIN (default bin/iplgpu).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$(dirname "${1:-$top/bin/iplgpu}")" && pwd)/$(basename "${1:-$top/bin/iplgpu}")
py=${IPLGPU_PYTHON:-python3}
flags=()
if "$py" -m pip install --help 2>/dev/null | grep -q -- --break-system-packages; then
  flags+=(--break-system-packages)
fi
"$py" -m pip install -q "${flags[@]}" "$top/python"
cd "$top"
IPLGPU_BIN="$bin" IPLGPU_REQUIRE_NWB=1 "$py" -m pytest -q -p no:cacheprovider python/tests
