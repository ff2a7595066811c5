package model

import (
	"fmt"
	"math"
	"strconv"

	"github.com/iplgpu/iplgpu/engine/rng"
)

// Block is one block of the expanded protocol.
type Block struct {
	Index   int    // position in the run (0-based)
	Session int    // 0 = before training (baseline and "before" blocks), 1..S sessions, S+1 = after
	Group   string // before | session | after
	BlockConfig
	Trials []Trial
}

// Trial is one trial: its signed coherence and frame orientations.
type Trial struct {
	Coherence float64   // signed: + means A, - means B
	Frames    []float32 // orientation per frame (rad)
}

// Plan is the whole protocol, expanded from the config with the run seed.
type Plan struct {
	Blocks []Block
	Trials int // total trials
}

// Steps per trial, frame and bin, and the ITI, from the config.
type Timing struct {
	FrameSteps, TrialSteps, BinSteps, ITISteps int
	Bins                                       int
}

// TimingOf derives the step counts of a trial.
func TimingOf(c *Config) Timing {
	dt := c.Dynamics.DtMs
	t := Timing{
		FrameSteps: int(math.Round(c.Stimulus.FrameMs / dt)),
		BinSteps:   int(math.Round(c.Stimulus.BinMs / dt)),
		ITISteps:   int(math.Round(c.Stimulus.ITIMs / dt)),
	}
	t.TrialSteps = t.FrameSteps * c.Stimulus.Frames
	t.Bins = t.TrialSteps / t.BinSteps
	return t
}

// Blocks lists the blocks of the protocol in run order (before,
// [baseline], sessions, after), without their trials: what MakePlan expands,
// and what a run directory's trials.csv must follow.
func Blocks(c *Config) []Block {
	var blocks []Block
	add := func(session int, group string, bc BlockConfig) {
		blocks = append(blocks, Block{Index: len(blocks), Session: session, Group: group, BlockConfig: bc})
	}
	for _, b := range c.Protocol.Before {
		add(0, "before", b)
	}
	if c.Protocol.Baseline {
		for _, b := range c.Protocol.Session {
			if !b.Learning {
				add(0, "session", b)
			}
		}
	}
	for s := 1; s <= c.Protocol.Sessions; s++ {
		for _, b := range c.Protocol.Session {
			add(s, "session", b)
		}
	}
	for range max(c.Protocol.AfterRepeat, 1) {
		for _, b := range c.Protocol.After {
			add(c.Protocol.Sessions+1, "after", b)
		}
	}
	return blocks
}

// SessionLabel names session s of a protocol of sessions training sessions
// for a reader: "before training" (0), "after session k" (the measurement
// blocks of session k follow its training), "at the end" (the blocks after
// the last session).
func SessionLabel(s, sessions int) string {
	switch {
	case s <= 0:
		return "before training"
	case s > sessions:
		return "at the end"
	}
	return fmt.Sprintf("after session %d", s)
}

// SessionShort is session s in tables and on axes: "0", "1", ..., "end".
func SessionShort(s, sessions int) string {
	if s > sessions {
		return "end"
	}
	return strconv.Itoa(s)
}

// MakePlan expands the protocol: blocks in order (before, [baseline], sessions,
// after), each with its trials' coherences in a seeded random order and frames
// drawn per docs/model.md section 4.3.
func MakePlan(c *Config) *Plan {
	p := &Plan{Blocks: Blocks(c)}
	st := rng.New(c.Seed)
	a := float32(c.Stimulus.TaskOrientationDeg * math.Pi / 180)
	trial := 0
	for bi := range p.Blocks {
		b := &p.Blocks[bi]
		var conds []float64
		for _, coh := range b.Coherences {
			if coh == 0 {
				conds = append(conds, 0)
			} else {
				conds = append(conds, coh, -coh)
			}
		}
		cohs := make([]float64, b.BlockConfig.Trials)
		for i := range cohs {
			cohs[i] = conds[i%len(conds)]
		}
		// Fisher-Yates with the block's stream: the order of conditions is random.
		for i := len(cohs) - 1; i > 0; i-- {
			w := st.Block(rng.Trials, uint64(bi), uint32(i))
			j := int(rng.Float64(w[0], w[1]) * float64(i+1))
			cohs[i], cohs[j] = cohs[j], cohs[i]
		}
		b.Trials = make([]Trial, len(cohs))
		var frozen map[float64][][]float32
		seen := map[float64]int{}
		if b.Frames == "frozen" {
			frozen = frozenSequences(st, bi, conds, b.Sequences, a, c.Stimulus.Frames)
		}
		for i, coh := range cohs {
			if frozen != nil {
				// The condition's sequences in turn: each shown equally often.
				seq := frozen[coh][seen[coh]%b.Sequences]
				seen[coh]++
				b.Trials[i] = Trial{Coherence: coh, Frames: append([]float32(nil), seq...)}
			} else {
				b.Trials[i] = Trial{Coherence: coh, Frames: makeFrames(st, trial, coh, a, frameKind{c.Stimulus.Frames, b.Frames, b.Persistence})}
			}
			trial++
		}
	}
	p.Trials = trial
	return p
}

