package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// team runs the passes of one segment on workers that live as long as the
// segment. A step is two short passes (a fraction of a millisecond at a
// thousand neurons); starting goroutines for each pass and waking parked
// threads cost a measurable share of that, so a worker spins briefly on the
// pass counter before it parks, and the caller spins briefly for the workers
// to finish. Spinning is bounded (spinLimit polls), so on a loaded machine a
// worker yields its core soon. The chunk order does not matter to the results:
// every element is computed from the previous state alone.
type team struct {
	helpers int // goroutines besides the caller

	mu   sync.Mutex
	cond *sync.Cond
	pass atomic.Uint64 // the pass in progress (0 = none yet)
	quit atomic.Bool
	left atomic.Int32 // helpers still working on the current pass
	work func(id int) // the current pass's work loop (set before pass advances); id 0 is the caller, 1.. the helpers
	wg   sync.WaitGroup
}

// spinLimit is how many polls a waiting goroutine makes before it parks
// (helpers) or yields (the caller): about a tenth of a millisecond, longer
// than the two workers of a pass usually finish apart.
const spinLimit = 100000

func newTeam(helpers int) *team {
	t := &team{helpers: helpers}
	t.cond = sync.NewCond(&t.mu)
	t.wg.Add(helpers)
	for id := 1; id <= helpers; id++ {
		go t.helper(id)
	}
	return t
}

func (t *team) helper(id int) {
	defer t.wg.Done()
	var seen uint64
	for {
		p := t.wait(seen)
		if t.quit.Load() {
			return
		}
		seen = p
		t.work(id)
		t.left.Add(-1)
	}
}

// wait returns the first pass number after seen (or when quitting).
func (t *team) wait(seen uint64) uint64 {
	for i := 0; i < spinLimit; i++ {
		if p := t.pass.Load(); p != seen || t.quit.Load() {
			return p
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for t.pass.Load() == seen && !t.quit.Load() {
		t.cond.Wait()
	}
	return t.pass.Load()
}

// run runs work on the caller (id 0) and every helper (ids 1..helpers) and
// returns when all are done.
func (t *team) run(work func(id int)) {
	t.work = work
	t.left.Store(int32(t.helpers))
	t.mu.Lock()
	t.pass.Add(1)
	t.cond.Broadcast()
	t.mu.Unlock()
	work(0)
	for i := 0; t.left.Load() != 0; i++ {
		if i >= spinLimit {
			runtime.Gosched()
		}
	}
}

// stop ends the helpers.
func (t *team) stop() {
	t.mu.Lock()
	t.quit.Store(true)
	t.cond.Broadcast()
	t.mu.Unlock()
	t.wg.Wait()
}
