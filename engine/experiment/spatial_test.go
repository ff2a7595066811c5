package experiment

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/fisher"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/engine/rng"
)

// syntheticCounts returns t x n Poisson-like counts with a shared fluctuation
// (correlated units), mean rising with the unit index, shifted by shift.
func syntheticCounts(t, n int, shift float64, seed uint64, step uint64) *mat.Dense {
	st := rng.New(seed)
	m := mat.NewDense(t, n, nil)
	for k := range t {
		shared := rng.NormalF64(st.Block(rng.Synthetic, step, uint32(k*(n+1))))
		for u := range n {
			w := st.Block(rng.Synthetic, step, uint32(k*(n+1)+u+1))
			v := 5 + float64(u) + shift*float64(u%3) + 1.5*shared + 2*rng.NormalF64(w)
			m.Set(k, u, math.Max(0, math.Round(v)))
		}
	}
	return m
}

// The 2 x 2 closed form gives fisher's estimate on the same two neurons.
func TestPairStatsMatchesFisher(t *testing.T) {
	const n = 6
	for _, tc := range []struct{ tp, tm int }{{40, 40}, {40, 33}, {9, 12}} {
		plus := syntheticCounts(tc.tp, n, 1.2, 7, 1)
		minus := syntheticCounts(tc.tm, n, 0, 7, 2)
		// Unit 4 is silent (the same count on every trial), unit 5 nearly so.
		for k := range tc.tp {
			plus.Set(k, 4, 3)
			plus.Set(k, 5, 3)
		}
		for k := range tc.tm {
			minus.Set(k, 4, 3)
			minus.Set(k, 5, 2)
		}
		plus.Set(0, 5, 4)
		before := mat.DenseCopyOf(plus)
		const ds = 0.6
		ps := newPairStats(plus, minus, ds)
		if !mat.Equal(before, plus) {
			t.Fatal("newPairStats modified its input")
		}
		st, err := fisher.NewStats(plus, minus, nil, ds, true)
		if err != nil {
			t.Fatal(err)
		}
		for u := range n {
			for v := u + 1; v < n; v++ {
				re, sh, ok := ps.pair(u, v)
				e, ferr := st.EstimateSubset([]int{u, v})
				if (ferr == nil) != ok {
					t.Fatalf("T %d/%d pair (%d, %d): ok %v, fisher error %v", tc.tp, tc.tm, u, v, ok, ferr)
				}
				if !ok {
					if u != 4 && v != 4 {
						t.Errorf("pair (%d, %d) rejected", u, v)
					}
					continue
				}
				if !closeTo(re, e.Real, 1e-9) || !closeTo(sh, e.Shuffle, 1e-9) {
					t.Errorf("T %d/%d pair (%d, %d): I_real %v, I_shuffle %v; fisher %v, %v", tc.tp, tc.tm, u, v, re, sh, e.Real, e.Shuffle)
				}
				// Swapped units give the same numbers.
				if re2, sh2, _ := ps.pair(v, u); !closeTo(re2, re, 1e-12) || !closeTo(sh2, sh, 1e-12) {
					t.Errorf("pair (%d, %d) not symmetric", u, v)
				}
			}
		}
		if !ps.silent[4] || ps.silent[5] {
			t.Errorf("silent units %v; want unit 4 only", ps.silent)
		}
	}
	// Perfectly correlated units are rejected like fisher's singular covariance.
	plus := syntheticCounts(30, 2, 1, 3, 1)
	minus := syntheticCounts(30, 2, 0, 3, 2)
	for _, m := range []*mat.Dense{plus, minus} {
		r, _ := m.Dims()
		for k := range r {
			m.Set(k, 1, 2*m.At(k, 0)+1)
		}
	}
	if _, _, ok := newPairStats(plus, minus, 0.6).pair(0, 1); ok {
		t.Error("a unit and an affine copy of it gave an estimate")
	}
}

func closeTo(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

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
	el := VirtualArray(1000, 1000, x, y, 400, 10, 100)
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
	el = VirtualArray(1000, 600, x, y, 400, 3, 150)
	if len(el) != 3 || el[1].XUm != 500 || el[1].YUm != 300 || el[0].XUm != 100 || fmt.Sprint(el[1].Neurons) != "[1 3]" {
		t.Errorf("3 x 3 grid on a 1000 x 600 slab: %v", el)
	}
	if el := VirtualArray(300, 300, x, y, 400, 10, 100); len(el) != 0 {
		t.Errorf("a 300 um slab holds %d electrodes", len(el))
	}
	// Multi-units sum their neurons' counts.
	counts := mat.NewDense(2, 8, []float64{1, 2, 3, 4, 5, 6, 7, 8, 10, 20, 30, 40, 50, 60, 70, 80})
	mu := multiUnits(counts, want)
	if !mat.Equal(mu, mat.NewDense(2, 4, []float64{6, 0, 7, 14, 60, 0, 70, 140})) {
		t.Errorf("multi-units %v", mat.Formatted(mu))
	}
}

