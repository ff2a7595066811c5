package viz

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/gl"
	"github.com/iplgpu/iplgpu/engine/glbackend"
	"github.com/iplgpu/iplgpu/engine/model"
)

// Options configure a Viewer.
type Options struct {
	Window WindowOptions
	Style  Style // the zero Style means DefaultStyle(); change fields of DefaultStyle()
	// Log, if set, receives one-line messages (the keys, threshold changes).
	Log func(string)
	// IsletThreshold is the w at or above which the HUD counts a contact as a
	// link of an islet, as the analysis does (0: analysis.DefaultIsletThreshold).
	IsletThreshold float64
	// TaskADeg is the task's orientation A (deg; B = A + 90), marked on the
	// colour key (stimulus.task_orientation_deg).
	TaskADeg float64
}

// Viewer is the live window of a run: a Window, a Renderer drawing from the GL
// backend attached to it, an orbit camera and the keys of the package doc.
// Between trials the run calls Frame, which draws the newest state, handles
// input and, while the user has paused, keeps drawing until resumed. Quit is
// closed when the user quits (Esc, Q, or closing the window).
//
// Its methods may be called from any goroutine but the GL thread (not inside
// Context.Do); everything a Viewer owns lives on the GL thread.
type Viewer struct {
	win      *Window
	r        *Renderer
	log      func(string)
	quit     chan struct{}
	quitOnce sync.Once

	// GL thread only.
	be       *glbackend.Backend
	style    Style
	cam      Camera
	paused   bool
	quitting bool
	status   string
	title    string
	links    int
	drag     glfw.MouseButton
	dragging bool
	lastX    float64
	lastY    float64
	stats    FrameStats // every frame drawn so far

	// The heads-up display (GL thread only, but gen).
	hud            HUD
	help           bool
	isletThreshold float64
	gen            atomic.Uint64 // bumped by every Run of the attached backend
	hudGen         uint64        // gen of hud.Net
	hudNet         bool          // hud.Net is set
	wbuf           []float32
	replay         *replayState

	// The last trial's spike counts (simulation goroutine only).
	lastCounts []uint16
	lastBins   int
	neurons    int
	tracker    *redundancyTracker
}

// FrameStats counts frames and the time they took to draw: the draw passes,
// the count of links, the buffer swap, and the device's work finished
// (glFinish), so that the time is the frame's own and not the next one's.
type FrameStats struct {
	Frames  int
	Seconds float64
}

// FPS is frames per second of drawing time (0 without frames).
func (s FrameStats) FPS() float64 {
	if s.Frames == 0 || s.Seconds <= 0 {
		return 0
	}
	return float64(s.Frames) / s.Seconds
}

// idleFrame is the redraw period while the simulation waits (paused, or done).
const idleFrame = time.Second / 30

// thresholdStep is the change of the islet threshold per + or - key.
const thresholdStep = 0.05

// NewViewer opens the window and compiles the renderer.
func NewViewer(opt Options) (*Viewer, error) {
	if opt.Style == (Style{}) {
		opt.Style = DefaultStyle()
	}
	win, err := OpenWindow(opt.Window)
	if err != nil {
		return nil, err
	}
	r, err := NewRenderer(win.Context())
	if err != nil {
		win.Close()
		return nil, err
	}
	v := &Viewer{win: win, r: r, log: opt.Log, quit: make(chan struct{}), style: opt.Style, isletThreshold: opt.IsletThreshold}
	if v.log == nil {
		v.log = func(string) {}
	}
	if v.isletThreshold == 0 {
		v.isletThreshold = analysis.DefaultIsletThreshold
	}
	v.tracker = newRedundancyTracker(v.log)
	v.hud.Source = "live (GL backend)"
	v.hud.TaskADeg = opt.TaskADeg
	v.hud.RedundancySource = "estimated live"
	win.Context().Do(func() error {
		w := win.GLFW()
		w.SetCharCallback(v.onChar)
		w.SetKeyCallback(v.onKey)
		w.SetMouseButtonCallback(v.onMouseButton)
		w.SetCursorPosCallback(v.onCursor)
		w.SetScrollCallback(v.onScroll)
		w.SetCloseCallback(func(*glfw.Window) { v.requestQuit() })
		return nil
	})
	return v, nil
}

