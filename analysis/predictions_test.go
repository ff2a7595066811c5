package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/recording"
	"github.com/iplgpu/iplgpu/rundir"
)

// TestFitExp recovers an exponential relaxation sampled at the trials'
// mid-times, and says when the time constant runs into the end of its range.
func TestFitExp(t *testing.T) {
	var x, y []float64
	for k := range 10 {
		tt := 0.8 + 2.6*float64(k)
		x = append(x, tt)
		y = append(y, 2+3*math.Exp(-tt/4))
	}
	tau, y0, yinf, atBound := fitExp(x, y)
	// The grid of tau has steps of 2.3%.
	if math.Abs(tau-4) > 0.1 || math.Abs(y0-5) > 0.05 || math.Abs(yinf-2) > 0.02 || atBound {
		t.Errorf("tau %v y0 %v yinf %v (bound %v), want 4, 5, 2", tau, y0, yinf, atBound)
	}
	flat := make([]float64, len(x))
	for k := range flat {
		flat[k] = 1 + 0.01*float64(k%2)
	}
	if _, _, _, atBound := fitExp(x, flat); !atBound {
		t.Error("a flat course gave a time constant inside the range")
	}
}

// TestSignalCounts: k counts the signal frames among the last two frames up
// to each bin's end (100 ms frames, 50 ms bins); bins before the second
// frame have none.
func TestSignalCounts(t *testing.T) {
	trials := []rundir.TrialRecord{{Coherence: 0.3, Recorded: true}, {Coherence: -0.3, Recorded: true}}
	// A = 45: trial 0's signal is 45, trial 1's 135.
	frames := []float32{45, 10, 45, 45, 135, 45, 135, 20}
	k, frac, run := signalCounts(&recording.Recording{Trials: trials, Frames: frames, FramesPerTrial: 4}, []int{0, 1}, SignalStimulus{TaskDeg: 45, FrameMs: 100, BinMs: 50}, 8, 2)
	want := [][]int{{-1, -1, 1, 1, 1, 1, 2, 2}, {-1, -1, 1, 1, 1, 1, 1, 1}}
	for a := range want {
		for b := range want[a] {
			if k[a][b] != want[a][b] {
				t.Fatalf("k = %v, want %v", k, want)
			}
		}
	}
	// Signal frames: 3 of trial 0 (runs 1 + 2), 2 of trial 1 (runs 1 + 1).
	if frac != 5.0/8 || run != 5.0/4 {
		t.Errorf("signal fraction %v, run %v; want 0.625, 1.25", frac, run)
	}
}

// signalRecording simulates counts in 50 ms bins whose noise has a
// differential component f' u with variance eps k, k the signal frames in
// the last 200 ms: the gap I_shuffle - I_real grows with k when eps > 0.
func signalRecording(seed uint64, eps float64) (fisher.Responses, []rundir.TrialRecord, []float32) {
	const (
		n, perSign, frames, bins = 20, 300, 16, 32
		coh                      = 0.3
	)
	r := rand.New(rand.NewPCG(seed, seed))
	fp := make([]float64, n)
	for i := range fp {
		fp[i] = 2 * (0.5 + r.Float64()) * float64(1-2*(i%2))
	}
	var trials []rundir.TrialRecord
	fr := make([]float32, 2*perSign*frames)
	data := make([]float64, 2*perSign*bins*n)
	for tr := range 2 * perSign {
		sign := 1.0
		sig := float32(45)
		if tr%2 == 1 {
			sign, sig = -1, 135
		}
		trials = append(trials, rundir.TrialRecord{Trial: tr, Block: 0, BlockName: "b", Mode: "task", Coherence: sign * coh, Recorded: true, Row: tr})
		isSig := make([]bool, frames)
		for f := range frames {
			fr[tr*frames+f] = float32(r.Float64() * 180)
			if r.Float64() < coh {
				fr[tr*frames+f], isSig[f] = sig, true
			}
		}
		for b := range bins {
			k := 0
			last := b / 2
			for f := max(last-1, 0); f <= last; f++ {
				if isSig[f] && last >= 1 {
					k++
				}
			}
			u := r.NormFloat64() * math.Sqrt(eps*float64(k))
			for i := range n {
				data[(tr*bins+b)*n+i] = 20 + sign*fp[i]*coh + r.NormFloat64() + fp[i]*u
			}
		}
	}
	resp, err := fisher.NewResponses([]int{2 * perSign, bins, n}, data)
	if err != nil {
		panic(err)
	}
	return resp, trials, fr
}

