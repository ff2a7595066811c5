package analysis_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/fisher"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/engine/npy"
	"github.com/iplgpu/iplgpu/rundir"
)

// The learning experiment's qualitative pattern (issue 5, Liu et al. Figs. 3-5),
// checked on three seeds at a size that fits CI: the default model (200 neurons x
// 16 spines, default dynamics) with two training sessions. Each seed runs a
// control and a run with IPL formation blocked during training (the ablation
// preset), both from the same network and seed.
//
// The thresholds are the issue's. Seen when they were set (seeds 1, 2, 3):
// I_shuffle x3.2, x3.2, x4.7 (want >= x1.2); redundancy +24.9, +25.5, +35.9
// points (want >= 10); I_real x2.1, x2.1, x2.5 (want >= x0.9); with formation
// blocked the rise was -1.3, -4.2, +2.9 points (want < a quarter of the
// control's) and rates within 4% (want 15%); w-weighted cos 2 dtheta 0.26, 0.28,
// 0.30 (want > 0.2); the last-400-ms gap exceeded the first by 3.5, 1.9, 7.4
// after learning against 0.3, 0.3, -0.1 before. About 8 minutes on 2 cores.

// qualSessions is the number of training sessions of the test runs.
const qualSessions = 2

type blockKey struct {
	session int
	name    string
}

type qualRun struct {
	dir    string
	cfg    *model.Config
	blocks map[blockKey]analysis.InfoRow
	resp   fisher.Responses
	trials []rundir.TrialRecord
}

