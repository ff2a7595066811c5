#!/usr/bin/env bash
# Builds here, on an x86-64 Debian machine with the Go toolchain and apt, what
# scripts/gpu-check.sh needs on a GPU machine that has no network and no Go
# (an NVIDIA H100/H200 lent for one 10-minute call), into .gpu/ (ignored by git):
#   .gpu/bin.tar.xz: bin/iplgpu, bin/iplgpu-view, bin/gl.test, bin/glbackend.test
#       the command and the GL test binaries (go build, go test -c), stripped
#       and compressed (a call carries at most 64 MiB). All take GL through
#       EGL alone (-tags egl: no libGL, libGLX or libX11); bin/iplgpu is built
#       without the window too (-tags nowindow), so that everything but the
#       viewer loads on a machine without X; bin/iplgpu-view is the full
#       command, for the viewer part only;
#   .gpu/gl/*.deb
#       the GL/EGL loader packages (glvnd): the NVIDIA driver brings only its
#       vendor libraries; gpu-check.sh unpacks these into / there and points
#       EGL at the NVIDIA vendor file;
#   .gpu/xroot.tar.xz
#       Xvfb with what it needs to start with GLX (Mesa's swrast, LLVM, xkb)
#       and the X client libraries of the viewer, unpacked under /tmp there
#       (never into /): the viewer's window needs an X server, and a GPU
#       machine has none.
# It prints the carry list and the call. Usage, from the repository root:
#   scripts/gpu-prepare.sh        # everything
#   scripts/gpu-prepare.sh -bin   # the binaries only, keeping .gpu/gl and .gpu/xroot.tar.xz
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
if [ "$(uname -m)" != x86_64 ]; then
  echo "gpu-prepare: this machine is $(uname -m); the GPU machine is x86-64 and the binaries use cgo (EGL, X11): build on an x86-64 machine" >&2
  exit 1
fi
out=.gpu
binonly=no
if [ "${1:-}" = -bin ]; then
  if [ ! -d "$out/gl" ] || [ ! -s "$out/xroot.tar.xz" ]; then
    echo "gpu-prepare: -bin needs the loaders and the X bundle of an earlier full run in $out" >&2
    exit 1
  fi
  binonly=yes
else
  rm -rf "$out"
  mkdir -p "$out/gl" "$out/debs"
fi

echo "gpu-prepare: building the binaries"
bins=$(mktemp -d)
trap 'rm -rf "$bins"' EXIT
mkdir "$bins/bin"
go build -tags egl,nowindow -ldflags='-s -w' -o "$bins/bin/iplgpu" ./cmd/iplgpu
go build -tags egl -ldflags='-s -w' -o "$bins/bin/iplgpu-view" ./cmd/iplgpu
go test -c -tags egl -ldflags='-s -w' -o "$bins/bin/glbackend.test" ./engine/glbackend
go test -c -tags egl -ldflags='-s -w' -o "$bins/bin/gl.test" ./engine/gl
for b in iplgpu gl.test glbackend.test; do
  if readelf -d "$bins/bin/$b" | grep NEEDED | grep -Eq 'libX11|libGL\.|libGLX|libxcb'; then
    echo "gpu-prepare: bin/$b links X or libGL: $(readelf -d "$bins/bin/$b" | grep -o 'NEEDED.*' | tr '\n' ' ')" >&2
    exit 1
  fi
done
tar -C "$bins" -cf - bin | xz -9 -T0 > "$out/bin.tar.xz"
{ git rev-parse HEAD; git status --porcelain --untracked-files=no | grep -q . && echo "(built with uncommitted changes)"; } > "$out/commit" || true

if [ $binonly = no ]; then
  # apt as the device tool's README gives it: amd64 lists of our own, so that the
  # download works on any host and leaves the host's apt state alone.
  lists=$(mktemp -d)
  trap 'rm -rf "$bins" "$lists" "$out/debs"' EXIT
  mkdir -p "$lists/partial"
  apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists="$lists")
  echo "gpu-prepare: fetching package lists"
  apt-get "${apt_opts[@]}" -qq update
  download() { (cd "$1" && shift && apt-get "${apt_opts[@]}" -qq download "$@"); }

  echo "gpu-prepare: downloading the GL loaders"
  download "$out/gl" libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2

  # Xvfb and its libraries; Mesa's swrast (with LLVM) because Xvfb enables GLX
  # only when it can load a DRI driver; the X client libraries that GLFW loads.
  # Libraries an Ubuntu base image has are carried too: the bundle must not
  # depend on what the image happens to hold.
  xpkgs=(
    xvfb x11-xkb-utils xkb-data libxkbfile1 libxfont2 libfontenc1 libfreetype6 libpng16-16 libbrotli1
    libpixman-1-0 libunwind8 libaudit1 libcap-ng0 libbsd0 libmd0 libgcrypt20 libgpg-error0 libselinux1
    libpcre2-8-0 libsystemd0 liblz4-1 libzstd1 liblzma5 libxau6 libxdmcp6 libxshmfence1
    libgl1-mesa-dri libglapi-mesa libglx-mesa0 libllvm15 libz3-4 libedit2 libxml2 libicu72 libffi8 libtinfo6
    libdrm2 libdrm-amdgpu1 libdrm-intel1 libdrm-nouveau2 libdrm-radeon1 libpciaccess0 libelf1 libsensors5 libexpat1
    libx11-6 libx11-data libx11-xcb1 libxcb1 libxcb-glx0 libxcb-dri2-0 libxcb-dri3-0 libxcb-present0 libxcb-sync1
    libxcb-xfixes0 libxcb-randr0 libxcb-shm0 libxext6 libxrandr2 libxi6 libxcursor1 libxinerama1 libxxf86vm1
    libxrender1 libxfixes3
  )
  echo "gpu-prepare: downloading Xvfb, Mesa and the X libraries (${#xpkgs[@]} packages)"
  download "$out/debs" "${xpkgs[@]}"
  stage=$(mktemp -d)
  trap 'rm -rf "$bins" "$lists" "$out/debs" "$stage"' EXIT
  for f in "$out"/debs/*.deb; do dpkg -x "$f" "$stage"; done
  # Keep what runs: one DRI driver (the others are hard links of the same 25 MB
  # file, which tar would store once but dpkg -x there would not need), no docs.
  find "$stage/usr/lib/x86_64-linux-gnu/dri" -type f ! -name swrast_dri.so -delete
  rm -rf "$stage"/usr/share/{doc,man,locale,lintian,bug,bash-completion} "$stage/usr/lib/x86_64-linux-gnu/vdpau" "$stage/usr/share/vulkan"
  tar -C "$stage" -cf - . | xz -9 -T0 > "$out/xroot.tar.xz"
  rm -rf "$out/debs"
fi

size=$(du -sb "$out" | cut -f1)
tree=$(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)
echo "gpu-prepare: .gpu holds $((size >> 20)) MiB; with the $((tree >> 20)) MiB of tracked files, $(((size + tree) >> 20)) of the 64 MiB a call may carry"
if [ $((size + tree)) -gt $((62 << 20)) ]; then
  echo "gpu-prepare: too large to carry; drop the viewer bundle (.gpu/xroot.tar.xz): gpu-check.sh then skips the viewer" >&2
  exit 1
fi
cat <<EOF
gpu-prepare: ready. On the GPU machine, from the repository root, in one call:
  carry:     [".gpu"]
  command:   bash scripts/gpu-check.sh
  timeout_s: 600
It writes summary.txt, check.log, bench.csv, scaling.png, scaling.svg, view.png and large-run.json to \$OUT.
EOF
