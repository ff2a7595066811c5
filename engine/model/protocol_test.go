package model

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/engine/rng"
)

// TestPersistentFrames: persistent frames keep the fraction of signal frames
// at |c| for every rho, make consecutive kinds correlate with coefficient
// rho, draw noise frames afresh, and with rho = 0 repeat the noise frames'
// draws exactly.
func TestPersistentFrames(t *testing.T) {
	st := rng.New(11)
	const (
		coh    = 0.3
		frames = 16
		trials = 20000
	)
	a := float32(math.Pi / 4)
	sig := a // c > 0: A
	for _, rho := range []float64{0, 0.5, 0.8} {
		var n, s, pairs, ss, s0, s1 float64
		repeatNoise := 0
		for tr := range trials {
			fr := makeFrames(st, tr, coh, a, frameKind{frames, "persistent", rho})
			if rho == 0 {
				if noise := makeFrames(st, tr, coh, a, frameKind{frames, "noise", 0}); !equal(fr, noise) {
					t.Fatalf("rho 0, trial %d: %v differs from the noise frames %v", tr, fr, noise)
				}
			}
			for f, o := range fr {
				x := 0.0
				if o == sig {
					x = 1
				}
				n++
				s += x
				if f > 0 {
					prev := 0.0
					if fr[f-1] == sig {
						prev = 1
					}
					pairs++
					ss += x * prev
					s0 += prev
					s1 += x
					if x == 0 && prev == 0 && fr[f] == fr[f-1] {
						repeatNoise++
					}
				}
			}
		}
		p := s / n
		// Lag-1 correlation of the signal indicator.
		m0, m1 := s0/pairs, s1/pairs
		corr := (ss/pairs - m0*m1) / math.Sqrt(m0*(1-m0)*m1*(1-m1))
		t.Logf("rho %.1f: signal fraction %.4f, lag-1 correlation %.3f", rho, p, corr)
		// 320000 frames: the sd of the fraction is about 0.001 (more with
		// persistence); of the correlation about 0.002.
		if math.Abs(p-coh) > 0.01 {
			t.Errorf("rho %.1f: signal fraction %.4f, want %.2f", rho, p, coh)
		}
		if math.Abs(corr-rho) > 0.02 {
			t.Errorf("rho %.1f: lag-1 correlation of the signal %.3f, want %.2f", rho, corr, rho)
		}
		if repeatNoise > 0 {
			t.Errorf("rho %.1f: %d noise frames repeat the previous noise orientation", rho, repeatNoise)
		}
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}

// TestAfterRepeat: after_repeat runs the after blocks that many times, in
// order.
func TestAfterRepeat(t *testing.T) {
	c, err := LoadConfig("", "", []string{"protocol.sessions=1", "protocol.baseline=false", "protocol.before=[]",
		"protocol.session=[{name: t, mode: task, trials: 2, coherences: [0.3], learning: true, record: false}]",
		"protocol.after=[{name: a, mode: task, trials: 2, coherences: [0.3], learning: false, record: true}, {name: p, mode: passive, trials: 2, coherences: [0.3], learning: false, record: true, task_gain: true}]",
		"protocol.after_repeat=3"})
	if err != nil {
		t.Fatal(err)
	}
	p := MakePlan(c)
	var names []string
	for _, b := range p.Blocks {
		names = append(names, b.Name)
	}
	want := []string{"t", "a", "p", "a", "p", "a", "p"}
	if len(names) != len(want) {
		t.Fatalf("blocks %v, want %v", names, want)
	}
	for k := range want {
		if names[k] != want[k] {
			t.Fatalf("blocks %v, want %v", names, want)
		}
	}
	if !p.Blocks[2].TaskGain || p.Blocks[2].Session != 2 {
		t.Errorf("block 2: task gain %v, session %d; want true, 2", p.Blocks[2].TaskGain, p.Blocks[2].Session)
	}
}

// TestFrozenFrames: a frozen-noise block shows exactly `sequences` distinct
// frame sequences per signed condition, each equally often, with signal
// frames at about |c|; the other blocks' frames are those of a plan without
// the frozen block (its draws come from their own stream); a bad sequence
// count is refused naming the key.
func TestFrozenFrames(t *testing.T) {
	base := []string{"protocol.sessions=1", "protocol.before=[]", "protocol.after=[]"}
	plain, err := LoadConfig("", "", base)
	if err != nil {
		t.Fatal(err)
	}
	frz, err := LoadConfig("", "", base)
	if err != nil {
		t.Fatal(err)
	}
	frz.Protocol.Session[1].Frames, frz.Protocol.Session[1].Sequences = "frozen", 3
	if err := frz.Validate(); err != nil {
		t.Fatal(err)
	}
	pp, fp := MakePlan(plain), MakePlan(frz)
	for bi := range pp.Blocks {
		frozen := fp.Blocks[bi].Frames == "frozen"
		distinct := map[float64]map[string]int{}
		signal, total := 0, 0
		for ti, tr := range fp.Blocks[bi].Trials {
			if !frozen {
				if !equal(tr.Frames, pp.Blocks[bi].Trials[ti].Frames) {
					t.Fatalf("block %d trial %d: frames changed by another block's frozen noise", bi, ti)
				}
				continue
			}
			if distinct[tr.Coherence] == nil {
				distinct[tr.Coherence] = map[string]int{}
			}
			distinct[tr.Coherence][fmt.Sprint(tr.Frames)]++
			for _, f := range tr.Frames {
				total++
				sig := float32(math.Pi / 4)
				if tr.Coherence < 0 {
					sig = float32(3 * math.Pi / 4)
				}
				if f == sig {
					signal++
				}
			}
		}
		if !frozen {
			continue
		}
		if len(distinct) != 2 {
			t.Fatalf("frozen block: %d conditions, want 2", len(distinct))
		}
		for c, seqs := range distinct {
			if len(seqs) != 3 {
				t.Fatalf("condition %v: %d distinct sequences, want 3", c, len(seqs))
			}
			for _, n := range seqs {
				// 160 trials per condition over 3 sequences: 54, 53, 53.
				if want := fp.Blocks[bi].BlockConfig.Trials / 6; n != want && n != want+1 {
					t.Fatalf("condition %v: a sequence shown %d times, want %d or %d", c, n, want, want+1)
				}
			}
		}
		// 6 sequences of 16 frames: 96 frames, signal fraction 0.3 +- 0.05 (sd).
		if f := float64(signal) / float64(total); math.Abs(f-0.3) > 0.15 {
			t.Fatalf("signal fraction %v, want about 0.3", f)
		}
	}
	frz.Protocol.Session[1].Sequences = 0
	if err := frz.Validate(); err == nil || !strings.Contains(err.Error(), "sequences") {
		t.Fatalf("frozen with 0 sequences: %v, want an error naming sequences", err)
	}
	frz.Protocol.Session[1].Frames, frz.Protocol.Session[1].Sequences = "noise", 2
	if err := frz.Validate(); err == nil || !strings.Contains(err.Error(), "sequences") {
		t.Fatalf("noise with sequences: %v, want an error naming sequences", err)
	}
}

func TestSessionLabels(t *testing.T) {
	for _, c := range []struct {
		s           int
		label, tick string
	}{{0, "before training", "0"}, {1, "after session 1", "1"}, {10, "after session 10", "10"}, {11, "at the end", "end"}} {
		if got := SessionLabel(c.s, 10); got != c.label {
			t.Errorf("SessionLabel(%d, 10) = %q, want %q", c.s, got, c.label)
		}
		if got := SessionShort(c.s, 10); got != c.tick {
			t.Errorf("SessionShort(%d, 10) = %q, want %q", c.s, got, c.tick)
		}
	}
}