// frameKind is how a block's frames are drawn: n frames per trial, the mode
// (noise, consistent or persistent) and, when persistent, rho.
type frameKind struct {
	n    int
	mode string
	rho  float64
}

// makeFrames draws one trial's frames (angle A = a rad): each frame shows the signalled orientation
// (A for c > 0, B = A + 90 deg for c < 0) with probability |c|, otherwise a uniform
// random orientation. With "consistent" frames, the random orientation is drawn
// once per trial and repeated, so the sequence is predictable.
//
// With "persistent" frames (docs/model.md sections 4.3 and 10.4) the kind of each frame, signal or
// noise, is a Markov chain: frame f > 0 repeats the kind of frame f - 1 with
// probability rho and is otherwise drawn afresh (signal with probability
// |c|); frame 0 is drawn afresh. The fresh draw keeps the chain in its
// stationary distribution, so every frame is a signal frame with probability
// |c| whatever rho, and consecutive kinds correlate with coefficient rho:
// the signal comes in runs of mean length 1/(1 - rho (1 - |c|)) frames.
// Noise frames always take a fresh random orientation, so only the signal's
// persistence varies. The fresh draws are those of noise frames (the same
// words), so rho = 0 gives exactly the frames of "noise"; the repeat draws
// use elements 0x80000000 + f of the trial's Frames stream.
func makeFrames(st rng.Stream, trial int, coh float64, a float32, fk frameKind) []float32 {
	n, mode, rho := fk.n, fk.mode, fk.rho
	sig := a
	if coh < 0 {
		sig = a + math.Pi/2
	}
	sig = float32(wrapPi(float64(sig)))
	fr := make([]float32, n)
	w0 := st.Block(rng.Frames, uint64(trial), 0xFFFFFFFF)
	fixedNoise := float32(rng.Float64(w0[0], w0[1]) * math.Pi)
	signal := false
	for f := range fr {
		w := st.Block(rng.Frames, uint64(trial), uint32(f))
		if mode == "persistent" {
			if f > 0 {
				r := st.Block(rng.Frames, uint64(trial), 0x80000000+uint32(f))
				if rng.Float64(r[0], r[1]) >= rho {
					signal = rng.Float64(w[0], w[1]) < math.Abs(coh)
				}
			} else {
				signal = rng.Float64(w[0], w[1]) < math.Abs(coh)
			}
			if signal {
				fr[f] = sig
			} else {
				fr[f] = float32(rng.Float64(w[2], w[3]) * math.Pi)
			}
			continue
		}
		if rng.Float64(w[0], w[1]) < math.Abs(coh) {
			fr[f] = sig
		} else if mode == "consistent" {
			fr[f] = fixedNoise
		} else {
			fr[f] = float32(rng.Float64(w[2], w[3]) * math.Pi)
		}
	}
	return fr
}

// frozenSequences draws the fixed frame sequences of a frozen-noise block
// (docs/model.md sections 4.3 and 10.7, holding the stimulus fixed): for each signed condition
// (in the order of conds) k sequences of n frames, each drawn like a "noise"
// trial (signal with probability |c|, otherwise a uniform orientation) from
// the Frozen stream of the block (step = block index, element = (condition x
// k + sequence) x n + frame), so that the draws of the other frame modes are
// unchanged.
func frozenSequences(st rng.Stream, block int, conds []float64, k int, a float32, n int) map[float64][][]float32 {
	out := map[float64][][]float32{}
	for ci, coh := range conds {
		sig := a
		if coh < 0 {
			sig = a + math.Pi/2
		}
		sig = float32(wrapPi(float64(sig)))
		seqs := make([][]float32, k)
		for j := range seqs {
			fr := make([]float32, n)
			for f := range fr {
				w := st.Block(rng.Frozen, uint64(block), uint32((ci*k+j)*n+f))
				if rng.Float64(w[0], w[1]) < math.Abs(coh) {
					fr[f] = sig
				} else {
					fr[f] = float32(rng.Float64(w[2], w[3]) * math.Pi)
				}
			}
			seqs[j] = fr
		}
		out[coh] = seqs
	}
	return out
}
