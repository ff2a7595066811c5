package report

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/simrun"
)

// The whole spatial analysis on the tiny run: the slab is too small for the
// array at 400 um pitch but not at 40 um.
func TestSpatialTinyRun(t *testing.T) {
	dir := tinyRun(t)
	opt := quick
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
	for _, b := range sp.Blocks[0].Of(analysis.KindNeurons) {
		total += b.Pairs
		if !finite(b.Redundancy) || !finite(b.RedundancySE) || b.MeanDistUm < b.LoUm || b.MeanDistUm >= b.HiUm {
			t.Errorf("bin %+v", b)
		}
	}
	if total == 0 || total > sp.NeuronPairs {
		t.Errorf("%d pairs in the bins of %d", total, sp.NeuronPairs)
	}
	inc := sp.IncreaseOf(analysis.KindNeurons)
	if len(inc) == 0 || sp.PooledOf(analysis.KindNeurons) == nil || sp.Near.Pairs == 0 {
		t.Fatalf("no increase: %+v", sp.Increase)
	}
	// The paired increase of a bin is the difference of the two blocks' means
	// when every pair is valid in both.
	e, l := sp.BlockOf(sp.Early).Of(analysis.KindNeurons), sp.BlockOf(sp.Late).Of(analysis.KindNeurons)
	for k, b := range inc {
		if e[k].Pairs == b.Pairs && l[k].Pairs == b.Pairs && !closeTo(b.Redundancy, l[k].Redundancy-e[k].Redundancy, 1e-9) {
			t.Errorf("bin %d: increase %v, late - early %v", k, b.Redundancy, l[k].Redundancy-e[k].Redundancy)
		}
	}

	// Pooling the bins gives the pooled increase (every valid pair is in a bin).
	if pb, pp := analysis.PoolBins(inc), sp.PooledOf(analysis.KindNeurons); pb.Pairs != pp.Pairs || !closeTo(pb.Redundancy, pp.Redundancy, 1e-9) ||
		!closeTo(pb.RedundancySE, pp.RedundancySE, 1e-9) || !closeTo(pb.IReal, pp.IReal, 1e-9) || !closeTo(pb.MeanDistUm, pp.MeanDistUm, 1e-9) {
		t.Errorf("pooled bins %+v, pooled pairs %+v", pb, *pp)
	}

	recs := readCSV(t, filepath.Join(dir, "spatial.csv"))
	if strings.Join(recs[0], ",") != strings.Join(rundir.SpatialColumns, ",") {
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
	if len(sp.Electrodes) < 4 || sp.ArrayNote != "" || len(sp.IncreaseOf(analysis.KindElectrodes)) == 0 {
		t.Fatalf("%d electrodes, note %q, increase %+v", len(sp.Electrodes), sp.ArrayNote, sp.IncreaseOf(analysis.KindElectrodes))
	}
	for _, b := range sp.IncreaseOf(analysis.KindElectrodes) {
		if b.LoUm < 40 || math.Mod(b.LoUm, 40) != 0 || b.HiUm != b.LoUm+40 {
			t.Errorf("electrode bin %+v", b)
		}
	}
	recs = readCSV(t, filepath.Join(dir, "spatial.csv"))
	n := 0
	for _, r := range recs[1:] {
		if r[0] == "increase" && r[6] == analysis.KindElectrodes {
			n++
		}
	}
	if n != len(sp.IncreaseOf(analysis.KindElectrodes)) {
		t.Errorf("%d electrode increase rows in spatial.csv, want %d", n, len(sp.IncreaseOf(analysis.KindElectrodes)))
	}
	rep, _ = os.ReadFile(filepath.Join(dir, "report.md"))
	if !strings.Contains(string(rep), "On the virtual Utah array") {
		t.Error("report.md says nothing of the array")
	}

	// Without soma positions the rest of the analysis runs.
	os.Remove(filepath.Join(dir, "soma_pos.npy"))
	os.Remove(filepath.Join(dir, rundir.ManifestFile)) // as a recording without soma positions

	if sum, err = analyseWith(dir, opt, WriteOptions{NoFigures: true}); err != nil {
		t.Fatalf("without soma_pos.npy: %v", err)
	}
	if sum.Spatial != nil || !strings.Contains(strings.Join(sum.Notes, "\n"), "soma_pos.npy is missing") {
		t.Errorf("without soma_pos.npy: notes %v", sum.Notes)
	}
}

// A small learning run (about 20 s): the learning-induced redundancy increase of pairs
// sharing a link exceeds that of pairs without one, also at matched
// distances (the direct signature of IPLs). Learning is sped up tenfold
// (eta_w and lambda_w, the same w_inf) so that two short sessions form links.
func TestSpatialLinkedPairsGainMore(t *testing.T) {
	cfg, err := model.LoadConfig("", "", []string{
		"network.neurons=100", "dynamics.eta_w=3.5e-4", "dynamics.lambda_w_per_s=1.7e-3", "protocol.sessions=2", "protocol.before=[]", "protocol.after=[]", "output.w_snapshots=false",
		"protocol.session=[{name: train, mode: task, trials: 200, coherences: [0.3], learning: true, record: false}, {name: task, mode: task, trials: 80, coherences: [0.3], learning: false, record: true}]",
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := simrun.Create(context.Background(), cfg, cpu.New(0), dir, engine.SimulateOptions{}); err != nil {
		t.Fatal(err)
	}
	sum, err := analyseWith(dir, analysis.Options{Subsets: 20, TimeSubsets: 5}, WriteOptions{NoFigures: true})
	if err != nil {
		t.Fatal(err)
	}
	sp := sum.Spatial
	lk, ul, m := sp.PooledOf(analysis.KindLinked), sp.PooledOf(analysis.KindUnlinked), sp.UnlinkedMatched
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
		opt  analysis.Options
		want string
	}{
		{analysis.Options{ArrayPitchUm: -400}, "electrode pitch -400 um"},
		{analysis.Options{SpatialBinUm: math.NaN()}, "spatial bins of NaN um"},
		{analysis.Options{SpatialMaxPairs: -1}, "at most -1 pairs"},
	} {
		if _, err := Analyse(t.TempDir(), tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v; want an error with %q", tc.opt, err, tc.want)
		}
	}
}

func closeTo(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}