func simulateQual(t *testing.T, seed uint64, preset string) *qualRun {
	t.Helper()
	cfg, err := model.LoadConfig(preset, "", []string{fmt.Sprintf("seed=%d", seed), fmt.Sprintf("protocol.sessions=%d", qualSessions), "output.w_snapshots=false"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), preset)
	if _, err := engine.SimulateDir(context.Background(), cfg, cpu.New(0), dir, engine.SimulateOptions{}); err != nil {
		t.Fatal(err)
	}
	r := &qualRun{dir: dir, cfg: cfg, blocks: map[blockKey]analysis.InfoRow{}}
	rec, err := rundir.OpenRecording(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.resp, r.trials = rec.Responses, rec.Trials
	rows, _, err := analysis.InfoRows(r.resp, r.trials, analysis.InfoOptions{Subsets: fisher.SubsetSpec{Size: 20, Count: 200, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		r.blocks[blockKey{row.Session, row.BlockName}] = row
	}
	return r
}

func (r *qualRun) block(t *testing.T, session int, name string) analysis.InfoRow {
	t.Helper()
	b, ok := r.blocks[blockKey{session, name}]
	if !ok || b.MainSize() == nil {
		t.Fatalf("%s: no estimate for session %d block %s", r.dir, session, name)
	}
	return b
}

// pctOf is the redundancy % of a row, 100 (mean gap)/(mean I_shuffle) over
// the subsets (these runs are analysed without a bootstrap, which the blank
// rule of InfoRow needs).
func pctOf(r analysis.InfoRow) float64 {
	m := r.MainSize()
	return 100 * m.Gap.Est / m.IShuffle.Est
}

// rows returns the responses rows of a block's +c and -c trials.
func (r *qualRun) rows(session int, name string) (plus, minus []int) {
	for _, tr := range r.trials {
		if tr.Recorded && tr.Session == session && tr.BlockName == name {
			if tr.Coherence > 0 {
				plus = append(plus, tr.Row)
			} else if tr.Coherence < 0 {
				minus = append(minus, tr.Row)
			}
		}
	}
	return plus, minus
}

// meanRate is the mean rate (Hz) over a block's trials and neurons.
func (r *qualRun) meanRate(session int, name string) float64 {
	plus, minus := r.rows(session, name)
	all := append(append([]int{}, plus...), minus...)
	sum := r.resp.Sum(nil, all, fisher.BinRange{Start: 0, End: r.resp.Bins})
	rows, cols := sum.Dims()
	var tot float64
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			tot += sum.At(i, j)
		}
	}
	dur := float64(r.cfg.Stimulus.Frames) * r.cfg.Stimulus.FrameMs / 1000
	return tot / float64(rows*cols) / dur
}

// gapEarlyLate is the redundancy I_shuffle - I_real (subset mean) in the first
// and the last 400 ms of the trial.
func (r *qualRun) gapEarlyLate(t *testing.T, session int, name string) (early, late float64) {
	t.Helper()
	plus, minus := r.rows(session, name)
	w := int(math.Round(400 / r.cfg.Stimulus.BinMs))
	wins := []fisher.BinRange{{Start: 0, End: w}, {Start: r.resp.Bins - w, End: r.resp.Bins}}
	c := r.cfg.Protocol.Session[1].Coherences[0]
	res, err := fisher.TimeCourse(r.resp, plus, minus, nil, 2*c, wins, fisher.EstimateOptions{Counts: true, Subsets: fisher.SubsetSpec{Size: 20, Count: 200, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return res[0].Subsets.Redundancy.Mean, res[1].Subsets.Redundancy.Mean
}

// linkTuning is the w-weighted mean cos 2(theta_i - theta_j) of linked neurons.
func (r *qualRun) linkTuning(t *testing.T) float64 {
	t.Helper()
	net, err := model.BuildNetwork(r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, data, err := npy.Read(filepath.Join(r.dir, "w_final.npy"))
	if err != nil {
		t.Fatal(err)
	}
	w := data.([]float32)
	var num, den float64
	for e := range net.EdgeA {
		i, j := int(net.EdgeA[e])/net.M, int(net.EdgeB[e])/net.M
		num += float64(w[e]) * math.Cos(2*float64(net.Theta[i]-net.Theta[j]))
		den += float64(w[e])
	}
	return num / den
}

func TestLearningPatternThreeSeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("the learning experiment takes minutes; run without -short")
	}
	last := qualSessions
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			ctl := simulateQual(t, seed, "learning")
			abl := simulateQual(t, seed, "ablation")
			first, end := ctl.block(t, 0, "task"), ctl.block(t, last, "task")
			t.Logf("control task: I_shuffle %.2f -> %.2f, I_real %.2f -> %.2f, redundancy %.1f%% -> %.1f%%",
				first.MainSize().IShuffle.Est, end.MainSize().IShuffle.Est, first.MainSize().IReal.Est, end.MainSize().IReal.Est,
				pctOf(first), pctOf(end))

			// I_shuffle rises by at least 20%.
			if end.MainSize().IShuffle.Est < 1.2*first.MainSize().IShuffle.Est {
				t.Errorf("I_shuffle rose from %.2f to %.2f: less than 20%%", first.MainSize().IShuffle.Est, end.MainSize().IShuffle.Est)
			}
			// Redundancy % rises by at least 10 points.
			rise := pctOf(end) - pctOf(first)
			if rise < 10 {
				t.Errorf("redundancy rose by %.1f points, want >= 10", rise)
			}
			// I_real does not fall by more than 10%.
			if end.MainSize().IReal.Est < 0.9*first.MainSize().IReal.Est {
				t.Errorf("I_real fell from %.2f to %.2f (more than 10%%)", first.MainSize().IReal.Est, end.MainSize().IReal.Est)
			}
			// After learning, task redundancy exceeds passive.
			if p := ctl.block(t, last, "passive"); pctOf(end) <= pctOf(p) {
				t.Errorf("after learning, task redundancy %.1f%% <= passive %.1f%%", pctOf(end), pctOf(p))
			}
			// With IPL formation blocked, the rise is under a quarter of the
			// control's, and mean rates stay within 15% of the control's.
			aFirst, aEnd := abl.block(t, 0, "task"), abl.block(t, last, "task")
			aRise := pctOf(aEnd) - pctOf(aFirst)
			t.Logf("ablation: redundancy %.1f%% -> %.1f%% (rise %.1f vs control %.1f)", pctOf(aFirst), pctOf(aEnd), aRise, rise)
			if aRise >= rise/4 {
				t.Errorf("with formation blocked redundancy rose by %.1f points, not under a quarter of the control's %.1f", aRise, rise)
			}
			rc, ra := ctl.meanRate(last, "task"), abl.meanRate(last, "task")
			t.Logf("mean rate after training: control %.2f Hz, ablation %.2f Hz", rc, ra)
			if math.Abs(ra-rc) > 0.15*rc {
				t.Errorf("mean rate with formation blocked %.2f Hz, control %.2f Hz: differ by more than 15%%", ra, rc)
			}
			// Links join similarly tuned neurons.
			if c := ctl.linkTuning(t); c <= 0.2 {
				t.Errorf("w-weighted mean cos 2 dtheta of links %.3f, want > 0.2", c)
			} else {
				t.Logf("w-weighted mean cos 2 dtheta of links: %.3f", c)
			}
			// Within trial (Liu Fig. 5): late in learning the gap in the last 400 ms
			// exceeds the first 400 ms, and rises more than before learning.
			e0, l0 := ctl.gapEarlyLate(t, 0, "task")
			e1, l1 := ctl.gapEarlyLate(t, last, "task")
			t.Logf("within-trial gap: before learning %.2f -> %.2f, after %.2f -> %.2f", e0, l0, e1, l1)
			if l1 <= e1 {
				t.Errorf("after learning the last-400-ms gap %.2f does not exceed the first-400-ms gap %.2f", l1, e1)
			}
			if l1-e1 <= l0-e0 {
				t.Errorf("within-trial rise after learning %.2f not larger than before %.2f", l1-e1, l0-e0)
			}
		})
	}
}

