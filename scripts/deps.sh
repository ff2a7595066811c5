#!/usr/bin/env bash
# Installs the Debian packages iplgpu needs, only those missing (idempotent).
#   Mesa llvmpipe + EGL: the GL backend runs headless on any machine, GPU or not.
#   Xvfb + X11 headers: GLFW (the live window) builds and its tests run off-screen.
#   python3-numpy: the test that numpy loads every .npy the engine writes.
#   libhdf5-dev: NWB export and import (-tags hdf5); python3-pip: pynwb and
#   nwbinspector for their tests (scripts/python-deps.sh).
set -euo pipefail
pkgs=(
  gcc pkg-config
  libegl-dev libgl-dev libegl-mesa0 libgl1-mesa-dri libgles-dev
  xvfb xauth libx11-dev libxrandr-dev libxcursor-dev libxinerama-dev libxi-dev libxxf86vm-dev
  python3-numpy libhdf5-dev python3-pip
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exec "$(dirname "$0")/python-deps.sh"
fi
echo "deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
exec "$(dirname "$0")/python-deps.sh"
