package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/simrun"
)

// tamperBase is a run small enough to copy and damage a few hundred times.
const tamperBase = `network: {neurons: 30, spines_per_neuron: 4}
homeostasis: {reference_trials: 2}
output: {checkpoint_trials: 5}
stimulus: {frames: 4, bin_ms: 100}
protocol:
  sessions: 1
  baseline: false
  before: [{name: pre, mode: task, trials: 8, coherences: [0.5], learning: false, record: true}]
  session:
    - {name: train, mode: task, trials: 4, coherences: [0.5], learning: true, record: false}
    - {name: task, mode: task, trials: 8, coherences: [0.5], learning: false, record: true}
  after: []
`

// damages are the kinds of damage of the tamper table. Each returns the
// damaged bytes, or ok false where the kind does not apply to the file.
var damages = []struct {
	name string
	do   func(name string, b, other []byte) ([]byte, bool)
}{
	{"delete", func(_ string, b, _ []byte) ([]byte, bool) { return nil, true }},
	{"truncate", func(_ string, b, _ []byte) ([]byte, bool) { return b[:len(b)/2], true }},
	{"flip", func(_ string, b, _ []byte) ([]byte, bool) {
		c := bytes.Clone(b)
		c[len(c)*3/4] ^= 0x01
		return c, true
	}},
	{"other-run", func(_ string, b, other []byte) ([]byte, bool) {
		return other, other != nil && !bytes.Equal(b, other)
	}},
	{"nan", func(name string, b, _ []byte) ([]byte, bool) { return setLast(name, b, float32(math.NaN())) }},
	{"range", func(name string, b, _ []byte) ([]byte, bool) { return setLast(name, b, 7) }},
}

// setLast sets the last element of a float32 or int32 .npy (v as its type),
// or the coherence of trials.csv's last line to v; ok false for other files
// (and NaN for an integer file).
func setLast(name string, b []byte, v float32) ([]byte, bool) {
	c := bytes.Clone(b)
	switch {
	case name == rundir.CheckpointFile: // its state's w: setCheckpointW
		return c, true
	case name == rundir.TrialsFile:
		lines := strings.SplitAfter(string(c), "\n")
		last := len(lines) - 2
		f := strings.Split(lines[last], ",")
		f[5] = fmt.Sprint(v)
		lines[last] = strings.Join(f, ",")
		return []byte(strings.Join(lines, "")), true
	case !strings.HasSuffix(name, ".npy") || len(c) < 4:
		return nil, false
	case bytes.Contains(c[:128], []byte("'<f4'")):
		binary.LittleEndian.PutUint32(c[len(c)-4:], math.Float32bits(v))
		return c, true
	case bytes.Contains(c[:128], []byte("'<i4'")) && !math.IsNaN(float64(v)):
		binary.LittleEndian.PutUint32(c[len(c)-4:], uint32(1<<30))
		return c, true
	}
	return nil, false
}

// setCheckpointMember rewrites checkpoint.npz with member changed by edit
// (its last bytes are the array's last value), and manifest.json's sum of
// it to match (a consistent forgery): the state's own checks must refuse it.
func setCheckpointMember(t *testing.T, dir, member string, edit func(b []byte)) {
	t.Helper()
	path := filepath.Join(dir, rundir.CheckpointFile)
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		r, _ := f.Open()
		b, _ := io.ReadAll(r)
		r.Close()
		if f.Name == member {
			edit(b)
		}
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		w.Write(b)
	}
	zr.Close()
	zw.Close()
	os.WriteFile(path, out.Bytes(), 0o644)
	mpath := filepath.Join(dir, rundir.ManifestFile)
	var m map[string]any
	mb, _ := os.ReadFile(mpath)
	if json.Unmarshal(mb, &m) != nil {
		return // no manifest
	}
	sum := sha256.Sum256(out.Bytes())
	m["files"].(map[string]any)[rundir.CheckpointFile] = map[string]any{"size": out.Len(), "sha256": fmt.Sprintf("%x", sum)}
	mb, _ = json.Marshal(m)
	os.WriteFile(mpath, mb, 0o644)
}

