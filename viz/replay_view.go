package viz

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/iplgpu/iplgpu/engine/gl"
	"github.com/iplgpu/iplgpu/engine/glbackend"
)

// ReplayOptions say how Viewer.Replay shows a run.
type ReplayOptions struct {
	Snapshot int           // the snapshot shown first (index of Replay.Snapshots)
	Advance  time.Duration // automatic advance to the next snapshot every Advance (A toggles it); 0: off
	Frames   int           // return after this many frames (0: when the user quits)
}

// replayState is a replay on the GL thread: the buffers the renderer draws
// from, filled from the run's arrays, and the snapshot shown.
type replayState struct {
	rp       *Replay
	k        int // snapshot shown
	uploaded int // snapshot whose w is in bufs.EdgeState (-1: none)
	bufs     glbackend.Buffers
	own      []*gl.Buffer
	advance  time.Duration
	auto     bool
	last     time.Time // when the snapshot last changed
	wbuf     []float32
}

// Replay shows the snapshots of rp (OpenReplay) in the window, from
// opt.Snapshot on: left and right arrows step through them, Home and End go to
// the first and last, A starts and stops the automatic advance. It returns
// when the user quits, ctx is done, or opt.Frames frames have been drawn; the
// window then still shows the snapshot, for Image.
func (v *Viewer) Replay(ctx context.Context, rp *Replay, opt ReplayOptions) error {
	if opt.Snapshot < 0 || opt.Snapshot >= len(rp.Snapshots) {
		return fmt.Errorf("viz: snapshot %d of a run with snapshots 0 to %d", opt.Snapshot, len(rp.Snapshots)-1)
	}
	err := v.Context().Do(func() error {
		if v.be != nil {
			return errors.New("viz: Replay on a viewer with a backend attached")
		}
		rs := &replayState{rp: rp, k: opt.Snapshot, uploaded: -1, advance: opt.Advance, auto: opt.Advance > 0, last: time.Now()}
		if err := rs.upload(v.Context()); err != nil {
			rs.free()
			return err
		}
		if v.replay != nil {
			v.replay.free()
		}
		v.replay = rs
		v.cam = FitCamera(rp.Net)
		v.hud.TaskADeg = rp.Run.Config.Stimulus.TaskOrientationDeg
		return v.r.SetNetwork(rp.Net)
	})
	if err != nil {
		return err
	}
	for n := 0; opt.Frames == 0 || n < opt.Frames; n++ {
		var quit bool
		if err := v.Context().Do(func() error { quit = v.quitting; return v.frame() }); err != nil {
			return err
		}
		if quit || ctx.Err() != nil {
			return nil
		}
		if opt.Frames == 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(idleFrame):
			}
		}
	}
	return nil
}

// ReplaySnapshot is the snapshot the replay shows (-1 without a replay).
func (v *Viewer) ReplaySnapshot() int {
	k := -1
	v.Context().Do(func() error {
		if v.replay != nil {
			k = v.replay.k
		}
		return nil
	})
	return k
}

// upload makes the replay's buffers: spine positions, potentials at rest, the
// contacts' spines, and (w, e = 0) of the snapshot shown. Call inside Do.
func (rs *replayState) upload(c *gl.Context) error {
	net := rs.rp.Net
	S, E := net.Spines(), net.Edges()
	mk := func(name string, size int) (*gl.Buffer, error) {
		b, err := c.NewBuffer(name, max(size, 4))
		if err == nil {
			rs.own = append(rs.own, b)
			b.Clear()
		}
		return b, err
	}
	var err error
	b := &rs.bufs
	if b.SpineX, err = mk("replay spine x", 4*S); err != nil {
		return err
	}
	if b.SpineY, err = mk("replay spine y", 4*S); err != nil {
		return err
	}
	if b.SpineZ, err = mk("replay spine z", 4*S); err != nil {
		return err
	}
	if b.S, err = mk("replay spine potentials", 4*S); err != nil {
		return err
	}
	if b.EdgeSpines, err = mk("replay edge spines", 8*E); err != nil {
		return err
	}
	if b.EdgeState, err = mk("replay edge state", 8*E); err != nil {
		return err
	}
	ab := make([]int32, 2*E)
	for e := range E {
		ab[2*e], ab[2*e+1] = net.EdgeA[e], net.EdgeB[e]
	}
	if err := errors.Join(gl.Upload(b.SpineX, 0, net.SpineX), gl.Upload(b.SpineY, 0, net.SpineY),
		gl.Upload(b.SpineZ, 0, net.SpineZ), gl.Upload(b.EdgeSpines, 0, ab)); err != nil {
		return err
	}
	return rs.show()
}

// show uploads the w of snapshot k, if not there yet. Call inside Do.
func (rs *replayState) show() error {
	if rs.uploaded == rs.k {
		return nil
	}
	w := rs.rp.Run.WSnapshots[rs.k]
	if cap(rs.wbuf) < 2*len(w) {
		rs.wbuf = make([]float32, 2*len(w))
	}
	ws := rs.wbuf[:2*len(w)]
	for e, x := range w {
		ws[2*e], ws[2*e+1] = x, 0
	}
	if err := gl.Upload(rs.bufs.EdgeState, 0, ws); err != nil {
		return err
	}
	rs.uploaded = rs.k
	return nil
}

// fill sets h to the HUD of the snapshot shown, keeping the pause flag.
func (rs *replayState) fill(h *HUD, drawThreshold float64) {
	paused := h.Paused
	*h = rs.rp.HUD(rs.k, drawThreshold)
	h.Paused = paused
	if rs.auto {
		h.SessionLabel += fmt.Sprintf(" · advancing every %g s (A)", rs.advance.Seconds())
	}
}

// key steps the snapshot shown.
func (rs *replayState) key(k glfw.Key) {
	n := len(rs.rp.Snapshots)
	switch k {
	case glfw.KeyLeft:
		rs.k = (rs.k + n - 1) % n
	case glfw.KeyRight:
		rs.k = (rs.k + 1) % n
	case glfw.KeyHome:
		rs.k = 0
	case glfw.KeyEnd:
		rs.k = n - 1
	}
	rs.last = time.Now()
}

// stepReplay advances the replay when its time has come and uploads the
// snapshot shown. Call inside Do.
func (v *Viewer) stepReplay() {
	rs := v.replay
	if rs == nil {
		return
	}
	if rs.auto && rs.advance > 0 && !v.paused && time.Since(rs.last) >= rs.advance {
		rs.k = (rs.k + 1) % len(rs.rp.Snapshots)
		rs.last = time.Now()
	}
	if err := rs.show(); err != nil {
		v.log(fmt.Sprintf("replay: snapshot %d: %v", rs.k, err))
	}
}

func (rs *replayState) free() {
	for _, b := range rs.own {
		b.Delete()
	}
	rs.own = nil
	rs.bufs = glbackend.Buffers{}
}
