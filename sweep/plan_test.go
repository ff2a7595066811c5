package sweep

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func mustParse(t *testing.T, y string) *Spec {
	t.Helper()
	s, err := Parse("t.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func dirs(pts []Point) []string {
	var out []string
	for _, p := range pts {
		out = append(out, p.Dir)
	}
	return out
}

func TestPlan(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
		sets       [][]string
	}{
		{"seeds only", "seeds: [7, 3]\n",
			[]string{"runs/0000-seed=7", "runs/0001-seed=3"}, [][]string{{}, {}}},
		{"crossed: first key slowest, seeds fastest", "seeds: [1, 2]\ngrid:\n  dynamics.g_lat: [0.5, 1]\n  network.neurons: [200, 400]\n",
			[]string{
				"runs/0000-g_lat=0.5-neurons=200-seed=1", "runs/0001-g_lat=0.5-neurons=200-seed=2",
				"runs/0002-g_lat=0.5-neurons=400-seed=1", "runs/0003-g_lat=0.5-neurons=400-seed=2",
				"runs/0004-g_lat=1-neurons=200-seed=1", "runs/0005-g_lat=1-neurons=200-seed=2",
				"runs/0006-g_lat=1-neurons=400-seed=1", "runs/0007-g_lat=1-neurons=400-seed=2",
			},
			[][]string{
				{"dynamics.g_lat=0.5", "network.neurons=200"}, {"dynamics.g_lat=0.5", "network.neurons=200"},
				{"dynamics.g_lat=0.5", "network.neurons=400"}, {"dynamics.g_lat=0.5", "network.neurons=400"},
				{"dynamics.g_lat=1", "network.neurons=200"}, {"dynamics.g_lat=1", "network.neurons=200"},
				{"dynamics.g_lat=1", "network.neurons=400"}, {"dynamics.g_lat=1", "network.neurons=400"},
			}},
		{"zipped", "seeds: [1]\ncombine: zipped\ngrid:\n  dynamics.g_lat: [0.5, 1]\n  network.neurons: [200, 400]\n",
			[]string{"runs/0000-g_lat=0.5-neurons=200-seed=1", "runs/0001-g_lat=1-neurons=400-seed=1"},
			[][]string{{"dynamics.g_lat=0.5", "network.neurons=200"}, {"dynamics.g_lat=1", "network.neurons=400"}}},
		{"shared last part: full keys; odd values made safe", "seeds: [1]\ngrid:\n  a.rate: [\"x/y z\"]\n  b.rate: [\"[0.1, 0.2]\"]\n",
			[]string{"runs/0000-a.rate=x_y_z-b.rate=_0.1__0.2_-seed=1"},
			[][]string{{"a.rate=x/y z", "b.rate=[0.1, 0.2]"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pts := mustParse(t, c.yaml).Plan()
			if got := dirs(pts); !reflect.DeepEqual(got, c.want) {
				t.Errorf("dirs:\n  %q\nwant\n  %q", got, c.want)
			}
			for i, p := range pts {
				if p.Index != i {
					t.Errorf("point %d has index %d", i, p.Index)
				}
				if got := p.Sets(); !reflect.DeepEqual(got, c.sets[i]) && len(got)+len(c.sets[i]) > 0 {
					t.Errorf("point %d sets %q, want %q", i, got, c.sets[i])
				}
			}
		})
	}
}

func TestPlanIndexWidth(t *testing.T) {
	var seeds []string
	for i := 0; i <= 10000; i++ {
		seeds = append(seeds, strconv.Itoa(i))
	}
	pts := mustParse(t, "seeds: ["+strings.Join(seeds, ", ")+"]\n").Plan()
	if got := pts[10000].Dir; got != "runs/10000-seed=10000" {
		t.Errorf("last dir %q", got)
	}
	if got := pts[7].Dir; got != "runs/00007-seed=7" {
		t.Errorf("dir of point 7 is %q: want the index padded to the width of the largest", got)
	}
}

// The golden sweep rendered for a fixed directory and program path.
const (
	goldenDir = "/sweeps/glat-scan"
	goldenExe = "/opt/iplgpu/bin/iplgpu"
)

func TestGolden(t *testing.T) {
	s, err := Load("testdata/golden.sweep.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := s.manifest(filepath.Base(goldenDir))
	js, err := m.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{
		"golden.manifest.json": js,
		"golden.manifest.csv":  m.CSV(),
		"golden.sbatch":        SlurmScript(m, s, goldenDir, goldenExe, []string{"sweep", "run"}),
		"golden.job.yaml":      KubernetesJob(m, s, goldenDir),
	} {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./sweep -run TestGolden -update to write it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the code writes now; if the change is meant, run go test ./sweep -run TestGolden -update and review the diff.\ngot:\n%s", path, got)
		}
	}
}

func TestSbatchScriptIsValidBash(t *testing.T) {
	b, err := os.ReadFile("testdata/golden.sbatch")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-n")
	cmd.Stdin = bytes.NewReader(b)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
}

func TestWrite(t *testing.T) {
	src := t.TempDir()
	base := filepath.Join(src, "base.yaml")
	os.WriteFile(base, []byte("network:\n  neurons: 50\n"), 0o644)
	spec := filepath.Join(src, "s.yaml")
	os.WriteFile(spec, []byte("config: base.yaml\npreset: learning\nset: [a.b=1]\nseeds: [1, 2]\ngrid:\n  dynamics.g_lat: [0.5, 1]\n"), 0o644)
	s, err := Load(spec)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "my-sweep")
	var checked [][]string
	check := func(preset, config string, sets []string, seed uint64) error {
		if preset != "learning" || config != base {
			t.Errorf("check got preset %q config %q", preset, config)
		}
		checked = append(checked, append(sets, "seed="+strconv.FormatUint(seed, 10)))
		return nil
	}
	m, err := Write(dir, s, WriteOptions{Exe: "/bin/iplgpu", Check: check})
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{
		{"a.b=1", "dynamics.g_lat=0.5", "seed=1"}, {"a.b=1", "dynamics.g_lat=0.5", "seed=2"},
		{"a.b=1", "dynamics.g_lat=1", "seed=1"}, {"a.b=1", "dynamics.g_lat=1", "seed=2"},
	}; !reflect.DeepEqual(checked, want) {
		t.Errorf("checked %q, want %q", checked, want)
	}
	if m.Name != "my-sweep" || m.Config != BaseConfig {
		t.Errorf("manifest name %q config %q", m.Name, m.Config)
	}
	for _, f := range []string{SpecFile, BaseConfig, ManifestJSON, ManifestCSV, SbatchFile, KubeJobFile, RunsDir, LogsDir, LocksDir} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, SpecFile)); !bytes.Equal(b, s.raw) {
		t.Errorf("sweep.yaml is not the sweep file verbatim")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, BaseConfig)); string(b) != "network:\n  neurons: 50\n" {
		t.Errorf("base-config.yaml = %q", b)
	}
	if fi, _ := os.Stat(filepath.Join(dir, SbatchFile)); fi.Mode().Perm() != 0o755 {
		t.Errorf("sweep.sbatch mode %v", fi.Mode())
	}
	got, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("ReadManifest = %+v\nwant %+v", got, m)
	}
	if got := m.ConfigPath(dir); got != filepath.Join(dir, BaseConfig) {
		t.Errorf("ConfigPath = %s", got)
	}

	// The same sweep again: nothing changes, even with another program path.
	if _, err := Write(dir, s, WriteOptions{Exe: "/other/iplgpu"}); err != nil {
		t.Errorf("writing the same sweep again: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, SbatchFile)); !bytes.Contains(b, []byte("/other/iplgpu sweep run")) {
		t.Errorf("sweep.sbatch was not rewritten with the new program path")
	}
	// Another sweep into the same directory is refused.
	s2 := mustParse(t, "seeds: [1, 2, 3]\n")
	if _, err := Write(dir, s2, WriteOptions{Exe: "/bin/iplgpu"}); err == nil || !strings.Contains(err.Error(), "already holds a different sweep") {
		t.Errorf("another sweep into the same directory: %v", err)
	}
	// A directory with other files is refused.
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "x"), nil, 0o644)
	if _, err := Write(other, s2, WriteOptions{Exe: "/bin/iplgpu"}); err == nil || !strings.Contains(err.Error(), "already holds 1 entries") {
		t.Errorf("non-empty directory: %v", err)
	}
	// A failing check names the point and writes nothing.
	fresh := filepath.Join(t.TempDir(), "x")
	bad := errors.New("dynamics.g_lat = 1 is out of range")
	_, err = Write(fresh, s, WriteOptions{Exe: "/bin/iplgpu", Check: func(_, _ string, sets []string, _ uint64) error {
		if sets[1] == "dynamics.g_lat=1" {
			return bad
		}
		return nil
	}})
	if !errors.Is(err, bad) || !strings.Contains(err.Error(), "sweep point 2 (runs/0002-g_lat=1-seed=1)") {
		t.Errorf("check error: %v", err)
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("a refused sweep left %s behind", fresh)
	}
	// Paths that #SBATCH lines cannot carry.
	if _, err := Write(filepath.Join(t.TempDir(), "a b"), s2, WriteOptions{Exe: "/bin/iplgpu"}); err == nil || !strings.Contains(err.Error(), "cannot quote") {
		t.Errorf("directory with a space: %v", err)
	}
}

func TestReadManifestErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadManifest(dir); err == nil || !strings.Contains(err.Error(), "is not a sweep directory") {
		t.Errorf("no manifest: %v", err)
	}
	for name, js := range map[string]string{
		"unknown field": `{"format": 1, "name": "x", "combine": "crossed", "params": [], "seeds": [1], "points": [], "extra": 1}`,
		"format":        `{"format": 2}`,
		"bad index":     `{"format": 1, "points": [{"index": 1, "dir": "runs/0001-seed=1", "seed": 1, "grid": []}]}`,
		"bad dir":       `{"format": 1, "points": [{"index": 0, "dir": "../../etc", "seed": 1, "grid": []}]}`,
	} {
		os.WriteFile(filepath.Join(dir, ManifestJSON), []byte(js), 0o644)
		if _, err := ReadManifest(dir); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestManifestPoint(t *testing.T) {
	m := mustParse(t, "seeds: [1, 2]\n").manifest("x")
	if p, err := m.Point(1); err != nil || p.Seed != 2 {
		t.Errorf("Point(1) = %+v, %v", p, err)
	}
	for _, i := range []int{-1, 2} {
		if _, err := m.Point(i); err == nil || !strings.Contains(err.Error(), "its points are 0 to 1") {
			t.Errorf("Point(%d): %v", i, err)
		}
	}
}
