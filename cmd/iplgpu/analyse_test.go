package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// analyseRun is a run whose task block has enough trials for estimates.
var analyseRun = []string{
	"-set", "network.neurons=30", "-set", "network.spines_per_neuron=4", "-set", "protocol.sessions=1",
	"-set", "protocol.before=[]", "-set", "protocol.after=[]", "-set", "protocol.baseline=false",
	"-set", "protocol.session=[{name: train, mode: task, trials: 10, coherences: [0.3], learning: true, record: false}, {name: task, mode: task, trials: 40, coherences: [0.3], learning: false, record: true}]",
}

func TestAnalyseCommand(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "run")
	code, out, errs := runCLI(append([]string{"run", "-backend", "cpu", "-analyse=false", "-out", dir}, analyseRun...)...)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.md")); err == nil || strings.Contains(out, "report:") {
		t.Fatal("run -analyse=false analysed the run")
	}

	empty := t.TempDir()
	cases := []struct {
		name  string
		args  []string
		code  int
		inOut string
		inErr string
	}{
		{"no dir", []string{"analyse"}, 2, "", "give the run directory"},
		{"help", []string{"analyse", "-h"}, 0, "", "-islet-threshold"},
		{"missing dir", []string{"analyse", filepath.Join(tmp, "nope")}, 1, "", filepath.Join(tmp, "nope") + " does not exist"},
		{"not a run", []string{"analyse", empty}, 1, "", filepath.Join(empty, "config.yaml") + ": missing"},
		{"one run below", []string{"analyse", tmp}, 1, "", "holds one run directory"},
		{"a second dir that is no run", []string{"analyse", dir, tmp}, 1, "", tmp + " is not a run directory"},
		{"bad boot", []string{"analyse", "-boot", "1", dir}, 2, "", "-boot 1"},
		{"bad sizes", []string{"analyse", "-sizes", "14,x", dir}, 2, "", "-sizes"},
		{"bad threshold", []string{"analyse", "-islet-threshold", "2", dir}, 2, "", "-islet-threshold 2"},
		{"bad subset", []string{"analyse", "-subset", "1", dir}, 2, "", "-subset 1"},
		{"bad flag", []string{"analyse", "-nope", dir}, 2, "", "flag provided but not defined"},
		{"ok", []string{"analyse", "-subsets", "20", "-time-subsets", "5", "-boot", "20", dir}, 0, "report: " + filepath.Join(dir, "report.md"), ""},
		{"flags after dir", []string{"analyze", dir, "-subset", "10", "-subsets", "10", "-time-subsets", "5", "-boot", "20", "-islet-threshold", "0.3"}, 0, "report:", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectCLI(t, tc.args, tc.code, []string{tc.inOut}, []string{tc.inErr})
		})
	}
	for _, f := range []string{"report.md", "info.csv", "timecourse.csv", "network.csv", "fig1_information.png", "fig5_network.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("analyse did not write %s", f)
		}
	}
	rep, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	if !strings.Contains(string(rep), "w ≥ 0.3") {
		t.Error("report.md does not use the -islet-threshold of the last analysis")
	}
}

// Seeds as animals: a directory of runs of one config with different seeds
// gets seeds.csv, seeds_calibration.csv and seeds.md (with the calibration
// table on the seed mean); runs of different configs are refused.
func TestAnalyseSeeds(t *testing.T) {
	tmp := t.TempDir()
	for _, seed := range []string{"1", "2"} {
		d := filepath.Join(tmp, "seeds", "s"+seed)
		if code, out, errs := runCLI(append([]string{"run", "-backend", "cpu", "-analyse=false", "-seed", seed, "-out", d}, analyseRun...)...); code != 0 {
			t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
		}
	}
	parent := filepath.Join(tmp, "seeds")
	expectCLI(t, []string{"analyse", "-boot", "20", "-subsets", "20", "-time-subsets", "5", "-no-figures", parent}, 0, []string{"across 2 seeds", filepath.Join(parent, "seeds.md")}, nil)
	for _, f := range []string{"seeds.csv", "seeds_calibration.csv", "seeds.md", "s1/report.md", "s2/info.csv"} {
		if _, err := os.Stat(filepath.Join(parent, f)); err != nil {
			t.Error(err)
		}
	}
	rep, _ := os.ReadFile(filepath.Join(parent, "seeds.md"))
	if !strings.Contains(string(rep), "Seeds 1 (`s1`), 2 (`s2`)") || !strings.Contains(string(rep), "redundancy_pct") ||
		!strings.Contains(string(rep), "## Model against Liu et al., on the mean over the seeds") || !strings.Contains(string(rep), "passes in") {
		t.Errorf("seeds.md:\n%s", rep)
	}
	// seeds_calibration.csv: one row per quantity of the runs' calibration.csv,
	// with both seeds' values.
	cal, err := os.ReadFile(filepath.Join(parent, "seeds_calibration.csv"))
	if err != nil {
		t.Fatal(err)
	}
	runCal, _ := os.ReadFile(filepath.Join(parent, "s1", "calibration.csv"))
	lines, runLines := strings.Split(strings.TrimSpace(string(cal)), "\n"), strings.Split(strings.TrimSpace(string(runCal)), "\n")
	if len(lines) != len(runLines) || !strings.HasPrefix(lines[0], "key,quantity,subset_n,role,calibrated_to") || !strings.HasPrefix(lines[1], "late_redundancy_pct,") {
		t.Errorf("seeds_calibration.csv (%d lines, the run's calibration.csv %d):\n%s", len(lines), len(runLines), cal)
	}
	other := filepath.Join(tmp, "other")
	if code, out, errs := runCLI(append([]string{"run", "-backend", "cpu", "-analyse=false", "-seed", "3", "-out", other, "-set", "dynamics.beta=0.5"}, analyseRun...)...); code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	expectCLI(t, []string{"analyse", "-boot", "20", "-no-figures", "-out", tmp, filepath.Join(parent, "s1"), other}, 1, nil, []string{"differ in more than the seed"})
}

// iplgpu run analyses the run by default and says where the report is.
func TestRunAnalyses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errs := runCLI(append([]string{"run", "-backend", "cpu", "-out", dir}, analyseRun...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "report: "+filepath.Join(dir, "report.md")) {
		t.Errorf("stdout does not say where the report is:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "fig2_redundancy.png")); err != nil {
		t.Error(err)
	}
}
