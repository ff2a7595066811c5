package compare

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/sweep"
)

// loadResolver resolves a point as the sweep's runs do (without the host
// memory checks of the command line).
func loadResolver(preset, config string, sets []string, seed uint64) (*model.Config, error) {
	cfg, err := model.LoadConfig(preset, config, append(append([]string{}, sets...), fmt.Sprintf("seed=%d", seed)))
	if err != nil {
		return nil, err
	}
	return cfg, cfg.CheckRunnable()
}

// TestPlanSweep: a comparison laid out as a sweep has one point per
// mechanism and seed (mechanisms slowest), each point's configuration, as
// its run resolves it from the sweep directory's base config, its mechanism
// and its seed, is byte for byte the configuration Run simulates for that
// mechanism and seed, and the plan file holds the protocol's options.
// Planning again into the same directory is accepted; an override of the
// seed (which the points would undo) is refused before anything is written.
func TestPlanSweep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plan")
	o := tinyCompare("")
	o.Seeds = []uint64{4, 2}
	o.SwitchPairs, o.SwitchTaskGain = 3, true
	m, err := PlanSweep(dir, o, loadResolver, sweep.WriteOptions{Exe: "/bin/iplgpu"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		mech string
		seed uint64
		dir  string
	}{{"ipl", 4, "runs/0000-mechanism=ipl-seed=4"}, {"ipl", 2, "runs/0001-mechanism=ipl-seed=2"}, {"feedback", 4, "runs/0002-mechanism=feedback-seed=4"}, {"feedback", 2, "runs/0003-mechanism=feedback-seed=2"}}
	read, err := sweep.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(read, m) || len(m.Points) != len(want) || !reflect.DeepEqual(m.Params, []string{MechanismKey}) || m.Config != sweep.BaseConfig {
		t.Fatalf("manifest %+v; want 4 points of the grid [mechanism] on %s", m, sweep.BaseConfig)
	}
	for i, w := range want {
		p := m.Points[i]
		if p.Dir != w.dir || p.Seed != w.seed || !reflect.DeepEqual(m.Overrides(p), []string{"mechanism=" + w.mech}) {
			t.Errorf("point %d: %+v; want %s on seed %d in %s", i, p, w.mech, w.seed, w.dir)
		}
		got, err := loadResolver(m.Preset, m.ConfigPath(dir), m.Overrides(p), p.Seed)
		if err != nil {
			t.Fatal(err)
		}
		cmp, err := Config(w.mech, w.seed, o)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(model.ResolvedYAML(got), model.ResolvedYAML(cmp)) {
			t.Errorf("point %d: its config.yaml differs from compare's %s-seed%d:\n%s\n---\n%s", i, w.mech, w.seed, model.ResolvedYAML(got), model.ResolvedYAML(cmp))
		}
	}
	if _, err := sweep.Load(filepath.Join(dir, sweep.SpecFile)); err != nil {
		t.Errorf("the sweep file does not load back: %v", err)
	}
	runs, err := ReadSweep(dir, func(string) (sweep.State, string, error) { return sweep.Done, "", nil })
	if err != nil {
		t.Fatal(err)
	}
	var back Options
	runs.Apply(&back)
	if back.SwitchPairs != 3 || !back.SwitchTaskGain || !reflect.DeepEqual(back.Sets, o.Sets) || back.MeasureTrials != o.MeasureTrials ||
		!reflect.DeepEqual(back.Mechanisms, []string{"ipl", "feedback"}) || !reflect.DeepEqual(back.Seeds, []uint64{4, 2}) || back.RunDir("feedback", 2) != filepath.Join(dir, "runs", "0003-mechanism=feedback-seed=2") {
		t.Errorf("the plan read back: %+v", back)
	}
	if _, err := PlanSweep(dir, o, loadResolver, sweep.WriteOptions{Exe: "/bin/iplgpu"}); err != nil {
		t.Errorf("the same plan again: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	o.Sets = append(o.Sets, "seed=7")
	if _, err := PlanSweep(bad, o, loadResolver, sweep.WriteOptions{Exe: "/bin/iplgpu"}); err == nil || !strings.Contains(err.Error(), "differs from the comparison's run ipl-seed4") {
		t.Errorf("an override of the seed: %v", err)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Errorf("a refused plan wrote %s", bad)
	}
}

// ReadSweep and Check refuse a sweep whose points are not a comparison's
// (no mechanism, a mechanism and seed twice), a mechanism or seed the sweep
// lacks, and a point that is not done, naming it.
func TestReadSweepRefuses(t *testing.T) {
	done := func(string) (sweep.State, string, error) { return sweep.Done, "", nil }
	write := func(text string) string {
		dir := filepath.Join(t.TempDir(), "s")
		s, err := sweep.Parse("sweep.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sweep.Write(dir, s, sweep.WriteOptions{Exe: "/bin/iplgpu"}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, c := range []struct{ text, want string }{
		{"seeds: [1]\ngrid:\n  dynamics.g_lat: [0.1]\n", "sets no mechanism"},
		{"seeds: [1]\ngrid:\n  mechanism: [ipl]\n  dynamics.g_lat: [0.1, 0.2]\n", "both run ipl on seed 1"},
		{"seeds: [1]\ngrid:\n  mechanism: [ipl]\n", "not a sweep of iplgpu compare -plan"},
	} {
		if _, err := ReadSweep(write(c.text), done); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v; want %q", c.text, err, c.want)
		}
	}
	dir := filepath.Join(t.TempDir(), "plan")
	if _, err := PlanSweep(dir, tinyCompare(""), loadResolver, sweep.WriteOptions{Exe: "/bin/iplgpu"}); err != nil {
		t.Fatal(err)
	}
	pendingSeed2 := func(d string) (sweep.State, string, error) {
		if strings.HasSuffix(d, "seed=2") {
			return sweep.Pending, "", nil
		}
		return sweep.Done, "", nil
	}
	runs, err := ReadSweep(dir, pendingSeed2)
	if err != nil {
		t.Fatal(err)
	}
	if err := runs.Check([]string{"ipl", "feedback"}, []uint64{1}); err != nil {
		t.Errorf("the done points: %v", err)
	}
	if err := runs.Check([]string{"ipl", "feedback"}, []uint64{1, 2}); err == nil || !strings.Contains(err.Error(), "not done: point 1 (runs/0001-mechanism=ipl-seed=2) is pending, point 3 (runs/0003-mechanism=feedback-seed=2) is pending") {
		t.Errorf("pending points: %v", err)
	}
	if err := runs.Check([]string{"ipl"}, []uint64{1, 5}); err == nil || !strings.Contains(err.Error(), "holds no run of ipl on seed 5") {
		t.Errorf("a seed the sweep lacks: %v", err)
	}
}
