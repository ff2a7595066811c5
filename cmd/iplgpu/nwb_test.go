//go:build hdf5

package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/nwb"
	"github.com/iplgpu/iplgpu/rundir"
)

// fisherRunArgs is a short run with enough recorded trials per sign for the
// Fisher estimates of its 30 neurons.
var fisherRunArgs = []string{
	"-set", "network.neurons=30", "-set", "network.spines_per_neuron=4", "-set", "protocol.sessions=1",
	"-set", "protocol.before=[]", "-set", "protocol.after=[]", "-set", "protocol.baseline=false",
	"-set", "protocol.session=[{name: task, mode: task, trials: 40, coherences: [0.3], learning: false, record: true}]",
}

// python is the interpreter with pynwb and nwbinspector (scripts/python-deps.sh
// installs them); without them the test skips, unless IPLGPU_REQUIRE_NWB=1
// (make test, make check), where it fails.
func python(t *testing.T) string {
	t.Helper()
	py := os.Getenv("IPLGPU_PYTHON")
	if py == "" {
		py = "python3"
	}
	if out, err := exec.Command(py, "-c", "import pynwb, nwbinspector, numpy").CombinedOutput(); err != nil {
		if os.Getenv("IPLGPU_REQUIRE_NWB") == "1" {
			t.Fatalf("%s lacks pynwb, nwbinspector or numpy (scripts/python-deps.sh installs them): %v\n%s", py, err, out)
		}
		t.Skipf("%s lacks pynwb, nwbinspector or numpy: %v", py, err)
	}
	return py
}

// exportedRun runs args into a new run directory and exports it.
func exportedRun(t *testing.T, args []string) (dir, file string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "run")
	if code, out, errs := runCLI(append([]string{"run", "-backend", "cpu", "-out", dir, "-seed", "3"}, args...)...); code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	file = filepath.Join(t.TempDir(), "run.nwb")
	if code, out, errs := runCLI("export", "-nwb", file, dir); code != 0 || !strings.Contains(out, "30 units") {
		t.Fatalf("export: exit %d\n%s\n%s", code, out, errs)
	}
	return dir, file
}

// pynwb opens what export writes and nwbinspector finds nothing at error
// level in it: no ERROR (a check that failed on the file), no
// PYNWB_VALIDATION, and no CRITICAL but the subject's age (a simulated
// network has none).
func TestExportNWBPynwbAndInspector(t *testing.T) {
	py := python(t)
	dir, file := exportedRun(t, tinyRun)
	out, err := exec.Command(py, "testdata/nwb_check.py", file).Output()
	if err != nil {
		t.Fatalf("nwb_check.py: %v\n%s", err, out)
	}
	var got struct {
		Units, Trials, Electrodes, Spikes, Frames int
		TrialColumns                              []string `json:"trial_columns"`
		Protocol                                  string
		Findings                                  []struct{ Importance, Check, Message string }
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	run, err := rundir.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	spikes := 0
	for _, c := range run.Responses.Data().([]uint16) {
		spikes += int(c)
	}
	if got.Units != 30 || got.Trials != len(run.Trials) || got.Electrodes != 100 || got.Spikes != spikes || got.Frames != run.FrameRows*run.FramesPerTrial {
		t.Errorf("pynwb reads %d units, %d trials, %d electrodes, %d spikes, %d frames; want 30, %d, 100, %d, %d",
			got.Units, got.Trials, got.Electrodes, got.Spikes, got.Frames, len(run.Trials), spikes, run.FrameRows*run.FramesPerTrial)
	}
	for _, c := range rundir.TrialsColumns {
		if !slices.Contains(got.TrialColumns, c) {
			t.Errorf("the trials table lacks column %s (has %v)", c, got.TrialColumns)
		}
	}
	if got.Protocol != string(run.ConfigYAML) {
		t.Errorf("general/protocol is not the run's config.yaml")
	}
	for _, f := range got.Findings {
		switch {
		case f.Importance == "CRITICAL" && f.Check == "check_subject_age":
		case f.Importance == "ERROR" || f.Importance == "PYNWB_VALIDATION" || f.Importance == "CRITICAL":
			t.Errorf("nwbinspector: %s %s: %s", f.Importance, f.Check, f.Message)
		}
	}
}

// An exported run read back gives the run's counts exactly, and iplgpu
// fisher the same table on the file as on the run directory.
func TestNWBRoundTrip(t *testing.T) {
	dir, file := exportedRun(t, fisherRunArgs)
	run, err := rundir.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := nwb.Open(file, nwb.DefaultRoles, nwb.OpenOptions{BinMs: run.Config.Stimulus.BinMs})
	if err != nil {
		t.Fatal(err)
	}
	if r, g := run.Responses, f.Responses; r.Trials != g.Trials || r.Bins != g.Bins || r.Neurons != g.Neurons ||
		!slices.Equal(r.Data().([]uint16), g.Data().([]uint16)) {
		t.Fatalf("counts read back differ: %dx%dx%d, want %dx%dx%d", g.Trials, g.Bins, g.Neurons, r.Trials, r.Bins, r.Neurons)
	}
	if !slices.Equal(f.Trials, run.Trials) && !trialsEqual(f.Trials, run.Trials) {
		t.Errorf("the trials read back differ from trials.csv")
	}
	if !slices.Equal(f.Theta, run.Theta) || !slices.Equal(f.SomaPos, run.SomaPos) {
		t.Errorf("preferred orientations or soma positions read back differ")
	}
	args := []string{"-boot", "20", "-subsets", "10", "-format", "csv"}
	code, want, errs := runCLI(append([]string{"fisher", "-run", dir}, args...)...)
	if code != 0 {
		t.Fatalf("fisher -run: exit %d\n%s", code, errs)
	}
	code, got, errs := runCLI(append([]string{"fisher", "-nwb", file}, args...)...)
	if code != 0 {
		t.Fatalf("fisher -nwb: exit %d\n%s", code, errs)
	}
	if got != want || strings.Count(got, "\n") < 2 {
		t.Errorf("fisher -nwb on the export differs from fisher -run on the run:\n%s\nwant\n%s", got, want)
	}
}

// trialsEqual compares trial tables, NaN gate values equal.
func trialsEqual(a, b []rundir.TrialRecord) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if math.IsNaN(float64(x.GateStart)) && math.IsNaN(float64(y.GateStart)) {
			x.GateStart, y.GateStart = 0, 0
		}
		if x != y {
			return false
		}
	}
	return true
}

