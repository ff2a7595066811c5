"""Loads an iplgpu run (a run directory or its NWB export) with the Python
package and draws the population's mean response over the trial, per signed
coherence, for the first and the last recorded task block.

    pip install ./python matplotlib
    python docs/examples/load_run.py runs/a fig.png      # or runs/a.nwb
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import iplgpu  # noqa: E402

rec = iplgpu.open(sys.argv[1])
r = rec.responses  # trial x bin x neuron
rate = r.mean("neuron") * 1000.0 / rec.bin_ms  # Hz per trial and bin
task = r.where(r["mode"] == "task", drop=True)
blocks = sorted(set(task["block"].values.tolist()))
fig, axes = plt.subplots(1, 2, figsize=(8, 3), sharey=True)
for ax, block in zip(axes, [blocks[0], blocks[-1]]):
    sel = rate.where(rate["block"] == block, drop=True)
    for c, g in sel.groupby("coherence"):
        ax.plot(g["bin"], g.mean("trial"), label=f"c = {c:+g}")
    ax.set_title(f"block {block}")
    ax.set_xlabel("time from stimulus onset (ms)")
axes[0].set_ylabel("mean rate (Hz)")
axes[0].legend(fontsize=7)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
print(f"{sys.argv[2]}: {r.sizes['trial']} trials x {r.sizes['bin']} bins x {r.sizes['neuron']} neurons from {rec.source}")
