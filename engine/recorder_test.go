package engine_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/internal/npy"
	"github.com/iplgpu/iplgpu/rundir"
)

// memRecorder keeps in memory what Simulate hands it, and the order of the calls.
type memRecorder struct {
	calls  []string
	trials []model.TrialRecord
	counts []uint16 // recorded trials' counts, concatenated
	rows   int
	ats    []model.CheckpointAt
	status []string
	final  []float32
}

func (m *memRecorder) call(s string) { m.calls = append(m.calls, s) }

func (m *memRecorder) Dir() string                       { return "memory" }
func (m *memRecorder) WriteConfig(*model.Config) error   { m.call("config"); return nil }
func (m *memRecorder) WriteNetwork(*model.Network) error { m.call("network"); return nil }
func (m *memRecorder) StartRecording(int, int, int, int, bool) error {
	m.call("start")
	return nil
}
func (m *memRecorder) AppendTrial(t *model.TrialRecord, counts []uint16, _ []float32) error {
	t.Row = -1
	if t.Recorded {
		t.Row = m.rows
		m.rows++
		m.counts = append(m.counts, counts...)
	}
	m.trials = append(m.trials, *t)
	return nil
}
func (m *memRecorder) Rows() int                       { return m.rows }
func (m *memRecorder) AppendWSnapshot([]float32) error { m.call("snapshot"); return nil }
func (m *memRecorder) WriteCheckpoint(at model.CheckpointAt, _ []model.Var) error {
	m.ats = append(m.ats, at)
	return nil
}
func (m *memRecorder) WriteFinal(w, _ []float32) error {
	m.call("final")
	m.final = slices.Clone(w)
	return nil
}
func (m *memRecorder) Finish(int) error { m.call("finish"); return nil }
func (m *memRecorder) WriteStatus(st *model.RunStatus) error {
	m.status = append(m.status, st.State)
	return nil
}
func (m *memRecorder) RemoveCheckpoint() error { m.call("remove checkpoint"); return nil }
func (m *memRecorder) Close() error            { m.call("close"); return nil }

// TestSimulateRecorder runs the tiny protocol into a recorder that is no run
// directory: it receives the same trials and counts that rundir.Writer
// writes, the calls in the documented order, and the status running then
// complete.
func TestSimulateRecorder(t *testing.T) {
	dir, sum := simulateTiny(t)
	cfg, err := model.LoadConfig("", "", tinySets)
	if err != nil {
		t.Fatal(err)
	}
	var m memRecorder
	st, err := engine.Simulate(context.Background(), cfg, cpu.New(0), &m, engine.SimulateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.State != model.StateComplete || st.TrialsDone != sum.TrialsDone || st.Recorded != sum.Recorded {
		t.Fatalf("status %+v; the run directory's: %+v", st, sum)
	}
	want := []string{"config", "network", "start"}
	if !slices.Equal(m.calls[:3], want) {
		t.Fatalf("first calls %v, want %v", m.calls[:3], want)
	}
	tail := []string{"final", "finish", "close", "remove checkpoint"}
	if got := m.calls[len(m.calls)-len(tail):]; !slices.Equal(got, tail) {
		t.Fatalf("last calls %v, want %v", got, tail)
	}
	if !slices.Equal(m.status, []string{model.StateRunning, model.StateComplete}) {
		t.Fatalf("statuses %v, want running then complete", m.status)
	}
	if len(m.ats) == 0 || m.ats[0].TrialsDone != 0 || m.ats[0].Backend != st.Backend {
		t.Fatalf("checkpoints %+v: want the first before any trial, by %s", m.ats, st.Backend)
	}
	rec, err := rundir.OpenRecording(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	trials := rec.Trials
	if len(trials) != len(m.trials) {
		t.Fatalf("%d trials recorded, %d in trials.csv", len(m.trials), len(trials))
	}
	for i := range trials {
		got, w := m.trials[i], trials[i]
		got.GateStart, w.GateStart = 0, 0 // trials.csv keeps 6 digits
		if got != w {
			t.Fatalf("trial %d: recorded %+v, trials.csv %+v", i, got, w)
		}
	}
	_, data, err := npy.Read(filepath.Join(dir, rundir.ResponsesFile))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(data.([]uint16), m.counts) {
		t.Fatal("the recorded counts differ from responses.npy")
	}
}

// TestEngineImportsNoWriter checks that package engine imports no package
// that writes or reads a run directory, a report or an analysis.
func TestEngineImportsNoWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-deps", "github.com/iplgpu/iplgpu/engine").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		for _, bad := range []string{"/rundir", "/report", "/analysis", "/fisher", "/internal/npy", "/internal/fsutil", "/compare", "/viz"} {
			if strings.HasPrefix(p, "github.com/iplgpu/iplgpu") && strings.Contains(p, bad) {
				t.Errorf("engine imports %s", p)
			}
		}
	}
}