// The whole spatial analysis on the tiny run: the slab is too small for the
// array at 400 um pitch but not at 40 um.
func TestSpatialTinyRun(t *testing.T) {
	dir := tinyRun(t)
	opt := quick
	opt.NoFigures = false
	sum, err := Analyse(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	sp := sum.Spatial
	if sp == nil {
		t.Fatalf("no spatial analysis; notes %v", sum.Notes)
	}
	if !sp.AllPairs || sp.NeuronPairs != 40*39/2 || sp.LinkedPairs+sp.UnlinkedPairs < sp.NeuronPairs || sp.Electrodes != nil {
		t.Errorf("pairs: all %v, %d neurons, %d linked, %d unlinked, %d electrodes", sp.AllPairs, sp.NeuronPairs, sp.LinkedPairs, sp.UnlinkedPairs, len(sp.Electrodes))
	}
	if !strings.Contains(sp.ArrayNote, "< 2 pitches: no virtual array") || !strings.Contains(strings.Join(sum.Notes, "\n"), "no virtual array") {
		t.Errorf("array note %q", sp.ArrayNote)
	}
	// Control task and passive blocks: 3 each; early and late task blocks.
	if len(sp.Blocks) != 6 || sp.Early != sum.Blocks[1].Index || sp.Late != sum.Blocks[5].Index {
		t.Errorf("%d blocks, early %d, late %d", len(sp.Blocks), sp.Early, sp.Late)
	}
	total := 0
	for _, b := range sp.Blocks[0].Of(KindNeurons) {
		total += b.Pairs
		if !finite(b.Redundancy) || !finite(b.RedundancySE) || b.MeanDistUm < b.LoUm || b.MeanDistUm >= b.HiUm {
			t.Errorf("bin %+v", b)
		}
	}
	if total == 0 || total > sp.NeuronPairs {
		t.Errorf("%d pairs in the bins of %d", total, sp.NeuronPairs)
	}
	inc := sp.IncreaseOf(KindNeurons)
	if len(inc) == 0 || sp.PooledOf(KindNeurons) == nil || sp.Near.Pairs == 0 {
		t.Fatalf("no increase: %+v", sp.Increase)
	}
	// The paired increase of a bin is the difference of the two blocks' means
	// when every pair is valid in both.
	e, l := sp.BlockOf(sp.Early).Of(KindNeurons), sp.BlockOf(sp.Late).Of(KindNeurons)
	for k, b := range inc {
		if e[k].Pairs == b.Pairs && l[k].Pairs == b.Pairs && !closeTo(b.Redundancy, l[k].Redundancy-e[k].Redundancy, 1e-9) {
			t.Errorf("bin %d: increase %v, late - early %v", k, b.Redundancy, l[k].Redundancy-e[k].Redundancy)
		}
	}

	// Pooling the bins gives the pooled increase (every valid pair is in a bin).
	if pb, pp := poolBins(inc), sp.PooledOf(KindNeurons); pb.Pairs != pp.Pairs || !closeTo(pb.Redundancy, pp.Redundancy, 1e-9) ||
		!closeTo(pb.RedundancySE, pp.RedundancySE, 1e-9) || !closeTo(pb.IReal, pp.IReal, 1e-9) || !closeTo(pb.MeanDistUm, pp.MeanDistUm, 1e-9) {
		t.Errorf("pooled bins %+v, pooled pairs %+v", pb, *pp)
	}

	recs := readCSV(t, filepath.Join(dir, "spatial.csv"))
	if strings.Join(recs[0], ",") != strings.Join(SpatialColumns, ",") {
		t.Errorf("spatial.csv header %v", recs[0])
	}
	measures := map[string]int{}
	for _, r := range recs[1:] {
		measures[r[0]+"/"+r[6]]++
	}
	if measures["block/neurons"] == 0 || measures["increase/neurons"] != len(inc) || measures["increase_pooled/neurons"] != 1 || measures["block/electrodes"] != 0 {
		t.Errorf("spatial.csv rows by measure and kind: %v", measures)
	}
	for _, f := range []string{"fig8_spatial.png", "fig8_spatial.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() < 10_000 {
			t.Errorf("%s: %v", f, err)
		}
	}
	checkSVG(t, filepath.Join(dir, "fig8_spatial.svg"))
	rep, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	for _, want := range []string{"## Spatial scale", "![fig8_spatial](fig8_spatial.png)", "learning-induced redundancy increase between neuron pairs",
		num(sp.Near.Redundancy), "no virtual array", "`spatial.csv`"} {
		if !strings.Contains(string(rep), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}

	// With a 40 um pitch the 129 um slab holds a 4 x 4 array of 20 um discs.
	opt.ArrayPitchUm, opt.RecordingRadiusUm = 40, 20
	sum, err = Analyse(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	sp = sum.Spatial
	if len(sp.Electrodes) < 4 || sp.ArrayNote != "" || len(sp.IncreaseOf(KindElectrodes)) == 0 {
		t.Fatalf("%d electrodes, note %q, increase %+v", len(sp.Electrodes), sp.ArrayNote, sp.IncreaseOf(KindElectrodes))
	}
	for _, b := range sp.IncreaseOf(KindElectrodes) {
		if b.LoUm < 40 || math.Mod(b.LoUm, 40) != 0 || b.HiUm != b.LoUm+40 {
			t.Errorf("electrode bin %+v", b)
		}
	}
	recs = readCSV(t, filepath.Join(dir, "spatial.csv"))
	n := 0
	for _, r := range recs[1:] {
		if r[0] == "increase" && r[6] == KindElectrodes {
			n++
		}
	}
	if n != len(sp.IncreaseOf(KindElectrodes)) {
		t.Errorf("%d electrode increase rows in spatial.csv, want %d", n, len(sp.IncreaseOf(KindElectrodes)))
	}
	rep, _ = os.ReadFile(filepath.Join(dir, "report.md"))
	if !strings.Contains(string(rep), "On the virtual Utah array") {
		t.Error("report.md says nothing of the array")
	}

	// Without soma positions the rest of the analysis runs.
	os.Remove(filepath.Join(dir, "soma_pos.npy"))
	opt.NoFigures = true
	if sum, err = Analyse(dir, opt); err != nil {
		t.Fatalf("without soma_pos.npy: %v", err)
	}
	if sum.Spatial != nil || !strings.Contains(strings.Join(sum.Notes, "\n"), "soma_pos.npy is missing") {
		t.Errorf("without soma_pos.npy: notes %v", sum.Notes)
	}
}

// A small learning run (about 20 s): the learning-induced redundancy increase of pairs
// sharing a link exceeds that of pairs without one, also at matched
// distances (the direct signature of IPLs).
func TestSpatialLinkedPairsGainMore(t *testing.T) {
	cfg, err := model.LoadConfig("", "", []string{
		"network.neurons=100", "protocol.sessions=2", "protocol.before=[]", "protocol.after=[]", "output.w_snapshots=false",
		"protocol.session=[{name: train, mode: task, trials: 200, coherences: [0.3], learning: true, record: false}, {name: task, mode: task, trials: 80, coherences: [0.3], learning: false, record: true}]",
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := engine.Simulate(context.Background(), cfg, cpu.New(0), engine.RunOptions{Out: dir}); err != nil {
		t.Fatal(err)
	}
	sum, err := Analyse(dir, Options{Subsets: 20, TimeSubsets: 5, NoFigures: true})
	if err != nil {
		t.Fatal(err)
	}
	sp := sum.Spatial
	lk, ul, m := sp.PooledOf(KindLinked), sp.PooledOf(KindUnlinked), sp.UnlinkedMatched
	if lk == nil || ul == nil || m.Pairs == 0 {
		t.Fatalf("linked %+v, unlinked %+v, matched %+v", lk, ul, m)
	}
	t.Logf("increase: linked %.3f ± %.3f (%d), unlinked %.3f ± %.3f (%d), unlinked at linked distances %.3f ± %.3f",
		lk.Redundancy, lk.RedundancySE, lk.Pairs, ul.Redundancy, ul.RedundancySE, ul.Pairs, m.Redundancy, m.RedundancySE)
	if !(lk.Redundancy > ul.Redundancy+2*math.Hypot(lk.RedundancySE, ul.RedundancySE)) {
		t.Errorf("linked pairs gained %.3f ± %.3f, not clearly more than unlinked %.3f ± %.3f", lk.Redundancy, lk.RedundancySE, ul.Redundancy, ul.RedundancySE)
	}
	if !(lk.Redundancy > m.Redundancy) {
		t.Errorf("linked pairs gained %.3f, unlinked at the same distances %.3f", lk.Redundancy, m.Redundancy)
	}
}

func TestSpatialOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		opt  Options
		want string
	}{
		{Options{ArrayPitchUm: -400}, "electrode pitch -400 um"},
		{Options{SpatialBinUm: math.NaN()}, "spatial bins of NaN um"},
		{Options{SpatialMaxPairs: -1}, "at most -1 pairs"},
	} {
		if _, err := Analyse(t.TempDir(), tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v; want an error with %q", tc.opt, err, tc.want)
		}
	}
}