// A role column that is missing or of the wrong type is refused before any
// spike is read, naming the column and what it should hold.
func TestFisherNWBRefusesColumns(t *testing.T) {
	_, file := exportedRun(t, tinyRun)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"-stimulus-column", "orientation"}, []string{`no column "orientation"`, "signed stimulus", "coherence, learning"}},
		{[]string{"-stimulus-column", "mode"}, []string{`column "mode"`, "holds string values", "want integer or float"}},
		{[]string{"-block-column", "coherence"}, []string{`column "coherence"`, "holds float values", "want integer or string"}},
		{[]string{"-mode-column", "block"}, []string{`column "block"`, "task or passive", "holds integer values"}},
		{[]string{"-recorded-column", "ablation"}, []string{`column "ablation"`, "holds string values"}},
		{[]string{"-bin-ms", "-5"}, []string{"bin width -5 ms"}},
	} {
		code, _, errs := runCLI(append(append([]string{"fisher", "-nwb", file}, c.args...), "-boot", "0")...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1\n%s", c.args, code, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", c.args, w, errs)
			}
		}
		if _, err := os.Stat(strings.TrimSuffix(file, ".nwb") + ".fisher.csv"); err == nil {
			t.Fatalf("%v: a refused analysis wrote its table", c.args)
		}
	}
	if code, _, errs := runCLI("fisher", "-run", t.TempDir(), "-stimulus-column", "x"); code != 2 || !strings.Contains(errs, "go with -nwb") {
		t.Errorf("-stimulus-column without -nwb: exit %d\n%s", code, errs)
	}
}

