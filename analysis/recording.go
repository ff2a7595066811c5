package analysis

import (
	"fmt"

	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/recording"
)

// RecordingSummary is the analysis of a recording that has no iplgpu
// protocol (a laboratory's NWB file): what its counts, trials, tunings and
// positions allow.
type RecordingSummary struct {
	Info []InfoRow // per session, block, mode and coherence (InfoRows)
	// Distance is signature (b), the redundancy increase against distance at
	// matched tuning, between the first and the last recorded task block;
	// nil (with a note) when the recording lacks preferred orientations,
	// positions or two task blocks.
	Distance *DistanceResult
	Notes    []string
}

// AnalyseRecording analyses rec with the options of Analyse that apply
// (subset sizes, subsets, bootstrap, seed). Unit positions are the somata
// where known, else each unit's electrode (the first it belongs to, z = 0;
// pairs on one electrode are at distance 0).
func AnalyseRecording(rec *recording.Recording, opt Options) (*RecordingSummary, error) {
	opt, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	s := &RecordingSummary{}
	note := func(format string, a ...any) {
		m := fmt.Sprintf(format, a...)
		s.Notes = append(s.Notes, m)
		if opt.Log != nil {
			opt.Log(m)
		}
	}
	io := InfoOptions{
		Subsets:         fisher.SubsetSpec{Size: opt.SubsetSize, Count: opt.Subsets, Seed: opt.Seed},
		Sizes:           opt.Sizes,
		SaturationSizes: opt.SaturationSizes,
		Context:         opt.Context,
	}
	if !opt.NoBootstrap {
		io.Boot = fisher.BootSpec{Replicates: opt.BootReplicates, Subsets: opt.BootSubsets, Seed: opt.Seed}
	}
	rows, notes, err := InfoRows(rec.Responses, rec.Trials, io)
	for _, n := range notes {
		note("information: %s", n)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rec.Source, err)
	}
	s.Info = rows

	pos := rec.SomaPos
	if pos == nil {
		pos = electrodePositions(rec)
	}
	var task []int
	seen := map[int]bool{}
	for _, t := range rec.Trials {
		if t.Recorded && t.Mode == "task" && !seen[t.Block] {
			seen[t.Block] = true
			task = append(task, t.Block)
		}
	}
	switch {
	case rec.Theta == nil:
		note("signature (b), distance at matched tuning: the recording has no preferred orientation per unit")
	case pos == nil:
		note("signature (b), distance at matched tuning: the recording has no soma positions, and not every unit has an electrode")
	case len(task) < 2:
		note("signature (b), distance at matched tuning: it compares two recorded task blocks; the recording has %d", len(task))
	default:
		d, err := DistanceAtMatchedTuning(rec, pos, task[0], task[len(task)-1], DistanceOptions{Seed: opt.Seed})
		if err != nil {
			note("signature (b), distance at matched tuning: %v", err)
		} else {
			s.Distance = d
		}
	}
	return s, nil
}

// electrodePositions places each unit at its first electrode (z = 0); nil
// when a unit has none.
func electrodePositions(rec *recording.Recording) []float32 {
	n := rec.Units()
	if len(rec.Electrodes) == 0 {
		return nil
	}
	pos := make([]float32, 3*n)
	placed := make([]bool, n)
	for _, e := range rec.Electrodes {
		for _, u := range e.Units {
			if !placed[u] {
				placed[u] = true
				pos[3*u], pos[3*u+1] = float32(e.PosUm[0]), float32(e.PosUm[1])
			}
		}
	}
	for _, p := range placed {
		if !p {
			return nil
		}
	}
	return pos
}
