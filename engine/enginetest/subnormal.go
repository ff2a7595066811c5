package enginetest

import (
	"math"
	"testing"

	"github.com/iplgpu/iplgpu/engine/model"
)

// SubnormalsFlushed: coincidence traces, spine potentials, fast efficacies and
// structural weights that decay below float32's normal range are stored as
// zero (model.Flush32), not as subnormals, so that a GPU that flushes them and
// one that keeps them store the same bits. The hand-made network starts just
// above the normal range (2^-124) with no afferent events; each one-step
// segment must store exactly model.Flush32 of the last stored value times the
// step's decay (x exp(-dt/tau_c), s exp(-dt/tau_s) with no lateral input, e
// the lazy factor D, w the segment's exp(-lambda_w T)), bit for bit. The test
// checks that each of the four passed through a step whose unflushed product
// is subnormal, and that no array of the state ever holds a subnormal.
func SubnormalsFlushed(t *testing.T, f Factory) {
	cfg, err := model.LoadConfig("", "", []string{
		"dynamics.dt_ms=5", "dynamics.tau_s_ms=30", "dynamics.coincidence_ms=10",
		"dynamics.tau_e_ms=5", "dynamics.lambda_w_per_s=100",
	})
	if err != nil {
		t.Fatal(err)
	}
	p := model.ParamsFromConfig(cfg)
	net := HandNetwork()
	be := load(t, f, net, p)
	st := state(t, be)
	const start = 0x1p-124 // normal; 2^-126 is the smallest normal float32
	for k := range st.S {
		st.S[k], st.X[k] = start, start*float32(1+k)/4+start
		st.Z[k] = 1e-3 // the residual cannot reach 1 (an event) within the test
		st.Events[k] = 0
	}
	for ed := range st.E {
		st.W[ed], st.E[ed] = start, start*float32(2+ed)/4
	}
	if err := be.SetState(st); err != nil {
		t.Fatal(err)
	}
	subnormal := func(x float32) bool { return x != 0 && math.Float32bits(x)&0x7f800000 == 0 }
	same := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }
	passed := map[string]int{}
	check := func(what string, step, i int, got, prev, factor float32) {
		t.Helper()
		raw := prev * factor
		if subnormal(raw) {
			passed[what]++
		}
		if want := model.Flush32(raw); !same(got, want) {
			t.Fatalf("step %d: %s[%d] = %g (bits %08x), want Flush32(%g x %g) = %g (bits %08x)",
				step, what, i, got, math.Float32bits(got), prev, factor, want, math.Float32bits(want))
		}
	}
	const steps = 16
	for step := 0; step < steps; step++ {
		seg := Segment(uint64(step), 1, float32(math.NaN()), 1)
		seg.Learn = true
		if err := be.Run(seg, nil); err != nil {
			t.Fatal(err)
		}
		nx := state(t, be)
		fd := seg.EndDecay(&p)
		if !fd.LearnW || fd.ITI {
			t.Fatalf("segment decay %+v: want w's decay and no inter-trial interval", fd)
		}
		for k := range nx.S {
			if nx.Events[k] != 0 {
				t.Fatalf("step %d: spine %d had %d events; the test needs none", step, k, nx.Events[k])
			}
			check("x", step, k, nx.X[k], st.X[k], p.CDecay)
			check("s", step, k, nx.S[k], st.S[k], p.SDecay)
		}
		for ed := range nx.E {
			check("e", step, ed, nx.E[ed], st.E[ed], p.EDecayPerStep)
			check("w", step, ed, nx.W[ed], st.W[ed], fd.W)
		}
		for name, a := range map[string][]float32{"S": nx.S, "X": nx.X, "W": nx.W, "E": nx.E, "Z": nx.Z, "B": nx.B, "H": nx.H} {
			for i, v := range a {
				if subnormal(v) {
					t.Fatalf("step %d: %s[%d] = %g is subnormal", step, name, i, v)
				}
			}
		}
		st = nx
	}
	for _, what := range []string{"x", "s", "e", "w"} {
		if passed[what] == 0 {
			t.Errorf("no %s passed through the subnormal range in %d steps: the test does not exercise the flush", what, steps)
		}
	}
	for k := range st.S {
		if st.X[k] != 0 || st.S[k] != 0 {
			t.Errorf("after %d steps spine %d has x = %g, s = %g; want 0", steps, k, st.X[k], st.S[k])
		}
	}
	for ed := range st.E {
		if st.E[ed] != 0 || st.W[ed] != 0 {
			t.Errorf("after %d steps edge %d has e = %g, w = %g; want 0", steps, ed, st.E[ed], st.W[ed])
		}
	}
	t.Logf("values flushed from the subnormal range: %v", passed)
}
