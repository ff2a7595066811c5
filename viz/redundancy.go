package viz

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// redundancyTracker gathers, trial by trial, the spike counts of the task
// blocks of the HUD's plot (IsRedundancyBlock) as a live run records them,
// and when such a block ends estimates its redundancy % at n = RedundancyN
// (BlockRedundancyPct) on a goroutine of its own, off the GL thread and the
// simulation.
type redundancyTracker struct {
	log func(string)

	// The block being gathered (simulation goroutine only).
	block  int
	seen   int // trials of the block so far
	trials []rundir.TrialRecord
	counts []uint16
	bins   int

	mu      sync.Mutex
	points  []RedundancyPoint
	pending int
	cost    time.Duration // summed estimation time
	done    int
	err     error
	wg      sync.WaitGroup
}

func newRedundancyTracker(log func(string)) *redundancyTracker {
	return &redundancyTracker{log: log, block: -1}
}

// add takes the trial of p, whose spike counts (bins x neurons) are counts.
func (rt *redundancyTracker) add(p engine.Progress, counts []uint16, bins, neurons int) {
	b := p.Block
	if b == nil {
		return
	}
	if b.Index != rt.block {
		rt.block, rt.seen, rt.trials, rt.counts = b.Index, 0, nil, nil
	}
	k := rt.seen
	rt.seen++
	if !IsRedundancyBlock(b.Mode, b.Ablation, b.Record) || k >= len(b.Trials) || len(counts) != bins*neurons || bins == 0 {
		return
	}
	rt.bins = bins
	rt.trials = append(rt.trials, rundir.TrialRecord{
		Trial: p.Trial - 1, Session: b.Session, Block: b.Index, BlockName: b.Name, Mode: b.Mode,
		Coherence: b.Trials[k].Coherence, Ablation: b.Ablation, Recorded: true, Row: len(rt.trials),
	})
	rt.counts = append(rt.counts, counts...)
	if rt.seen < len(b.Trials) {
		return
	}
	trials, data := rt.trials, rt.counts
	rt.trials, rt.counts = nil, nil
	rt.mu.Lock()
	idx := len(rt.points)
	rt.points = append(rt.points, RedundancyPoint{Session: b.Session, Block: b.Index, Pct: math.NaN()})
	rt.pending++
	rt.mu.Unlock()
	rt.wg.Add(1)
	go func() {
		defer rt.wg.Done()
		t0 := time.Now()
		r, err := fisher.NewResponses([]int{len(trials), bins, neurons}, data)
		pct := math.NaN()
		if err == nil {
			pct, err = BlockRedundancyPct(r, trials)
		}
		dt := time.Since(t0)
		rt.mu.Lock()
		rt.points[idx].Pct = pct
		rt.pending--
		rt.cost += dt
		rt.done++
		if err != nil && rt.err == nil {
			rt.err = fmt.Errorf("redundancy of block %d (session %d): %w", b.Index, b.Session, err)
		}
		rt.mu.Unlock()
		if err != nil {
			rt.log(fmt.Sprintf("redundancy of block %d (session %d): %v", b.Index, b.Session, err))
			return
		}
		rt.log(fmt.Sprintf("task block %d (session %d): redundancy %.1f%% at n = %d (%d trials x %d neurons; estimated in %.1f ms off the render thread)",
			b.Index, b.Session, pct, RedundancyN, len(trials), neurons, 1000*dt.Seconds()))
	}()
}

// snapshot returns the points so far and the count still being estimated.
func (rt *redundancyTracker) snapshot() ([]RedundancyPoint, int) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return slices.Clone(rt.points), rt.pending
}

// wait waits for every estimate started so far and returns their count, total
// time and first error.
func (rt *redundancyTracker) wait() (int, time.Duration, error) {
	rt.wg.Wait()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.done, rt.cost, rt.err
}
