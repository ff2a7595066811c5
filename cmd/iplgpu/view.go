//go:build !nowindow

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/glbackend"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/viz"
)

// Why a view stopped before the protocol's end without a failure.
var (
	errWindowQuit = errors.New("window closed")
	errFramesDone = errors.New("-frames reached")
)

// cmdView runs a simulation like 'iplgpu run -backend gl' in a window that shows
// it live: the GL backend computes in the window's context and the renderer
// draws straight from its buffers after every trial. Given a run directory, it
// replays that run's w snapshots session by session instead, without
// simulating.
func cmdView(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("view", "[-config FILE] [-preset NAME] [-out DIR] [-seed N] [-set key=value]... [-threshold W] [-islet-threshold W] [-size WxH] [-every N] [-screenshot FILE.png] [-frames N] [-fps N]\n       iplgpu view [-session K] [-advance S] [-threshold W] [-islet-threshold W] [-size WxH] [-screenshot FILE.png] [-frames N] [-fps N] RUN", stderr)
	in := addRunInputs(fs)
	threshold := fs.Float64("threshold", viz.DefaultThreshold, "draw threshold: links are drawn where w is above it (+/- change it in the window)")
	isletThreshold := fs.Float64("islet-threshold", analysis.DefaultIsletThreshold, "the HUD counts links (w >= this) and islets at this threshold, as iplgpu analyse -islet-threshold does")
	session := fs.Int("session", -1, "replay: show the w snapshot taken after this session first (0: before training; -1: the last snapshot)")
	advance := fs.Float64("advance", 2, "replay: seconds per session of the automatic advance (A toggles it; 0: off; off with -frames)")
	size := fs.String("size", "1280x900", "window size WxH")
	shot := fs.String("screenshot", "", "save the last frame to this PNG file at exit")
	every := fs.Int("every", 1, "draw every Nth trial (input is handled after every trial); drawing costs ~10% of a trial on llvmpipe, little on a GPU")
	frames := fs.Int("frames", 0, "stop after this many trials have been drawn (0: run the whole protocol, then keep the window open until it is closed)")
	displayTimeout := fs.Duration("display-timeout", viz.DefaultDisplayTimeout, "how long to wait for the X server (DISPLAY) to answer")
	fps := fs.Int("fps", 0, "after the run stops, draw this many frames while turning the camera once around the network, and report the frames per second (the interactive frame rate)")
	pos, code, done := parsePositional(fs, args)
	if done {
		return code
	}
	if len(pos) > 1 {
		fmt.Fprintf(stderr, "iplgpu view: %d run directories %q: give one to replay, or none to simulate\n", len(pos), pos)
		return 2
	}
	f := viewFlags{threshold: *threshold, isletThreshold: *isletThreshold, session: *session, advance: *advance, shot: *shot,
		frames: *frames, fps: *fps, displayTimeout: *displayTimeout, every: *every}
	if code := f.check(*size, stderr); code != 0 {
		return code
	}
	if len(pos) == 1 {
		var simFlags []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "config", "preset", "out", "seed", "set", "every":
				simFlags = append(simFlags, "-"+f.Name)
			}
		})
		if len(simFlags) > 0 {
			fmt.Fprintf(stderr, "iplgpu view: %s: %v apply to a new simulation; a replay shows the run as it was\n", pos[0], simFlags)
			return 2
		}
		return viewReplay(pos[0], f, stdout, stderr)
	}
	if f.session != -1 {
		fmt.Fprintln(stderr, "iplgpu view: -session picks a session of a replay: give the run directory (iplgpu view -session K RUN)")
		return 2
	}
	cfg, dir, err := in.resolve()
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu view: %v\n", err)
		return 1
	}
	fmt.Fprintln(stderr, model.MemoryReport(cfg))
	return viewLive(cfg, dir, f, stdout, stderr)
}