// TestRegressOnSignal: with differential noise growing with the recent
// signal the regression slope is positive and its interval excludes 0;
// without it the interval holds 0.
func TestRegressOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("a bootstrap of the cell estimates takes seconds")
	}
	lines := make([]int, 600)
	for k := range lines {
		lines[k] = k
	}
	for _, c := range []struct {
		eps      float64
		positive bool
	}{{0.1, true}, {0, false}} {
		resp, trials, fr := signalRecording(7, c.eps)
		reg, why := RegressOnSignal(&recording.Recording{Responses: resp, Trials: trials, Frames: fr, FramesPerTrial: 16}, lines, SignalStimulus{TaskDeg: 45, FrameMs: 100, BinMs: 50}, ConsistencyOptions{Seed: 3, Boot: 60})
		if reg == nil {
			t.Fatalf("eps %v: no regression: %s", c.eps, why)
		}
		b := reg.Beta
		t.Logf("eps %v: beta %.3f (95%% CI %.3f to %.3f) from %d cells; gap by k %.3f %.3f %.3f", c.eps, b.Est, b.Lo, b.Hi, reg.Cells, reg.ByK[0].Est, reg.ByK[1].Est, reg.ByK[2].Est)
		if c.positive && !(b.Lo > 0) {
			t.Errorf("eps %v: beta %.3f [%.3f, %.3f] not clearly positive", c.eps, b.Est, b.Lo, b.Hi)
		}
		if !c.positive && !(b.Lo <= 0 && 0 <= b.Hi) {
			t.Errorf("eps 0: beta %.3f [%.3f, %.3f] excludes 0", b.Est, b.Lo, b.Hi)
		}
	}
}

