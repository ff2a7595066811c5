#!/usr/bin/python3
"""The calibration search of the IPL model (docs/model.md section 9, issue 9).

Runs `iplgpu run` (CPU backend, no analysis) over a grid of -set overrides on a
protocol file, one run at a time, measures each run with measure.py (numpy;
trial-jackknife standard errors) and prints, per run, the learning curve and the
calibration criteria of docs/model.md section 9:

  late-learning task redundancy % at n = 14 (default, monkey R: 25-35) and at
  n = 52 (preset liu-g, monkey G: 17-25); rise >= 10 points; I_shuffle late/early
  > I_real late/early; I_real late/early in 0.9-1.6; task > passive after
  training; mean noise correlation 0.03-0.10 before training and a change <= 0.02;
  median Fano factor 1.0-1.6; within-trial gap rising more steeply late in
  learning; gradual learning (session-1 redundancy <= 40% of the rise, the curve
  within 10% of its final value no earlier than session 5), judged on an
  exponential fit red(s) = r0 + D (1 - exp(-s / tau)) to the session series.

"early" is session 0 (before training), "late" the mean of the last two
sessions. Example (the search that set the defaults; see README in this folder):

  scripts/calib/search.py --protocol scripts/calib/quick.yaml --sessions 8 \\
      --grid dynamics.eta_w=4e-5,6e-5 --grid dynamics.g_lat=0.6,0.9 --out /tmp/search

A run directory that already holds a complete run is measured again, not rerun.
"""
import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402


def fit_exp(s, y):
    """Least-squares fit y = r0 + D (1 - exp(-s/tau)) over a grid of tau."""
    best = None
    for tau in np.exp(np.linspace(np.log(0.2), np.log(50), 400)):
        X = np.column_stack([np.ones_like(s), 1 - np.exp(-s / tau)])
        coef, *_ = np.linalg.lstsq(X, y, rcond=None)
        r = y - X @ coef
        sse = float(r @ r)
        if best is None or sse < best[0]:
            best = (sse, tau, coef[0], coef[1])
    _, tau, r0, d = best
    return tau, r0, d


def criteria(rows, sizes=(14, 52), target_n=14):
    task = sorted([r for r in rows if r["mode"] == "task" and r["name"] == "task"], key=lambda r: r["session"])
    pas = {r["session"]: r for r in rows if r["mode"] == "passive"}
    if len(task) < 3:
        return {}
    early = task[0]
    late = task[-2:]
    m = lambda k: float(np.mean([r[k] for r in late]))
    out = {}
    for n in sizes:
        out[f"red{n}_early"] = early[f"red_pct_{n}"]
        out[f"red{n}_late"] = 100 * (m(f"I_shuffle_{n}") - m(f"I_real_{n}")) / m(f"I_shuffle_{n}")
    n = target_n
    out["rise"] = out[f"red{n}_late"] - out[f"red{n}_early"]
    out["Ireal_ratio"] = m(f"I_real_{n}") / early[f"I_real_{n}"]
    out["Ishuf_ratio"] = m(f"I_shuffle_{n}") / early[f"I_shuffle_{n}"]
    out["task_gt_passive"] = all(r[f"red_pct_{n}"] > pas[r["session"]][f"red_pct_{n}"] for r in task if r["session"] >= 1 and r["session"] in pas)
    out["ncorr_early"] = early["noise_corr"]
    out["ncorr_change"] = m("noise_corr") - early["noise_corr"]
    out["fano_early"] = early["fano"]
    out["fano_late"] = m("fano")
    out["rate_early"] = early["rate_hz"]
    out["rate_late"] = m("rate_hz")
    out["slope_early"] = early["gap_late"] - early["gap_early"]
    out["slope_late"] = float(np.mean([r["gap_late"] - r["gap_early"] for r in late]))
    s = np.array([r["session"] for r in task], float)
    y = np.array([r[f"red_pct_{n}"] for r in task], float)
    tau, r0, d = fit_exp(s, y)
    final = r0 + d * (1 - math.exp(-s[-1] / tau))
    out["tau_sessions"] = tau
    out["fit_frac_s1"] = (1 - math.exp(-1 / tau)) / (1 - math.exp(-s[-1] / tau)) if d != 0 else math.nan
    plateau = next((int(k) for k in s if abs(r0 + d * (1 - math.exp(-k / tau)) - final) <= 0.1 * abs(final)), None)
    out["fit_plateau_session"] = plateau
    out["curve"] = [round(float(v), 1) for v in y]
    return out


def run_one(binary, protocol, sets, out, seed, preset=None):
    if os.path.exists(os.path.join(out, "run.json")):
        with open(os.path.join(out, "run.json")) as f:
            if json.load(f).get("status") == "complete":
                return 0.0
    cmd = [binary, "run", "-backend", "cpu", "-analyse=false", "-seed", str(seed), "-out", out]
    if preset:
        cmd += ["-preset", preset]
    if protocol:
        cmd += ["-config", protocol]
    for s in sets:
        cmd += ["-set", s]
    t0 = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default="bin/iplgpu")
    ap.add_argument("--protocol", default="scripts/calib/quick.yaml")
    ap.add_argument("--preset", help="an iplgpu preset under the protocol file and the overrides (e.g. liu-g, with --protocol \"\")")
    ap.add_argument("--sessions", type=int)
    ap.add_argument("--set", action="append", default=[], help="fixed override key=value")
    ap.add_argument("--grid", action="append", default=[], help="key=v1,v2,... (Cartesian product)")
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--sizes", default="14,52")
    ap.add_argument("--target-n", type=int, default=14)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    sizes = tuple(int(x) for x in a.sizes.split(","))
    grid = []
    for g in a.grid:
        k, vs = g.split("=", 1)
        grid.append([(k, v) for v in vs.split(",")])
    os.makedirs(a.out, exist_ok=True)
    fixed = list(a.set)
    if a.sessions is not None:
        fixed.append(f"protocol.sessions={a.sessions}")
    results = []
    for combo in itertools.product(*grid) if grid else [()]:
        for seed in a.seeds.split(","):
            sets = fixed + [f"{k}={v}" for k, v in combo]
            name = "_".join(f"{k.split('.')[-1]}={v}" for k, v in combo) or "base"
            d = os.path.join(a.out, f"{name}_seed{seed}")
            sec = run_one(a.binary, a.protocol, sets, d, int(seed), a.preset)
            rows, wmean = measure.analyse(d, sizes)
            c = criteria(rows, sizes, a.target_n)
            rec = {"name": name, "seed": int(seed), "sets": sets, "seconds": sec, "criteria": c, "w_sessions": wmean}
            results.append(rec)
            with open(os.path.join(d, "measure.json"), "w") as f:
                json.dump({"rows": rows, "w_sessions": wmean, "criteria": c}, f, indent=1)
            print(f"== {name} seed {seed} ({sec:.0f} s)")
            print(measure.fmt(rows, wmean, sizes))
            print("criteria: " + json.dumps(c))
            sys.stdout.flush()
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
