package cpu

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/enginetest"
	"github.com/iplgpu/iplgpu/engine/model"
)

func dump(t *testing.T, be engine.Backend, counts []uint16) []byte {
	t.Helper()
	var st engine.State
	if err := be.State(&st); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, v := range []any{st.S, st.X, st.Events, st.Z, st.W, st.E, st.B, st.H, counts} {
		if err := binary.Write(&buf, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// fusedSegments is a protocol that exercises every switch of a segment: task
// and passive mode, frames changing within the segment and a blank screen,
// a gate and a shared gain that change at every step, learning with and
// without the formation ablation, the lateral ablation, recording, analytic
// inter-trial intervals, a deferred w decay and an empty segment.
func fusedSegments(n int) []*engine.Segment {
	var segs []*engine.Segment
	step := uint64(0)
	add := func(steps int, frames []float32, f func(s *engine.Segment)) {
		s := &engine.Segment{Step0: step, Steps: steps, FrameSteps: 4, Frames: frames, BinSteps: 2}
		s.Gate, s.Shared = make([]float32, steps), make([]float32, steps)
		for i := range s.Gate {
			s.Gate[i] = 0.3 + 0.7*float32(i%5)/4
			s.Shared[i] = 0.8 + 0.05*float32(i%7)
		}
		f(s)
		segs = append(segs, s)
		step += uint64(steps) + 100
	}
	fr := []float32{0.1, 1.3, 2.9, 0.7, math.Pi / 4, 2.2}
	add(20, fr, func(s *engine.Segment) {
		s.Task, s.TaskA, s.Learn, s.Record, s.DecayS = true, math.Pi/4, true, true, 1
		s.Gain = make([]float32, n)
		for i := range s.Gain {
			s.Gain[i] = 0.5 + float32(i%9)/8
		}
	})
	add(16, fr[2:], func(s *engine.Segment) { s.Task, s.TaskA, s.Learn, s.BlockForm, s.Record = true, 0.3, true, true, true })
	add(12, nil, func(s *engine.Segment) { s.Record, s.DecayS = true, 0.5 })
	add(0, fr, func(s *engine.Segment) { s.Learn, s.DecayS = true, 2 })
	add(14, fr, func(s *engine.Segment) { s.Task, s.TaskA, s.BlockLat, s.Record = true, 0.3, true, true })
	add(10, fr, func(s *engine.Segment) { s.Learn, s.DeferW = true, true })
	add(10, fr[1:], func(s *engine.Segment) { s.Learn, s.PriorSteps, s.DecayS, s.Shared = true, 10, 1, nil })
	add(18, fr, func(s *engine.Segment) { s.Task, s.TaskA, s.Learn, s.Record = true, math.Pi/4, true, true })
	// Long enough that the lazy decay of e folds inside the segment where
	// tau_e is short (model.EScaleFloor).
	add(120, fr, func(s *engine.Segment) {
		s.Task, s.TaskA, s.Learn, s.Record, s.DecayS = true, math.Pi/4, true, true, 0.5
	})
	return segs
}

// The fused single-pass backend gives the same bytes as the three-pass
// backend it replaced (refBackend), segment after segment, for every worker
// count, additive and diffusive coupling, a spine count per neuron that is not
// a power of two (chunk boundaries then fall anywhere), and a tau_e short
// enough (one step) that the lazy decay of e folds inside a segment.
func TestFusedMatchesReference(t *testing.T) {
	cases := [][]string{
		{"network.neurons=300", "network.spines_per_neuron=16"},
		{"network.neurons=900", "network.spines_per_neuron=5", "dynamics.coupling=diffusive"},
		{"network.neurons=300", "network.spines_per_neuron=8", "dynamics.tau_e_ms=10"},
	}
	for ci, sets := range cases {
		// Learning fast enough that w moves visibly within the segments, and an
		// afferent rate high enough that multi-event steps and coincidences
		// are common.
		sets = append(sets, "dynamics.eta_w=0.02", "dynamics.w_init=0.2", "dynamics.afferent_peak_hz=80", "dynamics.j_e=0.5")
		cfg, net := enginetest.SmallNetwork(t, sets...)
		p := model.ParamsFromConfig(cfg)
		ref := newRef(1)
		if err := ref.Load(net, p); err != nil {
			t.Fatal(err)
		}
		segs := fusedSegments(net.N)
		var want [][]byte
		for _, s := range segs {
			counts := make([]uint16, s.Bins()*net.N)
			if err := ref.Run(s, counts); err != nil {
				t.Fatal(err)
			}
			want = append(want, dump(t, ref, counts))
		}
		var st engine.State
		ref.State(&st)
		moved := 0
		for _, w := range st.W {
			if w != p.WInit {
				moved++
			}
		}
		if moved < len(st.W)/10 {
			t.Fatalf("case %d: only %d of %d weights moved: the test does not exercise learning", ci, moved, len(st.W))
		}
		if steps := math.Log(model.EScaleFloor) / math.Log(float64(p.EDecayPerStep)); ci == 2 && steps > 100 {
			t.Fatalf("case %d: e's scale folds after %.0f steps, beyond the long segment", ci, steps)
		}
		for _, workers := range []int{1, 2, 3} {
			be := New(workers)
			if err := be.Load(net, p); err != nil {
				t.Fatal(err)
			}
			for si, s := range segs {
				counts := make([]uint16, s.Bins()*net.N)
				if err := be.Run(s, counts); err != nil {
					t.Fatal(err)
				}
				if got := dump(t, be, counts); !bytes.Equal(got, want[si]) {
					t.Fatalf("case %d (%v), %d workers: state after segment %d differs from the reference backend", ci, sets, workers, si)
				}
			}
		}
	}
}

// BenchmarkReferenceStep times the three-pass backend that the fused one
// replaced, for comparison with BenchmarkStep.
func BenchmarkReferenceStep(b *testing.B) {
	for _, n := range []int{1000} {
		b.Run(fmt.Sprintf("N%d_M32", n), func(b *testing.B) {
			cfg, net := enginetest.SmallNetwork(b, fmt.Sprintf("network.neurons=%d", n), "network.spines_per_neuron=32")
			be := newRef(0)
			if err := be.Load(net, model.ParamsFromConfig(cfg)); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			sec, err := engine.BenchStep(be, net, max(b.N, 5))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(sec*1e9, "ns/step")
		})
	}
}
