package analysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/recording"
	"github.com/iplgpu/iplgpu/rundir"
	"gonum.org/v1/gonum/mat"
)

// TestTaskCorrelationsSynthetic: a population whose counts are driven by the
// frames (each frame adds cos 2 of the angle between the centre of its frame
// bin and the neuron's preference, so that the drive is a linear function of
// the trial's frame histogram) plus a shared internal noise within the
// A-preferring group only. The frames alone make A- and B-preferring neurons
// anti-correlated (a frame near A is one not near B), so the raw A-vs-B
// correlation is negative; regressed on the frames, the correlations are the
// internal ones: 0.2 within A (shared variance 0.25 against private 1), 0
// within B and between the groups.
func TestTaskCorrelationsSynthetic(t *testing.T) {
	const (
		neurons   = 64
		perClass  = 200
		frames    = 16
		taskDeg   = 45.0
		frameBins = 8
		coh       = 0.3
	)
	r := rand.New(rand.NewPCG(5, 5))
	theta := make([]float32, neurons)
	for i := range theta {
		theta[i] = float32((taskDeg + float64(i)*180/neurons) * math.Pi / 180) // evenly spread, wrapped below
		theta[i] = float32(math.Mod(float64(theta[i]), math.Pi))
	}
	nt := 2 * perClass
	data := make([]float64, nt*neurons)
	fr := make([]float32, nt*frames)
	var trials []rundir.TrialRecord
	fw := 180.0 / frameBins
	for k := range nt {
		sign := 1.0
		if k%2 == 1 {
			sign = -1
		}
		sig := taskDeg
		if sign < 0 {
			sig += 90
		}
		trials = append(trials, rundir.TrialRecord{Trial: k, Session: 0, Block: 0, BlockName: "b", Mode: "task", Coherence: sign * coh, Recorded: true, Row: k})
		drive := make([]float64, neurons)
		for f := range frames {
			o := r.Float64() * 180
			if r.Float64() < coh {
				o = sig
			}
			fr[k*frames+f] = float32(o)
			d := math.Mod(o-taskDeg+360, 180)
			centre := taskDeg + float64(int(math.Floor((d+fw/2)/fw))%frameBins)*fw
			for i, th := range theta {
				drive[i] += 0.6 * math.Cos(2*(centre*math.Pi/180-float64(th)))
			}
		}
		u := r.NormFloat64() * 0.5
		for i, th := range theta {
			v := 10 + drive[i] + r.NormFloat64()
			d := math.Mod(float64(th)*180/math.Pi-taskDeg+360, 180)
			if math.Min(d, 180-d) <= 22.5 {
				v += u
			}
			data[k*neurons+i] = v
		}
	}
	resp, err := fisher.NewResponses([]int{nt, 1, neurons}, data)
	if err != nil {
		t.Fatal(err)
	}
	tcs, notes, err := TaskCorrelations(&recording.Recording{Responses: resp, Trials: trials, Theta: theta, Frames: fr, FramesPerTrial: frames}, taskDeg, TaskCorrOptions{FrameBins: frameBins, Boot: fisher.BootSpec{Replicates: 200, Subsets: 1, Seed: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tcs) != 1 {
		t.Fatalf("%d blocks, notes %v", len(tcs), notes)
	}
	tc := tcs[0]
	raw, cond := tc.RawGroups, tc.CondGroups
	t.Logf("groups of %v neurons; raw: within A %.3f, within B %.3f, A-vs-B %.3f; conditioned: within A %.3f [%.3f, %.3f], within B %.3f, A-vs-B %.3f [%.3f, %.3f]",
		tc.GroupNeurons, raw.WithinA.Est, raw.WithinB.Est, raw.AvsB.Est, cond.WithinA.Est, cond.WithinA.Lo, cond.WithinA.Hi, cond.WithinB.Est, cond.AvsB.Est, cond.AvsB.Lo, cond.AvsB.Hi)
	if raw.AvsB.Est > -0.05 {
		t.Errorf("raw A-vs-B correlation %.3f: the frames should make it clearly negative", raw.AvsB.Est)
	}
	// Tolerances: the sd of a mean correlation over these pairs from 400
	// trials is about 0.01; the regression's 9 parameters bias it by about
	// -1/400.
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"conditioned within A", cond.WithinA.Est, 0.2}, {"conditioned within B", cond.WithinB.Est, 0}, {"conditioned A-vs-B", cond.AvsB.Est, 0}} {
		if math.Abs(c.got-c.want) > 0.04 {
			t.Errorf("%s %.3f, want %.2f +- 0.04", c.name, c.got, c.want)
		}
	}
	if !(cond.AvsB.Lo <= 0 && 0 <= cond.AvsB.Hi) || !(cond.WithinA.Lo <= 0.2 && 0.2 <= cond.WithinA.Hi) {
		t.Errorf("the 95%% intervals [%.3f, %.3f] (A-vs-B) and [%.3f, %.3f] (within A) miss the truth 0 and 0.2", cond.AvsB.Lo, cond.AvsB.Hi, cond.WithinA.Lo, cond.WithinA.Hi)
	}
	// The matrix agrees with the groups: bin 0 is centred on A, so its
	// diagonal is within-A pairs.
	if d := tc.Cond[0][0].Est; math.Abs(d-0.2) > 0.06 {
		t.Errorf("conditioned bin (A, A) %.3f, want about 0.2", d)
	}
	if b := len(tc.Cond) / 2; math.Abs(tc.Cond[0][b].Est) > 0.05 {
		t.Errorf("conditioned bin (A, B) %.3f, want about 0", tc.Cond[0][b].Est)
	}
}

