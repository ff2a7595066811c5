// Package rival renders the comparison of the IPL and the feedback-only
// mechanism (package compare) and the experiment-design power analysis
// (package design): their CSV tables, Markdown pages and figures.
package rival

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/iplgpu/iplgpu/compare"
	"github.com/iplgpu/iplgpu/engine/model"
)

// WriteCompare writes signatures.csv (one line per run), compare.csv (one
// line per row and mechanism), compare.md and compare.png/.svg into dir.
func WriteCompare(res *compare.Result, dir string) error {
	if err := writeSignatures(res, filepath.Join(dir, "signatures.csv")); err != nil {
		return err
	}
	if err := writeRows(res, filepath.Join(dir, "compare.csv")); err != nil {
		return err
	}
	if err := writeFigure(res, filepath.Join(dir, "compare")); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "compare.md"), CompareMarkdown(res), 0o644)
}

// finite reports a usable number.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func fnum(x float64) string {
	if !finite(x) {
		return "NaN"
	}
	return strconv.FormatFloat(x, 'g', 6, 64)
}

func writeSignatures(res *compare.Result, path string) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := []string{"mechanism", "seed", "dir", "red_early", "red_late", "red_ablated"}
	for _, k := range compare.RowKeys() {
		if k != "red_late" {
			head = append(head, k)
		}
	}
	head = append(head, "avsb_early", "avsb_late", "avsb_block_sd", "islet_spines_frac", "slope_early")
	w.Write(head)
	for _, s := range res.Runs {
		line := []string{s.Mechanism, strconv.FormatUint(s.Seed, 10), s.Dir, fnum(s.RedEarly), fnum(s.RedLate), fnum(s.RedAblated)}
		for _, k := range compare.RowKeys() {
			if k != "red_late" {
				line = append(line, fnum(s.Value(k)))
			}
		}
		line = append(line, fnum(s.AvsBEarly), fnum(s.AvsBLate), fnum(s.AvsBSD), fnum(s.IsletSpinesFrac), fnum(s.SlopeEarly))
		w.Write(line)
	}
	w.Flush()
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func writeRows(res *compare.Result, path string) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"key", "signature", "kind", "measurable", "mechanism", "seeds", "mean", "sd", "ci_lo", "ci_hi",
		"pairs", "paired_diff", "diff_lo", "diff_hi", "p_paired", "p_holm", "separates"})
	for _, r := range res.Rows {
		for _, m := range r.Mech {
			w.Write([]string{r.Key, r.Signature, r.Kind, strconv.FormatBool(r.Measurable), m.Mechanism, strconv.Itoa(m.N), fnum(m.Mean), fnum(m.SD), fnum(m.CILo), fnum(m.CIHi),
				strconv.Itoa(r.Pairs), fnum(r.Diff), fnum(r.DiffLo), fnum(r.DiffHi), fnum(r.P), fnum(r.PHolm), strconv.FormatBool(r.Separates)})
		}
	}
	w.Flush()
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// cell formats a mean with its 95% interval across seeds.
func cell(m compare.MechValue) string {
	if m.N == 0 {
		return "n/a"
	}
	if m.N < 2 {
		return fmt.Sprintf("%.3g (1 seed)", m.Mean)
	}
	return fmt.Sprintf("%.3g [%.3g, %.3g]", m.Mean, m.CILo, m.CIHi)
}

// verdict is a row's word in the table.
func verdict(r compare.Row) string {
	switch {
	case r.Kind == compare.KindConstruction:
		return "by construction"
	case !finite(r.P):
		return "untested"
	case r.Kind == compare.KindCheck && r.P < compare.Alpha:
		return "check: differs"
	case r.Kind == compare.KindCheck:
		return "check: no difference found"
	case r.Separates:
		return "**separates**"
	}
	return "no"
}

// drawsText says whether the mechanisms ran on the same network and frames.
func drawsText(res *compare.Result) string {
	if len(res.Draws) == 0 {
		return ""
	}
	var same, differ []string
	for _, d := range res.Draws {
		if d.Same {
			same = append(same, strconv.FormatUint(d.Seed, 10))
		} else {
			differ = append(differ, fmt.Sprintf("%d (%s)", d.Seed, strings.Join(d.Differ, ", ")))
		}
	}
	s := ""
	if len(same) > 0 {
		s = fmt.Sprintf("On seed(s) %s the two mechanisms' runs hold byte-identical network and frame files (%s): the same network and stimulus draws, so each seed is a pair. ",
			strings.Join(same, ", "), strings.Join(compare.DrawFiles, ", "))
	}
	if len(differ) > 0 {
		s += fmt.Sprintf("On seed(s) %s those files differ or are missing: the pairing there is by seed number only. ", strings.Join(differ, "; "))
	}
	return s
}

// configText names the preset and the config file of the runs, when set.
func configText(o compare.Options) string {
	var s string
	if o.Preset != "" {
		s += fmt.Sprintf("Preset `%s`. ", o.Preset)
	}
	if o.File != "" {
		s += fmt.Sprintf("Config file `%s`. ", o.File)
	}
	return s
}

