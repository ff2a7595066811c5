"""Opens an NWB file with pynwb and runs nwbinspector on it; prints a JSON
summary. Used by the Go tests of iplgpu export."""
import json
import sys

from nwbinspector import inspect_nwbfile
from pynwb import NWBHDF5IO

path = sys.argv[1]
with NWBHDF5IO(path, "r") as io:
    f = io.read()
    units = f.units
    out = {
        "units": len(units),
        "trials": len(f.trials),
        "electrodes": len(f.electrodes),
        "trial_columns": list(f.trials.colnames),
        "spikes": int(sum(len(units["spike_times"][i]) for i in range(len(units)))),
        "protocol": f.protocol or "",
        "frames": int(f.stimulus["frame_orientation"].data.shape[0]),
    }
findings = []
for m in inspect_nwbfile(nwbfile_path=path):
    findings.append({"importance": m.importance.name, "check": m.check_function_name, "message": m.message})
out["findings"] = findings
print(json.dumps(out))
