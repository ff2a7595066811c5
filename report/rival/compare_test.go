package rival

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/compare"
	"github.com/iplgpu/iplgpu/design"
)

// TestCompareMarkdown: compare.md names the rows that survive Holm, shows the
// islets as differing by construction (not as a separating test) and says
// whether the seeds shared their draws; the figure's titles are whole.
func TestCompareMarkdown(t *testing.T) {
	mk := func(m string, seed uint64, islets, drop float64) *compare.Signatures {
		s := &compare.Signatures{Mechanism: m, Seed: seed, Islets: islets, AblationDrop: drop}
		s.RedLate, s.Rise, s.DistSlope, s.DistNearFar, s.AvsBChange, s.WithinChange = 30, 10, 0, 0, 0, 0
		s.SwitchFirstFrac, s.SwitchTau, s.SlopeLate, s.PersistMinusIndep = math.NaN(), math.NaN(), 0, 0
		return s
	}
	runs := []*compare.Signatures{mk("ipl", 1, 40, 10), mk("ipl", 2, 30, 9), mk("ipl", 3, 35, 11), mk("feedback", 1, 0, 0), mk("feedback", 2, 0, 0.5), mk("feedback", 3, 0, 0)}
	res := &compare.Result{Options: compare.Options{Seeds: []uint64{1, 2, 3}, Mechanisms: []string{"ipl", "feedback"}, Size: 14},
		Runs: runs, Rows: compare.Table(runs, []string{"ipl", "feedback"}),
		Draws: []compare.SeedDraws{{Seed: 1, Same: true}, {Seed: 2, Same: true}, {Seed: 3, Differ: []string{"frames.npy"}}}}
	md := string(CompareMarkdown(res))
	for _, want := range []string{
		"**Separate the hypotheses here** (Holm-corrected p < 0.05, paired across 3 seeds): (a) drop of late redundancy",
		"**Differ by construction, not a test**: (d) islets after training: the feedback model has no links",
		"| by construction |",
		"On seed(s) 1, 2 the two mechanisms' runs hold byte-identical network and frame files",
		"On seed(s) 3 (frames.npy) those files differ",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("compare.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "Preset") || strings.Contains(md, "Config file") {
		t.Errorf("compare.md names a preset or config file the comparison did not use:\n%s", md)
	}
	res.Options.Preset, res.Options.File = "spatial", "cal/calibrated.yaml"
	if md := string(CompareMarkdown(res)); !strings.Contains(md, "Preset `spatial`. Config file `cal/calibrated.yaml`. Overrides") {
		t.Errorf("compare.md does not name the preset and config file:\n%s", md)
	}
	res.Options.Preset, res.Options.File = "", ""
	if strings.Contains(md, "(d) islets after training; ") || strings.Contains(md, "Welch") {
		t.Errorf("compare.md lists islets as a test or still names the Welch test:\n%s", md)
	}
	dir := t.TempDir()
	if err := WriteCompare(res, dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"compare.md", "compare.csv", "signatures.csv", "compare.png", "compare.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "compare.svg"))
	if strings.Contains(string(svg), "...") || !strings.Contains(string(svg), "matched tuning") {
		t.Errorf("compare.svg: titles cut or missing (want whole titles, e.g. \"matched tuning\")")
	}
}

// TestWrap: titles break at spaces into lines of at most n characters; a
// longer word stands alone.
func TestWrap(t *testing.T) {
	if got := wrap("(b) pair increase near minus far", 12); got != "(b) pair\nincrease\nnear minus\nfar" {
		t.Errorf("wrap: %q", got)
	}
	if got := wrap("supercalifragilistic x", 5); got != "supercalifragilistic\nx" {
		t.Errorf("wrap of a long word: %q", got)
	}
}

// TestAxisLabel: under an array read-out the units axis of the power figure
// counts electrodes, not units.
func TestAxisLabel(t *testing.T) {
	if got := AxisLabel(design.AxisUnits, nil); got != "units: recorded units" {
		t.Errorf("neurons read-out: %q", got)
	}
	r := design.DefaultReadout
	r.MUA = true
	if got, want := AxisLabel(design.AxisUnits, &r), "units: electrodes, each with 3 sorted units and its multi-unit channel"; got != want {
		t.Errorf("array read-out: %q, want %q", got, want)
	}
	if got := AxisLabel(design.AxisTrials, &r); got != "trials: "+design.AxisText[design.AxisTrials] {
		t.Errorf("trials axis under an array read-out: %q", got)
	}
}
