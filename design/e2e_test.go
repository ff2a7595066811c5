package design_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/compare"
	"github.com/iplgpu/iplgpu/design"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/report/rival"
)

// TestDesignEndToEnd: a reduced comparison (30 neurons, two seeds) simulated,
// then a reduced design on its runs: every signature, axis, size and
// direction has a power with an interval, and every mechanism a zero-change
// rate (within one animal on the first 10 experiments), the null check and
// the zero-change table are reported, the
// files are written, and a size beyond the runs and an array read-out of a
// slab too narrow for the array are refused.
func TestDesignEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a reduced comparison")
	}
	dir := t.TempDir()
	co := compare.Options{
		Seeds: []uint64{1, 2}, Mechanisms: []string{"ipl", "feedback"}, Sessions: 1, Out: dir,
		TrainTrials: 10, MeasureTrials: 40, FrozenTrials: 32, Frozen: 2, SwitchPairs: 1, SwitchTrials: 4,
		Sets:     []string{"network.neurons=30", "network.spines_per_neuron=4", "feedback.k_max=0.04"},
		Backend:  func() (engine.Backend, error) { return cpu.New(1), nil },
		Analysis: analysis.Options{BootReplicates: 4, BootSubsets: 2, Subsets: 4, TimeSubsets: 1},
		Size:     10,
	}
	if _, err := compare.Run(context.Background(), co); err != nil {
		t.Fatal(err)
	}
	o := design.Options{From: dir, Mechanisms: []string{"ipl", "feedback"}, Seeds: []uint64{1, 2}, Replicates: 40, Alpha: 0.05, Seed: 1, WithinBoot: 10, WithinReplicates: 10,
		Sizes: map[string][]int{design.AxisTrials: {10, 20}, design.AxisUnits: {10, 30}, design.AxisRepeats: {4, 8}, design.AxisAnimals: {1, 2}}}
	res, err := design.Run(o)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(design.Signatures) * 8 * (3 + 2); len(res.Points) != want {
		t.Errorf("%d power points; want %d (signatures x sizes x (3 directions + 2 zero-change))", len(res.Points), want)
	}
	for _, p := range res.Points {
		n := 40
		if p.Test == design.TestZero && p.At.Animals == 1 {
			n = 10 // the within-animal bootstrap, on the first 10 experiments
		}
		if p.N != n || !(p.Lo <= p.Power && p.Power <= p.Hi) {
			t.Errorf("point %+v: want %d experiments and the power inside its interval", p, n)
		}
	}
	out := filepath.Join(dir, "design")
	if err := rival.WriteDesign(res, out); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(out, "design.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| b | pair increase near (<100 um) minus far (>=200 um), matched tuning | ipl: rejects feedback |", "## Null check", "## Detecting the change on the data alone", "B = 10 resamples"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("design.md lacks %q:\n%s", want, md)
		}
	}
	for _, f := range []string{"design.csv", "power.png", "power.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	ro := o
	ro.Readout = &design.DefaultReadout
	if _, err := design.Run(ro); err == nil || !strings.Contains(err.Error(), "record 2 or more neurons; want at least 2") {
		t.Errorf("an array read-out of a slab narrower than the array: %v", err)
	}
	o.Sizes[design.AxisRepeats] = []int{4, 9}
	if _, err := design.Run(o); err == nil || !strings.Contains(err.Error(), "repeats size 9 outside what the pools allow (2 to 8") {
		t.Errorf("repeats beyond the runs: %v", err)
	}
}
