"""iplgpu from Python: open a run directory or an NWB recording as labelled
arrays, and call the iplgpu binary with its progress shown.

    import iplgpu
    rec = iplgpu.open("runs/a")          # or "runs/a.nwb"
    rec.responses                        # xarray: trial x bin x neuron spike counts
    rec.trials                           # pandas: the trials table
    rec.tables["info"]                   # pandas: an analysis table (info.csv), if analysed
    iplgpu.run(out="runs/b", set={"network.neurons": 300})
"""

from .recording import Recording, open, open_nwb, open_run
from .cli import analyse, binary, call, compare, export, run

__all__ = ["Recording", "open", "open_run", "open_nwb", "call", "run", "analyse", "compare", "export", "binary"]
