package compare

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

	"github.com/iplgpu/iplgpu/engine/model"
)

// Write writes signatures.csv (one line per run), compare.csv (one line per
// row and mechanism), compare.md and compare.png/.svg into dir.
func Write(res *Result, dir string) error {
	if err := writeSignatures(res, filepath.Join(dir, "signatures.csv")); err != nil {
		return err
	}
	if err := writeRows(res, filepath.Join(dir, "compare.csv")); err != nil {
		return err
	}
	if err := writeFigure(res, filepath.Join(dir, "compare")); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "compare.md"), Markdown(res), 0o644)
}

func fnum(x float64) string {
	if !finite(x) {
		return "NaN"
	}
	return strconv.FormatFloat(x, 'g', 6, 64)
}

func writeSignatures(res *Result, path string) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := []string{"mechanism", "seed", "dir", "red_early", "red_late", "red_ablated"}
	for _, sp := range rowSpecs {
		if sp.key != "red_late" {
			head = append(head, sp.key)
		}
	}
	head = append(head, "avsb_early", "avsb_late", "avsb_block_sd", "islet_spines_frac", "slope_early")
	w.Write(head)
	for _, s := range res.Runs {
		line := []string{s.Mechanism, strconv.FormatUint(s.Seed, 10), s.Dir, fnum(s.RedEarly), fnum(s.RedLate), fnum(s.RedAblated)}
		for _, sp := range rowSpecs {
			if sp.key != "red_late" {
				line = append(line, fnum(sp.get(s)))
			}
		}
		line = append(line, fnum(s.AvsBEarly), fnum(s.AvsBLate), fnum(s.AvsBSD), fnum(s.IsletSpinesFrac), fnum(s.SlopeEarly))
		w.Write(line)
	}
	w.Flush()
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func writeRows(res *Result, path string) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"key", "signature", "mechanism", "seeds", "mean", "sd", "ci_lo", "ci_hi", "diff", "diff_lo", "diff_hi", "p_welch", "separates"})
	for _, r := range res.Rows {
		for _, m := range r.Mech {
			w.Write([]string{r.Key, r.Signature, m.Mechanism, strconv.Itoa(m.N), fnum(m.Mean), fnum(m.SD), fnum(m.CILo), fnum(m.CIHi),
				fnum(r.Diff), fnum(r.DiffLo), fnum(r.DiffHi), fnum(r.P), strconv.FormatBool(r.Separates)})
		}
	}
	w.Flush()
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// cell formats a mean with its 95% interval across seeds.
func cell(m MechValue) string {
	if m.N == 0 {
		return "n/a"
	}
	if m.N < 2 {
		return fmt.Sprintf("%.3g (1 seed)", m.Mean)
	}
	return fmt.Sprintf("%.3g [%.3g, %.3g]", m.Mean, m.CILo, m.CIHi)
}

// Markdown renders compare.md.
func Markdown(res *Result) []byte {
	o := res.Options
	var b strings.Builder
	fmt.Fprintf(&b, "# IPL vs feedback-only inference: the signatures of docs/model.md section 10.7\n\n")
	fmt.Fprintf(&b, "iplgpu %s. Mechanisms %s on seeds %v (seeds are animals). Each value is the mean over seeds with its 95%% t interval across seeds; "+
		"the difference (%s - %s) is tested by a two-sided Welch t test across seeds, and a row *separates* the hypotheses when p < 0.05. "+
		"Redundancy %% at subsets of %d neurons. Overrides: `%s`. Wall time %.0f s.\n\n",
		model.Version, strings.Join(o.Mechanisms, " and "), o.Seeds, first(o.Mechanisms, 0), first(o.Mechanisms, 1), o.Size, strings.Join(o.Sets, " "), res.Seconds)
	fmt.Fprintf(&b, "| sig. | quantity | unit |")
	for _, m := range o.Mechanisms {
		fmt.Fprintf(&b, " %s |", m)
	}
	fmt.Fprintf(&b, " difference [95%%] | p (Welch) | separates? | prediction |\n|---|---|---|")
	for range o.Mechanisms {
		b.WriteString("---|")
	}
	b.WriteString("---|---|---|---|\n")
	var sep, not []string
	for _, r := range res.Rows {
		fmt.Fprintf(&b, "| %s | %s | %s |", r.Signature, r.Label, r.Unit)
		for _, m := range r.Mech {
			fmt.Fprintf(&b, " %s |", cell(m))
		}
		verdict := "no"
		switch {
		case !finite(r.P):
			verdict = "untested"
		case r.Separates:
			verdict = "**yes**"
		}
		fmt.Fprintf(&b, " %.3g [%.3g, %.3g] | %s | %s | %s |\n", r.Diff, r.DiffLo, r.DiffHi, pStr(r.P), verdict, r.Expect)
		if r.Signature == "calibration" {
			continue
		}
		name := fmt.Sprintf("(%s) %s", r.Signature, r.Label)
		if r.Separates {
			sep = append(sep, name)
		} else {
			not = append(not, name)
		}
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "**Separate the hypotheses here** (p < 0.05 across %d seeds): %s.\n\n", len(o.Seeds), listOr(sep))
	fmt.Fprintf(&b, "**Do not separate them here**: %s.\n\n", listOr(not))
	b.WriteString("A row that does not separate at this number of seeds may still differ with more seeds: see the per-seed values in signatures.csv. " +
		"The calibration rows should not separate: the mechanisms' strengths are set so that late-learning redundancy matches (iplgpu calibrate).\n\n")
	b.WriteString("![signatures per seed and mechanism](compare.png)\n\n")
	b.WriteString("Protocol (compare.Protocol): before training a task block (" + strconv.Itoa(o.MeasureTrials) + " trials) and a frozen-noise block (" +
		strconv.Itoa(o.FrozenTrials) + " trials, " + strconv.Itoa(o.Frozen) + " sequences per sign); training sessions of " + strconv.Itoa(o.TrainTrials) +
		" trials; then " + strconv.Itoa(o.SwitchPairs) + " pairs of passive and task blocks of " + strconv.Itoa(o.SwitchTrials) +
		" trials (switches), a task block, a frozen-noise block, a task block with lateral spread blocked, and a task block with a persistent signal (rho 0.8).\n\n")
	b.WriteString("Definitions: (a) late redundancy % minus that with the lateral spread blocked; (b) analysis.DistanceAtMatchedTuning: the least-squares slope of each neuron pair's redundancy increase (late - early, 1/c^2) on soma distance within 4 strata of cos 2(theta_i - theta_j), and near minus far within strata (the slab of the default network is under 2 electrode pitches wide, so there is no virtual Utah array); (c) analysis.FrozenTaskCorrelations: mean correlation between A- and B-preferring neurons (+-22.5 deg) of residuals from each frozen sequence's mean, late minus early block; (d) connected components of contacts with w >= 0.5; (e) analysis reversibility: (task level - gap at the first trial after task -> passive) / (task level - passive level) of the joint exponential fit; (f) the least-squares slope of the gap over 50 ms bins, and its persistent minus independent difference (bootstrap estimate).\n")
	return []byte(b.String())
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
func writeFigure(res *Result, base string) error {
	const cols = 4
	nr := (len(res.Rows) + cols - 1) / cols
	plots := make([][]*plot.Plot, nr)
	for i := range plots {
		plots[i] = make([]*plot.Plot, cols)
	}
	for k, r := range res.Rows {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("(%s) %s", r.Signature, shorten(r.Label, 34))
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
	w, h := vg.Points(float64(cols)*190), vg.Points(float64(nr)*160)
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

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
