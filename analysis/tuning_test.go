package analysis

import (
	"fmt"
	"math"
	"testing"

	"github.com/iplgpu/iplgpu/fisher"
)

func TestDThetaBin(t *testing.T) {
	cases := []struct {
		frameDeg, thetaDeg float64
		want               int
	}{
		{0, 0, 0}, {11, 0, 0}, {11.3, 0, 1}, {45, 0, 4}, {89, 0, 7}, {90, 0, 7},
		{179, 0, 0},  // folded: 1 deg away
		{100, 0, 7},  // 80 deg away
		{10, 170, 1}, // 20 deg across the wrap
		{0, 90, 7}, {135, 45, 7}, {45, 135, 7}, {-30, 0, 2},
	}
	for _, c := range cases {
		if got := DThetaBin(c.frameDeg, c.thetaDeg*math.Pi/180); got != c.want {
			t.Errorf("frame %g deg, theta %g deg: bin %d, want %d", c.frameDeg, c.thetaDeg, got, c.want)
		}
	}
}

func TestFrameWindows(t *testing.T) {
	cases := []struct {
		bins, frames    int
		binMs, frameMs  float64
		windows, frameN string
	}{
		{4, 2, 50, 100, "[[0,2) [2,4)]", "[0 1]"},
		{32, 16, 50, 100, "", ""},
		{3, 2, 100, 150, "[[0,1) [1,3)]", "[0 1]"}, // bin 1's midpoint (150 ms) is in frame 1
		{2, 4, 100, 50, "[[0,1) [1,2)]", "[1 3]"},  // bins longer than frames: the frame at the midpoint
	}
	for _, c := range cases {
		ws, fr := frameWindows(c.bins, c.frames, c.binMs, c.frameMs)
		if c.windows == "" {
			if len(ws) != c.frames || ws[5] != (fisher.BinRange{Start: 10, End: 12}) || fr[5] != 5 {
				t.Errorf("%+v: %v %v", c, ws, fr)
			}
			continue
		}
		if fmt.Sprint(ws) != c.windows || fmt.Sprint(fr) != c.frameN {
			t.Errorf("%d bins of %g ms, %d frames of %g ms: %v %v, want %s %s", c.bins, c.binMs, c.frames, c.frameMs, ws, fr, c.windows, c.frameN)
		}
	}
}

// Two neurons preferring 0 and 90 deg, one trial of two 100 ms frames (0 and
// 45 deg) in four 50 ms bins.
func TestTuningCurve(t *testing.T) {
	counts := []uint16{
		1, 0, // bin 0: neuron 0, neuron 1
		3, 1,
		0, 4,
		2, 0,
	}
	resp, err := fisher.NewResponses([]int{1, 4, 2}, counts)
	if err != nil {
		t.Fatal(err)
	}
	frames := []float64{0, 45}
	curve, mean := tuningCurve(resp, []int{0}, func(k, f int) (float64, bool) { return frames[f], true },
		[]float32{0, math.Pi / 2}, frameTiming{frames: 2, binMs: 50, frameMs: 100})
	// Frame 0: neuron 0 at 0 deg (bin 0) 4 spikes, neuron 1 at 90 deg (bin 7) 1
	// spike, each in 0.1 s; frame 1: both 45 deg away (bin 4), 2 + 4 spikes in
	// 0.2 neuron-seconds.
	want := []float64{40, math.NaN(), math.NaN(), math.NaN(), 30, math.NaN(), math.NaN(), 10}
	for k := range want {
		if !(curve[k] == want[k] || math.IsNaN(curve[k]) && math.IsNaN(want[k])) {
			t.Errorf("bin %d: %v Hz, want %v", k, curve[k], want[k])
		}
	}
	if mean != 27.5 { // 11 spikes in 2 neurons x 4 bins x 50 ms
		t.Errorf("mean rate %v Hz, want 27.5", mean)
	}

	// A trial without frames counts in the mean rate only.
	resp2, _ := fisher.NewResponses([]int{2, 4, 2}, append(append([]uint16{}, counts...), counts...))
	curve2, mean2 := tuningCurve(resp2, []int{0, 1}, func(k, f int) (float64, bool) { return frames[f], k == 0 },
		[]float32{0, math.Pi / 2}, frameTiming{frames: 2, binMs: 50, frameMs: 100})
	if curve2[0] != 40 || curve2[4] != 30 || mean2 != 27.5 {
		t.Errorf("with a frameless trial: curve %v, mean %v", curve2, mean2)
	}
}
