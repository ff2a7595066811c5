package design

import (
	"fmt"
	"math"
	"path/filepath"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/compare"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// Pool is one simulated animal (a mechanism on a seed) reduced to what the
// signatures need: counts summed over the trial per block, the units'
// preferred orientations and positions.
type Pool struct {
	Mechanism string
	Seed      uint64
	Dir       string
	Theta     []float32  // rad, per unit
	Pos       []float32  // x, y, z per unit (um)
	Slab      [3]float64 // extent x, y, depth (um)
	// Electrode is each unit's electrode under an array read-out (AsArray;
	// nil when the units are the neurons), Electrodes their number.
	Electrode  []int
	Electrodes int
	TaskDeg    float64
	// Task blocks before and after learning: trials at +c and at -c of the
	// block's most frequent coherence; DS = 2c.
	Early, Late TaskBlock
	// Frozen-noise blocks before and after learning.
	FrozenEarly, FrozenLate FrozenBlock
}

// TaskBlock holds a task block's trial counts by the sign of the signal.
type TaskBlock struct {
	Plus, Minus *mat.Dense // trials x units
	DS          float64
}

// FrozenBlock holds a frozen-noise block's trial counts and the rows of each
// frame sequence.
type FrozenBlock struct {
	Counts *mat.Dense
	Seqs   [][]int
}

// Units is the number of units of the pool.
func (p *Pool) Units() int { return len(p.Theta) }

// Recorders is what the units axis counts: units, or electrodes under an
// array read-out.
func (p *Pool) Recorders() int {
	if p.Electrode != nil {
		return p.Electrodes
	}
	return p.Units()
}

// TrialsPerSign is the fewer of the task blocks' trials at one sign.
func (p *Pool) TrialsPerSign() int {
	n := math.MaxInt
	for _, b := range []TaskBlock{p.Early, p.Late} {
		n = min(n, b.Plus.RawMatrix().Rows, b.Minus.RawMatrix().Rows)
	}
	return n
}

// RepeatsPerSeq is the fewest trials of one frame sequence in the frozen
// blocks.
func (p *Pool) RepeatsPerSeq() int {
	n := math.MaxInt
	for _, b := range []FrozenBlock{p.FrozenEarly, p.FrozenLate} {
		for _, s := range b.Seqs {
			n = min(n, len(s))
		}
	}
	return n
}

// LoadPool reads a run directory of the comparison protocol (compare.Protocol).
func LoadPool(dir, mech string, seed uint64) (*Pool, error) {
	run, err := rundir.Open(dir, nil)
	if err != nil {
		return nil, err
	}
	if run.SomaPos == nil {
		return nil, fmt.Errorf("%s: no %s: the design needs the units' positions", dir, rundir.SomaPosFile)
	}
	p := &Pool{Mechanism: mech, Seed: seed, Dir: dir, Theta: run.Theta, Pos: run.SomaPos, TaskDeg: run.Config.Stimulus.TaskOrientationDeg}
	p.Slab = model.SlabSize(&run.Config.Network, len(run.Theta))
	for i := range len(run.Theta) {
		for a := range 2 {
			p.Slab[a] = max(p.Slab[a], float64(run.SomaPos[3*i+a]))
		}
	}
	w := fisher.BinRange{Start: 0, End: run.Responses.Bins}
	lines := map[string][]int{}
	for line, t := range run.Trials {
		if t.Recorded && t.Row >= 0 {
			lines[t.BlockName] = append(lines[t.BlockName], line)
		}
	}
	task := func(name string) (TaskBlock, error) {
		byC := map[float64][]int{}
		for _, line := range lines[name] {
			if c := run.Trials[line].Coherence; c != 0 {
				byC[c] = append(byC[c], run.Trials[line].Row)
			}
		}
		best := 0.0
		for c := range byC {
			if c > 0 && (best == 0 || len(byC[c])+len(byC[-c]) > len(byC[best])+len(byC[-best])) {
				best = c
			}
		}
		if best == 0 || len(byC[best]) < 7 || len(byC[-best]) < 7 {
			return TaskBlock{}, fmt.Errorf("%s: block %s needs at least 7 recorded trials at +c and at -c of one coherence", dir, name)
		}
		return TaskBlock{Plus: run.Responses.Sum(nil, byC[best], w), Minus: run.Responses.Sum(nil, byC[-best], w), DS: 2 * best}, nil
	}
	frozen := func(name string) (FrozenBlock, error) {
		fr := run.FramesPerTrial
		seqOf := map[string][]int{}
		var order []string
		var rows []int
		for _, line := range lines[name] {
			if fr == 0 || (line+1)*fr > len(run.Frames) {
				continue
			}
			t := run.Trials[line]
			key := fmt.Sprint(math.Signbit(t.Coherence), t.Coherence, run.Frames[line*fr:(line+1)*fr])
			if seqOf[key] == nil {
				order = append(order, key)
			}
			seqOf[key] = append(seqOf[key], len(rows))
			rows = append(rows, t.Row)
		}
		var seqs [][]int
		for _, k := range order {
			if len(seqOf[k]) >= 2 {
				seqs = append(seqs, seqOf[k])
			}
		}
		if len(seqs) < 2 {
			return FrozenBlock{}, fmt.Errorf("%s: block %s has %d frame sequences shown at least twice; want 2 or more", dir, name, len(seqs))
		}
		return FrozenBlock{Counts: run.Responses.Sum(nil, rows, w), Seqs: seqs}, nil
	}
	if p.Early, err = task(compare.BlockEarly); err != nil {
		return nil, err
	}
	if p.Late, err = task(compare.BlockLate); err != nil {
		return nil, err
	}
	if p.FrozenEarly, err = frozen(compare.BlockFrozenE); err != nil {
		return nil, err
	}
	if p.FrozenLate, err = frozen(compare.BlockFrozenL); err != nil {
		return nil, err
	}
	return p, nil
}

// PoolDir is the run directory of mechanism mech on seed s under a compare
// output directory.
func PoolDir(out, mech string, s uint64) string {
	return filepath.Join(out, fmt.Sprintf("%s-seed%d", mech, s))
}
