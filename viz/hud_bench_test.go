package viz

import (
	"math"
	"slices"
	"syscall"
	"testing"
	"time"

	ogl "github.com/go-gl/gl/v4.3-core/gl"

	"github.com/iplgpu/iplgpu/engine/gl"
	"github.com/iplgpu/iplgpu/engine/glbackend"
	"github.com/iplgpu/iplgpu/engine/model"
)

// BenchmarkHUD draws frames of a 1,000-neuron network after a few learning
// trials at 1280 x 900, five of a kind in a row, in turn without the HUD (ms/frame-plain), with it as
// between trials (ms/frame-hud: the overlay unchanged) and with it as the
// first frame after a trial (ms/frame-after-trial: w back from the device,
// links and islets counted, the overlay composed and uploaded), so that a
// varying load on the machine falls on all alike (the order turns each
// round). The times are medians over the rounds; hud-overhead-% and
// after-trial-overhead-% are the medians of each round's ratio to its plain
// frame, less 1.
//
//	xvfb-run -a go test -run '^$' -bench HUD -benchtime 20x ./viz/
func BenchmarkHUD(b *testing.B) {
	v := needViewer(b)
	cfg, err := model.LoadConfig("", "", []string{"network.neurons=1000", "dynamics.eta_w=0.005", "dynamics.lambda_w_per_s=0.01"})
	if err != nil {
		b.Fatal(err)
	}
	net, err := model.BuildNetwork(cfg)
	if err != nil {
		b.Fatal(err)
	}
	be, err := glbackend.NewBackendOn(v.Context())
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	if err := be.Load(net, model.ParamsFromConfig(cfg)); err != nil {
		b.Fatal(err)
	}
	learnTrials(b, be, 3)
	r, err := NewRenderer(v.Context())
	if err != nil {
		b.Fatal(err)
	}
	defer r.Delete()
	const w, h = 1280, 900
	cam, st := FitCamera(net), DefaultStyle()
	hud := HUD{Source: "benchmark", Trials: 1, DrawThreshold: float64(st.Threshold), TaskADeg: 45,
		Redundancy: []RedundancyPoint{{0, 1, 10}, {1, 3, 25}}}
	var plain, withHUD, after, hudRatio, afterRatio []float64
	var cpu [3][]float64 // CPU ms per frame of each kind
	err = v.Context().Do(func() error {
		if err := r.SetNetwork(net); err != nil {
			return err
		}
		if err := r.target(w, h); err != nil {
			return err
		}
		ogl.BindFramebuffer(ogl.FRAMEBUFFER, r.fbo)
		defer ogl.BindFramebuffer(ogl.FRAMEBUFFER, 0)
		ws := make([]float32, 2*net.Edges())
		wv := make([]float32, net.Edges())
		// frame draws one frame: kind 0 plain, 1 with the HUD, 2 with the
		// HUD after a trial; it returns its time (ms).
		frame := func(kind int) (float64, error) {
			c0 := cpuMs()
			defer func() { cpu[kind] = append(cpu[kind], cpuMs()-c0) }()
			t0 := time.Now()
			hp := &hud
			switch kind {
			case 0:
				hp = nil
			case 2:
				if err := gl.Download(be.Buffers().EdgeState, 0, ws); err != nil {
					return 0, err
				}
				for e := range wv {
					wv[e] = ws[2*e]
				}
				hud.Net = NetworkOf(net.Spines(), net.EdgeA, net.EdgeB, wv, 0.5)
				hud.Trial++
			}
			r.SetHUD(hp, false)
			err := r.Draw(be.Buffers(), st, cam, w, h)
			v.Context().Finish()
			return time.Since(t0).Seconds() * 1000, err
		}
		if _, err := frame(2); err != nil { // the font's first use
			return err
		}
		b.ResetTimer()
		const batch = 5 // frames of a kind in a row, timed together
		for i := 0; i < b.N; i++ {
			var ms [3]float64
			for j := range 3 { // the order turns, so that none is always first
				k := (i + j) % 3
				for range batch {
					d, err := frame(k)
					if err != nil {
						return err
					}
					ms[k] += d / batch
				}
			}
			plain, withHUD, after = append(plain, ms[0]), append(withHUD, ms[1]), append(after, ms[2])
			hudRatio, afterRatio = append(hudRatio, ms[1]/ms[0]), append(afterRatio, ms[2]/ms[0])
		}
		b.StopTimer()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	med := func(v []float64) float64 {
		slices.Sort(v)
		return (v[(len(v)-1)/2] + v[len(v)/2]) / 2
	}
	b.ReportMetric(med(plain), "ms/frame-plain")
	b.ReportMetric(med(withHUD), "ms/frame-hud")
	b.ReportMetric(med(after), "ms/frame-after-trial")
	b.ReportMetric(100*(med(hudRatio)-1), "hud-overhead-%")
	b.ReportMetric(100*(med(afterRatio)-1), "after-trial-overhead-%")
	// The process's CPU time (its threads and the renderer's) per frame: the
	// work a frame costs, which another process's load hardly changes.
	b.ReportMetric(med(cpu[0]), "cpu-ms/frame-plain")
	b.ReportMetric(med(cpu[1]), "cpu-ms/frame-hud")
	b.ReportMetric(med(cpu[2]), "cpu-ms/frame-after-trial")
	b.Logf("%d spines, %d contacts", net.Spines(), net.Edges())
}

// cpuMs is the CPU time (user and system, ms) of the process so far.
func cpuMs() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}
