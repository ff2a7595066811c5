#!/usr/bin/env python3
"""The numpy performance peer (ipl2.py with peer_bench.py, kept outside this repository: the IPL model
as a numpy user would write it, trials vectorised) ported to PyTorch, so that
iplgpu's GL backend can be compared, on the same card, with what a PyTorch user
would write. Written for iplgpu; it follows the peer's structure and constants:
one task session with learning, afferent Bernoulli events, fast efficacies e
per candidate contact, the normalised lateral term, OU background, Poisson spikes.

Two deliberate differences from the peer, both for a like-for-like comparison:
- the contact distance is chosen so that the mean number of candidate contacts
  per spine is exactly --contacts (6, as iplgpu does), where the peer takes a
  median nearest-neighbour distance; the pairs are found with a uniform grid in
  numpy (no scipy);
- the slab grows with N at iplgpu's density (9,600 somata per mm^3, 250 um deep),
  as iplgpu's networks do.

Usage (prints one line per size, "peer torch: ..."):
    python3 scripts/peer_torch.py --device cuda --sizes 1000,20000 --spines 32 --trials 8
"""
import argparse
import math
import sys
import time

import numpy as np

try:
    import torch
except ImportError:  # the GPU machine has it; Debian has python3-torch
    sys.exit("peer_torch: PyTorch is not installed (import torch failed); skipped")

P = dict(dt=0.01, Tt=1.6, frame=0.1, sA=math.pi / 4, c0=0.3, pmax=0.25, p0=0.02, bias=0.3, kappa=3.0,
         tau_s=0.03, tau_e=0.3, eta=2.0, lam=0.05, glat=0.9, rgain=60.0, r0=0.05, tau_bg=0.2,
         sig_bg=0.3, je=0.3, gainbias=1.0)  # peer_bench.py's values


def contact_pairs(pos, owner, contacts, rng):
    """Pairs (a < b) of spines of different neurons closer than d_c, d_c such that
    the mean number of candidates per spine is `contacts`: the distances within a
    generous radius are collected with a uniform grid and d_c is put halfway
    between the wanted one and the next."""
    S = len(pos)
    want = int(round(contacts * S / 2))
    vol = np.prod(pos.max(0) - pos.min(0))
    r = 1.5 * (3 * contacts * vol / (4 * math.pi * S)) ** (1 / 3)
    while True:
        a, b, d2 = pairs_within(pos, owner, r)
        if len(d2) > want:
            break
        r *= 1.5
    part = np.partition(d2, [want - 1, want])
    dc = (math.sqrt(part[want - 1]) + math.sqrt(part[want])) / 2
    keep = d2 < dc * dc
    return np.stack([a[keep], b[keep]], 1), dc


def pairs_within(pos, owner, r):
    """All pairs a < b of different owners with squared distance below r^2, from a
    grid of cells of side r: each spine looks into the 27 cells around its own."""
    lo = pos.min(0)
    cell = np.floor((pos - lo) / r).astype(np.int64)
    dims = cell.max(0) + 1
    key = (cell[:, 2] * dims[1] + cell[:, 1]) * dims[0] + cell[:, 0]
    order = np.argsort(key, kind="stable")
    skey = key[order]
    S = len(pos)
    out_a, out_b, out_d = [], [], []
    for dz in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                c = cell + np.array([dx, dy, dz])
                ok = np.all((c >= 0) & (c < dims), 1)
                nkey = (c[:, 2] * dims[1] + c[:, 1]) * dims[0] + c[:, 0]
                first = np.searchsorted(skey, nkey, "left")
                last = np.searchsorted(skey, nkey, "right")
                n = np.where(ok, last - first, 0)
                tot = int(n.sum())
                if tot == 0:
                    continue
                ia = np.repeat(np.arange(S), n)
                within = np.arange(tot) - np.repeat(np.cumsum(n) - n, n)
                ib = order[np.repeat(first, n) + within]
                m = (ia < ib) & (owner[ia] != owner[ib])
                ia, ib = ia[m], ib[m]
                d2 = np.sum((pos[ia] - pos[ib]) ** 2, 1)
                m = d2 < r * r
                out_a.append(ia[m]); out_b.append(ib[m]); out_d.append(d2[m])
    return np.concatenate(out_a), np.concatenate(out_b), np.concatenate(out_d)


def build(rng, N, M, contacts, density_mm3=9600.0, depth=250.0, spine_sd=35.0, tune_sd=math.radians(12)):
    side = math.sqrt(N / density_mm3 * 1e9 / depth)
    theta = rng.uniform(0, math.pi, N)
    soma = rng.uniform(0, 1, (N, 3)) * np.array([side, side, depth])
    owner = np.repeat(np.arange(N), M)
    pos = soma[owner] + rng.normal(0, spine_sd, (N * M, 3))
    phi = (theta[owner] + rng.normal(0, tune_sd, N * M)) % math.pi
    pairs, dc = contact_pairs(pos, owner, contacts, rng)
    return dict(theta=theta, owner=owner, phi=phi, pairs=pairs, N=N, M=M, dc=dc)


def vm(x, kappa):
    return torch.exp(kappa * (torch.cos(2 * x) - 1))


