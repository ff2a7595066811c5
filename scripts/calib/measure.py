#!/usr/bin/python3
"""Measure the calibration quantities of an iplgpu run directory (docs/model.md
sections 8 and 9) with numpy only, independently of the engine's analysis code:

  per (session, block) of recorded trials at |c| > 0 (1.6 s spike counts):
    rate_hz         mean rate over trials and neurons
    fano            median over neurons of var/mean of the trial counts (within
                    each signed coherence, pooled)
    noise_corr      mean pairwise Pearson correlation of the residuals (each
                    condition centred on its own mean), over all active pairs
    I_real, I_shuffle at subset sizes n (default 14 and 52): bias-corrected
                    (Kanitscheider et al. 2015; as fisher), the mean over
                    K random subsets drawn once and reused for every block
    red_pct         100 (mean I_shuffle - mean I_real) / mean I_shuffle
    *_se            trial-sampling standard errors: delete-a-group jackknife over
                    10 groups of trials (the same subsets in every replicate)
    gap_early/late  I_shuffle - I_real at the first subset size in the first and
                    last 400 ms of the trial
    tuning          mean rate (Hz) when the frame is within 15 deg of the
                    neuron's preference, and more than 60 deg away
  and, if w_sessions.npy exists, the mean structural weight w after each session.

Usage: measure.py RUN_DIR [--sizes 14,52] [--subsets 100] [--json OUT] [--quiet]
"""
import argparse
import csv
import json
import math
import os
import sys

import numpy as np


def load_run(d):
    import yaml
    with open(os.path.join(d, "config.yaml")) as f:
        cfg = yaml.safe_load(f)
    resp = np.load(os.path.join(d, "responses.npy"))
    with open(os.path.join(d, "trials.csv")) as f:
        trials = list(csv.DictReader(f))
    frames = np.load(os.path.join(d, "frames.npy"))
    theta = np.load(os.path.join(d, "theta.npy"))
    return resp, trials, frames, theta, cfg


def design_correct(naive_real, naive_shuf, n, tp, tm, ds):
    df = tp + tm - 2
    eps = (1.0 / tp + 1.0 / tm) / ds ** 2
    real = naive_real * (df - n - 1) / df - n * eps
    shuf = naive_shuf * (df - 2) / df - n * eps
    return real, shuf


def info_subsets(plus, minus, ds, subsets):
    """Mean bias-corrected I_real and I_shuffle over subsets (lists of indices)."""
    tp, tm = plus.shape[0], minus.shape[0]
    fp = (plus.mean(0) - minus.mean(0)) / ds
    rp = plus - plus.mean(0)
    rm = minus - minus.mean(0)
    cov = (rp.T @ rp + rm.T @ rm) / (tp + tm - 2)
    reals, shufs = [], []
    for idx in subsets:
        n = len(idx)
        if min(tp, tm) <= n + 4:
            return math.nan, math.nan
        c = cov[np.ix_(idx, idx)]
        f = fp[idx]
        try:
            x = np.linalg.solve(c, f)
        except np.linalg.LinAlgError:
            return math.nan, math.nan
        naive_real = f @ x
        naive_shuf = np.sum(f * f / np.diag(c))
        r, s = design_correct(naive_real, naive_shuf, n, tp, tm, ds)
        reals.append(r)
        shufs.append(s)
    return float(np.mean(reals)), float(np.mean(shufs))


def jackknife(fn, nt_plus, nt_minus, groups=10, seed=7):
    """Delete-a-group jackknife standard errors of the tuple fn(keep_plus,
    keep_minus) -> values; returns (full values, se)."""
    full = np.array(fn(None, None), dtype=float)
    rng = np.random.default_rng(seed)
    gp = rng.permutation(nt_plus) % groups
    gm = rng.permutation(nt_minus) % groups
    reps = []
    for g in range(groups):
        reps.append(np.array(fn(gp != g, gm != g), dtype=float))
    reps = np.array(reps)
    se = np.sqrt((groups - 1) / groups * np.sum((reps - reps.mean(0)) ** 2, axis=0))
    return full, se


