package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/sweep"
)

// tinyCompareSweep is a comparison of 30 neurons, one session and one
// switch pair (each run about 15 s on one core).
var tinyCompareSweep = []string{"-sessions", "1", "-switch-pairs", "1", "-set", "network.neurons=30", "-set", "network.spines_per_neuron=4", "-set", "feedback.k_max=0.04"}

// Bad uses of compare -plan and -from-sweep are refused naming the flag,
// and a sweep whose points are not done is refused by compare -from-sweep
// and design -from, naming the points, before any analysis.
func TestCompareSweepUsage(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan")
	expectCLI(t, []string{"compare", "-plan", plan, "-out", dir}, 2, nil, []string{"-plan", "no -out"})
	expectCLI(t, []string{"compare", "-plan", plan, "-from-sweep", plan}, 2, nil, []string{"give one of them"})
	expectCLI(t, []string{"compare", "-plan", plan, "-backend", "gl"}, 2, nil, []string{"-backend: not with -plan"})
	expectCLI(t, []string{"compare", "-from-sweep", plan, "-set", "seed=2"}, 2, nil, []string{"-set: not with -from-sweep"})
	expectCLI(t, []string{"compare", "-from-sweep", ""}, 2, nil, []string{"-from-sweep: give the sweep directory"})
	expectCLI(t, []string{"compare", "-from-sweep", dir}, 1, nil, []string{"is not a sweep directory"})
	expectCLI(t, []string{"compare", "-plan", plan, "-seeds", "1,2,1"}, 1, nil, []string{"seed 1 is given twice"})
	if _, err := os.Stat(plan); err == nil {
		t.Errorf("a refused plan wrote %s", plan)
	}
	expectCLI(t, append([]string{"compare", "-plan", plan, "-seeds", "1,2"}, tinyCompareSweep...), 0, []string{"4 points (mechanisms [ipl feedback] x seeds [1 2])", "sbatch " + filepath.Join(plan, sweep.SbatchFile)}, nil)
	expectCLI(t, []string{"compare", "-from-sweep", plan}, 1, nil, []string{"not done: point 0 (runs/0000-mechanism=ipl-seed=1) is pending"})
	expectCLI(t, []string{"design", "-from", plan}, 1, nil, []string{"not done: point 0 (runs/0000-mechanism=ipl-seed=1) is pending"})
	expectCLI(t, []string{"design", "-from", plan, "-seeds", "1,3"}, 1, nil, []string{"holds no run of ipl on seed 3"})
}

// TestCompareSweepEndToEnd: a tiny comparison planned as a sweep and run
// with sweep local; a point's config.yaml is byte for byte that of compare
// -out for the same mechanism and seed; compare -from-sweep writes the
// comparison's report with the planned protocol, and design -from reads
// the sweep's points.
func TestCompareSweepEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a tiny comparison as a sweep")
	}
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan")
	expectCLI(t, append([]string{"compare", "-plan", plan, "-seeds", "1,2"}, tinyCompareSweep...), 0, nil, nil)
	t0 := time.Now()
	expectCLI(t, []string{"sweep", "local", "-dir", plan, "-backend", "cpu"}, 0, []string{"4 points: 4 done"}, nil)
	t.Logf("sweep local of 4 points: %.0f s", time.Since(t0).Seconds())

	out := filepath.Join(dir, "compare")
	expectCLI(t, append([]string{"compare", "-out", out, "-mechanisms", "feedback", "-seeds", "2", "-boot", "4"}, tinyCompareSweep...), 0, nil, nil)
	a, err := os.ReadFile(filepath.Join(out, "feedback-seed2", rundir.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(plan, "runs", "0003-mechanism=feedback-seed=2", rundir.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("the sweep point's %s differs from compare -out's:\n%s\n---\n%s", rundir.ConfigFile, b, a)
	}

	expectCLI(t, []string{"compare", "-from-sweep", plan, "-boot", "4"}, 0, []string{"compared [ipl feedback] on seeds [1 2]", filepath.Join(plan, "compare", "compare.md")}, nil)
	for _, f := range []string{"compare.md", "compare.csv", "signatures.csv", "compare.png"} {
		if _, err := os.Stat(filepath.Join(plan, "compare", f)); err != nil {
			t.Error(err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(plan, "compare", "compare.md"))
	for _, want := range []string{"then 1 pairs of passive", "Overrides: `network.neurons=30 network.spines_per_neuron=4 feedback.k_max=0.04`", "same network and stimulus draws"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("compare.md lacks %q", want)
		}
	}
	expectCLI(t, []string{"design", "-from", plan, "-replicates", "40", "-within-replicates", "10", "-trials", "10,20", "-units", "10,30", "-repeats", "4,8", "-animals", "1,2"}, 0, []string{"design of [ipl feedback] on seeds [1 2]"}, nil)
	if _, err := os.Stat(filepath.Join(plan, "design", "design.md")); err != nil {
		t.Error(err)
	}
}
