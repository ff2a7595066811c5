#!/usr/bin/python3
"""Mean structural weight w after each session of a run, by edge class: both
spines tuned within 17 deg of A (A-A), of B (B-B), and all edges.

Usage: wclass.py RUN_DIR..."""
import sys

import numpy as np
import yaml


def classes(d):
    w = np.load(d + "/w_sessions.npy")
    e = np.load(d + "/edges.npy")
    phi = np.load(d + "/spine_phi.npy")
    with open(d + "/config.yaml") as f:
        A = np.deg2rad(yaml.safe_load(f)["stimulus"]["task_orientation_deg"])
    dist = lambda x, o: np.abs(((x - o) + np.pi / 2) % np.pi - np.pi / 2)
    aa = (dist(phi[e[:, 0]], A) < 0.3) & (dist(phi[e[:, 1]], A) < 0.3)
    bb = (dist(phi[e[:, 0]], A + np.pi / 2) < 0.3) & (dist(phi[e[:, 1]], A + np.pi / 2) < 0.3)
    return {"A-A": w[:, aa].mean(1), "B-B": w[:, bb].mean(1), "all": w.mean(1)}


if __name__ == "__main__":
    for d in sys.argv[1:]:
        print(d)
        for k, v in classes(d).items():
            print(f"  {k:4s} " + " ".join(f"{x:.3f}" for x in v))