// TestReversibilitySynthetic: trials alternate in blocks of 10 between task
// and passive; the differential noise f' u that makes the redundancy has a
// variance that relaxes after each switch with tau = 5 s (trials every 2.6
// s), as the gate would. Pooled over 100 switches, the gap trial by trial
// falls after task -> passive and rises after passive -> task, and the
// fitted time constant is near 5 s (the gap is not exactly linear in the
// variance, and each position has 100 trials, hence the factor 2).
func TestReversibilitySynthetic(t *testing.T) {
	if testing.Short() {
		t.Skip("bootstraps of 20 trial positions take seconds")
	}
	const (
		n      = 16
		tauS   = 5.0
		period = 2.6
		vTask  = 0.05
		vPass  = 0.0
		coh    = 0.3
	)
	cfg, err := model.LoadConfig("", "", []string{"protocol.sessions=0", "protocol.baseline=false", "protocol.before=[]", "protocol.session=[]",
		"protocol.after=[{name: task, mode: task, trials: 10, coherences: [0.3], learning: false, record: true}, {name: passive, mode: passive, trials: 10, coherences: [0.3], learning: false, record: true}]",
		"protocol.after_repeat=100", fmt.Sprintf("dynamics.tau_m_s=%g", tauS)})
	if err != nil {
		t.Fatal(err)
	}
	plan := model.MakePlan(cfg)
	r := rand.New(rand.NewPCG(9, 9))
	fp := make([]float64, n)
	for i := range fp {
		fp[i] = (0.5 + r.Float64()) * float64(1-2*(i%2))
	}
	var trials []rundir.TrialRecord
	var data []float64
	v := vTask
	for _, b := range plan.Blocks {
		target := vTask
		if b.Mode == "passive" {
			target = vPass
		}
		for k, tr := range b.Trials {
			// The variance at the trial's middle, relaxing from where the
			// previous block left it.
			tt := float64(k)*period + 0.8
			vk := target + (v-target)*math.Exp(-tt/tauS)
			u := r.NormFloat64() * math.Sqrt(vk)
			for i := range n {
				data = append(data, 20+math.Copysign(coh, tr.Coherence)*fp[i]+r.NormFloat64()+fp[i]*u)
			}
			trials = append(trials, rundir.TrialRecord{Trial: len(trials), Session: b.Session, Block: b.Index, BlockName: b.Name, Mode: b.Mode,
				Coherence: tr.Coherence, Ablation: "none", Frames: "noise", Recorded: true, Row: len(trials), GateStart: float32(math.NaN())})
		}
		v = target + (v-target)*math.Exp(-float64(len(b.Trials))*period/tauS)
	}
	resp, err := fisher.NewResponses([]int{len(trials), 1, n}, data)
	if err != nil {
		t.Fatal(err)
	}
	d := &rundir.Run{Recording: rundir.Recording{Responses: resp, Trials: trials}, Config: cfg}
	sum := &Summary{TrialMs: 1600, BinMs: 1600}
	sum.Blocks = collectBlocks(d)
	opt, err := Options{TimeBootReplicates: 60, TimeSubsets: 20, TimeBootSubsets: 4}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	rev := reversibility(d, sum, opt, func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) })
	if rev == nil {
		t.Fatalf("no switch analysis: %v", notes)
	}
	down, up := rev.Course("task", "passive"), rev.Course("passive", "task")
	if down == nil || up == nil || down.Fit == nil || up.Fit == nil {
		t.Fatalf("courses %+v, notes %v", rev.Courses, notes)
	}
	for _, c := range []*SwitchCourse{down, up} {
		f := c.Fit
		t.Logf("%s -> %s: %d switches, n = %d: gap %.2f at the first trial -> %.2f, tau %.2f s (95%% CI %.2f to %.2f)", c.From, c.To, c.Switches, c.SubsetN, f.YFirst.Est, f.YInf.Est, f.Tau.Est, f.Tau.Lo, f.Tau.Hi)
	}
	if len(rev.Pairs) != 1 {
		t.Fatalf("%d pair fits, want 1", len(rev.Pairs))
	}
	pf := rev.Pairs[0]
	t.Logf("pair fit: tau %.2f s (95%% CI %.2f to %.2f), task level %.2f (%.2f to %.2f), passive level %.2f (%.2f to %.2f)",
		pf.Tau.Est, pf.Tau.Lo, pf.Tau.Hi, pf.LevelA.Est, pf.LevelA.Lo, pf.LevelA.Hi, pf.LevelB.Est, pf.LevelB.Lo, pf.LevelB.Hi)
	if pf.Tau.Est < tauS/2 || pf.Tau.Est > 2*tauS || !(pf.Tau.Lo <= tauS && tauS <= pf.Tau.Hi) {
		t.Errorf("pair fit: tau %.2f s (%.2f to %.2f), want %.1f s within a factor 2 and inside the interval", pf.Tau.Est, pf.Tau.Lo, pf.Tau.Hi, tauS)
	}
	if !(pf.Drop.Lo > 0) {
		t.Errorf("the gap should be higher in task than in passive: drop %.2f (%.2f to %.2f)", pf.Drop.Est, pf.Drop.Lo, pf.Drop.Hi)
	}
}