def session(net, w, gen, device, n_trials, p=P, learn=True, steps=None, nb=8):
    """One task session of n_trials trials stepped together, as the peer's session()
    with its coincidence branch (j_e > 0 and w > 0), in float32 on device."""
    N, M = net["N"], net["M"]
    phi = torch.as_tensor(net["phi"], dtype=torch.float32, device=device)
    pairs = torch.as_tensor(net["pairs"], dtype=torch.int64, device=device)
    a_, b_ = pairs[:, 0], pairs[:, 1]
    S, E = phi.numel(), a_.numel()
    dt = p["dt"]
    steps = steps or int(round(p["Tt"] / dt))
    fs = int(round(p["frame"] / dt))
    f32 = dict(dtype=torch.float32, device=device)
    sgn = torch.where(torch.rand(n_trials, generator=gen, device=device) < 0.5, -1.0, 1.0)
    sA, sB = p["sA"], p["sA"] + math.pi / 2
    sig_ori = torch.where(sgn > 0, torch.tensor(sA, **f32), torch.tensor(sB, **f32))
    gain = 1 + p["gainbias"] * torch.maximum(vm(phi - sA, p["kappa"]), vm(phi - sB, p["kappa"]))  # task mode
    s = torch.zeros(n_trials, S, **f32)
    e = torch.zeros(n_trials, E, **f32)
    counts = torch.zeros(n_trials, nb, N, **f32)
    co_sum = torch.zeros(E, **f32)
    alpha_w = w  # task mode: m = 1
    bg = torch.zeros(n_trials, N, **f32)
    bg_noise = p["sig_bg"] * math.sqrt(2 * dt / p["tau_bg"])
    prob = None
    for k in range(steps):
        if k % fs == 0:
            sig = torch.rand(n_trials, generator=gen, device=device) < p["c0"]
            fo = torch.where(sig, sig_ori, torch.rand(n_trials, generator=gen, device=device) * math.pi)
            prob = torch.clamp(p["p0"] + p["pmax"] * vm(phi[None, :] - fo[:, None], p["kappa"]) * gain[None, :], 0, 1)
        aff = torch.rand(n_trials, S, generator=gen, device=device) < prob
        co = aff[:, a_] & aff[:, b_]
        cof = co.to(torch.float32)
        e += p["je"] * (1 - e) * cof - e * (dt / p["tau_e"])
        al = alpha_w[None, :] * e
        num = torch.zeros(n_trials, S, **f32)
        den = torch.zeros(n_trials, S, **f32)
        num.index_add_(1, a_, al * s[:, b_]).index_add_(1, b_, al * s[:, a_])
        den.index_add_(1, a_, al).index_add_(1, b_, al)
        lat = p["glat"] * num / torch.clamp(den, min=1.0)
        s += (dt / p["tau_s"]) * (-s + aff.to(torch.float32) + lat)
        if learn:
            co_sum += cof.sum(0)
        bg += (dt / p["tau_bg"]) * (-bg) + bg_noise * torch.randn(n_trials, N, generator=gen, device=device)
        V = s.view(n_trials, N, M).mean(2) + bg
        rate = p["rgain"] * torch.clamp(V - p["r0"], min=0) * dt
        counts[:, k * nb // steps] += torch.poisson(rate, generator=gen)
    if learn:
        c = co_sum / (n_trials * steps)
        w += p["eta"] * c * (1 - w) - p["lam"] * w
        w.clamp_(0, 1)
    return counts, sgn


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--sizes", default="1000", help="comma-separated neuron counts")
    ap.add_argument("--spines", type=int, default=32)
    ap.add_argument("--trials", type=int, default=8, help="trials stepped together (vectorised)")
    ap.add_argument("--contacts", type=float, default=6.0)
    ap.add_argument("--seconds", type=float, default=60.0, help="skip a size whose session would take longer than this (linear in N from the last)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu, %d threads" % torch.get_num_threads()
    print(f"peer torch {torch.__version__} on {name}", flush=True)
    rng = np.random.default_rng(args.seed)
    last = None  # (neurons, seconds) of the last session
    for n in [int(x) for x in args.sizes.split(",")]:
        if last and last[1] * n / last[0] > args.seconds:
            print(f"peer torch: {n} neurons would take about {last[1] * n / last[0]:.0f} s (linear in N from {last[0]}); skipped (--seconds {args.seconds:g})", flush=True)
            break
        t0 = time.time()
        net = build(rng, n, args.spines, args.contacts)
        build_s = time.time() - t0
        E = len(net["pairs"])
        gen = torch.Generator(device=device)
        gen.manual_seed(args.seed)
        w = torch.full((E,), 0.1, dtype=torch.float32, device=device)  # as peer_bench.py
        session(net, w.clone(), gen, device, 1, steps=10)  # warm-up: kernels, allocator
        sync(device)
        t0 = time.time()
        session(net, w, gen, device, args.trials)
        sync(device)
        dt = time.time() - t0
        steps = int(round(P["Tt"] / P["dt"]))
        S = n * args.spines
        print(f"peer torch: device={device.type} N={n} M={args.spines} spines={S} edges={E} (dc {net['dc']:.2f} um, build {build_s:.1f} s) "
              f"trials={args.trials} steps/trial={steps} time={dt:.2f}s s/step={dt / steps:.4g} "
              f"spine-steps/s={S * args.trials * steps / dt:.3g} edge-steps/s={E * args.trials * steps / dt:.3g}", flush=True)
        last = (n, dt)


if __name__ == "__main__":
    main()
