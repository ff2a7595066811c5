package analysis

import (
	"fmt"
	"math"
	"testing"

	"github.com/iplgpu/iplgpu/rundir"
)

func TestIslets(t *testing.T) {
	// Spines 0..9, owner = spine/2. Links at w >= 0.5: 0-1-2 (a chain) and the
	// triangle 5-6-7; 3-4 (0.49) and 8-9 (0.1) are below the threshold.
	a := []int32{0, 1, 3, 5, 6, 7, 8}
	b := []int32{1, 2, 4, 6, 7, 5, 9}
	w := []float32{0.6, 0.5, 0.49, 0.9, 0.9, 0.9, 0.1}
	got := Islets(10, a, b, w, 0.5)
	if fmt.Sprint(got) != "[[0 1 2] [5 6 7]]" {
		t.Fatalf("islets %v, want [[0 1 2] [5 6 7]]", got)
	}
	if got := Islets(10, a, b, w, 0.45); fmt.Sprint(got) != "[[0 1 2] [5 6 7] [3 4]]" {
		t.Errorf("threshold 0.45: %v", got)
	}
	if got := Islets(10, a, b, w, 0.95); len(got) != 0 {
		t.Errorf("threshold 0.95: %v, want none", got)
	}

	d := &rundir.Run{Owner: []int32{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}, EdgeA: a, EdgeB: b}
	cos2 := make([]float64, len(a))
	for e := range cos2 {
		cos2[e] = 1 // all same tuning
	}
	cos2[0] = -1
	var ns NetworkStats
	fillNetwork(&ns, w, cos2, d, 0.5)
	if ns.Islets != 2 || ns.IsletMeanSpines != 3 || ns.IsletMaxSpines != 3 || ns.IsletMeanNeurons != 2 || ns.SpinesInIsletsFrac != 0.6 {
		t.Errorf("islet stats %+v; want 2 islets of 3 spines and 2 neurons, 60%% of spines", ns)
	}
	if ns.LinkedFrac != 5.0/7 || fmt.Sprint(ns.IsletSizes) != "[{3 2}]" {
		t.Errorf("linked fraction %v (want 5/7), sizes %v", ns.LinkedFrac, ns.IsletSizes)
	}
	sw := 0.6 + 0.5 + 0.49 + 2.7 + 0.1
	if want := (-0.6 + 0.5 + 0.49 + 2.7 + 0.1) / sw; math.Abs(ns.LinkCos2Weighted-want) > 1e-6 {
		t.Errorf("w-weighted cos 2 dtheta %v, want %v", ns.LinkCos2Weighted, want)
	}
	if want := (-1 + 1 + 3.0) / 5; math.Abs(ns.LinkCos2Linked-want) > 1e-12 {
		t.Errorf("linked cos 2 dtheta %v, want %v", ns.LinkCos2Linked, want)
	}
	var total int
	for _, c := range ns.WHist {
		total += c
	}
	// Bins of width 0.05: 0.5 in [0.5, 0.55), 0.6 in [0.6, 0.65), float32 0.9
	// just below 0.9.
	if total != 7 || ns.WHist[10] != 1 || ns.WHist[12] != 1 || ns.WHist[17] != 3 {
		t.Errorf("w histogram %v", ns.WHist)
	}
}
