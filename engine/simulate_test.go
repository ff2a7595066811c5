package engine_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/internal/npy"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/simrun"
)

// tinySets is a protocol small enough for unit tests: 2 sessions of a few trials.
var tinySets = []string{
	"network.neurons=40", "network.spines_per_neuron=8", "protocol.sessions=2",
	"protocol.before=[]", "protocol.after=[{name: abl, mode: task, trials: 4, coherences: [0.3], learning: false, ablation: lateral, record: true}]",
	"protocol.session=[{name: train, mode: task, trials: 6, coherences: [0.3], learning: true, record: false}, {name: task, mode: task, trials: 6, coherences: [0.3, 0], learning: false, record: true}, {name: passive, mode: passive, trials: 2, coherences: [0.3], learning: false, record: true}]",
	"dynamics.eta_w=0.01", "homeostasis.reference_trials=2",
}

func simulateTiny(t *testing.T, extra ...string) (string, *rundir.Status) {
	t.Helper()
	cfg, err := model.LoadConfig("", "", append(append([]string{}, tinySets...), extra...))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	sum, err := simrun.Create(context.Background(), cfg, cpu.New(0), dir, engine.SimulateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return dir, sum
}

func TestSimulateWritesRunDirectory(t *testing.T) {
	dir, sum := simulateTiny(t)
	if sum.State != "complete" {
		t.Fatalf("status %s", sum.State)
	}
	// Blocks: baseline (task, passive), 2 x (train, task, passive), after (abl):
	// recorded = 6+2 + 2*(6+2) + 4 = 28 trials; total = 8 + 2*14 + 4 = 40.
	if sum.TrialsTotal != 40 || sum.Recorded != 28 {
		t.Fatalf("trials %d (want 40), recorded %d (want 28)", sum.TrialsTotal, sum.Recorded)
	}
	shape, data, err := npy.Read(filepath.Join(dir, "responses.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 3 || shape[0] != 28 || shape[1] != 32 || shape[2] != 40 {
		t.Fatalf("responses shape %v, want [28 32 40]", shape)
	}
	var spikes int
	for _, c := range data.([]uint16) {
		spikes += int(c)
	}
	if spikes == 0 {
		t.Fatal("no spikes recorded")
	}
	f, err := os.Open(filepath.Join(dir, "trials.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 41 || rows[0][0] != "trial" {
		t.Fatalf("trials.csv has %d rows, want header + 40", len(rows))
	}
	for _, name := range []string{"config.yaml", "run.json", "soma_pos.npy", "theta.npy", "spine_pos.npy", "spine_phi.npy", "spine_owner.npy", "edges.npy", "w_final.npy", "w_sessions.npy", "frames.npy", "gain_final.npy"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("missing %s", name)
		}
	}
	// w snapshots: sessions 0, 1, 2, 3 (after).
	if shape, _, err := npy.Read(filepath.Join(dir, "w_sessions.npy")); err != nil || shape[0] != 4 {
		t.Errorf("w_sessions shape %v (%v), want 4 snapshots", shape, err)
	}
	// The config written beside the outputs reproduces the run.
	if _, err := model.LoadConfig("", filepath.Join(dir, "config.yaml"), nil); err != nil {
		t.Fatalf("config.yaml does not reload: %v", err)
	}
}

func TestSimulateDeterministic(t *testing.T) {
	d1, _ := simulateTiny(t)
	d2, _ := simulateTiny(t)
	d3, _ := simulateTiny(t, "seed=2")
	for _, name := range []string{"responses.npy", "w_final.npy", "trials.csv", "frames.npy", "edges.npy"} {
		b1, _ := os.ReadFile(filepath.Join(d1, name))
		b2, _ := os.ReadFile(filepath.Join(d2, name))
		if !bytes.Equal(b1, b2) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	b1, _ := os.ReadFile(filepath.Join(d1, "responses.npy"))
	b3, _ := os.ReadFile(filepath.Join(d3, "responses.npy"))
	if bytes.Equal(b1, b3) {
		t.Error("different seeds gave the same responses")
	}
}

func TestSimulateInterruptKeepsFinishedTrials(t *testing.T) {
	cfg, err := model.LoadConfig("", "", tinySets)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	sum, err := simrun.Create(ctx, cfg, cpu.New(0), dir, engine.SimulateOptions{Progress: func(p engine.Progress) {
		if p.Trial == 9 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || sum.State != "interrupted" || sum.TrialsDone != 9 {
		t.Fatalf("err %v, status %s, done %d; want canceled, interrupted, 9", err, sum.State, sum.TrialsDone)
	}
	// First 9 trials: baseline task (6, recorded), passive (2, recorded), 1 training.
	shape, _, err := npy.Read(filepath.Join(dir, "responses.npy"))
	if err != nil || shape[0] != 8 {
		t.Fatalf("responses after interrupt: shape %v, err %v; want 8 rows", shape, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "run.json")); err != nil {
		t.Fatal("run.json missing after interrupt")
	}
	// A second run into the same directory is refused: nothing is overwritten.
	if _, err := simrun.Create(context.Background(), cfg, cpu.New(0), dir, engine.SimulateOptions{}); err == nil {
		t.Fatal("Simulate overwrote an existing run directory")
	}
}

// A run cancelled before it starts stops in the network build, says it was
// interrupted and leaves a valid status.
func TestSimulateInterruptedWhileBuilding(t *testing.T) {
	cfg, err := model.LoadConfig("", "", tinySets)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sum, err := simrun.Create(ctx, cfg, cpu.New(0), dir, engine.SimulateOptions{})
	if !errors.Is(err, context.Canceled) || sum.State != "interrupted" || sum.TrialsDone != 0 {
		t.Fatalf("err %v, status %s, done %d; want canceled, interrupted, 0", err, sum.State, sum.TrialsDone)
	}
	if _, err := os.Stat(filepath.Join(dir, "run.json")); err != nil {
		t.Fatal("run.json missing after an interrupted build")
	}
}

// numpyPython returns a Python interpreter that can import numpy, or "".
func numpyPython() string {
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(p, "-c", "import numpy").Run(); err == nil {
			return p
		}
	}
	return ""
}

// numpy loads every .npy of a run directory with the shape and dtype we wrote.
func TestNumpyLoadsRunDirectory(t *testing.T) {
	py := numpyPython()
	if py == "" {
		if os.Getenv("IPLGPU_REQUIRE_GL") == "1" { // CI: the deps install python3-numpy
			t.Fatal("no python3 with numpy (install python3-numpy)")
		}
		t.Skip("no python3 with numpy on this machine")
	}
	dir, _ := simulateTiny(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.npy"))
	var want []string
	for _, f := range files {
		shape, data, err := npy.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		dt := map[string]string{"[]uint16": "uint16", "[]float32": "float32", "[]int32": "int32"}[fmt.Sprintf("%T", data)]
		want = append(want, fmt.Sprintf("%s %s %v", filepath.Base(f), dt, shape))
	}
	script := `import numpy as np, sys, glob, os
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.npy"))):
    a = np.load(f)
    assert np.all(np.isfinite(a)), f
    print(os.path.basename(f), a.dtype, "[" + " ".join(str(s) for s in a.shape) + "]")
`
	out, err := exec.Command(py, "-c", script, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy failed: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("numpy sees\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