// TestConsistencyLearning: the persistence effect after training minus that
// before, from four blocks with hand-made replicates: the estimate is the
// difference of differences and replicate r combines replicate r of each
// block; without a pair before training there is no comparison.
func TestConsistencyLearning(t *testing.T) {
	reps := func(est float64, d ...float64) Value {
		v := plainValue(est)
		r := make([]float64, len(d))
		for i := range d {
			r[i] = est + d[i]
		}
		v.withReps(r)
		return v
	}
	sum := &Summary{
		Blocks: []BlockResult{{Index: 0, Session: 0}, {Index: 1, Session: 0}, {Index: 5, Session: 4}, {Index: 6, Session: 4}},
		Consistency: []ConsistencyBlock{
			{Block: 0, Session: 0, Frames: "noise", Slope: reps(0.011, -0.01, 0, 0.01, 0.02)},
			{Block: 1, Session: 0, Frames: "persistent", Slope: reps(0.017, 0.01, 0, -0.01, 0)},
			{Block: 5, Session: 4, Frames: "noise", Slope: reps(0.072, 0, 0.01, 0, -0.01)},
			{Block: 6, Session: 4, Frames: "persistent", Slope: reps(0.118, 0.02, -0.02, 0.01, 0)},
		},
		ConsistencyPairs: []ConsistencyPair{{Persistent: 1, Independent: 0}, {Persistent: 6, Independent: 5}},
	}
	cl := consistencyLearning(sum)
	if cl == nil || cl.Before != 0 || cl.After != 1 {
		t.Fatalf("consistencyLearning = %+v, want the pairs 0 (before) and 1 (after)", cl)
	}
	// (0.118 - 0.072) - (0.017 - 0.011) = 0.040.
	if math.Abs(cl.SlopeTest.Diff-0.040) > 1e-12 {
		t.Errorf("difference of differences %g, want 0.040", cl.SlopeTest.Diff)
	}
	// Replicate deviations: after (0.02, -0.03, 0.01, 0.01), before (0.02, 0,
	// -0.02, -0.02): the difference's deviations 0, -0.03, 0.03, 0.03, so 4
	// replicates and an interval around 0.040.
	if cl.SlopeTest.Replicates != 4 || !(cl.SlopeTest.Lo < 0.040 && cl.SlopeTest.Hi > 0.040) {
		t.Errorf("SlopeTest %+v: want 4 replicates and an interval around 0.040", cl.SlopeTest)
	}
	sum.ConsistencyPairs = sum.ConsistencyPairs[1:]
	if cl := consistencyLearning(sum); cl != nil {
		t.Errorf("consistencyLearning without a pair before training = %+v, want nil", cl)
	}
}

// TestSwitchBootSeedDistinct: every (kind of switch, trial position) gets
// its own bootstrap seed, so the courses of the two directions of a pair,
// whose trials are independent, are resampled independently.
func TestSwitchBootSeedDistinct(t *testing.T) {
	seen := map[uint64][2]int{}
	for kind := range 6 {
		for k := range 200 {
			s := switchBootSeed(1, kind, k)
			if prev, ok := seen[s]; ok {
				t.Fatalf("kind %d position %d and kind %d position %d share the seed %d", kind, k, prev[0], prev[1], s)
			}
			seen[s] = [2]int{kind, k}
		}
	}
}

// TestSettledGap: the settled level of a course is the mean gap over the
// positions past half the last one (here 4 to 6 of 6), replicate by
// replicate; the pair's settled drop is A's minus B's.
func TestSettledGap(t *testing.T) {
	course := func(gaps ...float64) *SwitchCourse {
		c := &SwitchCourse{}
		for k, g := range gaps {
			c.Positions = append(c.Positions, SwitchPosition{K: k + 1, Gap: Value{Est: g, Reps: []float64{g - 1, g + 1}}})
		}
		return c
	}
	toA := course(0, 0, 0, 3, 4, 5) // after B -> A: settled mean 4
	toB := course(9, 9, 9, 1, 1, 1) // after A -> B: settled mean 1
	a, b := settledGap(toA), settledGap(toB)
	if a.Est != 4 || b.Est != 1 || a.Reps[0] != 3 || a.Reps[1] != 5 {
		t.Fatalf("settled levels %+v and %+v, want 4 (reps 3, 5) and 1", a, b)
	}
	d := diffValue(a, b)
	if d.Est != 3 || d.Reps[0] != 3 || d.Reps[1] != 3 {
		t.Errorf("settled drop %+v, want 3 with replicates 3, 3", d)
	}
}