// CompareMarkdown renders compare.md.
func CompareMarkdown(res *compare.Result) []byte {
	o := res.Options
	var b strings.Builder
	fmt.Fprintf(&b, "# IPL vs feedback-only inference: the signatures of docs/model.md section 10.7\n\n")
	fmt.Fprintf(&b, "iplgpu %s. Mechanisms %s on seeds %v (seeds are animals). Each value is the mean over seeds with its 95%% t interval across seeds. %s"+
		"The difference (%s - %s) is taken seed by seed and tested by a two-sided paired t test across seeds; the p-values of the tested rows are "+
		"corrected together by Holm's method (family of %d rows), and a row *separates* the hypotheses when its Holm-corrected p < %.2g. "+
		"Redundancy %% at subsets of %d neurons. %sOverrides: `%s`. Wall time %.0f s.\n\n",
		model.Version, strings.Join(o.Mechanisms, " and "), o.Seeds, drawsText(res), first(o.Mechanisms, 0), first(o.Mechanisms, 1),
		familySize(res.Rows), compare.Alpha, o.Size, configText(o), strings.Join(o.Sets, " "), res.Seconds)
	fmt.Fprintf(&b, "| sig. | quantity | unit | in an animal? |")
	for _, m := range o.Mechanisms {
		fmt.Fprintf(&b, " %s |", m)
	}
	fmt.Fprintf(&b, " paired difference [95%%] | p (paired t) | p (Holm) | verdict | prediction |\n|---|---|---|---|")
	for range o.Mechanisms {
		b.WriteString("---|")
	}
	b.WriteString("---|---|---|---|---|\n")
	var sep, not, constr []string
	for _, r := range res.Rows {
		animal := "yes"
		if !r.Measurable {
			animal = "no"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |", r.Signature, r.Label, r.Unit, animal)
		for _, m := range r.Mech {
			fmt.Fprintf(&b, " %s |", cell(m))
		}
		diff := "n/a"
		if finite(r.Diff) {
			diff = fmt.Sprintf("%.3g [%.3g, %.3g]", r.Diff, r.DiffLo, r.DiffHi)
		}
		p, holm := pStr(r.P), pStr(r.PHolm)
		if r.Kind == compare.KindConstruction {
			p, holm = "not tested", "not tested"
		} else if r.Kind == compare.KindCheck {
			holm = "(check)"
		}
		fmt.Fprintf(&b, " %s | %s | %s | %s | %s |\n", diff, p, holm, verdict(r), r.Expect)
		name := fmt.Sprintf("(%s) %s", r.Signature, r.Label)
		switch {
		case r.Kind == compare.KindConstruction:
			constr = append(constr, name+": "+r.Construction)
		case r.Kind == compare.KindCheck:
		case r.Separates:
			sep = append(sep, name)
		default:
			not = append(not, name)
		}
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "**Separate the hypotheses here** (Holm-corrected p < %.2g, paired across %d seeds): %s.\n\n", compare.Alpha, len(o.Seeds), listOr(sep))
	fmt.Fprintf(&b, "**Do not separate them here**: %s.\n\n", listOr(not))
	fmt.Fprintf(&b, "**Differ by construction, not a test**: %s.\n\n", listOr(constr))
	b.WriteString("A row that does not separate at this number of seeds may still differ with more seeds or trials: `iplgpu design` gives the power at each experiment size. " +
		"Rows marked \"no\" under *in an animal?* (the ablation of the lateral spread, the islets) cannot be measured in Liu et al.'s monkeys. " +
		"The calibration rows are checks, outside the family: the mechanisms' strengths are set so that late-learning redundancy matches (iplgpu calibrate).\n\n")
	b.WriteString("![signatures per seed and mechanism](compare.png)\n\n")
	b.WriteString("Protocol (compare.Protocol): before training a task block (" + strconv.Itoa(o.MeasureTrials) + " trials) and a frozen-noise block (" +
		strconv.Itoa(o.FrozenTrials) + " trials, " + strconv.Itoa(o.Frozen) + " sequences per sign); training sessions of " + strconv.Itoa(o.TrainTrials) +
		" trials; then " + strconv.Itoa(o.SwitchPairs) + " pairs of passive" + keptText(o.SwitchTaskGain) + " and task blocks of " + strconv.Itoa(o.SwitchTrials) +
		" trials (switches), a task block, a frozen-noise block, a task block with lateral spread blocked, and a task block with a persistent signal (rho 0.8).\n\n")
	b.WriteString("Definitions: (a) late redundancy % minus that with the lateral spread blocked; (b) analysis.DistanceAtMatchedTuning: the least-squares slope of each neuron pair's redundancy increase (late - early, 1/c^2) on soma distance within 4 strata of cos 2(theta_i - theta_j), and near minus far within strata; (c) analysis.FrozenTaskCorrelations: mean correlation between A- and B-preferring neurons (+-22.5 deg) of residuals from each frozen sequence's mean, late minus early block; (d) connected components of contacts with w >= 0.5; (e) analysis reversibility: (task level - gap at the first trial after task -> passive) / (task level - passive level) of the joint exponential fit; (f) the least-squares slope of the gap over 50 ms bins, and its persistent minus independent difference (bootstrap estimate).\n")
	return []byte(b.String())
}

// keptText names passive blocks that keep the task gain.
func keptText(kept bool) string {
	if kept {
		return " (task gain kept: they differ from task blocks in the gate and the feedback alone)"
	}
	return ""
}

// familySize counts the rows corrected together.
func familySize(rows []compare.Row) int {
	n := 0
	for _, r := range rows {
		if r.Kind == compare.KindTest && finite(r.P) {
			n++
		}
	}
	return n
}

func first(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "-"
}

func pStr(p float64) string {
	if !finite(p) {
		return "n/a"
	}
	if p < 0.001 {
		return "< 0.001"
	}
	return fmt.Sprintf("%.3f", p)
}

func listOr(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, "; ")
}