// Keys is the help line of the window's keys.
const Keys = "mouse: left drag orbit, right drag pan, scroll zoom; keys: Space pause/resume, L links, S spines, N somata, K colour key, +/- draw threshold, R reset view, ? list the keys on screen, Esc/Q quit"

// Context is the window's GL context: create the GL backend on it
// (glbackend.NewBackendOn) and Attach the backend.
func (v *Viewer) Context() *gl.Context { return v.win.Context() }

// Quit is closed when the user quits the window.
func (v *Viewer) Quit() <-chan struct{} { return v.quit }

func (v *Viewer) requestQuit() {
	v.quitting = true
	v.quitOnce.Do(func() { close(v.quit) })
}

// Attach returns be wrapped as an engine.Backend for engine.Simulate: it
// behaves as be, and also hands the network to the renderer on Load and keeps,
// on the device, the spine potentials at the end of each trial's stimulus,
// before an analytic inter-trial interval relaxes them to rest, so that a
// frame drawn between trials shows the trial's activity. (It splits such a
// Run into the stimulus and a zero-step Run with the interval; the backend
// computes the same state either way.) be must run on the Viewer's Context.
func (v *Viewer) Attach(be *glbackend.Backend) engine.Backend {
	if be.Context() != v.Context() {
		panic("viz: Viewer.Attach: the backend must run on the viewer's context (glbackend.NewBackendOn(v.Context()))")
	}
	v.Context().Do(func() error { v.be = be; return nil })
	return &viewBackend{v: v, be: be}
}

// viewBackend is the Backend Attach returns.
type viewBackend struct {
	v  *Viewer
	be *glbackend.Backend
}

func (b *viewBackend) Name() string                  { return b.be.Name() }
func (b *viewBackend) State(dst *engine.State) error { return b.be.State(dst) }
func (b *viewBackend) SetState(src *engine.State) error {
	return b.be.SetState(src)
}
func (b *viewBackend) Close() error { return b.be.Close() }
func (b *viewBackend) CopyBandwidth(bytes, reps int) (float64, error) {
	return b.be.CopyBandwidth(bytes, reps)
}

func (b *viewBackend) Load(net *model.Network, p model.Params) error {
	if err := b.be.Load(net, p); err != nil {
		return err
	}
	b.v.neurons = net.N
	return b.v.Context().Do(func() error {
		b.v.cam = FitCamera(net)
		b.v.hudNet = false
		b.v.r.SetHUD(&b.v.hud, b.v.help)
		return b.v.r.SetNetwork(net)
	})
}

func (b *viewBackend) Run(seg *engine.Segment, counts []uint16) error {
	defer b.v.gen.Add(1)
	if len(seg.Frames) == 0 { // not a stimulus: an inter-trial interval or a test segment
		return b.be.Run(seg, counts)
	}
	stim := *seg
	stim.DecayS = 0
	stim.DeferW = seg.DecayS > 0
	if err := b.be.Run(&stim, counts); err != nil {
		return err
	}
	b.v.lastCounts, b.v.lastBins = b.v.lastCounts[:0], 0
	if seg.Record && seg.BinSteps > 0 {
		n := seg.Bins() * b.v.neurons
		b.v.lastCounts, b.v.lastBins = append(b.v.lastCounts[:0], counts[:n]...), seg.Bins()
	}
	if err := b.v.Context().Do(func() error {
		b.v.r.SnapshotPotentials(b.be.Buffers())
		return nil
	}); err != nil {
		return err
	}
	if seg.DecayS <= 0 {
		return nil
	}
	iti := engine.Segment{
		Step0: seg.Step0 + uint64(seg.Steps), Gate: seg.Gate[:0],
		Task: seg.Task, TaskA: seg.TaskA, Learn: seg.Learn, BlockForm: seg.BlockForm, BlockLat: seg.BlockLat,
		DecayS: seg.DecayS, PriorSteps: seg.Steps,
	}
	return b.be.Run(&iti, nil)
}

