import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import iplgpu

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "docs", "examples", "load_run.py")
TINY = {
    "network.neurons": 30, "network.spines_per_neuron": 4, "protocol.sessions": 1,
    "protocol.before": "[]", "protocol.after": "[]", "protocol.baseline": "false",
    "protocol.session": "[{name: task, mode: task, trials: 40, coherences: [0.3], learning: false, record: true}]",
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    try:
        iplgpu.binary()
    except FileNotFoundError as e:
        if os.environ.get("IPLGPU_REQUIRE_NWB") == "1":
            raise
        pytest.skip(str(e))
    lines = []
    out = str(tmp_path_factory.mktemp("runs") / "a")
    iplgpu.run(out, seed=2, set=TINY, backend="cpu", progress=lines.append)
    assert any(line.startswith("progress:") for line in lines), lines
    return out


def test_open_run(run_dir):
    rec = iplgpu.open(run_dir)
    counts = np.load(os.path.join(run_dir, "responses.npy"))
    assert rec.responses.dims == ("trial", "bin", "neuron")
    assert rec.responses.shape == counts.shape
    np.testing.assert_array_equal(rec.responses.values, counts)
    trials = pd.read_csv(os.path.join(run_dir, "trials.csv"))
    assert len(rec.trials) == len(trials)
    recorded = trials[trials["recorded"] == 1].sort_values("row")
    np.testing.assert_array_equal(rec.responses["coherence"].values, recorded["coherence"].values)
    np.testing.assert_array_equal(rec.neurons["theta"].values, np.load(os.path.join(run_dir, "theta.npy")))
    assert rec.bin_ms == 50.0
    assert list(rec.responses["bin"].values[:2]) == [0.0, 50.0]


def test_nwb_export_reads_back(run_dir, tmp_path):
    pytest.importorskip("pynwb")
    nwb = iplgpu.export(run_dir, str(tmp_path / "a.nwb"), progress=lambda line: None)
    rec = iplgpu.open(nwb)
    np.testing.assert_array_equal(rec.responses.values, np.load(os.path.join(run_dir, "responses.npy")))
    np.testing.assert_array_equal(rec.neurons["theta"].values, np.load(os.path.join(run_dir, "theta.npy")))
    with pytest.raises(KeyError, match="no column 'orientation'"):
        iplgpu.open_nwb(nwb, stimulus="orientation")


def test_analyse_tables(run_dir):
    out = iplgpu.analyse(run_dir, "-no-figures", "-boot", "0", "-subsets", "10", "-time-subsets", "5", progress=lambda line: None)
    assert "report:" in out
    info = iplgpu.open(run_dir).tables["info"]
    assert {"i_real", "i_shuffle", "redundancy"} <= set(info.columns)
    assert len(info) > 0


def test_failure_raises_with_message(tmp_path):
    try:
        iplgpu.binary()
    except FileNotFoundError:
        pytest.skip("no binary")
    with pytest.raises(subprocess.CalledProcessError) as e:
        iplgpu.analyse(str(tmp_path / "missing"), progress=lambda line: None)
    assert "does not exist" in e.value.stderr


def test_example_script(run_dir, tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "fig.png"
    out = subprocess.run([sys.executable, EXAMPLE, run_dir, str(png)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert png.stat().st_size > 1000
