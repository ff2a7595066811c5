package viz

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/report"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/simrun"
)

// hudRunSets is a run of two training sessions with a recorded task block
// (24 trials per condition: enough for subsets of 14 neurons) before and
// after each, and fast-growing links.
var hudRunSets = []string{
	"network.neurons=60", "network.spines_per_neuron=8",
	"dynamics.eta_w=0.005", "dynamics.lambda_w_per_s=0.01",
	"protocol.sessions=2", "protocol.before=[]", "protocol.after=[]", "protocol.baseline=true",
	"protocol.session=[{name: train, mode: task, trials: 16, coherences: [0.3], learning: true, record: false}, " +
		"{name: task, mode: task, trials: 48, coherences: [0.3], learning: false, record: true}, " +
		"{name: passive, mode: passive, trials: 8, coherences: [0.3], learning: false, record: true}]",
	"output.checkpoint_trials=0",
}

// hudIsletThreshold is low enough that the small run has links and islets.
const hudIsletThreshold = 0.3

// hudRun simulates the small run on the CPU backend into a new directory.
func hudRun(t *testing.T) string {
	t.Helper()
	cfg, err := model.LoadConfig("", "", hudRunSets)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := simrun.Create(context.Background(), cfg, cpu.New(0), dir, engine.SimulateOptions{}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func readCSV(t *testing.T, path string) (map[string]int, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("%s: %d records, %v", path, len(recs), err)
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	return col, recs[1:]
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The HUD's numbers of every session of a small run, replayed from its
// directory, are the analysis's: mean w, links and islets as network.csv and
// islets.csv give them, and the task blocks' redundancy % at n = 14 computed
// here equals info.csv's.
func TestHUDMatchesAnalysis(t *testing.T) {
	dir := hudRun(t)
	computed, err := OpenReplay(dir, hudIsletThreshold, nil)
	if err != nil {
		t.Fatal(err)
	}
	if computed.FromInfo {
		t.Fatal("a run without info.csv replays its redundancy from info.csv")
	}
	if err := computed.ComputeRedundancy(); err != nil {
		t.Fatal(err)
	}
	opt := analysis.Options{IsletThreshold: hudIsletThreshold, BootReplicates: 20, TimeBootReplicates: 2, TimeBootSubsets: 1, TimeSubsets: 2}
	sum, run, err := analysis.Load(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := report.Write(sum, run, report.WriteOptions{NoFigures: true}); err != nil {
		t.Fatal(err)
	}
	fromInfo, err := OpenReplay(dir, hudIsletThreshold, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !fromInfo.FromInfo {
		t.Fatal("the analysed run's redundancy does not come from its info.csv")
	}

	// network.csv and islets.csv, snapshot by snapshot.
	col, rows := readCSV(t, filepath.Join(dir, rundir.NetworkFile))
	if len(rows) != len(fromInfo.Snapshots) || len(rows) != 3 {
		t.Fatalf("network.csv has %d snapshots, the replay %d; want 3 (before training, after sessions 1 and 2)", len(rows), len(fromInfo.Snapshots))
	}
	icol, irows := readCSV(t, filepath.Join(dir, rundir.IsletsFile))
	isletSum := map[int]int{}
	for _, r := range irows {
		k, _ := strconv.Atoi(r[icol["snapshot"]])
		isletSum[k] += int(atof(t, r[icol["count"]]))
	}
	sawIslets := false
	for k, r := range rows {
		h := fromInfo.HUD(k, 0.2)
		nc := h.Net
		if s, _ := strconv.Atoi(r[col["session"]]); s != h.Session {
			t.Errorf("snapshot %d: HUD session %d, network.csv %d", k, h.Session, s)
		}
		if m := atof(t, r[col["mean_w"]]); math.Abs(nc.MeanW-m) > 5e-6*max(m, 1e-3) { // network.csv has 6 digits
			t.Errorf("snapshot %d: HUD mean w %v, network.csv %v", k, nc.MeanW, m)
		}
		if links := atof(t, r[col["linked_frac"]]) * float64(nc.Edges); math.Abs(float64(nc.Links)-links) > 0.01 {
			t.Errorf("snapshot %d: HUD %d links, network.csv linked_frac x %d contacts = %v", k, nc.Links, nc.Edges, links)
		}
		if is := int(atof(t, r[col["islets"]])); nc.Islets != is || nc.Islets != isletSum[k] {
			t.Errorf("snapshot %d: HUD %d islets, network.csv %d, islets.csv %d", k, nc.Islets, is, isletSum[k])
		}
		if thr := atof(t, r[col["threshold"]]); thr != nc.Threshold {
			t.Errorf("snapshot %d: HUD threshold %v, network.csv %v", k, nc.Threshold, thr)
		}
		sawIslets = sawIslets || nc.Islets > 0
		if !strings.Contains(strings.Join(h.Lines(), "\n"), "islets: "+strconv.Itoa(nc.Islets)) {
			t.Errorf("snapshot %d: the HUD's text does not give its islets: %q", k, h.Lines())
		}
	}
	if !sawIslets {
		t.Fatal("no snapshot has an islet: the comparison would not test the islet count")
	}

	// Redundancy at n = 14: computed here against info.csv.
	if len(computed.Blocks) != 3 {
		t.Fatalf("%d task blocks in the plot, want 3 (sessions 0, 1, 2): %+v", len(computed.Blocks), computed.Blocks)
	}
	compared := 0
	for k, b := range computed.Blocks {
		want := fromInfo.Blocks[k].Pct
		if math.IsNaN(want) {
			continue // info.csv blanks a value whose I_shuffle interval reaches 0
		}
		compared++
		if math.Abs(b.Pct-want) > 1e-4*max(math.Abs(want), 1) {
			t.Errorf("block %d (session %d): redundancy %% at n = 14 computed %v, info.csv %v", b.Block, b.Session, b.Pct, want)
		}
	}
	if compared == 0 {
		t.Fatalf("info.csv gives no redundancy %% at n = 14 to compare with: %+v", fromInfo.Blocks)
	}
	t.Logf("blocks %+v", computed.Blocks)
}

// OpenReplay refuses what it cannot replay, naming the file.
func TestOpenReplayRefusals(t *testing.T) {
	tmp := t.TempDir()
	notRun := filepath.Join(tmp, "notrun")
	os.MkdirAll(notRun, 0o755)
	file := filepath.Join(tmp, "file.txt")
	os.WriteFile(file, []byte("x"), 0o644)

	cfg, err := model.LoadConfig("", "", append(append([]string{}, hudRunSets...), "output.w_snapshots=false", "protocol.sessions=1"))
	if err != nil {
		t.Fatal(err)
	}
	noSnap := filepath.Join(tmp, "nosnap")
	if _, err := simrun.Create(context.Background(), cfg, cpu.New(0), noSnap, engine.SimulateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ dir, want string }{
		{filepath.Join(tmp, "absent"), "does not exist"},
		{file, "not a run directory"},
		{notRun, "not an iplgpu run directory: it has no config.yaml"},
		{noSnap, filepath.Join(noSnap, "w_sessions.npy") + ": missing: the run kept no w snapshots (output.w_snapshots was false)"},
	} {
		_, err := OpenReplay(tc.dir, 0, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.dir, err, tc.want)
		}
	}
}

// The scale bar is the longest round length that fits 150 pixels.
func TestScaleBarUm(t *testing.T) {
	for _, tc := range []struct{ pxPerUm, want float64 }{{1, 100}, {0.5, 200}, {0.2, 500}, {3, 50}, {0.01, 10000}} {
		if got := ScaleBarUm(tc.pxPerUm); got != tc.want {
			t.Errorf("ScaleBarUm(%g) = %g, want %g", tc.pxPerUm, got, tc.want)
		}
	}
}

// An interrupted run replays the sessions it finished.
func TestOpenReplayInterrupted(t *testing.T) {
	cfg, err := model.LoadConfig("", "", hudRunSets)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Session 0 is the baseline's 56 trials; stop in session 1.
	opt := engine.SimulateOptions{Progress: func(p engine.Progress) {
		if p.Trial == 70 {
			cancel()
		}
	}}
	if _, err := simrun.Create(ctx, cfg, cpu.New(0), dir, opt); err == nil {
		t.Fatal("the run was not interrupted")
	}
	rp, err := OpenReplay(dir, hudIsletThreshold, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rp.Run.Status.State != rundir.StateInterrupted || len(rp.Snapshots) != 1 || rp.Snapshots[0].Session != 0 || rp.Snapshots[0].Trials != 56 {
		t.Fatalf("status %q, snapshots %+v; want one, after session 0's 56 trials", rp.Run.Status.State, rp.Snapshots)
	}
	if h := rp.HUD(0, 0.2); h.Trials != 70 || len(h.Redundancy) != 1 {
		t.Errorf("HUD %+v; want 70 trials run and session 0's task block", h)
	}
}
