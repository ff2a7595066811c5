package viz

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/gl"
	"github.com/iplgpu/iplgpu/engine/glbackend"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/simrun"
)

// The tests share one hidden Viewer (GLFW allows one window per process), made
// in TestMain; without a display they skip, or fail under IPLGPU_REQUIRE_GL=1.
var (
	testViewer    *Viewer
	testViewerErr error
)

func TestMain(m *testing.M) {
	testViewer, testViewerErr = NewViewer(Options{Window: WindowOptions{Width: 320, Height: 240, Hidden: true, Title: "iplgpu viz tests"}})
	if testViewer != nil {
		fmt.Fprintf(os.Stderr, "viz tests on %s\n", testViewer.Context().Info())
	}
	code := m.Run()
	if testViewer != nil {
		testViewer.Close()
	}
	os.Exit(code)
}

func needViewer(t testing.TB) *Viewer {
	t.Helper()
	if testViewer == nil {
		if os.Getenv("IPLGPU_REQUIRE_GL") == "1" {
			t.Fatalf("IPLGPU_REQUIRE_GL=1 but no window with OpenGL %d.%d: %v", gl.NeedMajor, gl.NeedMinor, testViewerErr)
		}
		t.Skipf("no window with OpenGL %d.%d (run under xvfb-run -a; IPLGPU_REQUIRE_GL=1 fails instead): %v", gl.NeedMajor, gl.NeedMinor, testViewerErr)
	}
	return testViewer
}

// smallSets is a 60 x 8 network whose links grow fast: a few trials of learning
// take many w past the islet threshold.
var smallSets = []string{
	"network.neurons=60", "network.spines_per_neuron=8",
	"dynamics.eta_w=0.005", "dynamics.lambda_w_per_s=0.01",
}

