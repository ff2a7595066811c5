"""Calls the iplgpu binary, its progress shown as it comes."""

import os
import shutil
import subprocess
import sys
from typing import Dict, Optional, Sequence


def binary() -> str:
    """The iplgpu binary: $IPLGPU_BIN, else iplgpu on the PATH."""
    b = os.environ.get("IPLGPU_BIN") or shutil.which("iplgpu")
    if not b:
        raise FileNotFoundError("no iplgpu binary: set IPLGPU_BIN, or put iplgpu on the PATH (make build writes bin/iplgpu)")
    return b


def call(*args: str, progress=None) -> subprocess.CompletedProcess:
    """Runs iplgpu ARGS. Each line it writes to stderr (progress, notes) goes
    to progress (default: printed to sys.stderr as it comes, so a notebook
    shows it); its stdout is returned. A failure raises CalledProcessError
    with what it said."""
    progress = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    p = subprocess.Popen([binary(), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err = []
    for line in p.stderr:
        line = line.rstrip("\n")
        err.append(line)
        progress(line)
    out = p.stdout.read()
    p.wait()
    if p.returncode != 0:
        raise subprocess.CalledProcessError(p.returncode, p.args, out, "\n".join(err))
    return subprocess.CompletedProcess(p.args, p.returncode, out, "\n".join(err))


def _sets(set: Optional[Dict[str, object]]) -> Sequence[str]:
    out = []
    for k, v in (set or {}).items():
        out += ["-set", f"{k}={v}"]
    return out


def run(out: str, preset: Optional[str] = None, seed: Optional[int] = None, set: Optional[Dict[str, object]] = None,
        backend: str = "auto", progress=None) -> str:
    """iplgpu run into out; returns out."""
    args = ["run", "-out", out, "-backend", backend, *_sets(set)]
    if preset:
        args += ["-preset", preset]
    if seed is not None:
        args += ["-seed", str(seed)]
    call(*args, progress=progress)
    return out


def analyse(path: str, *flags: str, progress=None) -> str:
    """iplgpu analyse a run directory (or an exported .nwb); returns its stdout."""
    return call("analyse", *flags, path, progress=progress).stdout


def compare(out: str, *flags: str, progress=None) -> str:
    """iplgpu compare into out; returns its stdout."""
    return call("compare", "-out", out, *flags, progress=progress).stdout


def export(run_dir: str, nwb: str, progress=None) -> str:
    """iplgpu export -nwb nwb run_dir; returns nwb."""
    call("export", "-nwb", nwb, run_dir, progress=progress)
    return nwb