// dirSums is every file of dir and the SHA-256 of its contents.
func dirSums(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() == rundir.LockFile { // empty; taken by every writer
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = sha256.Sum256(b)
	}
	return out
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() == rundir.LockFile {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func writeDir(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, b := range files {
		if b == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runData is what the analysis reads of a run, its status aside: two runs
// with equal runData have the same analysis.
func runData(r *rundir.Run) *rundir.Run {
	c := *r
	c.Status, c.HasStatus, c.Dir, c.Recording.Source = rundir.Status{}, false, "", ""
	return &c
}

// The tamper table: every file of a stopped run (for resume) and of a
// complete one (for analyse and merge), deleted, truncated, with a byte
// flipped, replaced by another seed's file of the same name and shape, and
// (where the file holds numbers) its last value set to NaN or out of range.
// Each command either refuses, naming the file, and (resume) leaves the
// directory exactly as it was, or gives the result of the undamaged run.
func TestTamperTable(t *testing.T) {
	t0 := time.Now()
	tmp := t.TempDir()
	basePath := filepath.Join(tmp, "base.yaml")
	os.WriteFile(basePath, []byte(tamperBase), 0o644)
	load := func(seed uint64) *model.Config {
		cfg, err := model.LoadConfig("", basePath, []string{"dynamics.g_lat=0.5", fmt.Sprintf("seed=%d", seed)})
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	complete := func(seed uint64) string {
		dir := filepath.Join(tmp, fmt.Sprint("complete-", seed))
		if _, err := simrun.Create(context.Background(), load(seed), cpu.New(1), dir, engine.SimulateOptions{}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	stopped := func(seed uint64) string {
		dir := filepath.Join(tmp, fmt.Sprint("stopped-", seed))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		simrun.Create(ctx, load(seed), cpu.New(1), dir, engine.SimulateOptions{Progress: func(p engine.Progress) {
			if p.Trial == 13 {
				cancel()
			}
		}})
		return dir
	}
	whole, whole2 := complete(1), complete(2)
	stop1, stop2 := stopped(1), stopped(2)
	base, err := rundir.Open(whole, nil)
	if err != nil {
		t.Fatal(err)
	}

	// The sweep for merge: one point, the complete run of seed 1, analysed.
	sweepSrc := filepath.Join(tmp, "sweep-src")
	os.MkdirAll(sweepSrc, 0o755)
	os.WriteFile(filepath.Join(sweepSrc, "base.yaml"), []byte(tamperBase), 0o644)
	os.WriteFile(filepath.Join(sweepSrc, "sweep.yaml"), []byte("name: tamper\nconfig: base.yaml\nseeds: [1]\ngrid:\n  dynamics.g_lat: [0.5]\n"), 0o644)
	sweepDir := filepath.Join(tmp, "sweep")
	if code, _, errs := runCLI("sweep", "plan", filepath.Join(sweepSrc, "sweep.yaml"), "-dir", sweepDir); code != 0 {
		t.Fatalf("sweep plan: %s", errs)
	}
	mb, _ := os.ReadFile(filepath.Join(sweepDir, "manifest.json"))
	var sm struct{ Points []struct{ Dir string } }
	json.Unmarshal(mb, &sm)
	pointDir := filepath.Join(sweepDir, filepath.FromSlash(sm.Points[0].Dir))
	writeDir(t, pointDir, readDir(t, whole))
	if code, _, errs := runCLI("analyse", "-no-figures", "-boot", "0", "-subsets", "5", "-time-subsets", "2", pointDir); code != 0 {
		t.Fatalf("analyse the point: %s", errs)
	}
	merge := func() (int, string, []byte) {
		code, _, errs := runCLI("merge", "-no-figures", sweepDir)
		b, _ := os.ReadFile(filepath.Join(sweepDir, rundir.MergedFile))
		os.Remove(filepath.Join(sweepDir, rundir.MergedFile))
		return code, errs, b
	}
	code, errs, mergedBase := merge()
	if code != 0 {
		t.Fatalf("merge of the undamaged sweep: exit %d\n%s", code, errs)
	}
	pointFiles := readDir(t, pointDir)

	cases, refused, same, unverified := 0, 0, 0, 0
	perCommand, files := map[string]int{}, map[string]map[string]bool{}
	check := func(what, file string, err error, identical func() bool) {
		t.Helper()
		cases++
		cmd, _, _ := strings.Cut(what, ",")
		perCommand[cmd]++
		if files[cmd] == nil {
			files[cmd] = map[string]bool{}
		}
		files[cmd][file] = true
		if err != nil {
			refused++
			// merge leaves out a point that is not done as a whole, naming it.
			named := strings.Contains(err.Error(), file) || (file == rundir.CheckpointFile && strings.Contains(err.Error(), "state")) ||
				(strings.HasPrefix(what, "merge") && strings.Contains(err.Error(), "point 0 ("))
			if !named {
				t.Errorf("%s: refused without naming %s: %v", what, file, err)
			}
			return
		}
		same++
		t.Logf("%s: accepted", what)
		if !identical() {
			t.Errorf("%s: accepted, with a result that differs from the undamaged run's", what)
		}
	}

	// resume
	stopFiles, stopFiles2 := readDir(t, stop1), readDir(t, stop2)
	for _, name := range slices.Sorted(maps.Keys(stopFiles)) {
		for _, dmg := range damages {
			b, ok := dmg.do(name, stopFiles[name], stopFiles2[name])
			if !ok {
				continue
			}
			what := fmt.Sprintf("resume, %s %s", name, dmg.name)
			dir := filepath.Join(tmp, "r", name+"-"+dmg.name)
			files := maps.Clone(stopFiles)
			files[name] = b
			writeDir(t, dir, files)
			if name == rundir.CheckpointFile && (dmg.name == "nan" || dmg.name == "range") {
				v := map[string]float32{"nan": float32(math.NaN()), "range": 7}[dmg.name]
				setCheckpointMember(t, dir, "state/w.npy", func(b []byte) { binary.LittleEndian.PutUint32(b[len(b)-4:], math.Float32bits(v)) })
			}
			before := dirSums(t, dir)
			err := resumeErr(dir)
			if name == rundir.CheckpointFile {
				t.Logf("%s: %v", what, err)
			}
			if err != nil {
				if after := dirSums(t, dir); !reflect.DeepEqual(before, after) {
					t.Errorf("%s: refused (%v), but changed the directory", what, err)
				}
			}
			check(what, name, err, func() bool {
				diffs, derr := rundir.CompareDirs(whole, dir)
				return derr == nil && len(diffs) == 0
			})
		}
	}

	// analyse (rundir.OpenWith, which analysis.Load calls first)
	wholeFiles, wholeFiles2 := readDir(t, whole), readDir(t, whole2)
	for _, name := range slices.Sorted(maps.Keys(wholeFiles)) {
		for _, dmg := range damages {
			b, ok := dmg.do(name, wholeFiles[name], wholeFiles2[name])
			if !ok {
				continue
			}
			dir := filepath.Join(tmp, "a", name+"-"+dmg.name)
			files := maps.Clone(wholeFiles)
			files[name] = b
			writeDir(t, dir, files)
			r, err := rundir.Open(dir, nil)
			check(fmt.Sprintf("analyse, %s %s", name, dmg.name), name, err, func() bool {
				return reflect.DeepEqual(runData(r), runData(base))
			})
			// -unverified: the consistency checks alone; what they accept
			// must analyse without a panic.
			if r, err := rundir.OpenWith(dir, nil, rundir.OpenOptions{Unverified: true}); err == nil {
				unverified++
				analysis.Compute(r, analysis.Options{Subsets: 2, TimeSubsets: 1, NoBootstrap: true, SpatialMaxPairs: 20})
			}
		}
	}

	// merge
	for _, name := range slices.Sorted(maps.Keys(wholeFiles)) {
		for _, dmg := range damages {
			b, ok := dmg.do(name, pointFiles[name], wholeFiles2[name])
			if !ok {
				continue
			}
			files := maps.Clone(pointFiles)
			files[name] = b
			os.RemoveAll(pointDir)
			writeDir(t, pointDir, files)
			code, errs, merged := merge()
			var err error
			if code != 0 {
				err = fmt.Errorf("exit %d: %s", code, errs)
			}
			check(fmt.Sprintf("merge, %s %s", name, dmg.name), name, err, func() bool { return bytes.Equal(merged, mergedBase) })
		}
	}
	os.RemoveAll(pointDir)
	writeDir(t, pointDir, pointFiles)
	for _, c := range []string{"resume", "analyse", "merge"} {
		t.Logf("%s: %d cases over %d files", c, perCommand[c], len(files[c]))
	}
	t.Logf("tamper table: %d cases (%d refused, %d accepted with the undamaged result; %d analysed with -unverified without a panic) in %.1f s", cases, refused, same, unverified, time.Since(t0).Seconds())
}

// Resume refuses host state no run reaches, forged consistently (the
// manifest's sum updated): a shifted step counter, a NaN gate, a NaN shared
// gain variable; the directory is left as it was.
func TestResumeRefusesForgedHostState(t *testing.T) {
	tmp := t.TempDir()
	cfg := tamperConfig(t, tmp)
	src := filepath.Join(tmp, "stopped")
	ctx, cancel := context.WithCancel(context.Background())
	simrun.Create(ctx, cfg, cpu.New(1), src, engine.SimulateOptions{Progress: func(p engine.Progress) {
		if p.Trial == 7 {
			cancel()
		}
	}})
	cancel()
	files := readDir(t, src)
	for _, c := range []struct {
		member string
		edit   func(b []byte)
		want   string
	}{
		{"host/step.npy", func(b []byte) { b[len(b)-8]++ }, "host state step is"},
		{"host/gate.npy", func(b []byte) { binary.LittleEndian.PutUint64(b[len(b)-8:], math.Float64bits(math.NaN())) }, "host state gate is NaN"},
		{"host/gate.npy", func(b []byte) { binary.LittleEndian.PutUint64(b[len(b)-8:], math.Float64bits(1.5)) }, "host state gate is 1.5"},
		{"host/shared_z.npy", func(b []byte) { binary.LittleEndian.PutUint64(b[len(b)-8:], math.Float64bits(math.Inf(1))) }, "host state shared_z is +Inf"},
		{"state/h.npy", func(b []byte) { binary.LittleEndian.PutUint32(b[len(b)-4:], math.Float32bits(-1)) }, "state array h holds -1"},
	} {
		dir := filepath.Join(tmp, strings.NewReplacer("/", "-", ".", "-").Replace(c.member)+c.want[len(c.want)-3:])
		writeDir(t, dir, files)
		setCheckpointMember(t, dir, c.member, c.edit)
		before := dirSums(t, dir)
		err := resumeErr(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.member, err, c.want)
		}
		if after := dirSums(t, dir); !reflect.DeepEqual(before, after) {
			t.Errorf("%s: the refusal changed the directory", c.member)
		}
	}
}

// tamperConfig is tamperBase, written into dir and loaded from there.
func tamperConfig(t *testing.T, dir string) *model.Config {
	t.Helper()
	path := filepath.Join(dir, "base.yaml")
	os.WriteFile(path, []byte(tamperBase), 0o644)
	cfg, err := model.LoadConfig("", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// resumeErr resumes the stopped run in dir to its end.
func resumeErr(dir string) error {
	out, r, err := rundir.Reopen(dir)
	if err != nil {
		return err
	}
	_, err = simrun.Continue(context.Background(), cpu.New(1), out, r, engine.SimulateOptions{})
	return err
}

// Analyse checks trials.csv's labels against the config and the arrays,
// also with -unverified (the manifest's check made a note): a flipped
// coherence sign, a coherence the block never had, two lines' rows swapped.
// Each is an error naming the trial and the column.
func TestAnalyseChecksLabels(t *testing.T) {
	tmp := t.TempDir()
	cfg := tamperConfig(t, tmp)
	src := filepath.Join(tmp, "run")
	if _, err := simrun.Create(context.Background(), cfg, cpu.New(1), src, engine.SimulateOptions{}); err != nil {
		t.Fatal(err)
	}
	files := readDir(t, src)
	run, err := rundir.Open(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A recorded trial whose frames show its sign (a signal frame).
	signed := -1
	for i, tr := range run.Trials {
		if tr.Recorded && tr.Coherence > 0 && slices.ContainsFunc(run.Frames[i*run.FramesPerTrial:(i+1)*run.FramesPerTrial], func(f float32) bool {
			return math.Abs(float64(f)-cfg.Stimulus.TaskOrientationDeg) < 1e-4
		}) {
			signed = i
			break
		}
	}
	if signed < 0 {
		t.Fatal("no recorded trial shows a signal frame")
	}
	edit := func(line int, col int, v string) func(b []byte) []byte {
		return func(b []byte) []byte {
			lines := strings.SplitAfter(string(b), "\n")
			f := strings.Split(strings.TrimSuffix(lines[line+1], "\n"), ",")
			f[col] = v
			lines[line+1] = strings.Join(f, ",") + "\n"
			return []byte(strings.Join(lines, ""))
		}
	}
	first, second := -1, -1
	for i, tr := range run.Trials {
		if tr.Recorded && first < 0 {
			first = i
		} else if tr.Recorded && second < 0 {
			second = i
		}
	}
	for _, c := range []struct {
		name string
		edit func(b []byte) []byte
		want string
	}{
		{"sign flipped", edit(signed, 5, fmt.Sprint(-run.Trials[signed].Coherence)), fmt.Sprintf("(trial %d): column coherence is -0.5, but row %d of frames.npy shows", signed, signed)},
		{"coherence relabelled", edit(signed, 5, "0.77"), fmt.Sprintf("(trial %d): column coherence is 0.77, but block", signed)},
		{"rows swapped", func(b []byte) []byte {
			return edit(second, 10, fmt.Sprint(run.Trials[first].Row))(edit(first, 10, fmt.Sprint(run.Trials[second].Row))(b))
		}, fmt.Sprintf("(trial %d): column row is %d", first, run.Trials[second].Row)},
		{"learning", edit(signed, 6, "1"), fmt.Sprintf("(trial %d): column learning is 1", signed)},
	} {
		dir := filepath.Join(tmp, strings.ReplaceAll(c.name, " ", "-"))
		f := maps.Clone(files)
		f[rundir.TrialsFile] = c.edit(bytes.Clone(files[rundir.TrialsFile]))
		writeDir(t, dir, f)
		var notes []string
		_, err := rundir.OpenWith(dir, func(format string, a ...any) { notes = append(notes, fmt.Sprintf(format, a...)) }, rundir.OpenOptions{Unverified: true})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if !strings.Contains(strings.Join(notes, "\n"), "UNVERIFIED (-unverified): trials.csv differs") {
			t.Errorf("%s: -unverified made no note of the manifest's difference: %q", c.name, notes)
		}
		if _, err := rundir.Open(dir, nil); err == nil || !strings.Contains(err.Error(), "trials.csv: ") || !strings.Contains(err.Error(), ManifestName) {
			t.Errorf("%s: without -unverified: %v", c.name, err)
		}
	}
	// -unverified on the command line: the report says so.
	dir := filepath.Join(tmp, "theta")
	f := maps.Clone(files)
	f[rundir.ThetaFile] = bytes.Clone(f[rundir.ThetaFile])
	f[rundir.ThetaFile][len(f[rundir.ThetaFile])-1] ^= 1
	writeDir(t, dir, f)
	if code, _, errs := runCLI("analyse", "-no-figures", "-boot", "0", "-subsets", "3", "-time-subsets", "1", dir); code != 1 || !strings.Contains(errs, "theta.npy: its contents differ") {
		t.Errorf("analyse of a changed theta.npy: exit %d\n%s", code, errs)
	}
	if code, _, errs := runCLI("analyse", "-unverified", "-no-figures", "-boot", "0", "-subsets", "3", "-time-subsets", "1", dir); code != 0 {
		t.Errorf("analyse -unverified: exit %d\n%s", code, errs)
	}
	rep, _ := os.ReadFile(filepath.Join(dir, rundir.ReportFile))
	if !strings.Contains(string(rep), "UNVERIFIED (-unverified): theta.npy differs from manifest.json") {
		t.Errorf("report.md of analyse -unverified does not say so:\n%.2000s", rep)
	}
}

const ManifestName = rundir.ManifestFile

// Merge takes a point's values from its own config.yaml: two points' run
// directories swapped are refused, naming the config and the grid position.
func TestMergeRefusesSwappedPoints(t *testing.T) {
	tmp := t.TempDir()
	os.WriteFile(filepath.Join(tmp, "base.yaml"), []byte(tamperBase), 0o644)
	os.WriteFile(filepath.Join(tmp, "sweep.yaml"), []byte("name: swap\nconfig: base.yaml\nseeds: [1]\ngrid:\n  dynamics.g_lat: [0.5, 0.9]\n"), 0o644)
	dir := filepath.Join(tmp, "sweep")
	if code, _, errs := runCLI("sweep", "plan", filepath.Join(tmp, "sweep.yaml"), "-dir", dir); code != 0 {
		t.Fatalf("sweep plan: %s", errs)
	}
	expectCLI(t, []string{"sweep", "run", "-dir", dir, "-index", "-1"}, 2, nil, []string{"-index -1: point indices are 0 to 1"})
	mb, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	var sm struct {
		Points []struct {
			Dir  string
			Seed uint64
		}
	}
	json.Unmarshal(mb, &sm)
	var dirs []string
	for _, p := range sm.Points {
		d := filepath.Join(dir, filepath.FromSlash(p.Dir))
		dirs = append(dirs, d)
	}
	for i, g := range []string{"0.5", "0.9"} {
		cfg, err := model.LoadConfig("", filepath.Join(dir, "base-config.yaml"), []string{"dynamics.g_lat=" + g, fmt.Sprintf("seed=%d", sm.Points[i].Seed)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := simrun.Create(context.Background(), cfg, cpu.New(1), dirs[i], engine.SimulateOptions{}); err != nil {
			t.Fatal(err)
		}
		if code, _, errs := runCLI("analyse", "-no-figures", "-boot", "0", "-subsets", "3", "-time-subsets", "1", dirs[i]); code != 0 {
			t.Fatalf("analyse: %s", errs)
		}
	}
	if code, _, errs := runCLI("merge", "-no-figures", dir); code != 0 {
		t.Fatalf("merge: exit %d\n%s", code, errs)
	}
	tmpDir := dirs[0] + ".x"
	os.Rename(dirs[0], tmpDir)
	os.Rename(dirs[1], dirs[0])
	os.Rename(tmpDir, dirs[1])
	code, _, errs := runCLI("merge", "-no-figures", dir)
	if code != 1 || !strings.Contains(errs, "differs from the configuration of its grid position (dynamics.g_lat=0.5 seed=1)") || !strings.Contains(errs, "g_lat") {
		t.Errorf("merge of swapped points: exit %d\n%s", code, errs)
	}
}

// -resume "" is refused, not a new full run.
func TestResumeEmptyRefused(t *testing.T) {
	code, _, errs := runCLI("run", "-resume", "")
	if code != 2 || !strings.Contains(errs, `-resume "": give the directory`) {
		t.Errorf(`run -resume "": exit %d\n%s`, code, errs)
	}
}

// A display that accepts the connection and never answers is given up on
// after -display-timeout, naming it, instead of hanging; -size is bounded.
func TestViewDisplayTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	if port < 6000 {
		t.Skipf("port %d: no X display number maps to it", port)
	}
	t.Setenv("DISPLAY", fmt.Sprintf("127.0.0.1:%d", port-6000))
	t0 := time.Now()
	code, _, errs := runCLI(append([]string{"view", "-display-timeout", "500ms", "-out", filepath.Join(t.TempDir(), "run")}, tinyRun...)...)
	if code == 0 || !strings.Contains(errs, "accepted the connection but did not answer within 500ms") || time.Since(t0) > 20*time.Second {
		t.Errorf("view on a display that never answers: exit %d after %v\n%s", code, time.Since(t0), errs)
	}
	expectCLI(t, []string{"view", "-size", "100000x100000"}, 2, nil, []string{"-size", "16 to 16384"})
}

// Bounds and messages of the sweep and merge flags.
func TestSweepFlagsBounded(t *testing.T) {
	expectCLI(t, []string{"sweep", "local", "-dir", t.TempDir(), "-j", "100000000"}, 2, nil, []string{"-j N from 1 to 1024"})
	expectCLI(t, []string{"merge", "-j", "100000000", t.TempDir()}, 2, nil, []string{"-j N from 1 to 1024"})
	code, stdout, stderr := runCLI("fisher", "-h")
	if h := stdout + stderr; code != 0 || strings.Contains(h, "any numeric dtype") || !strings.Contains(h, "uint8,\nuint16, uint32, uint64, int32, int64, float32 or float64") {
		t.Errorf("fisher -h: exit %d\n%s", code, h)
	}
}
