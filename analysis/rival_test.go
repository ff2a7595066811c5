package analysis

import (
	"math"
	"testing"

	"github.com/iplgpu/iplgpu/engine/rng"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/recording"
	"github.com/iplgpu/iplgpu/rundir"
)

// frozenData builds a block of trials of 2 x k frozen sequences (frames per
// trial: 4, in deg) whose neurons respond with a large sequence-specific mean
// (which the frozen analysis must remove) plus a trial latent z, +z on
// A-preferring and -z on B-preferring neurons, plus private noise: the exact
// correlations are within = vz/(vz+vp), between = -vz/(vz+vp).
func frozenData(t *testing.T, k, perSeq int, vz, vp float64, seed uint64) (fisher.Responses, []rundir.TrialRecord, []float32, []float32) {
	t.Helper()
	const n, nf = 40, 4
	theta := make([]float32, n)
	for i := range theta {
		if i%2 == 0 {
			theta[i] = float32(math.Pi / 4) // A = 45 deg
		} else {
			theta[i] = float32(3 * math.Pi / 4)
		}
	}
	st := rng.New(seed)
	var data []float64
	var trials []rundir.TrialRecord
	var frames []float32
	row := 0
	for s := range 2 * k {
		coh := 0.3
		if s%2 == 1 {
			coh = -0.3
		}
		seqMean := make([]float64, n)
		for i := range seqMean {
			seqMean[i] = 10 * rng.NormalF64(st.Block(rng.Synthetic, uint64(1000+s), uint32(i)))
		}
		for range perSeq {
			z := math.Sqrt(vz) * rng.NormalF64(st.Block(rng.Synthetic, uint64(row), 100000))
			for i := range n {
				sign := 1.0
				if i%2 == 1 {
					sign = -1
				}
				e := math.Sqrt(vp) * rng.NormalF64(st.Block(rng.Synthetic, uint64(row), uint32(i)))
				data = append(data, 50+seqMean[i]+sign*z+e)
			}
			trials = append(trials, rundir.TrialRecord{Trial: row, Session: 0, Block: 1, BlockName: "frozen", Mode: "task", Coherence: coh, Recorded: true, Row: row})
			for f := range nf {
				frames = append(frames, float32(10*s+f))
			}
			row++
		}
	}
	r, err := fisher.NewResponses([]int{row, 1, n}, data)
	if err != nil {
		t.Fatal(err)
	}
	return r, trials, theta, frames
}

// frozenRec is the recording of frozenData's output (4 frames per trial).
func frozenRec(r fisher.Responses, trials []rundir.TrialRecord, theta, frames []float32) *recording.Recording {
	return &recording.Recording{Responses: r, Trials: trials, Theta: theta, Frames: frames, FramesPerTrial: 4, FrameRows: len(frames) / 4}
}

// TestFrozenTaskCorrelations: on synthetic frozen-noise data with a known
// latent, the within-group and A-vs-B correlations of residuals from the
// sequence means equal vz/(vz + vp) and its negative within 0.03 (about 4
// sd at 4800 trials x 400 pairs), although the sequence means dwarf the
// latent; the bootstrap interval covers the truth.
func TestFrozenTaskCorrelations(t *testing.T) {
	r, trials, theta, frames := frozenData(t, 4, 600, 0.25, 1, 3)
	fc, notes, err := FrozenTaskCorrelations(frozenRec(r, trials, theta, frames), 45, TaskCorrOptions{Boot: fisher.BootSpec{Replicates: 60, Seed: 5}})
	if err != nil {
		t.Fatal(err)
	}
	if len(fc) != 1 {
		t.Fatalf("%d frozen blocks (notes %v), want 1", len(fc), notes)
	}
	want := 0.25 / 1.25
	g := fc[0].Groups
	t.Logf("within A %.4f, within B %.4f, A vs B %.4f [%.4f, %.4f]; exact %.4f / %.4f", g.WithinA.Est, g.WithinB.Est, g.AvsB.Est, g.AvsB.Lo, g.AvsB.Hi, want, -want)
	for _, c := range []struct {
		name string
		v    Value
		want float64
	}{{"within A", g.WithinA, want}, {"within B", g.WithinB, want}, {"A vs B", g.AvsB, -want}} {
		if math.Abs(c.v.Est-c.want) > 0.03 {
			t.Errorf("%s: %.4f, want %.4f +- 0.03", c.name, c.v.Est, c.want)
		}
	}
	if !(g.AvsB.Lo < -want && -want < g.AvsB.Hi) {
		t.Errorf("A vs B interval [%.4f, %.4f] misses %.4f", g.AvsB.Lo, g.AvsB.Hi, -want)
	}
	if fc[0].Sequences != 8 || fc[0].GroupNeurons != [2]int{20, 20} {
		t.Errorf("%d sequences, groups %v; want 8 and [20 20]", fc[0].Sequences, fc[0].GroupNeurons)
	}
	// Without the latent: about 0.
	r, trials, theta, frames = frozenData(t, 4, 600, 0, 1, 4)
	fc, _, _ = FrozenTaskCorrelations(frozenRec(r, trials, theta, frames), 45, TaskCorrOptions{})
	if v := fc[0].Groups.AvsB.Est; math.Abs(v) > 0.01 {
		t.Errorf("no latent: A vs B %.4f, want 0 +- 0.01", v)
	}
	// A block without repeated sequences is not a frozen block.
	for k := range frames {
		frames[k] = float32(k)
	}
	if fc, _, _ = FrozenTaskCorrelations(frozenRec(r, trials, theta, frames), 45, TaskCorrOptions{}); len(fc) != 0 {
		t.Errorf("distinct frames on every trial: %d frozen blocks, want 0", len(fc))
	}
}

