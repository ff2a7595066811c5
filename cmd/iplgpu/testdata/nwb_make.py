"""Writes with pynwb a recording of known statistics (units with preferred
orientations, trials in two conditions, electrodes) and prints, as JSON, the
bias-corrected Fisher information that numpy computes on its spike counts,
per condition (the estimators of package fisher: all units, pooled
covariance). Used by the Go tests of iplgpu fisher -nwb and analyse."""
import json
import sys
from datetime import datetime, timezone

import numpy as np
from pynwb import NWBHDF5IO, NWBFile

path = sys.argv[1]
rng = np.random.default_rng(7)
N, T, c, dur = 8, 40, 0.25, 0.5  # units, trials per sign and condition, coherence, trial (s)
f = NWBFile(session_description="test recording with known statistics", identifier="known-stats",
            session_start_time=datetime(2026, 1, 1, tzinfo=timezone.utc))
dev = f.create_device(name="array", description="test array")
grp = f.create_electrode_group(name="array", description="test", location="V4", device=dev)
for k in range(4):
    f.add_electrode(group=grp, location="V4", x=400.0 * k, y=0.0, z=0.0)
f.add_trial_column(name="signed_coherence", description="signed stimulus")
f.add_trial_column(name="condition", description="condition")
f.add_trial_column(name="state", description="task or passive")
f.add_unit_column(name="preferred_orientation", description="rad")
conditions = ["early"] * (2 * T) + ["late"] * (2 * T)
signs = np.array([1.0, -1.0] * (2 * T))
gain = np.where(np.array(conditions) == "early", 4.0, 6.0)
rates = 10 + gain[:, None] * np.sin(np.arange(N))[None, :] * signs[:, None] * c  # spikes per trial
counts = rng.poisson(np.maximum(rates, 0.5))
for k, s in enumerate(signs):
    f.add_trial(start_time=k * 1.0, stop_time=k * 1.0 + dur, signed_coherence=s * c, condition=conditions[k], state="task")
for i in range(N):
    times = []
    for k in range(len(signs)):
        times.extend(np.sort(k * 1.0 + rng.uniform(0.001, dur - 0.001, counts[k, i])))
        times.extend(k * 1.0 + dur + rng.uniform(0.05, 0.4, rng.poisson(3)))  # spikes between trials, not counted
    f.add_unit(spike_times=np.array(times), electrodes=[i % 4], preferred_orientation=np.pi * i / N)
with NWBHDF5IO(path, "w") as io:
    io.write(f)


def fisher(plus, minus, ds):
    fp = (plus.mean(0) - minus.mean(0)) / ds
    tp, tm = len(plus), len(minus)
    df = tp + tm - 2
    S = ((plus - plus.mean(0)).T @ (plus - plus.mean(0)) + (minus - minus.mean(0)).T @ (minus - minus.mean(0))) / df
    eps = (1 / tp + 1 / tm) / ds**2
    i_real = fp @ np.linalg.solve(S, fp) * (df - N - 1) / df - N * eps
    i_shuffle = np.sum(fp**2 / np.diag(S)) * (df - 2) / df - N * eps
    return {"i_real": i_real, "i_shuffle": i_shuffle}


out = {"n": N, "blocks": {}}
for cond in ("early", "late"):
    sel = np.array(conditions) == cond
    out["blocks"][cond] = fisher(counts[sel & (signs > 0)].astype(float), counts[sel & (signs < 0)].astype(float), 2 * c)
print(json.dumps(out))