// check parses -size into f and checks every flag's range; it returns 2
// (with the message) when one is out of range, else 0.
func (f *viewFlags) check(size string, stderr io.Writer) int {
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "iplgpu view: "+format+"\n", a...)
		return 2
	}
	if n, err := fmt.Sscanf(size, "%dx%d", &f.width, &f.height); n != 2 || err != nil || f.width < 16 || f.height < 16 || f.width > 16384 || f.height > 16384 {
		return bad("-size %q: want WIDTHxHEIGHT in pixels, each 16 to 16384, e.g. 1280x900", size)
	}
	switch {
	case f.threshold < 0 || f.threshold >= 1:
		return bad("-threshold %g: w lies in [0, 1]; choose a threshold in [0, 1)", f.threshold)
	case f.every < 1:
		return bad("-every %d: want 1 or more", f.every)
	case f.frames < 0:
		return bad("-frames %d: want 0 (no limit) or more", f.frames)
	case f.displayTimeout <= 0:
		return bad("-display-timeout %v: want a positive duration, e.g. 10s", f.displayTimeout)
	case f.fps < 0:
		return bad("-fps %d: want 0 (no measurement) or more frames", f.fps)
	case !(f.isletThreshold > 0 && f.isletThreshold <= 1):
		return bad("-islet-threshold %g: w lies in [0, 1]; choose a threshold in (0, 1]", f.isletThreshold)
	case f.advance < 0:
		return bad("-advance %g: want 0 (off) or more seconds", f.advance)
	}
	return 0
}

// viewLive simulates cfg into the new run directory dir while drawing it in
// a window; it returns the exit status.
func viewLive(cfg *model.Config, dir string, f viewFlags, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "iplgpu view: "+format+"\n", a...)
		return 1
	}
	// The window comes first: without a display nothing else is made, not even
	// the run directory.
	style := viz.DefaultStyle()
	style.Threshold = float32(f.threshold)
	v, err := viz.NewViewer(viz.Options{
		Window:         viz.WindowOptions{Width: f.width, Height: f.height, Title: "iplgpu view", DisplayTimeout: f.displayTimeout},
		Style:          style,
		Log:            func(s string) { fmt.Fprintln(stderr, "view: "+s) },
		IsletThreshold: f.isletThreshold,
		TaskADeg:       cfg.Stimulus.TaskOrientationDeg,
	})
	if errors.Is(err, viz.ErrNoDisplay) {
		return fail("%v\n  iplgpu view needs a display: run it under a virtual X server, e.g.\n    xvfb-run -a iplgpu view -frames 20 -screenshot islets.png ...\n  or simulate headless, without a window: iplgpu run ...", err)
	}
	if err != nil {
		return fail("%v", err)
	}
	defer v.Close()
	out, err := rundir.Create(dir)
	if err != nil {
		return fail("%v", err)
	}
	be, err := glbackend.NewBackendOn(v.Context())
	if err != nil {
		out.Close()
		return fail("backend gl on the window's context: %v", err)
	}
	defer be.Close()
	fmt.Fprintf(stderr, "backend: %s (sharing the window's context)\n", be.Name())
	fmt.Fprintf(stderr, "view: %s\n", viz.Keys)

	sigCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancelCause(sigCtx)
	defer cancel(nil)
	go func() {
		select {
		case <-v.Quit():
			cancel(errWindowQuit)
		case <-ctx.Done():
		}
	}()
	vr := &viewedRun{v: v, f: f, ctx: ctx, cancel: cancel, bar: newProgress(stderr)}
	sum, err := engine.Simulate(ctx, cfg, v.Attach(be), out, engine.SimulateOptions{
		Log:      func(s string) { fmt.Fprintln(stderr, s) },
		Progress: vr.progress,
	})
	return vr.finish(sum, err, dir, stdout, stderr)
}

// viewedRun is a simulation drawn in a window: what its progress callback
// needs and what it leaves.
type viewedRun struct {
	v        *viz.Viewer
	f        viewFlags
	ctx      context.Context
	cancel   context.CancelCauseFunc
	bar      *progress
	drawn    int   // frames drawn
	frameErr error // the first drawing error, which stops the run
}