// Progress tells the HUD where the run is (call it from
// SimulateOptions.Progress, before Frame or Poll) and hands the trial's spike
// counts to the redundancy plot.
func (v *Viewer) Progress(p engine.Progress) {
	v.tracker.add(p, v.lastCounts, v.lastBins, v.neurons)
	v.Context().Do(func() error {
		h := &v.hud
		h.Trial, h.Trials = p.Trial, p.Trials
		if b := p.Block; b != nil {
			h.Session, h.Block, h.BlockName, h.Mode, h.Ablation = b.Session, b.Index, b.Name, b.Mode, b.Ablation
		}
		return nil
	})
}

// WaitRedundancy waits for the redundancy estimates started so far and
// returns how many there were, the time they took together and the first
// error; the next frame shows them.
func (v *Viewer) WaitRedundancy() (int, time.Duration, error) {
	return v.tracker.wait()
}

// HUD returns the heads-up display as the last frame showed it.
func (v *Viewer) HUD() HUD {
	var h HUD
	v.Context().Do(func() error { h = v.hud; return nil })
	return h
}

// updateHUD brings the HUD's numbers up to date: the network's counts when
// the simulation has run since they were counted (w comes back from the
// device, 8 bytes a contact), the redundancy plot, the thresholds. Call
// inside Do.
func (v *Viewer) updateHUD(bufs glbackend.Buffers) error {
	h := &v.hud
	h.DrawThreshold = float64(v.style.Threshold)
	h.Paused = v.paused
	if v.replay != nil {
		v.replay.fill(h, h.DrawThreshold)
		return nil
	}
	h.Redundancy, h.Pending = v.tracker.snapshot()
	net := v.r.Network()
	if net == nil || bufs.EdgeState == nil {
		return nil
	}
	if g := v.gen.Load(); !v.hudNet || g != v.hudGen {
		E := net.Edges()
		if cap(v.wbuf) < 2*E {
			v.wbuf = make([]float32, 2*E)
		}
		ws := v.wbuf[:2*E]
		if err := gl.Download(bufs.EdgeState, 0, ws); err != nil {
			return err
		}
		w := make([]float32, E)
		for e := range w {
			w[e] = ws[2*e]
		}
		h.Net = NetworkOf(net.Spines(), net.EdgeA, net.EdgeB, w, v.isletThreshold)
		v.hudGen, v.hudNet = g, true
	}
	return nil
}

// Frame draws the newest state with status (the run's progress) in the title,
// and handles the input that came in since the last frame. While the user has
// paused it keeps drawing and handling input until resumed, quit, or ctx is
// done. Call it between trials (from engine.SimulateOptions.Progress): the simulation waits
// meanwhile.
func (v *Viewer) Frame(ctx context.Context, status string) error {
	for {
		var hold bool
		err := v.Context().Do(func() error {
			v.status = status
			if err := v.frame(); err != nil {
				return err
			}
			hold = v.paused && !v.quitting
			return nil
		})
		if err != nil || !hold || ctx.Err() != nil {
			return err
		}
		time.Sleep(idleFrame)
	}
}

// Poll handles the input that came in since the last frame without drawing, for
// the trials a run does not draw; when the user has paused it draws, as Frame
// does, until resumed.
func (v *Viewer) Poll(ctx context.Context, status string) error {
	var hold bool
	err := v.Context().Do(func() error {
		glfw.PollEvents()
		if v.win.GLFW().ShouldClose() {
			v.requestQuit()
		}
		hold = v.paused && !v.quitting
		return nil
	})
	if err != nil || !hold {
		return err
	}
	return v.Frame(ctx, status)
}