var mechColors = []color.Color{color.RGBA{0x1f, 0x77, 0xb4, 255}, color.RGBA{0xd6, 0x27, 0x28, 255}, color.RGBA{0x2c, 0xa0, 0x2c, 255}}

// writeFigure draws one panel per row: each seed's value (dots) and the mean
// with its 95% interval across seeds (bar) per mechanism.
func writeFigure(res *compare.Result, base string) error {
	const cols = 4
	nr := (len(res.Rows) + cols - 1) / cols
	plots := make([][]*plot.Plot, nr)
	for i := range plots {
		plots[i] = make([]*plot.Plot, cols)
	}
	for k, r := range res.Rows {
		p := plot.New()
		p.Title.Text = wrap(fmt.Sprintf("(%s) %s", r.Signature, r.Label), 36)
		p.Title.TextStyle.Font.Size = vg.Points(8)
		p.Y.Label.Text = r.Unit
		p.Y.Label.TextStyle.Font.Size = vg.Points(7)
		p.X.Min, p.X.Max = -0.6, float64(len(r.Mech))-0.4
		var ticks []plot.Tick
		for mi, m := range r.Mech {
			ticks = append(ticks, plot.Tick{Value: float64(mi), Label: m.Mechanism})
			var pts plotter.XYs
			for si, v := range m.Values {
				if finite(v) {
					pts = append(pts, plotter.XY{X: float64(mi) - 0.15 + 0.3*float64(si)/math.Max(1, float64(len(m.Values)-1)), Y: v})
				}
			}
			col := mechColors[mi%len(mechColors)]
			if len(pts) > 0 {
				sc, err := plotter.NewScatter(pts)
				if err != nil {
					return err
				}
				sc.GlyphStyle.Color = col
				sc.GlyphStyle.Radius = vg.Points(2)
				p.Add(sc)
			}
			if finite(m.Mean) {
				lo, hi := m.Mean, m.Mean
				if finite(m.CILo) {
					lo, hi = m.CILo, m.CIHi
				}
				bar := plotter.XYs{{X: float64(mi) + 0.25, Y: lo}, {X: float64(mi) + 0.25, Y: hi}}
				ln, err := plotter.NewLine(bar)
				if err != nil {
					return err
				}
				ln.Color, ln.Width = col, vg.Points(1.5)
				mk, err := plotter.NewScatter(plotter.XYs{{X: float64(mi) + 0.25, Y: m.Mean}})
				if err != nil {
					return err
				}
				mk.GlyphStyle.Color, mk.GlyphStyle.Shape, mk.GlyphStyle.Radius = col, draw.BoxGlyph{}, vg.Points(2.5)
				p.Add(ln, mk)
			}
		}
		zero, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: 0}, {X: p.X.Max, Y: 0}})
		if err != nil {
			return err
		}
		zero.Color, zero.Dashes = color.Gray{0xa0}, []vg.Length{vg.Points(2), vg.Points(2)}
		p.Add(zero)
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		plots[k/cols][k%cols] = p
	}
	w, h := vg.Points(float64(cols)*200), vg.Points(float64(nr)*180)
	for _, ext := range []string{".png", ".svg"} {
		var c draw.Canvas
		var buf bytes.Buffer
		switch ext {
		case ".png":
			img := vgimg.New(w, h)
			c = draw.New(img)
			drawGrid(c, plots, nr, cols)
			if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
				return err
			}
		default:
			sv := vgsvg.New(w, h)
			c = draw.New(sv)
			drawGrid(c, plots, nr, cols)
			if _, err := sv.WriteTo(&buf); err != nil {
				return err
			}
		}
		if err := os.WriteFile(base+ext, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func drawGrid(c draw.Canvas, plots [][]*plot.Plot, rows, cols int) {
	t := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(6), PadY: vg.Points(6), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(4)}
	canv := plot.Align(plots, t, c)
	for i := range plots {
		for j := range plots[i] {
			if plots[i][j] != nil {
				plots[i][j].Draw(canv[i][j])
			}
		}
	}
}

// wrap breaks s into lines of at most n characters at spaces (a longer word
// keeps a line of its own): titles are shown whole.
func wrap(s string, n int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) <= n:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}
