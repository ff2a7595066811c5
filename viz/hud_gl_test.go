package viz

import (
	"context"
	"fmt"
	"image"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/glbackend"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/internal/npy"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/simrun"
)

// The HUD is drawn: with nothing else on, the frame is background but for the
// HUD's panel, the colour key's labels and the scale bar; the panel's pixels
// change with the numbers it shows.
func TestHUDDraws(t *testing.T) {
	v := needViewer(t)
	be, net := learnedBackend(t, v)
	r, err := NewRenderer(be.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Delete()
	cam := FitCamera(net)
	const w, h = 480, 360
	hud := HUD{Source: "test", Session: 2, Trial: 7, Trials: 9, BlockName: "task", Mode: "task",
		Net: NetworkCounts{Threshold: 0.5, Edges: 100, MeanW: 0.25, Links: 12, Islets: 3}, DrawThreshold: 0.2,
		Redundancy: []RedundancyPoint{{0, 1, 10}, {1, 3, 25}, {2, 5, math.NaN()}}, TaskADeg: 45}
	frame := func(name string, hp *HUD, st Style) *image.RGBA {
		t.Helper()
		var img *image.RGBA
		err := be.Context().Do(func() error {
			if err := r.SetNetwork(net); err != nil {
				return err
			}
			r.SetHUD(hp, false)
			var err error
			img, err = r.Image(be.Buffers(), st, cam, w, h)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		saveOnFailure(t, name, img)
		return img
	}
	bg := DefaultStyle().Background
	none := only(false, false)
	if n := lit(frame("no HUD", nil, none), bg); n != 0 {
		t.Fatalf("without the HUD and with everything off, %d pixels are lit", n)
	}
	withHUD := frame("HUD", &hud, none)
	panel := HUDPanel(w, h)
	inPanel, outside := 0, 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			px := withHUD.RGBAAt(x, y)
			if max(px.R, px.G, px.B) < 100 {
				continue
			}
			switch {
			case image.Pt(x, y).In(panel):
				inPanel++
			case y > h*3/4: // the scale bar, bottom right
			default:
				outside++
			}
		}
	}
	if inPanel < 500 || outside != 0 {
		t.Errorf("HUD: %d bright pixels in its panel %v (want >= 500), %d elsewhere above the bottom quarter (want 0)", inPanel, panel, outside)
	}
	more := hud
	more.Net.Islets = 4
	if n := differ(withHUD, frame("HUD, one more islet", &more, none)); n == 0 {
		t.Error("the HUD looks the same with 3 and 4 islets")
	}
	// With the colour key on, A and B are marked near its ring.
	st := none
	st.Legend = true
	key := differ(frame("key", nil, st), frame("key and HUD", &hud, st))
	if key < 100 {
		t.Errorf("the HUD adds %d pixels to a frame with the colour key, want its labels too", key)
	}
}

// A live run's HUD shows the final state's numbers (NetworkOf of the run's
// w_final.npy) and its task block's redundancy at n = 14 as
// BlockRedundancyPct estimates it from the run's responses.npy.
func TestViewerHUDLive(t *testing.T) {
	v := needViewer(t)
	sets := append([]string{
		"protocol.sessions=1", "protocol.before=[]", "protocol.after=[]", "protocol.baseline=false",
		"protocol.session=[{name: task, mode: task, trials: 40, coherences: [0.3], learning: true, record: true}]",
		"output.checkpoint_trials=0",
	}, smallSets...)
	cfg, err := model.LoadConfig("", "", sets)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	be, err := glbackend.NewBackendOn(v.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	opt := engine.SimulateOptions{Progress: func(p engine.Progress) {
		v.Progress(p)
		if p.Trial%10 == 0 {
			if err := v.Frame(context.Background(), ""); err != nil {
				t.Error(err)
			}
		}
	}}
	if _, err := simrun.Create(context.Background(), cfg, v.Attach(be), dir, opt); err != nil {
		t.Fatal(err)
	}
	if n, _, err := v.WaitRedundancy(); n != 1 || err != nil {
		t.Fatalf("%d redundancy estimates, %v; want 1", n, err)
	}
	if _, err := v.Image(); err != nil { // brings the HUD up to date
		t.Fatal(err)
	}
	hud := v.HUD()
	_, wv, err := npy.Read(filepath.Join(dir, rundir.WFinalFile))
	if err != nil {
		t.Fatal(err)
	}
	d, err := rundir.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := NetworkOf(len(d.Owner), d.EdgeA, d.EdgeB, wv.([]float32), hud.Net.Threshold)
	if hud.Net != want || hud.Net.Threshold != 0.5 {
		t.Errorf("HUD network %+v, the run's w_final %+v (islet threshold 0.5)", hud.Net, want)
	}
	pct, err := BlockRedundancyPct(d.Responses, d.Trials)
	if err != nil {
		t.Fatal(err)
	}
	if len(hud.Redundancy) != 1 || hud.Pending != 0 || math.IsNaN(pct) || hud.Redundancy[0].Pct != pct {
		t.Errorf("HUD redundancy %+v (%d pending), from the run directory %v", hud.Redundancy, hud.Pending, pct)
	}
	text := strings.Join(hud.Lines(), "\n")
	for _, s := range []string{"session 1 · trial 40/40", `block 0 "task" · mode task`, fmt.Sprintf("islets: %d", want.Islets)} {
		if !strings.Contains(text, s) {
			t.Errorf("HUD text lacks %q:\n%s", s, text)
		}
	}
}