// progress draws every -every'th trial (and handles input after every
// trial); it stops the run after -frames frames or on a drawing error.
func (vr *viewedRun) progress(p engine.Progress) {
	v, ctx := vr.v, vr.ctx
	label := fmt.Sprintf("session %d %s, %.1f Hz", p.Block.Session, p.Block.Name, p.MeanRateHz)
	vr.bar.update(p.Trial, p.Trials, label)
	v.Progress(p)
	if vr.frameErr != nil || ctx.Err() != nil {
		return
	}
	status := fmt.Sprintf("session %d %s (block %d) | trial %d/%d | %.1f Hz", p.Block.Session, p.Block.Name, p.Block.Index, p.Trial, p.Trials, p.MeanRateHz)
	if p.Trial%vr.f.every != 0 && p.Trial != p.Trials {
		if vr.frameErr = v.Poll(ctx, status); vr.frameErr != nil {
			vr.cancel(vr.frameErr)
		}
		return
	}
	if vr.frameErr = v.Frame(ctx, status); vr.frameErr != nil {
		vr.cancel(vr.frameErr)
		return
	}
	vr.drawn++
	if vr.f.frames > 0 && vr.drawn >= vr.f.frames {
		vr.cancel(errFramesDone)
	}
}

// finish reports how the run ended (sum and err from engine.Simulate), the
// frame rates, and saves -screenshot; it returns the exit status.
func (vr *viewedRun) finish(sum *rundir.Status, err error, dir string, stdout, stderr io.Writer) int {
	v, f, frameErr := vr.v, vr.f, vr.frameErr
	cause := context.Cause(vr.ctx)
	if st := v.FrameStats(); st.Frames > 0 {
		fmt.Fprintf(stderr, "view: %d frames drawn during the run, %.1f ms each (%.1f frames per second of drawing)\n", st.Frames, 1000*st.Seconds/float64(st.Frames), st.FPS())
	}
	if f.fps > 0 && frameErr == nil && (err == nil || errors.Is(cause, errFramesDone)) {
		st, ferr := v.MeasureOrbit(f.fps)
		if ferr != nil {
			fmt.Fprintf(stderr, "iplgpu view: drawing: %v\n", ferr)
			return 1
		}
		fmt.Fprintf(stdout, "view: %d frames turning the camera at %dx%d: %.2f frames per second (%.1f ms per frame)\n", st.Frames, f.width, f.height, st.FPS(), 1000*st.Seconds/float64(max(st.Frames, 1)))
	}
	code := 0
	switch {
	case frameErr != nil:
		fmt.Fprintf(stderr, "iplgpu view: drawing: %v\n", frameErr)
		code = 1
	case err == nil:
		fmt.Fprintf(stdout, "run complete: %d trials (%d recorded) in %.1f s on %s\nrun directory: %s\n", sum.TrialsDone, sum.Recorded, sum.SimSeconds, sum.Backend, dir)
		if f.frames == 0 {
			fmt.Fprintln(stderr, "view: the run is complete; close the window (Esc or Q) to exit")
			if herr := v.Hold(vr.ctx, fmt.Sprintf("run complete: %d trials", sum.TrialsDone)); herr != nil {
				fmt.Fprintf(stderr, "iplgpu view: drawing: %v\n", herr)
				code = 1
			}
		}
	case errors.Is(err, context.Canceled) && (errors.Is(cause, errWindowQuit) || errors.Is(cause, errFramesDone)):
		fmt.Fprintf(stdout, "run stopped (%v) after %d of %d trials; the run directory keeps every finished trial: %s\n", cause, sum.TrialsDone, sum.TrialsTotal, dir)
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "iplgpu view: interrupted; %d of %d trials kept in %s\n", sum.TrialsDone, sum.TrialsTotal, dir)
		code = 130
	default:
		fmt.Fprintf(stderr, "iplgpu view: %v\n", err)
		code = 1
	}
	if n, cost, rerr := v.WaitRedundancy(); n > 0 {
		fmt.Fprintf(stderr, "view: %d task blocks' redundancy estimated off the render thread in %.1f ms in all\n", n, 1000*cost.Seconds())
		if rerr != nil {
			fmt.Fprintf(stderr, "iplgpu view: %v\n", rerr)
		}
	}
	if f.shot != "" && sum != nil && sum.TrialsDone > 0 {
		img, ierr := v.Image()
		if ierr == nil {
			ierr = viz.WritePNG(f.shot, img)
		}
		if ierr != nil {
			fmt.Fprintf(stderr, "iplgpu view: screenshot: %v\n", ierr)
			return 1
		}
		fmt.Fprintf(stderr, "view: last frame saved to %s\n", f.shot)
	}
	if code == 0 && sum != nil {
		fmt.Fprintf(stderr, "view: analyse the run with: iplgpu analyse %s\n", dir)
	}
	return code
}

