package analysis

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/engine/fisher"
	"github.com/iplgpu/iplgpu/engine/fisher/fishertest"
	"github.com/iplgpu/iplgpu/rundir"
)

// TestInfoRows builds a run with two groups analysed, one level without -c
// trials, one group with too few trials and a silent neuron, and checks each row
// against the direct computation, and the notes.
func TestInfoRows(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 31))
	var trials []rundir.TrialRecord
	var coh []float64
	add := func(session, block int, name, mode string, c float64, n int) {
		for range n {
			rec := r.Float64() < 0.9
			tr := rundir.TrialRecord{Trial: len(trials), Session: session, Block: block, BlockName: name, Mode: mode, Coherence: c, Recorded: rec, Row: -1}
			if rec {
				tr.Row = len(coh)
				coh = append(coh, c)
			}
			trials = append(trials, tr)
		}
	}
	// Interleave signs within each group.
	for range 2 {
		add(1, 0, "measure", "task", 0.3, 20)
		add(1, 0, "measure", "task", -0.3, 20)
		add(1, 0, "measure", "task", 0, 5)
		add(1, 0, "measure", "task", 0.1, 5)
	}
	add(1, 1, "measure", "passive", 0.3, 40)
	add(1, 1, "measure", "passive", -0.3, 40)
	add(2, 0, "measure", "task", 0.3, 5)
	add(2, 0, "measure", "task", -0.3, 5)
	const bins, neurons, silent = 4, 10, 7
	resp, _ := fishertest.Responses(r, coh, bins, neurons, silent)
	opt := InfoOptions{Subsets: fisher.SubsetSpec{Size: 5, Count: 30, Seed: 9}}
	rows, notes, err := InfoRows(resp, trials, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2: %+v (notes %q)", len(rows), rows, notes)
	}
	for _, row := range rows {
		var plus, minus []int
		for _, tr := range trials {
			if tr.Recorded && tr.Session == row.Session && tr.Block == row.Block && tr.Mode == row.Mode {
				switch tr.Coherence {
				case 0.3:
					plus = append(plus, tr.Row)
				case -0.3:
					minus = append(minus, tr.Row)
				}
			}
		}
		s, err := fisher.NewStats(resp.Sum(nil, plus, fisher.BinRange{Start: 0, End: bins}), resp.Sum(nil, minus, fisher.BinRange{Start: 0, End: bins}), nil, 0.6, true)
		if err != nil {
			t.Fatal(err)
		}
		pool := s.Active()
		if len(pool) != neurons-1 || slices.Contains(pool, silent) {
			t.Fatalf("pool %v should leave out neuron %d only", pool, silent)
		}
		sub, err := s.Subsets(opt.Subsets, pool)
		if err != nil {
			t.Fatal(err)
		}
		if row.Coherence != 0.3 || row.Neurons != neurons-1 || row.TPlus != len(plus) || row.TMinus != len(minus) ||
			row.Subsets.Real != sub.Real || row.Subsets.RedundancyPct != sub.RedundancyPct || row.NoiseCorr != s.NoiseCorrelation(pool) {
			t.Errorf("row %+v\ndirect %+v", row, sub)
		}
	}
	for _, want := range []string{"coherence 0.1: skipped: 10 trials at +c and 0 at -c", "session 2 block 0 (measure, task) coherence 0.3: skipped: T = "} {
		if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}

	// Defaults: subsets of 20 clipped to the 9 usable neurons, with a note.
	rows, notes, err = InfoRows(resp, trials, InfoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Subsets.Size != 9 || rows[0].Subsets.Count != 1 || !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "clipped from 20 to 9") }) {
		t.Errorf("size %d count %d notes %q", rows[0].Subsets.Size, rows[0].Subsets.Count, notes)
	}

	bad := slices.Clone(trials)
	bad[0].Row = resp.Trials
	if _, _, err := InfoRows(resp, bad, opt); !errors.Is(err, fisher.ErrBadData) {
		t.Errorf("row out of range: %v", err)
	}
	if _, _, err := InfoRows(resp, trials, InfoOptions{Window: fisher.BinRange{Start: 2, End: 9}}); !errors.Is(err, fisher.ErrBadData) {
		t.Errorf("window past the bins: %v", err)
	}
}
