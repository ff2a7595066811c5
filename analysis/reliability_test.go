package analysis_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/simrun"
)

// smallRun is a run with session 0, two sessions and enough recorded trials
// for every part of the analysis (estimates, time courses, network, spatial
// pairs).
func smallRun(t *testing.T) *rundir.Run {
	t.Helper()
	cfg, err := model.LoadConfig("", "", []string{
		"network.neurons=30", "network.spines_per_neuron=4", "protocol.sessions=2", "protocol.before=[]", "protocol.after=[]",
		"protocol.session=[{name: train, mode: task, trials: 10, coherences: [0.3], learning: true, record: false}, {name: task, mode: task, trials: 40, coherences: [0.3], learning: false, record: true}]",
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := simrun.Create(context.Background(), cfg, cpu.New(0), dir, engine.SimulateOptions{}); err != nil {
		t.Fatal(err)
	}
	d, err := rundir.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// countdown is cancelled at the left-th call of Err, from any goroutine.
type countdown struct {
	context.Context
	left atomic.Int64
}

func newCountdown(n int64) *countdown {
	c := &countdown{Context: context.Background()}
	c.left.Store(n)
	return c
}

func (c *countdown) Err() error {
	if c.left.Add(-1) <= 0 {
		return context.Canceled
	}
	return nil
}

// The analysis stops with the context's error when it is cancelled at any of
// its checks (issue 14 item 3: Ctrl-C was ignored during the analysis).
func TestComputeCancelledAtEveryCheck(t *testing.T) {
	d := smallRun(t)
	opt := analysis.Options{Subsets: 20, TimeSubsets: 5, SpatialMaxPairs: 200}
	checks := newCountdown(math.MaxInt64)
	opt.Context = checks
	if _, err := analysis.Compute(d, opt); err != nil {
		t.Fatal(err)
	}
	n := int(math.MaxInt64 - checks.left.Load())
	if n < 50 {
		t.Fatalf("the analysis checks its context %d times", n)
	}
	for k := 1; k <= n; k += max(1, n/10) {
		opt.Context = newCountdown(int64(k))
		if _, err := analysis.Compute(d, opt); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled at check %d of %d: %v", k, n, err)
		}
	}
}

// A run without any w snapshot (stopped in session 0) is analysed: no
// network rows, no linked pairs, a note (issue 14 item 1: index -1).
func TestComputeWithoutSnapshots(t *testing.T) {
	d := smallRun(t)
	d.WSnapshots, d.WFinalOnly = nil, false
	var notes []string
	sum, err := analysis.Compute(d, analysis.Options{Subsets: 20, TimeSubsets: 5, Log: func(s string) { notes = append(notes, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Network) != 0 || (sum.Spatial != nil && sum.Spatial.LinkedPairs+sum.Spatial.UnlinkedPairs != 0) {
		t.Errorf("network %d rows, spatial %+v", len(sum.Network), sum.Spatial)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "no w snapshot") {
		t.Errorf("no note about the missing snapshots:\n%s", strings.Join(notes, "\n"))
	}
}
