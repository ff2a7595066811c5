package analysis

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// DThetaBin returns the tuning-curve bin of a frame of orientation frameDeg
// (deg) for a neuron preferring thetaRad (rad): the absolute difference folded
// with period 180 deg into [0, 90] deg, in TuningBins equal bins (90 deg falls
// in the last).
func DThetaBin(frameDeg, thetaRad float64) int {
	d := math.Mod(frameDeg-thetaRad*180/math.Pi, 180)
	if d < 0 {
		d += 180
	}
	if d > 90 {
		d = 180 - d
	}
	return min(int(d/(90.0/TuningBins)), TuningBins-1)
}

// frameWindows splits the bins of a trial into runs of consecutive bins that
// show the same frame: bin b shows the frame at its midpoint, (b + 1/2) binMs.
func frameWindows(bins, frames int, binMs, frameMs float64) (ws []fisher.BinRange, frame []int) {
	for b := 0; b < bins; b++ {
		f := min(int((float64(b)+0.5)*binMs/frameMs), frames-1)
		if len(frame) > 0 && frame[len(frame)-1] == f {
			ws[len(ws)-1].End = b + 1
			continue
		}
		ws = append(ws, fisher.BinRange{Start: b, End: b + 1})
		frame = append(frame, f)
	}
	return ws, frame
}

// frameTiming is a trial's stimulus timing: frames per trial, the bin width
// and the frame length (ms).
type frameTiming struct {
	frames         int
	binMs, frameMs float64
}

// tuningCurve returns the population tuning curve (Hz per DThetaBin bin,
// averaged over neurons, trials and frames; NaN for a bin no frame fell in) and
// the mean rate (Hz) of the responses rows, theta the neurons' preferred
// orientations. frameDeg(k, f) is the orientation of frame f in trial rows[k],
// false when unknown (the trial is then left out of the curve but not of the
// mean rate).
func tuningCurve(resp fisher.Responses, rows []int, frameDeg func(k, f int) (float64, bool), theta []float32, ft frameTiming) ([]float64, float64) {
	binMs := ft.binMs
	curve := make([]float64, TuningBins)
	if len(rows) == 0 {
		for k := range curve {
			curve[k] = math.NaN()
		}
		return curve, math.NaN()
	}
	all := resp.Sum(nil, rows, fisher.BinRange{Start: 0, End: resp.Bins})
	meanHz := mat.Sum(all) / (float64(len(rows)*resp.Neurons*resp.Bins) * binMs / 1000)

	var spikes, seconds [TuningBins]float64
	ws, fr := frameWindows(resp.Bins, ft.frames, binMs, ft.frameMs)
	var x *mat.Dense
	for j, w := range ws {
		x = resp.Sum(x, rows, w)
		dur := float64(w.End-w.Start) * binMs / 1000
		for k := range rows {
			deg, ok := frameDeg(k, fr[j])
			if !ok {
				continue
			}
			row := x.RawRowView(k)
			for i, c := range row {
				b := DThetaBin(deg, float64(theta[i]))
				spikes[b] += c
				seconds[b] += dur
			}
		}
	}
	for k := range curve {
		curve[k] = spikes[k] / seconds[k] // NaN when no frame fell in the bin
	}
	return curve, meanHz
}

// blockTuning is tuningCurve for block index of the run.
func blockTuning(d *rundir.Run, index int, binMs, frameMs float64) ([]float64, float64) {
	rows, lines := blockRows(d, index)
	frameDeg := func(k, f int) (float64, bool) {
		line := lines[k]
		if line >= d.FrameRows || f >= d.FramesPerTrial {
			return 0, false
		}
		return float64(d.Frames[line*d.FramesPerTrial+f]), true
	}
	return tuningCurve(d.Responses, rows, frameDeg, d.Theta, frameTiming{frames: d.Config.Stimulus.Frames, binMs: binMs, frameMs: frameMs})
}
