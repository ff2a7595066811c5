package gl

import (
	"time"

	ogl "github.com/go-gl/gl/v4.3-core/gl"
)

// Timer measures GPU time between Begin and End with a GL_TIME_ELAPSED query, or
// with glFinish and the wall clock where the driver has no timer bits or is a
// software renderer (llvmpipe's queries do not cover compute work: they report
// 1 ns for a 32 MiB copy). GL allows
// one running GL_TIME_ELAPSED query at a time, so Timers of a Context do not nest.
// Its methods must be called inside Context.Do.
type Timer struct {
	c       *Context
	id      uint32
	wall    bool // no query bits: time with glFinish and the wall clock
	running bool
	ended   bool
	start   time.Time
	elapsed time.Duration
}

// NewTimer creates a Timer. Call inside Do.
func (c *Context) NewTimer() *Timer {
	c.mustOnThread("NewTimer")
	t := &Timer{c: c}
	var bits int32
	ogl.GetQueryiv(ogl.TIME_ELAPSED, ogl.QUERY_COUNTER_BITS, &bits)
	if bits == 0 || c.info.Software {
		t.wall = true
	} else {
		ogl.GenQueries(1, &t.id)
	}
	return t
}

// WallClock reports whether the Timer falls back on glFinish and the wall clock.
func (t *Timer) WallClock() bool { return t.wall }

// Begin starts timing the GL commands that follow. Call inside Do.
func (t *Timer) Begin() {
	t.c.mustOnThread("Timer.Begin")
	if t.running {
		panic("engine/gl: Timer.Begin on a running Timer")
	}
	if t.c.activeTimer != nil {
		panic("engine/gl: Timer.Begin while another Timer of the Context runs (GL_TIME_ELAPSED queries do not nest)")
	}
	t.c.activeTimer = t
	t.running, t.ended = true, false
	if t.wall {
		ogl.Finish()
		t.start = time.Now()
		return
	}
	ogl.BeginQuery(ogl.TIME_ELAPSED, t.id)
}

// End stops timing; the result is read by Elapsed. Call inside Do.
func (t *Timer) End() {
	t.c.mustOnThread("Timer.End")
	if !t.running {
		panic("engine/gl: Timer.End without Begin")
	}
	t.running, t.ended = false, true
	t.c.activeTimer = nil
	if t.wall {
		ogl.Finish()
		t.elapsed = time.Since(t.start)
		return
	}
	ogl.EndQuery(ogl.TIME_ELAPSED)
}

// Ready reports whether Elapsed would return without waiting. Call inside Do.
func (t *Timer) Ready() bool {
	t.c.mustOnThread("Timer.Ready")
	if !t.ended || t.wall {
		return t.ended
	}
	var avail uint32
	ogl.GetQueryObjectuiv(t.id, ogl.QUERY_RESULT_AVAILABLE, &avail)
	return avail != 0
}

// Elapsed returns the GPU time between the last Begin and End, waiting for the
// GPU if needed. Call inside Do.
func (t *Timer) Elapsed() time.Duration {
	t.c.mustOnThread("Timer.Elapsed")
	if !t.ended {
		panic("engine/gl: Timer.Elapsed before End")
	}
	if !t.wall {
		var ns uint64
		ogl.GetQueryObjectui64v(t.id, ogl.QUERY_RESULT, &ns)
		t.elapsed = time.Duration(ns)
	}
	return t.elapsed
}

// Delete frees the query. Call inside Do.
func (t *Timer) Delete() {
	t.c.mustOnThread("Timer.Delete")
	if t.running {
		t.End()
	}
	if t.id != 0 {
		ogl.DeleteQueries(1, &t.id)
		t.id = 0
	}
}
