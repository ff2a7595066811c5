package rundir_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/internal/npy"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/simrun"
)

// tinyRun simulates a run small enough to copy and mutate many times: 20
// neurons x 2 spines, session 0 and one session, 16 trials, w snapshots.
var tinyRun = sync.OnceValues(func() (map[string][]byte, error) {
	cfg, err := model.LoadConfig("", "", []string{
		"network.neurons=20", "network.spines_per_neuron=2", "protocol.sessions=1", "protocol.before=[]", "protocol.after=[]",
		"protocol.session=[{name: train, mode: task, trials: 2, coherences: [0.3], learning: true, record: false}, {name: task, mode: task, trials: 6, coherences: [0.3], learning: false, record: true}]",
		"stimulus.frames=4", "stimulus.bin_ms=100",
	})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rundir-tiny-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	run := filepath.Join(dir, "run")
	if _, err := simrun.Create(context.Background(), cfg, cpu.New(1), run, engine.SimulateOptions{}); err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	ents, err := os.ReadDir(run)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		if files[e.Name()], err = os.ReadFile(filepath.Join(run, e.Name())); err != nil {
			return nil, err
		}
	}
	return files, nil
})

// writeRun writes files into a new directory.
func writeRun(t testing.TB, files map[string][]byte) string {
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// tiny is the tiny run without its manifest, as a directory from before
// manifests: the tests that use it exercise Open's own cross-checks, which
// the manifest's check would otherwise come before.
func tiny(t testing.TB) map[string][]byte {
	files, err := tinyRun()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for k, v := range files {
		out[k] = bytes.Clone(v)
	}
	delete(out, rundir.ManifestFile)
	return out
}

// config.yaml must describe the arrays: emptied, or of another network, it is
// refused naming both sides (issue 14 item 9).
func TestOpenCrossChecksTheConfig(t *testing.T) {
	if _, err := rundir.Open(writeRun(t, tiny(t)), nil); err != nil {
		t.Fatalf("the run itself: %v", err)
	}
	for _, c := range []struct {
		name string
		edit func(f map[string][]byte)
		want string
	}{
		{"empty", func(f map[string][]byte) { f[rundir.ConfigFile] = nil }, "config.yaml is empty"},
		{"comments only", func(f map[string][]byte) { f[rundir.ConfigFile] = []byte("# nothing\n\n") }, "config.yaml is empty"},
		{"neurons", func(f map[string][]byte) {
			f[rundir.ConfigFile] = bytes.Replace(f[rundir.ConfigFile], []byte("neurons: 20\n"), []byte("neurons: 40\n"), 1)
		}, "network.neurons = 40 but responses.npy holds 20 neurons"},
		{"spines", func(f map[string][]byte) {
			f[rundir.ConfigFile] = bytes.Replace(f[rundir.ConfigFile], []byte("spines_per_neuron: 2\n"), []byte("spines_per_neuron: 3\n"), 1)
		}, "spine_owner.npy holds 40 spines"},
		{"frames", func(f map[string][]byte) {
			f[rundir.ConfigFile] = bytes.Replace(f[rundir.ConfigFile], []byte("frames: 4\n"), []byte("frames: 8\n"), 1)
		}, "bins per trial"},
		{"sessions", func(f map[string][]byte) {
			f[rundir.ConfigFile] = bytes.Replace(f[rundir.ConfigFile], []byte("sessions: 1\n"), []byte("sessions: 0\n"), 1)
		}, "the number of blocks of the protocol = 1 but trials.csv line"},
		{"status of another run", func(f map[string][]byte) {
			f[rundir.StatusFile] = bytes.Replace(f[rundir.StatusFile], []byte(`"neurons": 20`), []byte(`"neurons": 21`), 1)
		}, "the files come from different runs"},
	} {
		f := tiny(t)
		c.edit(f)
		_, err := rundir.Open(writeRun(t, f), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// A run stopped in session 0 has a w_sessions.npy of 0 rows: Open reads it
// with a note and no snapshot (w_final.npy is used when there is one).
func TestOpenNoSnapshot(t *testing.T) {
	f := tiny(t)
	dir := writeRun(t, f)
	shape, _, err := npy.Read(filepath.Join(dir, rundir.WSessionsFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteFile(filepath.Join(dir, rundir.WSessionsFile), []int{0, shape[1]}, []float32{}); err != nil {
		t.Fatal(err)
	}
	var notes []string
	note := func(format string, a ...any) { notes = append(notes, format) }
	r, err := rundir.Open(dir, note)
	if err != nil || len(r.WSnapshots) != 1 || !r.WFinalOnly {
		t.Fatalf("with w_final.npy: %v, %d snapshots", err, len(r.WSnapshots))
	}
	os.Remove(filepath.Join(dir, rundir.WFinalFile))
	notes = nil
	r, err = rundir.Open(dir, note)
	if err != nil || len(r.WSnapshots) != 0 || !strings.Contains(strings.Join(notes, "|"), "holds no snapshot") {
		t.Fatalf("without: %v, %d snapshots, notes %q", err, len(r.WSnapshots), notes)
	}
}

// A trials.csv whose last line was cut (kill -9, a full disk) is read
// without that line, with a note; a duplicated line is refused.
func TestOpenTrialTableEnds(t *testing.T) {
	f := tiny(t)
	whole := f[rundir.TrialsFile]
	lines := bytes.SplitAfter(whole, []byte("\n"))
	n := len(lines) - 2 // trials (the split leaves an empty last element)
	for cut := 1; cut < len(lines[n]); cut += 3 {
		f[rundir.TrialsFile] = append(bytes.Join(lines[:n], nil), lines[n][:cut]...)
		var notes []string
		r, err := rundir.Open(writeRun(t, f), func(format string, a ...any) { notes = append(notes, format) })
		if err != nil || len(r.Trials) != n-1 || !strings.Contains(strings.Join(notes, "|"), "is incomplete") {
			t.Fatalf("cut after %d bytes of the last line: %v, %d trials (want %d), notes %q", cut, err, len(r.Trials), n-1, notes)
		}
	}
	f[rundir.TrialsFile] = append(bytes.Join(lines[:n+1], nil), lines[n]...)
	if _, err := rundir.Open(writeRun(t, f), nil); !errors.Is(err, rundir.ErrBadTrials) || !strings.Contains(err.Error(), "repeats trial") {
		t.Fatalf("a repeated last line: %v", err)
	}
}

// ReadTrials refuses duplicated lines: the same trial twice, or two lines on
// one row of the responses.
func TestReadTrialsDuplicates(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"trial,session,block,mode,coherence,recorded\n0,1,0,task,0.3,1\n0,1,0,task,0.3,1\n", "line 3 repeats trial 0 of line 2"},
		{"session,block,mode,coherence,recorded,row\n1,0,task,0.3,1,0\n1,0,task,-0.3,1,0\n", "line 3 is recorded as row 0 of the responses, like line 2"},
	} {
		if _, err := rundir.ReadTrials(strings.NewReader(c.in)); !errors.Is(err, rundir.ErrBadTrials) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.in, err, c.want)
		}
	}
	// Unrecorded trials share row -1; tables without trial numbers are fine.
	if tr, err := rundir.ReadTrials(strings.NewReader("session,block,mode,coherence,recorded\n1,0,task,0.3,0\n1,0,task,0.3,0\n1,0,task,0.3,1\n")); err != nil || len(tr) != 3 || tr[2].Row != 0 {
		t.Errorf("unrecorded lines: %v %+v", err, tr)
	}
}