def analyse(d, sizes=(14, 52), nsub=100, seed=1):
    resp, trials, frames, theta, cfg = load_run(d)
    T, bins, N = resp.shape
    st = cfg["stimulus"]
    trial_s = st["frames"] * st["frame_ms"] / 1000
    groups = {}
    order = []
    for t in trials:
        if t["recorded"] not in ("1", "true"):
            continue
        row = int(t["row"])
        c = float(t["coherence"])
        key = (int(t["session"]), int(t["block"]), t["block_name"], t["mode"])
        if key not in groups:
            groups[key] = {"plus": [], "minus": [], "c": abs(c), "trial_ids": {}}
            order.append(key)
        if c > 0:
            groups[key]["plus"].append(row)
        elif c < 0:
            groups[key]["minus"].append(row)
        groups[key]["trial_ids"][row] = int(t["trial"])
    # frame and bin geometry
    nframes = frames.shape[1]
    bins_per_frame = bins // nframes
    rng = np.random.default_rng(seed)
    subsets = {n: [np.sort(rng.choice(N, size=n, replace=False)) for _ in range(nsub)] for n in sizes}
    w_path = os.path.join(d, "w_sessions.npy")
    wmean = None
    if os.path.exists(w_path):
        w = np.load(w_path)
        wmean = [float(x) for x in w.reshape(w.shape[0], -1).mean(1)]
    out = []
    win = max(1, int(round(400 / st["bin_ms"])))
    for key in order:
        g = groups[key]
        if not g["plus"] or not g["minus"]:
            continue
        P = np.array(g["plus"])
        M = np.array(g["minus"])
        ds = 2 * g["c"]
        cp = resp[P].sum(1).astype(float)
        cm = resp[M].sum(1).astype(float)
        # active pool: subsets are drawn from all neurons; a neuron silent in a
        # block (rare with the baseline rate) is replaced deterministically.
        act = np.vstack([cp - cp.mean(0), cm - cm.mean(0)]).std(0) > 0
        good = np.where(act)[0]
        subs = {}
        for n in sizes:
            subs[n] = [np.array([i if act[i] else good[(i * 7919) % len(good)] for i in s]) for s in subsets[n]]
            subs[n] = [np.unique(s) if len(np.unique(s)) == n else s for s in subs[n]]

        # tuning: rate (Hz) by |frame - preference|, per trial, for the jackknife
        rows = np.concatenate([P, M])
        tids = [g["trial_ids"][r] for r in rows]
        fr = np.deg2rad(frames[tids])  # (trials, frames)
        d_ = np.abs(((fr[:, :, None] - theta[None, None, :]) + np.pi / 2) % np.pi - np.pi / 2)  # (trials, frames, N)
        cnt = resp[rows].reshape(len(rows), nframes, bins_per_frame, N).sum(2).astype(float)
        fdur = trial_s / nframes
        near = d_ < np.deg2rad(15)
        far = d_ > np.deg2rad(60)
        nP = len(P)

        def stat(kp, km):
            keep = np.concatenate([np.ones(nP, bool) if kp is None else kp, np.ones(len(M), bool) if km is None else km])
            tun = [float(cnt[keep][near[keep]].mean() / fdur), float(cnt[keep][far[keep]].mean() / fdur)]
            a = cp if kp is None else cp[kp]
            b = cm if km is None else cm[km]
            allc = np.vstack([a, b])
            rate = allc.mean() / trial_s
            var = (a.var(0, ddof=1) + b.var(0, ddof=1)) / 2
            mean = allc.mean(0)
            ok = (mean > 0) & act
            fano = float(np.median(var[ok] / mean[ok]))
            res = np.vstack([a - a.mean(0), b - b.mean(0)])[:, act]
            cc = np.corrcoef(res.T)
            iu = np.triu_indices(cc.shape[0], 1)
            vals = [rate, fano, float(np.mean(cc[iu]))] + tun
            for n in sizes:
                r, s = info_subsets(a, b, ds, subs[n])
                vals += [r, s, 100 * (s - r) / s if s > 0 else math.nan]
            return vals

        full, se = jackknife(stat, len(P), len(M))
        row = {"session": key[0], "block": key[1], "name": key[2], "mode": key[3], "trials": len(P) + len(M)}
        for j, name in enumerate(["rate_hz", "fano", "noise_corr", "tuning_pref_hz", "tuning_orth_hz"]):
            row[name], row[name + "_se"] = full[j], se[j]
        for j, n in enumerate(sizes):
            k = 5 + 3 * j
            row[f"I_real_{n}"], row[f"I_shuffle_{n}"], row[f"red_pct_{n}"] = full[k: k + 3]
            row[f"I_real_{n}_se"], row[f"I_shuffle_{n}_se"], row[f"red_pct_{n}_se"] = se[k: k + 3]
        # within-trial gap at the first size
        n0 = sizes[0]
        gaps = []
        for lo, hi in ((0, win), (bins - win, bins)):
            a = resp[P, lo:hi].sum(1).astype(float)
            b = resp[M, lo:hi].sum(1).astype(float)
            r, s = info_subsets(a, b, ds, subs[n0])
            gaps.append(s - r)
        row["gap_early"], row["gap_late"] = gaps
        out.append(row)
    return out, wmean


def fmt(rows, wmean, sizes):
    cols = ["session", "name", "mode", "rate_hz", "fano", "noise_corr"]
    for n in sizes:
        cols += [f"I_real_{n}", f"I_shuffle_{n}", f"red_pct_{n}"]
    cols += ["gap_early", "gap_late", "tuning_pref_hz", "tuning_orth_hz"]
    lines = ["\t".join(cols)]
    for r in rows:
        v = []
        for c in cols:
            x = r[c]
            if isinstance(x, float):
                se = r.get(c + "_se")
                d = 2 if abs(x) >= 0.1 or x == 0 else 3
                v.append(f"{x:.{d}f}" + (f"±{se:.{d}f}" if se is not None else ""))
            else:
                v.append(str(x))
        lines.append("\t".join(v))
    if wmean is not None:
        lines.append("mean w after each session: " + " ".join(f"{x:.4f}" for x in wmean))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--sizes", default="14,52")
    ap.add_argument("--subsets", type=int, default=100)
    ap.add_argument("--json")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    sizes = tuple(int(x) for x in a.sizes.split(","))
    rows, wmean = analyse(a.run, sizes, a.subsets)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rows": rows, "w_sessions": wmean}, f, indent=1)
    if not a.quiet:
        print(fmt(rows, wmean, sizes))


if __name__ == "__main__":
    main()