// A recording written by pynwb (units, trials in two conditions,
// electrodes; made up with known statistics, with spikes between the trials
// that must not count) gives, through fisher -nwb and through analyse, the
// Fisher information numpy computes on its counts.
func TestNWBRecordingMatchesNumpy(t *testing.T) {
	py := python(t)
	file := filepath.Join(t.TempDir(), "lab.nwb")
	out, err := exec.Command(py, "testdata/nwb_make.py", file).Output()
	if err != nil {
		t.Fatalf("nwb_make.py: %v\n%s", err, out)
	}
	var want struct {
		N      int
		Blocks map[string]struct {
			IReal    float64 `json:"i_real"`
			IShuffle float64 `json:"i_shuffle"`
		}
	}
	if err := json.Unmarshal(out, &want); err != nil || len(want.Blocks) != 2 {
		t.Fatalf("%v\n%s", err, out)
	}
	roles := []string{"-stimulus-column", "signed_coherence", "-block-column", "condition",
		"-mode-column", "state", "-session-column", "", "-recorded-column", "", "-bin-ms", "100", "-subset", "8", "-subsets", "1", "-boot", "0"}
	check := func(how string, rows [][]string, header []string) {
		t.Helper()
		col := map[string]int{}
		for i, h := range header {
			col[h] = i
		}
		seen := 0
		for _, r := range rows {
			if r[col["subset_n"]] != strconv.Itoa(want.N) {
				continue
			}
			w, ok := want.Blocks[r[col["block_name"]]]
			if !ok {
				t.Errorf("%s: block %q is not one of the file's conditions", how, r[col["block_name"]])
				continue
			}
			seen++
			for key, wv := range map[string]float64{"i_real": w.IReal, "i_shuffle": w.IShuffle} {
				g, err := strconv.ParseFloat(r[col[key]], 64)
				if err != nil || math.Abs(g-wv) > 1e-5*math.Abs(wv) { // the table carries 6 significant digits
					t.Errorf("%s: block %s: %s = %v; numpy computes %v", how, r[col["block_name"]], key, r[col[key]], wv)
				}
			}
		}
		if seen != 2 {
			t.Errorf("%s: %d rows at subset size %d, want one per condition", how, seen, want.N)
		}
	}
	code, got, errs := runCLI(append(append([]string{"fisher", "-nwb", file}, roles...), "-format", "csv")...)
	if code != 0 {
		t.Fatalf("fisher -nwb: exit %d\n%s", code, errs)
	}
	recs, err := csv.NewReader(strings.NewReader(got)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("fisher -nwb output: %v\n%s", err, got)
	}
	check("fisher -nwb", recs[1:], recs[0])

	dir := filepath.Join(t.TempDir(), "a")
	code, o, errs := runCLI(append(append([]string{"analyse", "-out", dir}, roles...), file)...)
	if code != 0 {
		t.Fatalf("analyse: exit %d\n%s\n%s", code, o, errs)
	}
	b, err := os.ReadFile(filepath.Join(dir, rundir.FisherFile))
	if err != nil {
		t.Fatal(err)
	}
	recs, err = csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("analyse's %s: %v", rundir.FisherFile, err)
	}
	check("analyse", recs[1:], recs[0])
	// Signature (b) on the electrode positions (two units per electrode).
	b, err = os.ReadFile(filepath.Join(dir, DistanceFile))
	if err != nil {
		t.Fatalf("analyse wrote no %s: %v\n%s", DistanceFile, err, errs)
	}
	recs, err = csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][0] != "0" || recs[1][1] != "1" {
		t.Fatalf("%s: %v\n%s", DistanceFile, err, b)
	}
	if pairs, _ := strconv.Atoi(recs[1][2]); pairs < 1 || pairs > want.N*(want.N-1)/2 {
		t.Errorf("%s: %d pairs; want 1 to %d", DistanceFile, pairs, want.N*(want.N-1)/2)
	}
	// A role flag without an NWB file is a usage error.
	if code, _, errs := runCLI("analyse", "-stimulus-column", "x", t.TempDir()); code != 2 || !strings.Contains(errs, "NWB file") {
		t.Errorf("analyse DIR -stimulus-column: exit %d\n%s", code, errs)
	}
}

// iplgpu analyse on an exported run's NWB file writes the same tables as on
// the run directory.
func TestAnalyseNWBGivesRunTables(t *testing.T) {
	dir, file := exportedRun(t, fisherRunArgs)
	out := filepath.Join(t.TempDir(), "from-nwb")
	args := []string{"-no-figures", "-boot", "20", "-subsets", "10", "-time-subsets", "5"}
	if code, o, errs := runCLI(append(append([]string{"analyse"}, args...), dir)...); code != 0 {
		t.Fatalf("analyse DIR: exit %d\n%s\n%s", code, o, errs)
	}
	if code, o, errs := runCLI(append(append([]string{"analyse"}, args...), "-out", out, file)...); code != 0 {
		t.Fatalf("analyse FILE.nwb: exit %d\n%s\n%s", code, o, errs)
	}
	tables, _ := filepath.Glob(filepath.Join(out, "*.csv"))
	if len(tables) < 5 {
		t.Fatalf("the analysis of the NWB file wrote %d tables: %v", len(tables), tables)
	}
	for _, p := range tables {
		got, _ := os.ReadFile(p)
		want, err := os.ReadFile(filepath.Join(dir, filepath.Base(p)))
		if err != nil {
			t.Errorf("%s: the run's analysis has no such table: %v", filepath.Base(p), err)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("%s differs between the run directory and its NWB file", filepath.Base(p))
		}
	}
}
