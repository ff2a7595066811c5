package compare

import (
	"context"
	"math"
	"os"
	"testing"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
)

// smallOptions is the comparison at small size: 100 neurons, 2 training
// sessions with the structural learning (eta_w, lambda_w) and the feedback
// gain's growth (eta_fb) 5 times faster than the defaults (same w_inf; k_fb
// reaches 98% of k_max as in the default 10 sessions), the default k_max
// (0.042, which gives the IPL's late redundancy at this size: IPL 29.6 and
// 28.8%, feedback 29.3 and 28.9%), seeds 1 and 2.
func smallOptions(dir string) Options {
	return Options{
		Seeds: []uint64{1, 2}, Sessions: 2, Out: dir,
		Sets:     []string{"network.neurons=100", "dynamics.eta_w=0.000175", "dynamics.lambda_w_per_s=0.00085", "feedback.eta_fb=0.01"},
		Backend:  func() (engine.Backend, error) { return cpu.New(0), nil },
		Analysis: analysis.Options{BootReplicates: 50},
	}
}

// TestMechanismsQualitative runs both mechanisms at small size on two seeds
// (97 s on 2 cores at engine 0.2.1; skipped with -short) and checks the
// predictions of docs/model.md section 10.7 on every seed, with these margins
// (measured values of the run in parentheses, seed 1 / seed 2, engine 0.2.1):
//   - both mechanisms raise task redundancy % at n = 14 with learning by more
//     than 5 points (IPL 8.6 / 9.3, feedback 8.3 / 9.4);
//   - blocking the lateral spread after learning leaves under IPL less than
//     half the rise (ablated - early: -6.5 / 4.0) and under feedback more than
//     half (5.4 / 13.2);
//   - in frozen-noise blocks the A-vs-B correlation falls with learning more
//     under feedback than under IPL: feedback minus IPL change below -0.01
//     on each seed (-0.024 / -0.022; the block-to-block sd of one A-vs-B
//     estimate is about 0.008, so a seed's difference of changes has an sd of
//     about 0.016 and the mean over 2 seeds about 0.011: the observed -0.023
//     is 2.0 sd from 0, and a one-sided test at 5% has about 80% power for an
//     effect of -0.03 with 2 seeds, 50% for -0.02 (the numpy prototype's));
//
// The distance dependence of the pair redundancy increase at matched tuning
// (signature b) is logged, not asserted: its interval across seeds holds 0
// at this size (docs/results.md, compare), so its sign on two seeds is no
// test.
func TestMechanismsQualitative(t *testing.T) {
	if testing.Short() {
		t.Skip("compare at small size: about 7.5 minutes; skipped in -short mode")
	}
	dir := t.TempDir()
	if d := os.Getenv("IPLGPU_TEST_RUNS"); d != "" {
		dir = d
	}
	res, err := Run(context.Background(), smallOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	sig := map[string]map[uint64]*Signatures{"ipl": {}, "feedback": {}}
	for _, s := range res.Runs {
		sig[s.Mechanism][s.Seed] = s
		t.Logf("%s seed %d: early %.1f%%, late %.1f%%, ablated %.1f%%; frozen A-vs-B %.4f -> %.4f (block sd %.4f); distance slope %.4f, near-far %.4f; islets %v",
			s.Mechanism, s.Seed, s.RedEarly, s.RedLate, s.RedAblated, s.AvsBEarly, s.AvsBLate, s.AvsBSD, s.DistSlope, s.DistNearFar, s.Islets)
	}
	for _, seed := range []uint64{1, 2} {
		ipl, fb := sig["ipl"][seed], sig["feedback"][seed]
		if ipl == nil || fb == nil {
			t.Fatalf("seed %d: a mechanism's run is missing", seed)
		}
		for _, s := range []*Signatures{ipl, fb} {
			if !(s.Rise > 5) {
				t.Errorf("%s seed %d: redundancy rose %.1f points with learning, want > 5", s.Mechanism, seed, s.Rise)
			}
		}
		if kept := ipl.RedAblated - ipl.RedEarly; !(kept < 0.5*ipl.Rise) {
			t.Errorf("ipl seed %d: with lateral spread blocked %.1f of the %.1f-point rise remains, want under half", seed, kept, ipl.Rise)
		}
		if kept := fb.RedAblated - fb.RedEarly; !(kept > 0.5*fb.Rise) {
			t.Errorf("feedback seed %d: with lateral spread blocked %.1f of the %.1f-point rise remains, want over half", seed, kept, fb.Rise)
		}
		if d := fb.AvsBChange - ipl.AvsBChange; !(d < -0.01) {
			t.Errorf("seed %d: frozen-noise A-vs-B change feedback %.4f, IPL %.4f: difference %.4f, want < -0.01", seed, fb.AvsBChange, ipl.AvsBChange, d)
		}
		if fb.Islets != 0 || !(ipl.Islets > 0) {
			t.Errorf("seed %d: islets IPL %v, feedback %v; want some and none", seed, ipl.Islets, fb.Islets)
		}
	}
	if math.IsNaN(res.Rows[0].P) {
		t.Errorf("no test across seeds in the table")
	}
}