// Hold keeps drawing and handling input, with status in the title, until the
// user quits or ctx is done: for looking at the final state after a run.
func (v *Viewer) Hold(ctx context.Context, status string) error {
	for {
		var quit bool
		err := v.Context().Do(func() error {
			v.status = status
			quit = v.quitting
			return v.frame()
		})
		if err != nil || quit || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(idleFrame):
		}
	}
}

// frame polls input and draws one frame into the window, timed into
// v.stats. Call inside Do.
func (v *Viewer) frame() error {
	t0 := time.Now()
	if err := v.drawFrame(); err != nil {
		return err
	}
	v.Context().Finish()
	v.stats.Frames++
	v.stats.Seconds += time.Since(t0).Seconds()
	return nil
}

// drawFrame is frame without the timing.
func (v *Viewer) drawFrame() error {
	glfw.PollEvents()
	if v.win.GLFW().ShouldClose() {
		v.requestQuit()
	}
	w, h := v.win.FramebufferSize()
	if w <= 0 || h <= 0 { // minimised
		return nil
	}
	v.stepReplay()
	bufs := v.buffers()
	if err := v.updateHUD(bufs); err != nil {
		return err
	}
	v.r.SetHUD(&v.hud, v.help)
	if err := v.r.Draw(bufs, v.style, v.cam, w, h); err != nil {
		return err
	}
	if v.r.Network() != nil && bufs.EdgeState != nil {
		n, err := v.r.LinkCount()
		if err != nil {
			return err
		}
		v.links = n
	}
	v.setTitle()
	v.win.GLFW().SwapBuffers()
	return nil
}

func (v *Viewer) setTitle() {
	t := "iplgpu view"
	if v.status != "" {
		t += " | " + v.status
	}
	if v.r.Network() != nil {
		t += fmt.Sprintf(" | %d links w > %.2f", v.links, v.style.Threshold)
	}
	if v.paused {
		t += " | PAUSED (Space)"
	}
	if t != v.title {
		v.win.GLFW().SetTitle(t)
		v.title = t
	}
}

// Title is the window title as last set (status, links above the threshold,
// pause), for logs and tests.
func (v *Viewer) Title() string {
	var t string
	v.Context().Do(func() error { t = v.title; return nil })
	return t
}

// Style returns the current style (the keys change it).
func (v *Viewer) Style() Style {
	var st Style
	v.Context().Do(func() error { st = v.style; return nil })
	return st
}

// FrameStats returns the count and drawing time of every frame so far.
func (v *Viewer) FrameStats() FrameStats {
	var st FrameStats
	v.Context().Do(func() error { st = v.stats; return nil })
	return st
}

// MeasureOrbit draws n frames back to back while turning the camera around the
// network, as a user dragging the mouse would see them (the simulation
// waits), and returns their FrameStats: the window's interactive frame rate.
// The camera ends where it began.
func (v *Viewer) MeasureOrbit(n int) (FrameStats, error) {
	var st FrameStats
	err := v.Context().Do(func() error {
		before, cam := v.stats, v.cam
		defer func() { v.cam = cam }()
		for i := 0; i < n && !v.quitting; i++ {
			v.cam.Orbit(2*math.Pi/float32(max(n, 1)), 0)
			if err := v.frame(); err != nil {
				return err
			}
		}
		st = FrameStats{Frames: v.stats.Frames - before.Frames, Seconds: v.stats.Seconds - before.Seconds}
		return nil
	})
	return st, err
}

// Image draws the current view offscreen at the window's framebuffer size and
// returns it: what the last frame showed, for -screenshot.
func (v *Viewer) Image() (*image.RGBA, error) {
	var img *image.RGBA
	err := v.Context().Do(func() error {
		w, h := v.win.FramebufferSize()
		if w <= 0 || h <= 0 {
			return errors.New("viz: the window has no area to capture (minimised?)")
		}
		bufs := v.buffers()
		if err := v.updateHUD(bufs); err != nil {
			return err
		}
		var err error
		img, err = v.r.Image(bufs, v.style, v.cam, w, h)
		return err
	})
	return img, err
}