// viewFlags are the flags of iplgpu view, checked (check).
type viewFlags struct {
	width, height             int
	threshold, isletThreshold float64
	session                   int
	advance                   float64
	shot                      string
	frames, fps               int
	displayTimeout            time.Duration
	every                     int // live: draw every this many trials
}

// viewReplay shows the w snapshots of the run directory dir, session by
// session, in a window, without simulating; with -frames it draws that many
// frames of the chosen session, saves -screenshot and exits.
func viewReplay(dir string, f viewFlags, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "iplgpu view: "+format+"\n", a...)
		return 1
	}
	rp, err := viz.OpenReplay(dir, f.isletThreshold, func(format string, a ...any) {
		fmt.Fprintf(stderr, "view: "+format+"\n", a...)
	})
	if err != nil {
		return fail("%v", err)
	}
	snap := len(rp.Snapshots) - 1
	if f.session >= 0 {
		snap = -1
		var have []int
		for k, s := range rp.Snapshots {
			have = append(have, s.Session)
			if s.Session == f.session {
				snap = k
			}
		}
		if snap < 0 {
			fmt.Fprintf(stderr, "iplgpu view: -session %d: %s has w snapshots after sessions %v\n", f.session, dir, have)
			return 2
		}
	}
	if !rp.FromInfo {
		t0 := time.Now()
		if err := rp.ComputeRedundancy(); err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(stderr, "view: no %s in %s: the redundancy of its %d task blocks at n = %d estimated in %.1f ms\n", rundir.InfoFile, dir, len(rp.Blocks), viz.RedundancyN, 1000*time.Since(t0).Seconds())
	}
	style := viz.DefaultStyle()
	style.Threshold = float32(f.threshold)
	v, err := viz.NewViewer(viz.Options{
		Window:         viz.WindowOptions{Width: f.width, Height: f.height, Title: "iplgpu view " + dir, DisplayTimeout: f.displayTimeout},
		Style:          style,
		Log:            func(s string) { fmt.Fprintln(stderr, "view: "+s) },
		IsletThreshold: f.isletThreshold,
	})
	if errors.Is(err, viz.ErrNoDisplay) {
		return fail("%v\n  iplgpu view needs a display: run it under a virtual X server, e.g.\n    xvfb-run -a iplgpu view -frames 2 -screenshot islets.png %s", err, dir)
	}
	if err != nil {
		return fail("%v", err)
	}
	defer v.Close()
	fmt.Fprintf(stderr, "view: replaying %d w snapshots of %s; left/right arrows step the sessions, A the automatic advance\n", len(rp.Snapshots), dir)
	fmt.Fprintf(stderr, "view: %s\n", viz.Keys)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opt := viz.ReplayOptions{Snapshot: snap, Frames: f.frames, Advance: time.Duration(f.advance * float64(time.Second))}
	if f.frames > 0 {
		opt.Advance = 0
	}
	if err := v.Replay(ctx, rp, opt); err != nil {
		return fail("drawing: %v", err)
	}
	if f.fps > 0 {
		st, err := v.MeasureOrbit(f.fps)
		if err != nil {
			return fail("drawing: %v", err)
		}
		fmt.Fprintf(stdout, "view: %d frames turning the camera at %dx%d: %.2f frames per second (%.1f ms per frame)\n", st.Frames, f.width, f.height, st.FPS(), 1000*st.Seconds/float64(max(st.Frames, 1)))
	}
	h := v.HUD()
	fmt.Fprintf(stdout, "replay %s: %s: mean w %.4f, %d links (w >= %g), %d islets\n", dir, h.SessionLabel, h.Net.MeanW, h.Net.Links, h.Net.Threshold, h.Net.Islets)
	if f.shot != "" {
		img, err := v.Image()
		if err == nil {
			err = viz.WritePNG(f.shot, img)
		}
		if err != nil {
			return fail("screenshot: %v", err)
		}
		fmt.Fprintf(stderr, "view: snapshot %d saved to %s\n", v.ReplaySnapshot(), f.shot)
	}
	return 0
}
