#!/usr/bin/env bash
# Installs the Python packages the NWB tests and the Python package (python/)
# need (pynwb, nwbinspector, numpy, pandas, xarray, matplotlib, pytest),
# pinned, only when missing (idempotent). Debian's python3 is externally
# managed (PEP 668): as root in CI the packages go into the system site.
set -euo pipefail
py=${IPLGPU_PYTHON:-python3}
if "$py" -c 'import pynwb, nwbinspector, numpy, pandas, xarray, matplotlib, pytest' 2>/dev/null; then
  exit 0
fi
flags=()
if "$py" -m pip install --help 2>/dev/null | grep -q -- --break-system-packages; then
  flags+=(--break-system-packages)
fi
echo "python-deps: installing pynwb, nwbinspector, pandas, xarray, matplotlib, pytest"
"$py" -m pip install -q "${flags[@]}" pynwb==4.2.0 hdmf==6.2.0 nwbinspector==0.7.2 pytest numpy pandas xarray matplotlib
