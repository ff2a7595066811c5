"""Recordings as labelled arrays: a run directory (responses.npy, trials.csv,
theta.npy, soma_pos.npy, the analysis tables) or an NWB file (units, trials)."""

import builtins
import os
from dataclasses import dataclass, field
from typing import Dict, Optional

import numpy as np
import pandas as pd
import xarray as xr


@dataclass
class Recording:
    """A recording: the counts, the trials table, the neurons, the tables."""

    source: str
    responses: xr.DataArray  # trial x bin x neuron spike counts
    trials: pd.DataFrame  # every trial, recorded or not (column row: its row of responses)
    neurons: pd.DataFrame  # per neuron: theta (rad), x, y, z (um) where known
    bin_ms: float
    tables: Dict[str, pd.DataFrame] = field(default_factory=dict)  # analysis tables by name (info, timecourse, ...)
    config: Optional[str] = None  # the resolved config (YAML text), when known

    def block(self, block):
        """The responses of the recorded trials of one block (trial x bin x neuron)."""
        return self.responses.where(self.responses["block"] == block, drop=True)


def _labelled(counts, trials, bin_ms, source):
    rec = trials[trials["recorded"] == 1].sort_values("row")
    n_trials, n_bins, n_neurons = counts.shape
    if len(rec) != n_trials:
        raise ValueError(f"{source}: {len(rec)} recorded trials in the trials table but {n_trials} rows of counts")
    coords = {
        "trial": rec["trial"].to_numpy() if "trial" in rec else np.arange(n_trials),
        "bin": np.arange(n_bins) * bin_ms,
        "neuron": np.arange(n_neurons),
    }
    da = xr.DataArray(counts, dims=("trial", "bin", "neuron"), coords=coords, name="spike_count",
                      attrs={"units": "spikes per bin", "bin_ms": bin_ms, "source": source})
    da["bin"].attrs["units"] = "ms from stimulus onset (bin start)"
    for col in ("session", "block", "mode", "coherence"):
        if col in rec:
            da = da.assign_coords({col: ("trial", rec[col].to_numpy())})
    return da


def open_run(path: str) -> Recording:
    """Opens an iplgpu run directory (also an interrupted one)."""
    counts = np.load(os.path.join(path, "responses.npy"))
    trials = pd.read_csv(os.path.join(path, "trials.csv"))
    trials = trials[trials["row"] < counts.shape[0]] if "row" in trials else trials
    config = None
    bin_ms = 50.0
    cfg_path = os.path.join(path, "config.yaml")
    if os.path.exists(cfg_path):
        with builtins.open(cfg_path) as f:
            config = f.read()
        bin_ms = _bin_ms(config, bin_ms)
    neurons = pd.DataFrame(index=pd.RangeIndex(counts.shape[2], name="neuron"))
    theta = os.path.join(path, "theta.npy")
    if os.path.exists(theta):
        neurons["theta"] = np.load(theta)
    pos = os.path.join(path, "soma_pos.npy")
    if os.path.exists(pos):
        p = np.load(pos)
        neurons["x"], neurons["y"], neurons["z"] = p[:, 0], p[:, 1], p[:, 2]
    tables = {}
    for name in sorted(os.listdir(path)):
        if name.endswith(".csv") and name != "trials.csv":
            try:
                tables[name[:-4]] = pd.read_csv(os.path.join(path, name))
            except pd.errors.EmptyDataError:
                pass
    return Recording(path, _labelled(counts, trials, bin_ms, path), trials, neurons, bin_ms, tables, config)


def _bin_ms(config: str, default: float) -> float:
    """stimulus.bin_ms of a resolved config (the one key read here)."""
    in_stimulus = False
    for line in config.splitlines():
        if line and not line.startswith((" ", "#")):
            in_stimulus = line.startswith("stimulus:")
        elif in_stimulus and line.strip().startswith("bin_ms:"):
            return float(line.split(":", 1)[1].split("#")[0])
    return default


def open_nwb(path: str, bin_ms: float = 50.0, stimulus: str = "coherence", block: str = "block",
             recorded: Optional[str] = "recorded") -> Recording:
    """Opens an NWB file (pynwb): each unit's spike times counted in bins of
    bin_ms from each recorded trial's start_time, over the bins the shortest
    trial holds, as iplgpu does. stimulus and block name the trials columns of
    the signed stimulus and the block; recorded the 0/1 column of the trials
    that count (None: all)."""
    from pynwb import NWBHDF5IO

    with NWBHDF5IO(path, "r") as io:
        f = io.read()
        trials = f.trials.to_dataframe().reset_index(drop=True)
        for col in (stimulus, block):
            if col not in trials:
                raise KeyError(f"{path}: the trials table has no column {col!r}; its columns: {list(trials.columns)}")
        trials = trials.rename(columns={stimulus: "coherence", block: "block"})
        if recorded is None or recorded not in trials:
            trials["recorded"] = 1
        elif recorded != "recorded":
            trials["recorded"] = trials[recorded].astype(int)
        if "trial" not in trials:
            trials["trial"] = np.arange(len(trials))
        rec = trials["recorded"].to_numpy() == 1
        trials["row"] = np.where(rec, np.cumsum(rec) - 1, -1)
        starts = trials["start_time"].to_numpy()[rec]
        stops = trials["stop_time"].to_numpy()[rec]
        b = bin_ms / 1000.0
        n_bins = int(np.floor(np.min(stops - starts) / b + 1e-9))
        units = f.units
        n = len(units)
        counts = np.zeros((len(starts), n_bins, n), dtype=np.uint16)
        edges = np.arange(n_bins + 1) * b
        for i in range(n):
            st = np.asarray(units["spike_times"][i])
            for r, t0 in enumerate(starts):
                lo, hi = np.searchsorted(st, [t0, t0 + n_bins * b])
                counts[r, :, i] = np.histogram(st[lo:hi] - t0, bins=edges)[0]
        neurons = pd.DataFrame(index=pd.RangeIndex(n, name="neuron"))
        cols = units.colnames
        if "preferred_orientation" in cols:
            neurons["theta"] = np.asarray(units["preferred_orientation"][:])
        for a in ("x", "y", "z"):
            if "soma_" + a in cols:
                neurons[a] = np.asarray(units["soma_" + a][:])
        config = f.protocol
    return Recording(path, _labelled(counts, trials, bin_ms, path), trials, neurons, bin_ms, {}, config)


def open(path: str, **kw) -> Recording:  # noqa: A001 (the package's verb)
    """open_nwb for a .nwb file, else open_run."""
    if path.lower().endswith(".nwb"):
        return open_nwb(path, **kw)
    return open_run(path)
