package analysis

import (
	"testing"

	"github.com/iplgpu/iplgpu/fisher"
)

// TestFrozenGroupCorrelations: on the frozen-noise data of
// TestFrozenTaskCorrelations, the estimate from the block's counts and its
// sequences equals FrozenTaskCorrelations' exactly (the design resamples
// through it).
func TestFrozenGroupCorrelations(t *testing.T) {
	r, trials, theta, frames := frozenData(t, 3, 40, 0.25, 1, 9)
	fc, _, err := FrozenTaskCorrelations(frozenRec(r, trials, theta, frames), 45, TaskCorrOptions{})
	if err != nil || len(fc) != 1 {
		t.Fatalf("%d blocks, %v", len(fc), err)
	}
	rows := make([]int, len(trials))
	var seqs [][]int
	for k := range trials {
		rows[k] = trials[k].Row
		if k%40 == 0 {
			seqs = append(seqs, nil)
		}
		seqs[len(seqs)-1] = append(seqs[len(seqs)-1], k)
	}
	counts := r.Sum(nil, rows, fisher.BinRange{Start: 0, End: r.Bins})
	wa, wb, ab := FrozenGroupCorrelations(counts, seqs, theta, 45)
	g := fc[0].Groups
	if wa != g.WithinA.Est || wb != g.WithinB.Est || ab != g.AvsB.Est {
		t.Errorf("FrozenGroupCorrelations %v %v %v; FrozenTaskCorrelations %v %v %v", wa, wb, ab, g.WithinA.Est, g.WithinB.Est, g.AvsB.Est)
	}
}