// TestBinnedCorr: the sums of standardised residuals give the mean of the
// pairwise Pearson correlations computed pair by pair.
func TestBinnedCorr(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	const tr, n = 50, 9
	data := make([]float64, tr*n)
	for k := range tr {
		u := r.NormFloat64()
		for i := range n {
			data[k*n+i] = r.NormFloat64() + float64(i%3)*0.4*u
		}
	}
	resp := matFrom(tr, n, data)
	// centre the columns
	for i := range n {
		var m float64
		for k := range tr {
			m += resp.At(k, i)
		}
		m /= tr
		for k := range tr {
			resp.Set(k, i, resp.At(k, i)-m)
		}
	}
	bin := []int{0, 0, 0, 1, 1, 1, 2, 2, 2}
	group := []int{0, 0, 1, 1, -1, -1, 0, 1, -1}
	active := make([]bool, n)
	for i := range active {
		active[i] = true
	}
	m, g := binnedCorr(resp, active, bin, group, 3)
	corr := func(i, j int) float64 {
		var a, b, c float64
		for k := range tr {
			a += resp.At(k, i) * resp.At(k, j)
			b += resp.At(k, i) * resp.At(k, i)
			c += resp.At(k, j) * resp.At(k, j)
		}
		return a / math.Sqrt(b*c)
	}
	mean := func(in func(i, j int) bool) float64 {
		var s float64
		var c int
		for i := range n {
			for j := range n {
				if i != j && in(i, j) {
					s += corr(i, j)
					c++
				}
			}
		}
		return s / float64(c)
	}
	for a := range 3 {
		for b := range 3 {
			want := mean(func(i, j int) bool { return bin[i] == a && bin[j] == b })
			if math.Abs(m[a*3+b]-want) > 1e-12 {
				t.Errorf("bins (%d, %d): %v, want %v", a, b, m[a*3+b], want)
			}
		}
	}
	for q, gg := range [3][2]int{{0, 0}, {1, 1}, {0, 1}} {
		want := mean(func(i, j int) bool { return group[i] == gg[0] && group[j] == gg[1] })
		if math.Abs(g[q]-want) > 1e-12 {
			t.Errorf("group %v: %v, want %v", gg, g[q], want)
		}
	}
}

func matFrom(r, c int, data []float64) *mat.Dense { return mat.NewDense(r, c, data) }
