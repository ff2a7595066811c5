#!/usr/bin/python3
"""Convergence of the model in the time step dt (docs/model.md section 4.1, issue 9).

Runs the default model on the protocol convergence.yaml (a baseline task block,
one training session, a task block) with learning sped up (eta_w and lambda_w
x --learn-speed, default 6: the same w_inf, about 70% of the default's learned
state after one session) and the same seed at each dt (one run at a time, CPU
backend), with homeostasis off, measures every run with measure.py, and prints one table per
quantity: rates, tuning (rate at the preferred orientation and orthogonal to
it), I_real, I_shuffle and redundancy % at n = 14 and 52, Fano factor, noise
correlation, and the learning speed (mean structural weight w after the
training session). The network and the stimulus frames are the same at every dt
(they depend on the seed only); the event, spike and noise draws differ.

Every quantity with a sampling error (trial jackknife, measure.py) is compared
with the finest dt: z = (x_dt - x_ref) / sqrt(se_dt^2 + se_ref^2). A dt
"converges" when every |z| < 3 (with about 50 comparisons per dt, |z| >= 3 has a
chance of about 1 in 8 of happening once without any real difference; |z| >= 2
would happen about twice). The mean w has no sampling error estimate; its
relative difference to the finest dt is printed.

Homeostasis is off in the study: it acts once per trial (no dt in its
equations), and its end state is a noisy integral of 200 trials' rate
estimates, which moved the population rate after training by up to 3% between
runs in no order of dt (mean h 0.959, 0.956, 0.976, 0.989, 0.958 at dt 0.5, 1,
2, 5, 10 ms): a run-to-run variability that the trial jackknife of one block
does not see.

Usage: convergence.py --out DIR [--dts 0.5,1,2,5,10] [--seed 1] [--set k=v]...
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402
import search  # noqa: E402

QUANTS = ["rate_hz", "tuning_pref_hz", "tuning_orth_hz", "I_real_14", "I_shuffle_14", "red_pct_14",
          "I_real_52", "I_shuffle_52", "red_pct_52", "fano", "noise_corr"]


def default_dynamics(binary):
    """The resolved default dynamics section (iplgpu config)."""
    import subprocess
    import yaml
    out = subprocess.run([binary, "config"], check=True, capture_output=True, text=True).stdout
    return yaml.safe_load(out)["dynamics"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default="bin/iplgpu")
    ap.add_argument("--protocol", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "convergence.yaml"))
    ap.add_argument("--dts", default="0.5,1,2,5,10")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--learn-speed", type=float, default=6)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    dts = [float(x) for x in a.dts.split(",")]
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    cfg = default_dynamics(a.binary)
    sets = a.set + ["homeostasis.enabled=false", f"dynamics.eta_w={cfg['eta_w'] * a.learn_speed:g}",
                    f"dynamics.lambda_w_per_s={cfg['lambda_w_per_s'] * a.learn_speed:g}"]
    os.makedirs(a.out, exist_ok=True)
    res = {}
    for dt in dts:
        d = os.path.join(a.out, f"dt{dt:g}")
        search.run_one(a.binary, a.protocol, sets + [f"dynamics.dt_ms={dt:g}"], d, a.seed)
        with open(os.path.join(d, "run.json")) as f:
            sec = json.load(f)["simulate_seconds"]
        rows, w = measure.analyse(d)
        res[dt] = {"rows": rows, "w": w, "seconds": sec}
        print(f"dt {dt:g} ms: {sec:.0f} s", file=sys.stderr)
    with open(os.path.join(a.out, "convergence.json"), "w") as f:
        json.dump({str(k): v for k, v in res.items()}, f, indent=1)
    ref = min(dts)
    keys = [(r["session"], r["name"]) for r in res[ref]["rows"]]
    worst = {dt: 0.0 for dt in dts}
    print(f"Convergence in dt (reference dt = {ref:g} ms); overrides {' '.join(sets)}; value ± trial-jackknife se, [z against the reference]\n")
    for q in QUANTS:
        print(f"### {q}\n")
        print("| session | block | " + " | ".join(f"dt {dt:g} ms" for dt in dts) + " |")
        print("| --- | --- | " + " | ".join("---" for _ in dts) + " |")
        for k in keys:
            cells = []
            rr = next(r for r in res[ref]["rows"] if (r["session"], r["name"]) == k)
            for dt in dts:
                r = next(r for r in res[dt]["rows"] if (r["session"], r["name"]) == k)
                x, se = r[q], r.get(q + "_se", float("nan"))
                cell = f"{x:.3g} ± {se:.2g}"
                if dt != ref:
                    z = (x - rr[q]) / math.sqrt(se ** 2 + rr[q + "_se"] ** 2)
                    worst[dt] = max(worst[dt], abs(z))
                    cell += f" [{z:+.1f}]"
                cells.append(cell)
            print(f"| {k[0]} | {k[1]} | " + " | ".join(cells) + " |")
        print()
    print("### mean w after each training session (learning speed)\n")
    print("| session | " + " | ".join(f"dt {dt:g} ms" for dt in dts) + " |")
    print("| --- | " + " | ".join("---" for _ in dts) + " |")
    wr = res[ref]["w"]
    for s in range(1, len(wr)):
        cells = []
        for dt in dts:
            x = res[dt]["w"][s]
            cells.append(f"{x:.5f}" + ("" if dt == ref else f" ({100 * (x / wr[s] - 1):+.2f}%)"))
        print(f"| {s} | " + " | ".join(cells) + " |")
    print()
    print("| dt (ms) | largest abs z | converges (all abs z < 3) | simulation time (s, shared machine) |")
    print("| --- | --- | --- | --- |")
    for dt in dts:
        print(f"| {dt:g} | {'reference' if dt == ref else f'{worst[dt]:.2f}'} | {'reference' if dt == ref else ('yes' if worst[dt] < 3 else 'no')} | {res[dt]['seconds']:.0f} |")


if __name__ == "__main__":
    main()
