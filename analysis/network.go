package analysis

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
)

// Islets returns the islets of a spine graph: the connected components of two
// or more spines, where spines a[e] and b[e] are joined when w[e] >= threshold.
// Each islet lists its spines in ascending order; islets come largest first,
// ties by their first spine.
func Islets(spines int, a, b []int32, w []float32, threshold float64) [][]int32 {
	if len(a) != len(b) || len(a) != len(w) {
		panic(fmt.Sprintf("experiment: Islets: %d, %d and %d contacts in a, b and w", len(a), len(b), len(w)))
	}
	parent := make([]int32, spines)
	for k := range parent {
		parent[k] = int32(k)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]] // path halving
			x = parent[x]
		}
		return x
	}
	for e := range a {
		if float64(w[e]) < threshold {
			continue
		}
		ra, rb := find(a[e]), find(b[e])
		if ra != rb {
			if ra < rb {
				parent[rb] = ra
			} else {
				parent[ra] = rb
			}
		}
	}
	// Component sizes first, so that only islets get a member list (most
	// spines are alone): one allocation per islet, not per spine.
	size := make([]int32, spines)
	for k := range parent {
		size[find(int32(k))]++
	}
	slot := make([]int32, spines) // root -> 1 + its islet's index in out
	var out [][]int32
	for k := range parent {
		r := find(int32(k))
		if size[r] < 2 {
			continue
		}
		if slot[r] == 0 {
			out = append(out, make([]int32, 0, size[r]))
			slot[r] = int32(len(out))
		}
		out[slot[r]-1] = append(out[slot[r]-1], int32(k))
	}
	slices.SortFunc(out, func(x, y []int32) int {
		if c := cmp.Compare(len(y), len(x)); c != 0 {
			return c
		}
		return cmp.Compare(x[0], y[0])
	})
	return out
}

// networkStats summarises each w snapshot of the run.
func networkStats(ctx context.Context, d *rundir.Run, threshold float64) ([]NetworkStats, error) {
	sessions := runSessions(d)
	cos2 := make([]float64, len(d.EdgeA))
	var candidate float64
	for e := range cos2 {
		ti, tj := d.Theta[d.Owner[d.EdgeA[e]]], d.Theta[d.Owner[d.EdgeB[e]]]
		cos2[e] = math.Cos(2 * float64(ti-tj))
		candidate += cos2[e]
	}
	candidate /= float64(len(cos2))
	var out []NetworkStats
	for k, w := range d.WSnapshots {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ns := NetworkStats{Snapshot: k, CandidateCos2: candidate}
		ns.Session, ns.Label = snapshotSession(d, sessions, k)
		fillNetwork(&ns, w, cos2, d, threshold)
		out = append(out, ns)
	}
	return out, nil
}

// runSessions lists the sessions of d's trials in run order: snapshot k of
// w_sessions.npy was taken after the k-th of them finished.
func runSessions(d *rundir.Run) []int {
	var sessions []int
	seen := map[int]bool{}
	for _, t := range d.Trials {
		if !seen[t.Session] {
			seen[t.Session] = true
			sessions = append(sessions, t.Session)
		}
	}
	return sessions
}

// SnapshotSession returns the session after which w snapshot k of d
// (d.WSnapshots[k]) was taken, -1 when unknown, and its label, as network.csv
// gives them.
func SnapshotSession(d *rundir.Run, k int) (session int, label string) {
	return snapshotSession(d, runSessions(d), k)
}

func snapshotSession(d *rundir.Run, sessions []int, k int) (int, string) {
	switch {
	case d.WFinalOnly:
		if len(sessions) > 0 {
			return sessions[len(sessions)-1], "final"
		}
		return -1, "final"
	case k < len(sessions):
		return sessions[k], model.SessionShort(sessions[k], d.Config.Protocol.Sessions)
	default:
		return -1, "snapshot " + strconv.Itoa(k)
	}
}

func fillNetwork(ns *NetworkStats, w []float32, cos2 []float64, d *rundir.Run, threshold float64) {
	ns.WHist = make([]int, WHistBins)
	var sw, swc, sl float64
	var linked int
	for e, x := range w {
		v := float64(x)
		sw += v
		swc += v * cos2[e]
		if v >= threshold {
			linked++
			sl += cos2[e]
		}
		ns.WHist[min(max(int(v*WHistBins), 0), WHistBins-1)]++
	}
	n := float64(len(w))
	ns.MeanW = sw / n
	ns.LinkedFrac = float64(linked) / n
	ns.LinkCos2Weighted, ns.LinkCos2Linked = math.NaN(), math.NaN()
	if sw > 0 {
		ns.LinkCos2Weighted = swc / sw
	}
	if linked > 0 {
		ns.LinkCos2Linked = sl / float64(linked)
	}
	islets := Islets(len(d.Owner), d.EdgeA, d.EdgeB, w, threshold)
	ns.Islets = len(islets)
	ns.IsletMeanSpines, ns.IsletMeanNeurons = math.NaN(), math.NaN()
	sizes := map[int]int{}
	var spines, neurons int
	for _, is := range islets {
		sizes[len(is)]++
		spines += len(is)
		owners := map[int32]bool{}
		for _, s := range is {
			owners[d.Owner[s]] = true
		}
		neurons += len(owners)
		ns.IsletMaxSpines = max(ns.IsletMaxSpines, len(is))
	}
	if len(islets) > 0 {
		ns.IsletMeanSpines = float64(spines) / float64(len(islets))
		ns.IsletMeanNeurons = float64(neurons) / float64(len(islets))
	}
	ns.SpinesInIsletsFrac = float64(spines) / float64(len(d.Owner))
	for s, c := range sizes {
		ns.IsletSizes = append(ns.IsletSizes, SizeCount{s, c})
	}
	slices.SortFunc(ns.IsletSizes, func(a, b SizeCount) int { return cmp.Compare(a.Size, b.Size) })
}

// SnapshotLabel names a w snapshot in a legend: its label ("final",
// "snapshot k") or the session it follows (model.SessionLabel).
func (sum *Summary) SnapshotLabel(n NetworkStats) string {
	if n.Session < 0 || n.Label == "final" {
		return n.Label
	}
	return model.SessionLabel(n.Session, sum.Sessions)
}
