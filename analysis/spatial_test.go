package analysis

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Distance bins of a hand-made layout: somata on a line.
func TestDistanceBins(t *testing.T) {
	// Somata at x = 0, 10, 20, 30, 140 um: pair distances 10 (3 pairs), 20
	// (2), 30 (1), 110, 120, 130, 140.
	xs := []float32{0, 10, 20, 30, 140}
	pos := make([]float32, 3*len(xs))
	for i, x := range xs {
		pos[3*i] = x
		pos[3*i+2] = 7 // same depth
	}
	a, b, all := samplePairs(len(xs), 100, 1)
	if !all || len(a) != 10 {
		t.Fatalf("%d pairs (all %v), want all 10", len(a), all)
	}
	dist := make([]float64, len(a))
	for p := range a {
		dist[p] = somaDistance(pos, a[p], b[p])
	}
	want := []float64{10, 20, 30, 140, 10, 20, 130, 10, 120, 110}
	if fmt.Sprint(dist) != fmt.Sprint(want) {
		t.Fatalf("distances %v, want %v", dist, want)
	}
	for _, tc := range []struct {
		width    float64
		minPairs int
		edges    string
		bins     string
	}{
		// 25 um bins: [0, 25) holds 5, [25, 50) 1, nothing up to 100, [100,
		// 125) 2, [125, 150) 2.
		// [50, 100) is empty and joins the next bin.
		{25, 1, "[[0 25] [25 50] [50 125] [125 150]]", "[0 0 1 3 0 0 3 0 2 2]"},
		// At least 3: [0, 25) (5), then 25..125 (3), and the remainder [125,
		// 150) (2) joins it.
		{25, 3, "[[0 25] [25 150]]", "[0 0 1 1 0 0 1 0 1 1]"},
		{50, 6, "[[0 150]]", "[0 0 0 0 0 0 0 0 0 0]"},
		{50, 11, "[]", "[-1 -1 -1 -1 -1 -1 -1 -1 -1 -1]"},
	} {
		edges, bins := distanceBins(dist, tc.width, tc.minPairs)
		if fmt.Sprint(edges) != tc.edges || fmt.Sprint(bins) != tc.bins {
			t.Errorf("width %g, min %d: edges %v, bins %v; want %s, %s", tc.width, tc.minPairs, edges, bins, tc.edges, tc.bins)
		}
	}

	// Electrode distances of a 3 x 3 grid, 400 um pitch.
	var ed []float64
	for _, d := range [][2]float64{{1, 0}, {1, 1}, {2, 0}, {2, 1}, {2, 2}} {
		ed = append(ed, 400*math.Hypot(d[0], d[1]))
	}
	edges, bins := pitchBins(ed, 400)
	if fmt.Sprint(edges) != "[[400 800] [800 1200]]" || fmt.Sprint(bins) != "[0 0 1 1 1]" {
		t.Errorf("electrode bins %v, %v", edges, bins)
	}
}

func TestSamplePairs(t *testing.T) {
	a, b, all := samplePairs(2000, 5000, 3)
	if all || len(a) != 5000 {
		t.Fatalf("%d pairs, all %v; want a sample of 5000", len(a), all)
	}
	seen := map[[2]int32]bool{}
	for p := range a {
		if !(a[p] < b[p]) || a[p] < 0 || b[p] >= 2000 || seen[[2]int32{a[p], b[p]}] {
			t.Fatalf("pair %d: (%d, %d) invalid or repeated", p, a[p], b[p])
		}
		seen[[2]int32{a[p], b[p]}] = true
		if p > 0 && (a[p] < a[p-1] || a[p] == a[p-1] && b[p] <= b[p-1]) {
			t.Fatalf("pairs not sorted at %d", p)
		}
	}
	a2, b2, _ := samplePairs(2000, 5000, 3)
	a3, _, _ := samplePairs(2000, 5000, 4)
	if !slices.Equal(a, a2) || !slices.Equal(b, b2) || slices.Equal(a, a3) {
		t.Error("the sample is not a function of the seed")
	}
	// Linked pairs: spines 0..7 of neurons spine/2.
	owner := []int32{0, 0, 1, 1, 2, 2, 3, 3}
	ea := []int32{0, 1, 2, 6, 5}
	eb := []int32{2, 3, 7, 4, 7}
	w := []float32{0.9, 0.5, 0.2, 1, 0.7}
	got := linkedPairs(owner, ea, eb, w, 0.5)
	if fmt.Sprint(got) != fmt.Sprint([]uint64{0<<32 | 1, 2<<32 | 3}) {
		t.Errorf("linked pairs %v; want (0, 1) once and (2, 3)", got)
	}
}

// Electrode positions and the neurons each records, by hand.
func TestVirtualArray(t *testing.T) {
	// A 1000 um slab: the centred 10 x 10 grid (400 um) has x = 500 + (c -
	// 4.5) 400, so only c = 4, 5 (x = 300, 700) lie in [0, 1000].
	x := []float32{300, 390, 300, 401, 500, 700, 300, 629.3}
	y := []float32{300, 300, 400, 300, 500, 760, 700, 770.7}
	el := VirtualArray(1000, 1000, x, y, ArrayLayout{PitchUm: 400, Size: 10, RadiusUm: 100})
	want := []Electrode{
		{Row: 4, Col: 4, XUm: 300, YUm: 300, Neurons: []int{0, 1, 2}}, // 2 at exactly 100 um: in
		{Row: 4, Col: 5, XUm: 700, YUm: 300},
		{Row: 5, Col: 4, XUm: 300, YUm: 700, Neurons: []int{6}},
		{Row: 5, Col: 5, XUm: 700, YUm: 700, Neurons: []int{5, 7}}, // 7 at 99.99 um
	}
	if fmt.Sprint(el) != fmt.Sprint(want) {
		t.Errorf("array\n%v\nwant\n%v", el, want)
	}
	// An odd grid has an electrode at the centre; a small slab has none.
	el = VirtualArray(1000, 600, x, y, ArrayLayout{PitchUm: 400, Size: 3, RadiusUm: 150})
	if len(el) != 3 || el[1].XUm != 500 || el[1].YUm != 300 || el[0].XUm != 100 || fmt.Sprint(el[1].Neurons) != "[1 3]" {
		t.Errorf("3 x 3 grid on a 1000 x 600 slab: %v", el)
	}
	if el := VirtualArray(300, 300, x, y, ArrayLayout{PitchUm: 400, Size: 10, RadiusUm: 100}); len(el) != 0 {
		t.Errorf("a 300 um slab holds %d electrodes", len(el))
	}
	// Multi-units sum their neurons' counts.
	counts := mat.NewDense(2, 8, []float64{1, 2, 3, 4, 5, 6, 7, 8, 10, 20, 30, 40, 50, 60, 70, 80})
	mu := multiUnits(counts, want)
	if !mat.Equal(mu, mat.NewDense(2, 4, []float64{6, 0, 7, 14, 60, 0, 70, 140})) {
		t.Errorf("multi-units %v", mat.Formatted(mu))
	}
}