// learnedBackend loads the small network into a GL backend on the viewer's
// context and runs learning trials at several orientations.
func learnedBackend(t *testing.T, v *Viewer) (*glbackend.Backend, *model.Network) {
	t.Helper()
	cfg, err := model.LoadConfig("", "", smallSets)
	if err != nil {
		t.Fatal(err)
	}
	net, err := model.BuildNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	be, err := glbackend.NewBackendOn(v.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	if err := be.Load(net, model.ParamsFromConfig(cfg)); err != nil {
		t.Fatal(err)
	}
	learnTrials(t, be, 6)
	var st engine.State
	if err := be.State(&st); err != nil {
		t.Fatal(err)
	}
	above := 0
	for _, w := range st.W {
		if w > DefaultThreshold {
			above++
		}
	}
	// The link tests mean nothing without links, nor when every edge is one.
	if above < 20 || above > len(st.W)*9/10 {
		t.Fatalf("%d of %d edges have w > %g after learning: change smallSets so that some, not all, do", above, len(st.W), DefaultThreshold)
	}
	t.Logf("%d spines, %d edges, %d with w > %g", net.Spines(), net.Edges(), above, DefaultThreshold)
	return be, net
}

// learnTrials runs n learning trials of task mode on be, at orientations
// 0, 45, 90 and 135 deg in turn.
func learnTrials(t testing.TB, be *glbackend.Backend, n int) {
	t.Helper()
	const steps, frameSteps = 160, 10
	gate := make([]float32, steps)
	for i := range gate {
		gate[i] = 1
	}
	for trial := 0; trial < n; trial++ {
		frames := make([]float32, steps/frameSteps)
		for i := range frames {
			frames[i] = float32(math.Pi / 4 * float64((trial+i)%4))
		}
		seg := &engine.Segment{Step0: uint64(trial * steps), Steps: steps, FrameSteps: frameSteps, Frames: frames,
			Gate: gate, Task: true, TaskA: math.Pi / 4, Learn: true}
		if err := be.Run(seg, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// lit counts the pixels that differ from the background by more than a few
// levels in some channel.
func lit(img *image.RGBA, bg [3]float32) int {
	n := 0
	for i := 0; i < len(img.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			if math.Abs(float64(img.Pix[i+c])-255*float64(bg[c])) > 6 {
				n++
				break
			}
		}
	}
	return n
}

// differ counts the pixels that differ between two images by more than a few
// levels in some channel.
func differ(a, b *image.RGBA) int {
	n := 0
	for i := 0; i < len(a.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			if d := int(a.Pix[i+c]) - int(b.Pix[i+c]); d > 6 || d < -6 {
				n++
				break
			}
		}
	}
	return n
}

func only(spines, links bool) Style {
	st := DefaultStyle()
	st.Spines, st.Links, st.Somata, st.Legend = spines, links, false, false
	return st
}

// Spines and links show up, links only when switched on and above the threshold.
func TestRenderSpinesAndLinks(t *testing.T) {
	v := needViewer(t)
	be, net := learnedBackend(t, v)
	cam := FitCamera(net)
	const w, h = 320, 240
	render := func(name string, st Style) *image.RGBA {
		t.Helper()
		img, err := Render(be, net, st, cam, w, h)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if img.Bounds().Dx() != w || img.Bounds().Dy() != h {
			t.Fatalf("%s: image %v, want %d x %d", name, img.Bounds(), w, h)
		}
		saveOnFailure(t, name, img)
		return img
	}
	bg := DefaultStyle().Background
	nothing := render("nothing", only(false, false))
	spines := render("spines", only(true, false))
	links := render("links", only(false, true))
	both := render("spines+links", only(true, true))
	high := only(false, true)
	high.Threshold = 0.999
	noLinks := render("links above 0.999", high)
	full := render("everything", DefaultStyle())

	if n := lit(nothing, bg); n != 0 {
		t.Errorf("with spines, links, somata and key off, %d pixels are not background", n)
	}
	if n := lit(spines, bg); n < 300 {
		t.Errorf("spines only: %d lit pixels, want >= 300", n)
	}
	if n := lit(links, bg); n < 300 {
		t.Errorf("links only: %d lit pixels, want >= 300", n)
	}
	if n := lit(noLinks, bg); n != 0 {
		t.Errorf("links with a threshold no w exceeds: %d lit pixels, want 0", n)
	}
	if n := differ(spines, both); n < 300 {
		t.Errorf("switching links on changes %d pixels, want >= 300", n)
	}
	if n := lit(full, bg) - lit(both, bg); n <= 0 {
		t.Errorf("somata and the colour key add %d lit pixels, want some", n)
	}
	// Lowering the threshold draws more links.
	low := only(false, true)
	low.Threshold = 0.05
	if a, b := lit(render("links above 0.05", low), bg), lit(links, bg); a <= b {
		t.Errorf("threshold 0.05 lights %d pixels, threshold %g %d: want more", a, DefaultThreshold, b)
	}
}

// An isolated spine is drawn in the hue of its tuning.
func TestSpineColourIsTuningHue(t *testing.T) {
	v := needViewer(t)
	be, net := learnedBackend(t, v)
	cam := FitCamera(net)
	const w, h = 640, 480
	st := only(true, false)
	img, err := Render(be, net, st, cam, w, h)
	if err != nil {
		t.Fatal(err)
	}
	saveOnFailure(t, "hue", img)
	vp := cam.ViewProj(float32(w) / h)
	type spot struct{ x, y float32 }
	pos := make([]spot, net.Spines())
	inside := make([]bool, net.Spines())
	for k := range pos {
		x, y, ok := vp.Project(Vec3{net.SpineX[k], net.SpineY[k], net.SpineZ[k]}, w, h)
		pos[k], inside[k] = spot{x, y}, ok && x >= 2 && y >= 2 && x < w-2 && y < h-2
	}
	// A spine's point is at most 64 pixels wide but rarely over 16 here; one
	// with no other spine within 20 pixels has its centre to itself.
	const clear = 20
	checked, wrong := 0, 0
	for k := range pos {
		if !inside[k] {
			continue
		}
		alone := true
		for j := range pos {
			if j != k && math.Hypot(float64(pos[j].x-pos[k].x), float64(pos[j].y-pos[k].y)) < clear {
				alone = false
				break
			}
		}
		if !alone {
			continue
		}
		px := img.RGBAAt(int(pos[k].x), int(pos[k].y))
		r := float64(px.R) - 255*float64(st.Background[0])
		g := float64(px.G) - 255*float64(st.Background[1])
		b := float64(px.B) - 255*float64(st.Background[2])
		got, ok := Hue(r, g, b)
		c := TuningColour(net.Phi[k])
		want, _ := Hue(float64(c[0]), float64(c[1]), float64(c[2]))
		checked++
		if !ok || HueDistance(got, want) > 15 {
			wrong++
			t.Errorf("spine %d (phi %.1f deg) at (%.0f, %.0f): pixel %v has hue %.0f, want %.0f +- 15", k, net.Phi[k]*180/math.Pi, pos[k].x, pos[k].y, px, got, want)
		}
	}
	if checked < 10 {
		t.Fatalf("only %d isolated spines to check; make the image larger", checked)
	}
	t.Logf("%d isolated spines checked, %d off hue", checked, wrong)
}

// The viewer's backend computes what the plain backend does (it splits each
// trial's Run to keep the stimulus's potentials for the frame), and a run draws.
func TestViewerRunMatchesPlainBackend(t *testing.T) {
	v := needViewer(t)
	sets := append([]string{
		"protocol.sessions=1", "protocol.before=[]", "protocol.after=[]", "protocol.baseline=false",
		"protocol.session=[{name: task, mode: task, trials: 4, coherences: [0.3], learning: true, record: true}]",
	}, smallSets...)
	cfg, err := model.LoadConfig("", "", sets)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Stimulus.ITI != "decay" {
		t.Fatalf("stimulus.iti = %q: the test is about the analytic interval", cfg.Stimulus.ITI)
	}
	dir := t.TempDir()
	run := func(name string, wrap bool) {
		be, err := glbackend.NewBackendOn(v.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer be.Close()
		var b engine.Backend = be
		var opt engine.SimulateOptions
		if wrap {
			b = v.Attach(be)
			opt.Progress = func(p engine.Progress) {
				if err := v.Frame(context.Background(), fmt.Sprintf("trial %d/%d", p.Trial, p.Trials)); err != nil {
					t.Error(err)
				}
			}
		}
		if _, err := simrun.Create(context.Background(), cfg, b, filepath.Join(dir, name), opt); err != nil {
			t.Fatal(err)
		}
		if wrap {
			if title := v.Title(); !strings.Contains(title, "trial 4/4") || !strings.Contains(title, "links w > 0.20") {
				t.Errorf("title %q", title)
			}
			img, err := v.Image()
			if err != nil {
				t.Fatal(err)
			}
			saveOnFailure(t, "viewer", img)
			if n := lit(img, v.Style().Background); n < 200 {
				t.Errorf("the viewer's image has %d lit pixels", n)
			}
		}
	}
	run("plain", false)
	run("viewer", true)
	for _, f := range []string{"w_final.npy", "responses.npy", "gain_final.npy"} {
		a, errA := os.ReadFile(filepath.Join(dir, "plain", f))
		b, errB := os.ReadFile(filepath.Join(dir, "viewer", f))
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between the plain backend and the viewer's", f)
		}
	}
}

// The keys change the style, pause and quit.
func TestKeys(t *testing.T) {
	v := needViewer(t)
	press := func(keys string) {
		v.Context().Do(func() error {
			for _, k := range keys {
				v.onChar(v.win.GLFW(), k)
			}
			return nil
		})
	}
	before := v.Style()
	press("lsnk++")
	after := v.Style()
	if after.Links == before.Links || after.Spines == before.Spines || after.Somata == before.Somata || after.Legend == before.Legend {
		t.Errorf("L, S, N, K did not toggle: %+v -> %+v", before, after)
	}
	if !near(after.Threshold, before.Threshold+2*thresholdStep, 1e-6) {
		t.Errorf("threshold %g after ++ from %g", after.Threshold, before.Threshold)
	}
	press("lsnk--")
	if got := v.Style(); got != before {
		t.Errorf("style %+v after toggling back, want %+v", got, before)
	}
	press(" ")
	v.Context().Do(func() error {
		if !v.paused {
			t.Error("Space did not pause")
		}
		return nil
	})
	press("?")
	v.Context().Do(func() error {
		if !v.help {
			t.Error("? did not show the keys")
		}
		return nil
	})
	press("?")
	press(" ")
	// Quitting closes Quit; put the viewer back for the other tests.
	defer func() {
		v.Context().Do(func() error {
			v.quitting, v.quit, v.quitOnce = false, make(chan struct{}), sync.Once{}
			return nil
		})
	}()
	press("q")
	select {
	case <-v.Quit():
	default:
		t.Error("Q did not quit")
	}
}

// saveOnFailure writes img to the test's output when the test fails, and always
// when IPLGPU_VIZ_OUT names a directory.
func saveOnFailure(t *testing.T, name string, img image.Image) {
	t.Helper()
	dir := os.Getenv("IPLGPU_VIZ_OUT")
	t.Cleanup(func() {
		if dir == "" && !t.Failed() {
			return
		}
		if dir == "" {
			dir = os.TempDir()
		}
		path := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_", "+", "_").Replace(t.Name()+"_"+name)+".png")
		if err := WritePNG(path, img); err != nil {
			t.Log(err)
			return
		}
		t.Logf("image %s: %s", name, path)
	})
}

// Dragging orbits (left) and pans (right), scrolling zooms, R resets.
func TestMouse(t *testing.T) {
	v := needViewer(t)
	v.Context().Do(func() error {
		w := v.win.GLFW()
		v.cam = fitBox(Vec3{}, Vec3{100, 100, 100})
		start := v.cam
		drag := func(button glfw.MouseButton, dx, dy float64) {
			v.onMouseButton(w, button, glfw.Press, 0)
			x, y := v.lastX, v.lastY
			v.onCursor(w, x+dx, y+dy)
			v.onMouseButton(w, button, glfw.Release, 0)
		}
		drag(glfw.MouseButtonLeft, 100, -50)
		if v.cam.Yaw == start.Yaw || v.cam.Pitch == start.Pitch || v.cam.Target != start.Target {
			t.Errorf("left drag: %+v -> %+v, want yaw and pitch changed, target kept", start, v.cam)
		}
		orbited := v.cam
		v.onCursor(w, v.lastX+100, v.lastY+100) // no button held: nothing happens
		if v.cam != orbited {
			t.Errorf("moving without a button changed the camera: %+v", v.cam)
		}
		drag(glfw.MouseButtonRight, 30, 0)
		if v.cam.Target == orbited.Target || v.cam.Yaw != orbited.Yaw {
			t.Errorf("right drag: %+v -> %+v, want the target moved, the angles kept", orbited, v.cam)
		}
		d := v.cam.Distance
		v.onScroll(w, 0, 2)
		if !near(v.cam.Distance, d*0.81, 1e-3) {
			t.Errorf("scrolling 2 steps in: distance %g -> %g, want %g", d, v.cam.Distance, d*0.81)
		}
		if net := v.r.Network(); net != nil {
			v.onChar(w, 'r')
			if v.cam != FitCamera(net) {
				t.Errorf("R: camera %+v, want %+v", v.cam, FitCamera(net))
			}
		}
		return nil
	})
}

// MeasureOrbit draws the frames it is asked for, counts their time, adds them
// to the viewer's totals and leaves the camera where it was.
func TestMeasureOrbit(t *testing.T) {
	v := needViewer(t)
	before := v.FrameStats()
	var cam Camera
	v.Context().Do(func() error { cam = v.cam; return nil })
	st, err := v.MeasureOrbit(6)
	if err != nil {
		t.Fatal(err)
	}
	if st.Frames != 6 || !(st.Seconds > 0) || !(st.FPS() > 0) {
		t.Fatalf("stats %+v, fps %v", st, st.FPS())
	}
	if after := v.FrameStats(); after.Frames != before.Frames+6 {
		t.Errorf("totals went from %d to %d frames, want +6", before.Frames, after.Frames)
	}
	v.Context().Do(func() error {
		if v.cam != cam {
			t.Errorf("camera moved: %+v -> %+v", cam, v.cam)
		}
		return nil
	})
	if (FrameStats{}).FPS() != 0 {
		t.Error("no frames, yet a frame rate")
	}
}

// The link pass lists exactly the edges with w above the threshold, each once
// with its two spines and its w, and counts them in the draw command; with a
// list shorter than the links, it still counts them all and lists up to the
// capacity.
func TestLinkListIsTheLinks(t *testing.T) {
	v := needViewer(t)
	be, net := learnedBackend(t, v)
	var st engine.State
	if err := be.State(&st); err != nil {
		t.Fatal(err)
	}
	want := map[[2]int32]float32{}
	for ed, w := range st.W {
		if w > DefaultThreshold {
			want[[2]int32{net.EdgeA[ed], net.EdgeB[ed]}] = w
		}
	}
	r, err := NewRenderer(be.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Delete()
	cam := FitCamera(net)
	for _, capacity := range []int{0, len(want) / 3} {
		var n int
		var list []uint32
		err = be.Context().Do(func() error {
			if err := r.SetNetwork(net); err != nil {
				return err
			}
			if capacity > 0 {
				r.linkCap = capacity
			}
			if _, err := r.Image(be.Buffers(), DefaultStyle(), cam, 160, 120); err != nil {
				return err
			}
			var err error
			if n, err = r.LinkCount(); err != nil {
				return err
			}
			list = make([]uint32, 4*min(n, r.linkCap))
			return gl.Download(r.linkList, 0, list)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != len(want) {
			t.Fatalf("capacity %d: LinkCount %d, the host counts %d edges with w > %g", capacity, n, len(want), DefaultThreshold)
		}
		seen := map[[2]int32]bool{}
		for i := 0; i < len(list); i += 4 {
			key := [2]int32{int32(list[i]), int32(list[i+1])}
			w, ok := want[key]
			if !ok || seen[key] || math.Float32frombits(list[i+2]) != w {
				t.Fatalf("capacity %d: listed link %v with w %v: not a link, listed twice, or w differs (host %v)", capacity, key, math.Float32frombits(list[i+2]), w)
			}
			seen[key] = true
		}
		if capacity == 0 && len(seen) != len(want) {
			t.Fatalf("%d links listed, want %d", len(seen), len(want))
		}
	}
}
