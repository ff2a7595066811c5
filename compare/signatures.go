package compare

import (
	"math"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// Signatures are one run's numbers behind the rows of compare.md (NaN where
// the run lacks what a number needs).
type Signatures struct {
	Mechanism string
	Seed      uint64
	Dir       string

	// Redundancy % at the subset size of the comparison: before training,
	// after, and after with the lateral spread blocked.
	RedEarly, RedLate, RedAblated float64
	// (a) Rise = RedLate - RedEarly; AblationDrop = RedLate - RedAblated.
	Rise, AblationDrop float64
	// (b) DistanceAtMatchedTuning between the early and late task blocks.
	DistSlope, DistNearFar float64
	// (c) frozen-noise A-vs-B and within-group (mean of A and B) correlation,
	// before and after training, and their changes; AvsBSD is the mean
	// half-width of the two blocks' bootstrap 95% intervals / 1.96 (the
	// block-to-block sd of the A-vs-B estimate within a run).
	AvsBEarly, AvsBLate, AvsBChange, WithinChange, AvsBSD float64
	// (d) islets in the last w snapshot and the fraction of spines in them.
	Islets, IsletSpinesFrac float64
	// (e) task -> passive: the fraction of the fitted drop (task level -
	// passive level) reached at the first trial after the switch, and the
	// joint fit's time constant (s).
	SwitchFirstFrac, SwitchTau float64
	// (f) within-trial slope of the gap (1/c^2 per s), early and late, and
	// persistent minus independent slope after training.
	SlopeEarly, SlopeLate, PersistMinusIndep float64
}

// Extract computes the signatures from a run's analysis.
func Extract(sum *analysis.Summary, run *rundir.Run, size int) (*Signatures, error) {
	nan := math.NaN()
	s := &Signatures{Dir: sum.Dir, RedEarly: nan, RedLate: nan, RedAblated: nan, Rise: nan, AblationDrop: nan,
		DistSlope: nan, DistNearFar: nan, AvsBEarly: nan, AvsBLate: nan, AvsBChange: nan, WithinChange: nan, AvsBSD: nan,
		Islets: nan, IsletSpinesFrac: nan, SwitchFirstFrac: nan, SwitchTau: nan, SlopeEarly: nan, SlopeLate: nan, PersistMinusIndep: nan}
	byName := map[string]*analysis.BlockResult{}
	for k := range sum.Blocks {
		b := &sum.Blocks[k]
		byName[b.Name] = b // the last block of a name (names are unique here but for the switch blocks)
	}
	red := func(name string) float64 {
		b := byName[name]
		if b == nil || b.Headline() == nil {
			return nan
		}
		if z := b.Headline().Size(size); z != nil {
			return z.RedundancyPct.Est
		}
		return nan
	}
	s.RedEarly, s.RedLate, s.RedAblated = red(BlockEarly), red(BlockLate), red(BlockAblation)
	s.Rise, s.AblationDrop = s.RedLate-s.RedEarly, s.RedLate-s.RedAblated

	// (b)
	if e, l := byName[BlockEarly], byName[BlockLate]; e != nil && l != nil && run.SomaPos != nil {
		if d, err := analysis.DistanceAtMatchedTuning(&run.Recording, run.SomaPos, e.Index, l.Index, analysis.DistanceOptions{Seed: 1}); err == nil {
			s.DistSlope, s.DistNearFar = d.Slope, d.NearFar
		}
	}
	// (c)
	fc, _, err := analysis.FrozenTaskCorrelations(&run.Recording,
		run.Config.Stimulus.TaskOrientationDeg, analysis.TaskCorrOptions{Boot: fisher.BootSpec{Replicates: 100, Subsets: 1, Seed: 7}})
	if err != nil {
		return nil, err
	}
	var fe, fl *analysis.FrozenCorr
	for k := range fc {
		switch fc[k].BlockName {
		case BlockFrozenE:
			fe = &fc[k]
		case BlockFrozenL:
			fl = &fc[k]
		}
	}
	if fe != nil && fl != nil {
		s.AvsBEarly, s.AvsBLate = fe.Groups.AvsB.Est, fl.Groups.AvsB.Est
		s.AvsBChange = s.AvsBLate - s.AvsBEarly
		within := func(f *analysis.FrozenCorr) float64 { return (f.Groups.WithinA.Est + f.Groups.WithinB.Est) / 2 }
		s.WithinChange = within(fl) - within(fe)
		s.AvsBSD = ((fe.Groups.AvsB.Hi-fe.Groups.AvsB.Lo)/2 + (fl.Groups.AvsB.Hi-fl.Groups.AvsB.Lo)/2) / 2 / 1.96
	}
	// (d)
	if ns := sum.Network; len(ns) > 0 {
		s.Islets, s.IsletSpinesFrac = float64(ns[len(ns)-1].Islets), ns[len(ns)-1].SpinesInIsletsFrac
	}
	// (e)
	if r := sum.Reversibility; r != nil {
		other := "passive"
		if r.PairOf("task", other) == nil {
			other = "passive (task gain kept)"
		}
		if p := r.PairOf("task", other); p != nil {
			task, passive := p.LevelA.Est, p.LevelB.Est
			if p.A != "task" {
				task, passive = passive, task
			}
			s.SwitchTau = p.Tau.Est
			if c := r.Course("task", other); c != nil && len(c.Positions) > 0 && task != passive {
				s.SwitchFirstFrac = (task - c.Positions[0].Gap.Est) / (task - passive)
			}
		}
	}
	// (f)
	if sum.Early != nil {
		s.SlopeEarly = sum.Early.Slope.Est
	}
	if sum.Late != nil {
		s.SlopeLate = sum.Late.Slope.Est
	}
	if p, l := byName[BlockPersistent], byName[BlockLate]; p != nil && l != nil {
		for _, cp := range sum.ConsistencyPairs {
			if cp.Persistent == p.Index && cp.Independent == l.Index {
				s.PersistMinusIndep = cp.SlopeTest.Diff
			}
		}
	}
	return s, nil
}
