package compare

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/rundir"
)

func tinyCompare(dir string) Options {
	return Options{
		Seeds: []uint64{1, 2}, Mechanisms: []string{"ipl", "feedback"}, Sessions: 1, Out: dir,
		TrainTrials: 10, MeasureTrials: 24, FrozenTrials: 24, Frozen: 2, SwitchPairs: 1, SwitchTrials: 4,
		Sets:     []string{"network.neurons=30", "network.spines_per_neuron=4", "feedback.k_max=0.04"},
		Backend:  func() (engine.Backend, error) { return cpu.New(1), nil },
		Analysis: analysis.Options{BootReplicates: 4, BootSubsets: 2, Subsets: 4, TimeSubsets: 1, NoBootstrap: false},
		Size:     10,
	}
}

// A seed or a mechanism given twice is refused before any work: no run
// directory is written.
func TestCompareRefusesDuplicatesFirst(t *testing.T) {
	for _, c := range []struct {
		edit func(o *Options)
		want string
	}{
		{func(o *Options) { o.Seeds = []uint64{1, 2, 1} }, "seed 1 is given twice"},
		{func(o *Options) { o.Mechanisms = []string{"ipl", "ipl"} }, "mechanism ipl is given twice"},
	} {
		dir := filepath.Join(t.TempDir(), "out")
		o := tinyCompare(dir)
		c.edit(&o)
		t0 := time.Now()
		_, err := Run(context.Background(), o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want %q", err, c.want)
		}
		if _, serr := os.Stat(dir); serr == nil || time.Since(t0) > 2*time.Second {
			t.Errorf("%q: refused after work (%v, the output directory exists: %v)", c.want, time.Since(t0), serr == nil)
		}
	}
}

// A compare interrupted after its first run (and in its second) and run
// again into the same directory keeps the complete run, continues the
// stopped one, and ends with the signatures of a compare never stopped.
func TestCompareContinues(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three small comparisons")
	}
	whole, err := Run(context.Background(), tinyCompare(filepath.Join(t.TempDir(), "whole")))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "stopped")
	ctx, cancel := context.WithCancel(context.Background())
	o := tinyCompare(dir)
	var logs []string
	o.Log = func(s string) {
		logs = append(logs, s)
		if strings.HasPrefix(s, "ipl-seed2: simulating") {
			cancel() // it stops in its network build, with its config written
		}
	}
	if _, err := Run(ctx, o); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted compare: %v", err)
	}
	cancel()
	logs = nil
	o.Log = func(s string) { logs = append(logs, s) }
	again, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(logs, "\n")
	if !strings.Contains(all, "ipl-seed1: complete already") || !strings.Contains(all, "ipl-seed2: continuing the stopped run") {
		t.Errorf("the complete run was not kept, or the stopped one not continued:\n%s", all)
	}
	for i := range whole.Runs {
		a, b := *whole.Runs[i], *again.Runs[i]
		if diffs, err := rundir.CompareDirs(a.Dir, b.Dir); err != nil || len(diffs) > 0 {
			t.Errorf("run %d: %v %v", i, err, diffs)
		}
		a.Dir, b.Dir = "", ""
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("run %d: %+v, uninterrupted %+v", i, b, a)
		}
	}
}
