#!/usr/bin/env bash
# Runs the one-call GPU check (scripts/gpu-check.sh, with the .gpu/ that
# scripts/gpu-prepare.sh built) here, inside a minimal Debian chroot that has
# no X library and no GL loader, as a headless CUDA image has none: it shows
# that every part but the viewer loads and passes without X. The chroot is
# debootstrap's minbase plus Mesa's EGL driver and llvmpipe, unpacked without
# their package dependencies: libEGL_mesa links libX11-xcb and libxcb (X's
# protocol libraries, not Xlib), so those are present, but libX11, libGL,
# libGLX and the glvnd loaders (libEGL.so.1) are not; gpu-check.sh brings the
# loaders from .gpu/gl, and the viewer part its own X libraries and Xvfb.
# Usage, as root on x86-64 Debian bookworm with debootstrap, from the
# repository root (the check's output lands in ROOT/out):
#   scripts/gpu-prepare.sh && scripts/gpu-nox-check.sh [ROOT]
# ROOT defaults to /tmp/iplgpu-nox and is reused; GPU_CHECK_* variables pass on.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
root=${1:-/tmp/iplgpu-nox}
if [ "$(id -u)" -ne 0 ]; then echo "gpu-nox-check: needs root (debootstrap, chroot)" >&2; exit 1; fi
if [ ! -f .gpu/bin.tar.xz ]; then echo "gpu-nox-check: .gpu/bin.tar.xz is missing: run scripts/gpu-prepare.sh first" >&2; exit 1; fi
command -v debootstrap >/dev/null || { echo "gpu-nox-check: apt-get install debootstrap" >&2; exit 1; }
if [ ! -x "$root/bin/bash" ]; then
  debootstrap --variant=minbase --include=xz-utils bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
fi
mesa=(
  libegl-mesa0 libgbm1 libglapi-mesa libgl1-mesa-dri libllvm15 libdrm2 libdrm-amdgpu1 libdrm-intel1
  libdrm-nouveau2 libdrm-radeon1 libpciaccess0 libelf1 libsensors5 libexpat1 libwayland-client0
  libwayland-server0 libffi8 libxcb1 libxau6 libxdmcp6 libbsd0 libmd0 libx11-xcb1 libxcb-dri2-0
  libxcb-dri3-0 libxcb-present0 libxcb-randr0 libxcb-sync1 libxcb-xfixes0 libxshmfence1 libz3-4
  libedit2 libxml2 libicu72
)
debs=$(mktemp -d)
trap 'rm -rf "$debs"; umount "$root/proc" 2>/dev/null || true' EXIT
(cd "$debs" && apt-get -qq download "${mesa[@]}")
# Unpacked beside the root, then merged into its /usr: dpkg-deb -x straight into
# it would replace the merged-/usr link /lib with a directory.
mkdir "$debs/x"
for f in "$debs"/*.deb; do dpkg-deb -x "$f" "$debs/x"; done
if [ -d "$debs/x/lib" ]; then cp -a "$debs/x/lib/." "$debs/x/usr/lib/" && rm -rf "$debs/x/lib"; fi
cp -a "$debs/x/." "$root/"
chroot "$root" ldconfig
bad=$(cd "$root" && find . \( -name 'libX11.so*' -o -name 'libGL.so*' -o -name 'libGLX*' -o -name 'libEGL.so*' -o -name 'libOpenGL*' \) | sort)
if [ -n "$bad" ]; then echo "gpu-nox-check: the chroot holds $bad" >&2; exit 1; fi

# The repository as a call carries it: the tracked files and .gpu.
rm -rf "$root/repo" "$root/out"
mkdir -p "$root/repo" "$root/out"
git ls-files -z | tar --null -T - -cf - | tar -C "$root/repo" -xf -
cp -r .gpu "$root/repo/"
(cd "$root" && find . -path ./proc -prune -o -path ./repo -prune -o -name '*.so*' -print | sed 's|^\./|/|' | sort) > "$root/out/libs.txt"
echo "gpu-nox-check: $(wc -l < "$root/out/libs.txt") shared libraries in the chroot (list: $root/out/libs.txt); none named libX11, libGL, libGLX, libEGL.so, libOpenGL"
mount -t proc proc "$root/proc"
pass=()
for v in $(env | grep -o '^GPU_CHECK_[A-Z_]*=[^ ]*' || true); do pass+=("$v"); done
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root OUT=/out "${pass[@]}" \
  bash -c 'cd /repo && bash scripts/gpu-check.sh'