// Reversibility (MODEL.md 7.3, prediction 2): after training, redundancy tracks
// the mode block by block (the gate relaxes within seconds) while the links
// persist. One seed; seen when set (2 sessions): task 53.7%, passive 12.0%,
// task 54.3%, passive 8.0%, task 44.6%.
func TestReversibility(t *testing.T) {
	if testing.Short() {
		t.Skip("a training run takes minutes; run without -short")
	}
	cfg, err := model.LoadConfig("reversibility", "", []string{"protocol.sessions=2", "output.w_snapshots=true"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "rev")
	if _, err := engine.SimulateDir(context.Background(), cfg, cpu.New(0), dir, engine.SimulateOptions{}); err != nil {
		t.Fatal(err)
	}
	rec, err := rundir.OpenRecording(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := analysis.InfoRows(rec.Responses, rec.Trials, analysis.InfoOptions{Subsets: fisher.SubsetSpec{Size: 20, Count: 200, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	red := map[string]float64{}
	for _, r := range rows {
		if r.MainSize() != nil {
			red[r.BlockName] = pctOf(r)
		}
	}
	t.Logf("redundancy %%: task-1 %.1f, passive-1 %.1f, task-2 %.1f, passive-2 %.1f, task-3 %.1f",
		red["task-1"], red["passive-1"], red["task-2"], red["passive-2"], red["task-3"])
	// Margins: each task block exceeds the passive block next to it by 20 points
	// (seen: 37-46), and returning to the task restores redundancy to within 15
	// points of the first task block (seen: 0.6).
	for _, pair := range [][2]string{{"task-1", "passive-1"}, {"task-2", "passive-1"}, {"task-2", "passive-2"}, {"task-3", "passive-2"}} {
		if red[pair[0]]-red[pair[1]] < 20 {
			t.Errorf("%s %.1f%% does not exceed %s %.1f%% by 20 points", pair[0], red[pair[0]], pair[1], red[pair[1]])
		}
	}
	if d := math.Abs(red["task-2"] - red["task-1"]); d > 15 {
		t.Errorf("back in the task, redundancy %.1f%% differs from the first task block %.1f%% by %.1f points", red["task-2"], red["task-1"], d)
	}
	// The links persist: learning is off in the alternating blocks, so w after them
	// equals w after the last training session exactly.
	shape, wd, err := npy.Read(filepath.Join(dir, "w_sessions.npy"))
	if err != nil {
		t.Fatal(err)
	}
	w := wd.([]float32)
	E := shape[1]
	last, end := w[(shape[0]-2)*E:(shape[0]-1)*E], w[(shape[0]-1)*E:]
	var mean float64
	for e := range end {
		if end[e] != last[e] {
			t.Fatalf("edge %d: w changed from %v to %v in blocks without learning", e, last[e], end[e])
		}
		mean += float64(end[e])
	}
	if mean/float64(E) < 0.05 {
		t.Fatalf("mean w %.3f after training: no links formed, the test proves nothing", mean/float64(E))
	}
}
