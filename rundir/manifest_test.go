package rundir_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/simrun"
)

// A complete run's manifest names every file the run wrote (run.json and
// the lock aside) with its size and SHA-256, and the run's identity; a
// stopped run's names the checkpoint and the growing files up to it, as
// the checkpoint records them. A directory without one opens with a note.
func TestManifestRecordsTheRun(t *testing.T) {
	files, err := tinyRun()
	if err != nil {
		t.Fatal(err)
	}
	dir := writeRun(t, files)
	m, ok, err := rundir.ReadManifest(dir)
	if err != nil || !ok {
		t.Fatalf("manifest: %v %v", ok, err)
	}
	var names []string
	for n := range files {
		if n != rundir.StatusFile && n != rundir.ManifestFile && n != rundir.LockFile {
			names = append(names, n)
		}
	}
	var listed []string
	for n := range m.Files {
		listed = append(listed, n)
	}
	slices.Sort(names)
	slices.Sort(listed)
	if !slices.Equal(names, listed) || m.State != rundir.ManifestComplete || m.Seed != 1 || m.Version != model.Version {
		t.Errorf("manifest lists %v (state %s, seed %d, version %s); the run wrote %v", listed, m.State, m.Seed, m.Version, names)
	}
	if bad := m.Verify(dir); len(bad) > 0 {
		t.Errorf("the run's own files differ from its manifest: %v", bad)
	}
	if m.ConfigSHA256 != rundir.ConfigSHA256(files[rundir.ConfigFile]) {
		t.Error("config_sha256 is not config.yaml's")
	}

	// Stopped after 7 trials (checkpoints every 5 and at the stop).
	cfg, err := model.LoadConfig("", "", []string{"network.neurons=20", "network.spines_per_neuron=2", "protocol.sessions=1", "output.checkpoint_trials=5"})
	if err != nil {
		t.Fatal(err)
	}
	stopped := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	simrun.Create(ctx, cfg, cpu.New(1), stopped, engine.SimulateOptions{Progress: func(p engine.Progress) {
		if p.Trial == 7 {
			cancel()
		}
	}})
	cancel()
	m, ok, err = rundir.ReadManifest(stopped)
	if err != nil || !ok || m.State != rundir.ManifestCheckpoint || m.TrialsDone != 7 {
		t.Fatalf("stopped run: %+v %v %v", m, ok, err)
	}
	ck, err := rundir.OpenCheckpoint(stopped)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	for _, n := range []string{rundir.TrialsFile, rundir.ResponsesFile, rundir.FramesFile, rundir.WSessionsFile} {
		if s := m.Files[n]; !s.Prefix || s != ck.Info.Files[n] {
			t.Errorf("%s: manifest %+v, checkpoint %+v", n, s, ck.Info.Files[n])
		}
	}
	ckSum, err := rundir.SumFile(filepath.Join(stopped, rundir.CheckpointFile))
	if err != nil || ckSum != m.Files[rundir.CheckpointFile] {
		t.Errorf("checkpoint.npz: %+v, manifest %+v (%v)", ckSum, m.Files[rundir.CheckpointFile], err)
	}
	var notes []string
	if _, err := rundir.Open(stopped, func(f string, a ...any) { notes = append(notes, f) }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "trials after them are not verified") {
		t.Errorf("notes %q", notes)
	}

	// Without a manifest: opens, with a note.
	os.Remove(filepath.Join(dir, rundir.ManifestFile))
	notes = nil
	if _, err := rundir.Open(dir, func(f string, a ...any) { notes = append(notes, f) }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "its files are not verified") {
		t.Errorf("no note for a directory without a manifest: %q", notes)
	}
}