// TestDistanceAtMatchedTuning: units on a line 20 um apart, tuned to A or B
// alternately; in the late block, units within each 100 um cluster share an
// information-limiting latent (along the sign of f'), so near pairs gain
// redundancy and far pairs do not: the slope of the increase on distance is
// negative and near minus far positive. The same data as early and late
// give an increase of 0 everywhere.
func TestDistanceAtMatchedTuning(t *testing.T) {
	const n, T = 30, 800
	theta := make([]float32, n)
	pos := make([]float32, 3*n)
	for i := range n {
		theta[i] = float32(math.Pi/4 + float64(i%2)*math.Pi/2)
		pos[3*i] = float32(20 * i)
	}
	st := rng.New(9)
	var data []float64
	var trials []rundir.TrialRecord
	row := 0
	for block := range 2 {
		for k := range T {
			coh := 0.3
			if k%2 == 1 {
				coh = -0.3
			}
			var z [7]float64
			for c := range z {
				z[c] = rng.NormalF64(st.Block(rng.Synthetic, uint64(row), uint32(1000+c)))
			}
			for i := range n {
				sign := 1.0
				if i%2 == 1 {
					sign = -1
				}
				v := 20 + sign*coh*2 + rng.NormalF64(st.Block(rng.Synthetic, uint64(row), uint32(i)))
				if block == 1 {
					v += sign * 0.8 * z[i/5] // cluster of 5 units = 100 um
				}
				data = append(data, v)
			}
			trials = append(trials, rundir.TrialRecord{Trial: row, Block: block, BlockName: "task", Mode: "task", Coherence: coh, Recorded: true, Row: row})
			row++
		}
	}
	r, err := fisher.NewResponses([]int{row, 1, n}, data)
	if err != nil {
		t.Fatal(err)
	}
	d, err := DistanceAtMatchedTuning(&recording.Recording{Responses: r, Trials: trials, Theta: theta}, pos, 0, 1, DistanceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d pairs: slope %.3f +- %.3f per 100 um, near - far %.3f +- %.3f, mean increase %.3f", d.Pairs, d.Slope, d.SlopeSE, d.NearFar, d.NearFarSE, d.Increase)
	if !(d.Slope < -3*d.SlopeSE) || !(d.NearFar > 3*d.NearFarSE) {
		t.Errorf("clustered latent: slope %.3f (se %.3f), near - far %.3f (se %.3f); want a negative slope and a positive near - far, each beyond 3 se", d.Slope, d.SlopeSE, d.NearFar, d.NearFarSE)
	}
	same, err := DistanceAtMatchedTuning(&recording.Recording{Responses: r, Trials: trials, Theta: theta}, pos, 1, 1, DistanceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if same.Increase != 0 || same.Slope != 0 {
		t.Errorf("late against itself: increase %v, slope %v; want 0", same.Increase, same.Slope)
	}
	if _, err := DistanceAtMatchedTuning(&recording.Recording{Responses: r, Trials: trials, Theta: theta}, pos[:3], 0, 1, DistanceOptions{}); err == nil {
		t.Errorf("wrong position count accepted")
	}
}
