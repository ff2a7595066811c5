package viz

import (
	"fmt"
	"math"
	"slices"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// HUD is what the heads-up display says: where the run is, the network's
// numbers at the islet threshold, the draw threshold, and the task blocks'
// redundancy so far. Its numbers come from functions that need no window
// (NetworkOf, BlockRedundancyPct, Replay.HUD), so tests check them against
// the analysis.
type HUD struct {
	Source string // "live (GL backend)" or "replay DIR"

	// Where the run is; Trials 0 leaves the trial out (a replayed snapshot
	// says SessionLabel instead).
	Session       int
	SessionLabel  string // e.g. "after session 3" (replay)
	Trial, Trials int
	Block         int
	BlockName     string
	LastBlock     bool   // the block is the last one before a replayed snapshot
	Mode          string // task | passive
	Ablation      string // none | formation | lateral

	Net           NetworkCounts
	DrawThreshold float64 // links drawn where w > DrawThreshold

	// Redundancy is the task blocks' redundancy % at n = RedundancyN, in run
	// order; Pending counts the blocks still being estimated.
	Redundancy []RedundancyPoint
	Pending    int
	// RedundancySource says where the values come from (the run's info.csv,
	// or computed here).
	RedundancySource string

	// TaskADeg is orientation A (deg); B is A + 90.
	TaskADeg float64
	Paused   bool
}

// NetworkCounts are the numbers of one w state at an islet threshold, as
// network.csv gives them: mean w over the candidate contacts, links (w >=
// threshold) and islets (connected components of two or more spines joined by
// links, analysis.Islets).
type NetworkCounts struct {
	Threshold float64
	Edges     int
	MeanW     float64
	Links     int
	Islets    int
}

// NetworkOf counts the links and islets of w over the contacts (a[e], b[e])
// of a network of spines at threshold, with the analysis's own islet code.
func NetworkOf(spines int, a, b []int32, w []float32, threshold float64) NetworkCounts {
	nc := NetworkCounts{Threshold: threshold, Edges: len(w)}
	var sum float64
	for _, x := range w {
		sum += float64(x)
		if float64(x) >= threshold {
			nc.Links++
		}
	}
	if len(w) > 0 {
		nc.MeanW = sum / float64(len(w))
	}
	nc.Islets = len(analysis.Islets(spines, a, b, w, threshold))
	return nc
}

// RedundancyN is the subset size of the HUD's redundancy plot: Liu et al.'s
// monkey R.
const RedundancyN = 14

// RedundancyPoint is one task block's redundancy % at n = RedundancyN.
type RedundancyPoint struct {
	Session int
	Block   int
	Pct     float64 // NaN: no estimate (too few trials or neurons, I_shuffle <= 0)
}

// IsRedundancyBlock says whether a block goes into the HUD's redundancy plot:
// a recorded task block without ablation.
func IsRedundancyBlock(mode, ablation string, recorded bool) bool {
	return recorded && mode == "task" && (ablation == "" || ablation == "none")
}

// BlockRedundancyPct is the redundancy % at n = RedundancyN of one block's
// recorded trials (trials[i] is row trials[i].Row of r), as the analysis
// estimates it for info.csv with its default options: the same neurons (the
// analysis's sample above model.AnalysisNeurons), the same subsets (seed
// analysis.DefaultSeed, fisher.DefaultSubsets of them) and 100 (mean gap) /
// (mean I_shuffle), at the largest coherence of the block. It leaves out the
// analysis's bootstrap over trials, which info.csv needs only to blank a
// value whose I_shuffle interval reaches 0; here the value is NaN only when
// the mean I_shuffle is not positive or there is no estimate at n =
// RedundancyN (fewer than RedundancyN + 5 trials per condition or responding
// neurons).
func BlockRedundancyPct(r fisher.Responses, trials []rundir.TrialRecord) (float64, error) {
	if sample := analysis.FisherSample(r.Neurons); sample != nil {
		r = r.Select(sample)
	}
	rows, _, err := analysis.InfoRows(r, trials, analysis.InfoOptions{
		Subsets:      fisher.SubsetSpec{Size: RedundancyN, Count: fisher.DefaultSubsets, Seed: analysis.DefaultSeed},
		Sizes:        []int{},
		NoSaturation: true,
	})
	if err != nil {
		return math.NaN(), err
	}
	if len(rows) == 0 {
		return math.NaN(), nil
	}
	best := slices.MaxFunc(rows, func(x, y analysis.InfoRow) int {
		switch {
		case x.Coherence < y.Coherence:
			return -1
		case x.Coherence > y.Coherence:
			return 1
		}
		return 0
	})
	s := best.Size(RedundancyN)
	if s == nil || !(s.IShuffle.Est > 0) {
		return math.NaN(), nil
	}
	return 100 * s.Gap.Est / s.IShuffle.Est, nil
}

// Lines returns the HUD's text, one line per entry, without the plot.
func (h *HUD) Lines() []string {
	var l []string
	l = append(l, "iplgpu view · "+h.Source)
	where := fmt.Sprintf("session %d", h.Session)
	if h.SessionLabel != "" {
		where = h.SessionLabel
	}
	if h.Trials > 0 {
		where += fmt.Sprintf(" · trial %d/%d", h.Trial, h.Trials)
	}
	if h.Paused {
		where += " · PAUSED"
	}
	l = append(l, where)
	if h.BlockName != "" {
		b := fmt.Sprintf("block %d %q · mode %s", h.Block, h.BlockName, h.Mode)
		if h.LastBlock {
			b = "last " + b
		}
		if h.Ablation != "" && h.Ablation != "none" {
			b += " · ablation " + h.Ablation
		}
		l = append(l, b)
	}
	if h.Net.Edges > 0 {
		l = append(l, fmt.Sprintf("mean w %.3f over %d contacts", h.Net.MeanW, h.Net.Edges))
		l = append(l, fmt.Sprintf("links w ≥ %.2f: %d · islets: %d", h.Net.Threshold, h.Net.Links, h.Net.Islets))
	}
	l = append(l, fmt.Sprintf("drawn: links w > %.2f (+/-)", h.DrawThreshold))
	return l
}

// PlotTitle is the caption of the redundancy plot.
func (h *HUD) PlotTitle() string {
	t := fmt.Sprintf("task redundancy %% at n = %d", RedundancyN)
	if h.RedundancySource != "" {
		t += " (" + h.RedundancySource + ")"
	}
	if h.Pending > 0 {
		t += fmt.Sprintf(", %d computing", h.Pending)
	}
	return t
}