// buffers are what the frame draws from: the attached backend's, or the
// replay's. Call inside Do.
func (v *Viewer) buffers() glbackend.Buffers {
	switch {
	case v.replay != nil:
		return v.replay.bufs
	case v.be != nil:
		return v.be.Buffers()
	}
	return glbackend.Buffers{}
}

// Close deletes the renderer and closes the window. Close the attached backend
// first.
func (v *Viewer) Close() error {
	v.tracker.wait()
	v.Context().Do(func() error {
		if v.replay != nil {
			v.replay.free()
		}
		return nil
	})
	v.r.Delete()
	return v.win.Close()
}

// WritePNG writes img to path as a PNG file.
func WritePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("viz: writing %s: %w", path, err)
	}
	return f.Close()
}

// Input callbacks: GLFW calls them on the GL thread, inside PollEvents.

func (v *Viewer) onChar(_ *glfw.Window, ch rune) {
	st := &v.style
	switch ch {
	case ' ':
		v.paused = !v.paused
		if v.paused {
			v.log("paused: Space resumes")
		} else {
			v.log("resumed")
		}
	case 'l', 'L':
		st.Links = !st.Links
	case 's', 'S':
		st.Spines = !st.Spines
	case 'n', 'N':
		st.Somata = !st.Somata
	case 'k', 'K':
		st.Legend = !st.Legend
	case '+', '=':
		st.Threshold = min(st.Threshold+thresholdStep, 1-thresholdStep)
		v.log(fmt.Sprintf("islet threshold w > %.2f", st.Threshold))
	case '-', '_':
		st.Threshold = max(st.Threshold-thresholdStep, 0)
		v.log(fmt.Sprintf("islet threshold w > %.2f", st.Threshold))
	case 'r', 'R':
		if n := v.r.Network(); n != nil {
			v.cam = FitCamera(n)
		}
	case '?':
		v.help = !v.help
	case 'a', 'A':
		if v.replay != nil {
			v.replay.auto = !v.replay.auto
			v.replay.last = time.Now()
		}
	case 'q', 'Q':
		v.requestQuit()
	}
}

func (v *Viewer) onKey(_ *glfw.Window, key glfw.Key, _ int, action glfw.Action, _ glfw.ModifierKey) {
	if action != glfw.Press && action != glfw.Repeat {
		return
	}
	switch key {
	case glfw.KeyEscape:
		v.requestQuit()
	case glfw.KeyLeft, glfw.KeyRight, glfw.KeyHome, glfw.KeyEnd:
		if v.replay != nil {
			v.replay.key(key)
		}
	}
}

func (v *Viewer) onMouseButton(w *glfw.Window, button glfw.MouseButton, action glfw.Action, _ glfw.ModifierKey) {
	switch action {
	case glfw.Press:
		v.drag, v.dragging = button, true
		v.lastX, v.lastY = w.GetCursorPos()
	case glfw.Release:
		if button == v.drag {
			v.dragging = false
		}
	}
}

func (v *Viewer) onCursor(w *glfw.Window, x, y float64) {
	dx, dy := float32(x-v.lastX), float32(y-v.lastY)
	v.lastX, v.lastY = x, y
	if !v.dragging {
		return
	}
	switch v.drag {
	case glfw.MouseButtonLeft:
		const radPerPx = 0.006
		v.cam.Orbit(-dx*radPerPx, dy*radPerPx)
	case glfw.MouseButtonRight, glfw.MouseButtonMiddle:
		_, h := w.GetSize()
		v.cam.Pan(dx, dy, h)
	}
}

func (v *Viewer) onScroll(_ *glfw.Window, _, dy float64) {
	v.cam.Zoom(float32(dy))
}
