package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// The task-aligned correlations, the consistency and the reversibility
// analyses: their tables, sentences, sections and figures.

// writePredictionCSVs writes taskcorr.csv, consistency.csv and
// reversibility.csv (each only when there is something to write).
func writePredictionCSVs(sum *page) error {
	if len(sum.TaskCorr) > 0 {
		if err := writeTaskCorrCSV(sum); err != nil {
			return err
		}
	}
	if len(sum.Consistency) > 0 {
		if err := writeConsistencyCSV(sum); err != nil {
			return err
		}
	}
	if sum.Reversibility != nil {
		return writeReversibilityCSV(sum)
	}
	return nil
}

// writeTaskCorrCSV writes taskcorr.csv: per block, the raw and the
// conditioned correlation of every pair of orientation bins, then of the
// groups.
func writeTaskCorrCSV(sum *page) error {
	return writeCSV(sum, rundir.TaskCorrFile, rundir.TaskCorrColumns, func(emit func([]string) error) error {
		for _, tc := range sum.TaskCorr {
			key := []string{strconv.Itoa(tc.Session), strconv.Itoa(tc.Block), tc.BlockName, tc.Mode}
			for _, kind := range []struct {
				name string
				m    [][]analysis.Value
				g    analysis.GroupCorr
			}{{"raw", tc.Raw, tc.RawGroups}, {"conditioned", tc.Cond, tc.CondGroups}} {
				for a := range kind.m {
					for b := a; b < len(kind.m); b++ {
						rec := append(append([]string{}, key...), kind.name, "bin", strconv.Itoa(a), strconv.Itoa(b),
							fmtG(float64(a)*tc.BinDeg), fmtG(float64(b)*tc.BinDeg), strconv.Itoa(tc.BinNeurons[a]), strconv.Itoa(tc.BinNeurons[b]))
						if err := emit(append(rec, ciFields(kind.m[a][b])...)); err != nil {
							return err
						}
					}
				}
				for _, g := range []struct {
					name string
					v    analysis.Value
					a, b int
				}{{"within_a", kind.g.WithinA, 0, 0}, {"within_b", kind.g.WithinB, 1, 1}, {"a_vs_b", kind.g.AvsB, 0, 1}} {
					rec := append(append([]string{}, key...), kind.name, g.name, "", "", "", "", strconv.Itoa(tc.GroupNeurons[g.a]), strconv.Itoa(tc.GroupNeurons[g.b]))
					if err := emit(append(rec, ciFields(g.v)...)); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

// writeConsistencyCSV writes consistency.csv: per block, the slope of the gap
// and the regression on the signal frames.
func writeConsistencyCSV(sum *page) error {
	return writeCSV(sum, rundir.ConsistencyFile, rundir.ConsistencyColumns, func(emit func([]string) error) error {
		for _, cb := range sum.Consistency {
			key := []string{strconv.Itoa(cb.Session), strconv.Itoa(cb.Block), cb.Name, cb.Frames, fmtG(cb.Persistence)}
			tail := []string{"", "", "", "", ""}
			if r := cb.Regression; r != nil {
				tail = []string{fmtG(r.LagMs), strconv.Itoa(r.Subset), strconv.Itoa(r.Cells), fmtG(r.SignalFrac), fmtG(r.RunFrames)}
			}
			line := func(measure, k string, v analysis.Value) error {
				return emit(append(append(append(append([]string{}, key...), measure, k), ciFields(v)...), tail...))
			}
			if err := line("slope_per_s", "", cb.Slope); err != nil {
				return err
			}
			if r := cb.Regression; r != nil {
				if err := line("beta_per_frame", "", r.Beta); err != nil {
					return err
				}
				for k, v := range r.ByK {
					if err := line("gap_by_k", strconv.Itoa(k), v); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

// writeReversibilityCSV writes reversibility.csv: per kind of switch, the
// gap at each trial after it and the fitted exponentials, then the joint fits.
func writeReversibilityCSV(sum *page) error {
	rev := sum.Reversibility
	return writeCSV(sum, rundir.ReversibilityFile, rundir.ReversibilityColumns, func(emit func([]string) error) error {
		for _, sc := range rev.Courses {
			key := []string{sc.From, sc.To, strconv.Itoa(sc.Switches)}
			empty := func(n int) []string { return make([]string, n) }
			for _, p := range sc.Positions {
				rec := append(append([]string{}, key...), "position", strconv.Itoa(p.K), fmtG(p.TimeS), strconv.Itoa(p.TPlus), strconv.Itoa(p.TMinus), fmtG(p.Gate), strconv.Itoa(sc.SubsetN))
				for _, v := range []analysis.Value{p.IReal, p.IShuffle, p.Gap, p.RedundancyPct} {
					rec = append(rec, ciFields(v)...)
				}
				if err := emit(append(rec, empty(10)...)); err != nil {
					return err
				}
			}
			for _, f := range []struct {
				name string
				fit  *analysis.ExpFit
			}{{"fit_gap", sc.Fit}, {"fit_gate", sc.GateFit}} {
				if f.fit == nil {
					continue
				}
				rec := append(append([]string{}, key...), f.name, "", "", "", "", "", strconv.Itoa(sc.SubsetN))
				rec = append(rec, empty(12)...)
				for _, v := range []analysis.Value{f.fit.Tau, f.fit.Y0, f.fit.YInf} {
					rec = append(rec, ciFields(v)...)
				}
				if err := emit(append(rec, fmtG(rev.TauMS))); err != nil {
					return err
				}
			}
		}
		// The joint fits of both directions: y0 is the first
		// condition's level, yinf the second's.
		for _, pf := range rev.Pairs {
			rec := []string{pf.A, pf.B, "", "pair_fit", "", "", "", "", "", ""}
			rec = append(rec, make([]string, 12)...)
			for _, v := range []analysis.Value{pf.Tau, pf.LevelA, pf.LevelB} {
				rec = append(rec, ciFields(v)...)
			}
			if err := emit(append(rec, fmtG(rev.TauMS))); err != nil {
				return err
			}
		}
		return nil
	})
}

// taskCorrSentences: the A-vs-B and within-A correlations before and after
// learning, raw and conditioned on the frames, with their tests.
func taskCorrSentences(sum *page) []string {
	e, l := sum.TaskCorrEarlyLate()
	if e == nil {
		return nil
	}
	S := sum.Sessions
	if l == nil {
		return []string{fmt.Sprintf("Task-aligned noise correlations (one control task block, %s): A-vs-B %s raw and %s conditioned on the frames; within A %s raw and %s conditioned.",
			model.SessionLabel(e.Session, S), valText(e.RawGroups.AvsB, num), valText(e.CondGroups.AvsB, num), valText(e.RawGroups.WithinA, num), valText(e.CondGroups.WithinA, num))}
	}
	part := func(name string, a, b analysis.Value) string {
		c := analysis.Compare(b, a)
		return fmt.Sprintf("%s %s from %s to %s (%s)", name, verdict(c, "rose", "fell"), valText(a, num), valText(b, num), testText(c, num))
	}
	return []string{fmt.Sprintf("Task-aligned noise correlations (Bondy et al. 2018; neurons within ±%g° of A or of B), %s against %s: raw, %s and %s; conditioned on each trial's frames, %s and %s. The frames alone drive A- and B-preferring neurons in opposite directions: only the conditioned values speak to internal, belief-like fluctuations.",
		analysis.DefaultTaskCorrGroupDeg, model.SessionLabel(l.Session, S), model.SessionLabel(e.Session, S),
		part("A-vs-B", e.RawGroups.AvsB, l.RawGroups.AvsB), part("within A", e.RawGroups.WithinA, l.RawGroups.WithinA),
		part("A-vs-B", e.CondGroups.AvsB, l.CondGroups.AvsB), part("within A", e.CondGroups.WithinA, l.CondGroups.WithinA))}
}

// taskCorrSection is the report's section on the task-aligned matrix.
func taskCorrSection(w io.Writer, sum *page) {
	e, l := sum.TaskCorrEarlyLate()
	if e == nil {
		return
	}
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	S := sum.Sessions
	p("## Task-aligned noise correlations\n\n")
	p("Neurons binned by preferred orientation relative to A in %d bins of %g° (bin 0 centred on A, bin %d on B); mean pairwise correlation of the trial counts' residuals: raw (each signed coherence centred on its own mean) and conditioned on the stimulus (each neuron's count regressed on the signed coherence and on the trial's frames, the number of frames in each of %d orientation bins). Groups: neurons within ±%g° of A or of B. [%s]. Table: `%s`; figure: fig9_taskcorr.\n\n",
		len(e.Raw), e.BinDeg, len(e.Raw)/2, analysis.DefaultTaskCorrFrameBins, analysis.DefaultTaskCorrGroupDeg, ciShort(sum), rundir.TaskCorrFile)
	p("| block | session | neurons A / B | raw within A | raw within B | raw A-vs-B | conditioned within A | conditioned within B | conditioned A-vs-B |\n")
	p("|---:|---|---|---|---|---|---|---|---|\n")
	for _, tc := range []*analysis.TaskCorr{e, l} {
		if tc == nil {
			continue
		}
		p("| %d | %s | %d / %d | %s | %s | %s | %s | %s | %s |\n", tc.Block, model.SessionShort(tc.Session, S), tc.GroupNeurons[0], tc.GroupNeurons[1],
			valCell(tc.RawGroups.WithinA, num), valCell(tc.RawGroups.WithinB, num), valCell(tc.RawGroups.AvsB, num),
			valCell(tc.CondGroups.WithinA, num), valCell(tc.CondGroups.WithinB, num), valCell(tc.CondGroups.AvsB, num))
	}
	p("\n")
}

// consistencySentences: persistent against independent signal frames.
func consistencySentences(sum *page) []string {
	var out []string
	S := sum.Sessions
	for _, pr := range sum.ConsistencyPairs {
		pb, ib := sum.ConsistencyOf(pr.Persistent), sum.ConsistencyOf(pr.Independent)
		s := fmt.Sprintf("Consistency (%s): with a persistent signal (rho %g) the within-trial slope of the gap was %s per s against %s with independent frames: %s (difference %s)",
			model.SessionLabel(pb.Session, S), pb.Persistence, valText(pb.Slope, num), valText(ib.Slope, num), diffWord(pr.SlopeTest), testText(pr.SlopeTest, num))
		if pb.Regression != nil && ib.Regression != nil {
			s += fmt.Sprintf("; the per-bin gap changed by %s per signal frame in the last %g ms with a persistent signal and by %s with independent frames (difference %s)",
				valText(pb.Regression.Beta, num), pb.Regression.LagMs, valText(ib.Regression.Beta, num), testText(pr.BetaTest, num))
		}
		out = append(out, s+".")
	}
	if cl := sum.ConsistencyLearning; cl != nil {
		after := sum.BlockByIndex(sum.ConsistencyPairs[cl.After].Persistent).Session
		out = append(out, fmt.Sprintf("Consistency and the links: the persistence effect (slope persistent - independent) %s against that before training, when there are no links yet: %s (difference of differences %s).",
			model.SessionLabel(after, S), diffWord(cl.SlopeTest), testText(cl.SlopeTest, num)))
	}
	return out
}

// consistencySection is the report's section on prediction 3.
func consistencySection(w io.Writer, sum *page) {
	if len(sum.Consistency) == 0 {
		return
	}
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	S := sum.Sessions
	p("## Consistency of the signal (prediction 3)\n\n")
	p("Task blocks with independent frames (each frame signal with probability |c|) and with a persistent signal (the frame's kind, signal or noise, repeats the previous frame's with probability rho; every frame is still signal with probability |c|; noise frames always draw a fresh orientation). Slope: the least-squares slope of the gap I_shuffle − I_real over single bins. β: the per-bin gap regressed on the number k of signal frames among the frames of the last lag ms up to the bin's end, with one intercept per bin, from cells (bin, k) of at least 2n + 4 trials at each sign (n = %d neurons per subset), the same cells in every bootstrap replicate. [%s]. Table: `%s`; figure: fig10_consistency.\n\n", analysis.DefaultConsistencySubset, ciShort(sum), rundir.ConsistencyFile)
	p("| block | session | frames | signal fraction | mean signal run (frames) | slope (per s) | β (per signal frame) | cells |\n")
	p("|---:|---|---|---:|---:|---|---|---:|\n")
	for _, cb := range sum.Consistency {
		frames := cb.Frames
		if cb.Frames == "persistent" {
			frames += fmt.Sprintf(" (rho %g)", cb.Persistence)
		}
		frac, run, beta, cells := "–", "–", "–", "–"
		if r := cb.Regression; r != nil {
			frac, run, beta, cells = num(r.SignalFrac), num(r.RunFrames), valCell(r.Beta, num), strconv.Itoa(r.Cells)
		}
		p("| %d | %s | %s | %s | %s | %s | %s | %s |\n", cb.Block, model.SessionShort(cb.Session, S), frames, frac, run, valCell(cb.Slope, num), beta, cells)
	}
	p("\n")
}

// reversibilitySentences: the time course after switches.
func reversibilitySentences(sum *page) []string {
	rev := sum.Reversibility
	if rev == nil {
		return nil
	}
	var out []string
	for _, pf := range rev.Pairs {
		ab, ba := rev.Course(pf.A, pf.B), rev.Course(pf.B, pf.A)
		s := fmt.Sprintf("Reversibility, trial by trial after %d switches %s → %s and %d back (fitted together, one time constant both ways): the gap relaxed between %s (%s) and %s (%s) with τ = %s s",
			ab.Switches, pf.A, pf.B, ba.Switches, valText(pf.LevelA, num), pf.A, valText(pf.LevelB, num), pf.B, valText(pf.Tau, num))
		if pf.AtBound {
			s += " (at the end of the searched range: the data do not fix it)"
		}
		s += fmt.Sprintf(", against the gate's tau_m = %g s", rev.TauMS)
		if ab.GateFit != nil {
			s += fmt.Sprintf(" (the recorded gate relaxed with %s s)", num(ab.GateFit.Tau.Est))
		}
		c := fisher.Comparison{Diff: pf.Drop.Est, Lo: pf.Drop.Lo, Hi: pf.Drop.Hi, P: math.NaN()}
		if pf.Drop.Reps != nil {
			c = analysis.Compare(pf.LevelA, pf.LevelB)
		}
		s += fmt.Sprintf("; %s minus %s: %s", pf.A, pf.B, testText(c, num))
		out = append(out, s+".")
	}
	if g := rev.GainTest; g != nil {
		out = append(out, fmt.Sprintf("The gap's passive level with the task gain kept minus the plain passive level: %s, %s; where the two agree, the drop comes from the gate on the coupling, not from the input.",
			testText(*g, num), diffWord(*g)))
	}
	return out
}

// reversibilitySection is the report's section on prediction 2.
func reversibilitySection(w io.Writer, sum *page) {
	rev := sum.Reversibility
	if rev == nil {
		return
	}
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("## Reversibility trial by trial (prediction 2)\n\n")
	p("Position k pools the k-th trial after every switch of a kind (time: from the switch to the middle of the trial, trials every %g s). Each pair of conditions is fitted in both directions together: gap(t) = level_to + (level_from − level_to) exp(−t/τ), one τ and two levels; τ's interval from the fits to the bootstrap replicates. \"Settled\" is the same difference without a fit: the mean gap over the second half of the trial positions after each switch to A minus that after each switch to B. Each direction alone is fitted too (first: the fit at the first trial; y∞ the level it relaxes to). Gate: the mean top-down gate m at the trial's start (trials.csv), fitted the same way. [%s]. Table: `%s`; figure: fig11_reversibility.\n\n", rev.TrialPeriodS, ciShort(sum), rundir.ReversibilityFile)
	if len(rev.Pairs) > 0 {
		p("| conditions A ↔ B | τ (s), both directions | level A | level B | A − B | A − B, settled (no fit) |\n|---|---|---|---|---|---|\n")
		for _, pf := range rev.Pairs {
			p("| %s ↔ %s | %s | %s | %s | %s | %s |\n", pf.A, pf.B, valCell(pf.Tau, num), valCell(pf.LevelA, num), valCell(pf.LevelB, num), valCell(pf.Drop, num), valCell(pf.SettledDrop, num))
		}
		p("\n")
	}
	p("| switch | switches | n | first trial | y∞ | τ (s) | gate τ (s) |\n")
	p("|---|---:|---:|---|---|---|---:|\n")
	for _, sc := range rev.Courses {
		y1, yi, tau, gt := "–", "–", "–", "–"
		if f := sc.Fit; f != nil {
			y1, yi, tau = valCell(f.YFirst, num), valCell(f.YInf, num), valCell(f.Tau, num)
		}
		if sc.GateFit != nil {
			gt = num(sc.GateFit.Tau.Est)
		}
		p("| %s → %s | %d | %d | %s | %s | %s | %s |\n", sc.From, sc.To, sc.Switches, sc.SubsetN, y1, yi, tau, gt)
	}
	p("\n")
}

// figTaskCorr draws the task-aligned matrices: raw and conditioned, before and after
// learning.
func figTaskCorr(sum *page) (bool, string, error) {
	e, l := sum.TaskCorrEarlyLate()
	if e == nil {
		return false, "no control task block with task-aligned correlations", nil
	}
	blocks := []*analysis.TaskCorr{e}
	if l != nil {
		blocks = append(blocks, l)
	}
	// One colour scale per row (raw, conditioned), symmetric about 0: the
	// conditioned correlations are an order of magnitude smaller.
	var grid [][]*plot.Plot
	for _, kind := range []string{"raw", "conditioned on the frames"} {
		pick := func(tc *analysis.TaskCorr) [][]analysis.Value {
			if kind == "raw" {
				return tc.Raw
			}
			return tc.Cond
		}
		lim := 0.0
		for _, tc := range blocks {
			for _, row := range pick(tc) {
				for _, v := range row {
					if finite(v.Est) {
						lim = math.Max(lim, math.Abs(v.Est))
					}
				}
			}
		}
		if lim == 0 {
			lim = 1
		}
		pal := moreland.SmoothBlueRed()
		pal.SetMin(-lim)
		pal.SetMax(lim)
		var row []*plot.Plot
		for _, tc := range blocks {
			p := newPlot(fmt.Sprintf("%s, %s\ncolour: −%.3f (blue) to +%.3f (red)", kind, model.SessionLabel(tc.Session, sum.Sessions), lim, lim),
				"preferred orientation − A (deg), neuron j", "preferred orientation − A (deg), neuron i")
			h := plotter.NewHeatMap(corrGrid{m: pick(tc), step: tc.BinDeg}, pal.Palette(255))
			h.Min, h.Max = -lim, lim
			h.NaN = color.RGBA{220, 220, 220, 255}
			p.Add(h)
			p.X.Min, p.X.Max = -tc.BinDeg/2, 180-tc.BinDeg/2
			p.Y.Min, p.Y.Max = -tc.BinDeg/2, 180-tc.BinDeg/2
			ticks := plot.ConstantTicks{{Value: 0, Label: "A"}, {Value: 45, Label: "45"}, {Value: 90, Label: "B"}, {Value: 135, Label: "135"}}
			p.X.Tick.Marker, p.Y.Tick.Marker = ticks, ticks
			p.Legend = plot.NewLegend()
			row = append(row, p)
		}
		grid = append(grid, row)
	}
	grid[0][0].Title.Text = "Task-aligned noise correlations\n" + grid[0][0].Title.Text
	return true, "", saveTiles(sum, "fig9_taskcorr", grid, vg.Length(len(blocks))*5*vg.Inch, 9.5*vg.Inch, true)
}

// corrGrid is a bins x bins matrix as a heat-map grid (x: bin j, y: bin i).
type corrGrid struct {
	m    [][]analysis.Value
	step float64
}

func (g corrGrid) Dims() (c, r int)   { return len(g.m), len(g.m) }
func (g corrGrid) Z(c, r int) float64 { return g.m[r][c].Est }
func (g corrGrid) X(c int) float64    { return float64(c) * g.step }
func (g corrGrid) Y(r int) float64    { return float64(r) * g.step }

// figConsistency draws the consistency analysis: the gap over the trial with
// persistent and independent signal, and the gap against the recent signal.
func figConsistency(sum *page) (bool, string, error) {
	if len(sum.ConsistencyPairs) == 0 {
		return false, "no persistent-signal block with an independent-frames block in its session", nil
	}
	pr := sum.ConsistencyPairs[len(sum.ConsistencyPairs)-1]
	pa := newPlot(fmt.Sprintf("(a) Gap over the trial, %s", model.SessionLabel(sum.BlockByIndex(pr.Persistent).Session, sum.Sessions)), "time from stimulus onset (ms)", gapAxis)
	pb := newPlot("(b) Gap against the recent signal", "k: signal frames among the last frames up to the bin's end", "per-bin gap, adjusted for the bin "+infoUnit)
	for k, idx := range []int{pr.Independent, pr.Persistent} {
		b := sum.BlockByIndex(idx)
		st := style{color: colBlue}
		name := "independent frames"
		if k == 1 {
			st = style{color: colVermilion, glyph: draw.SquareGlyph{}}
			name = fmt.Sprintf("persistent signal (rho %g)", b.Persistence)
		}
		if tc := sum.TimeCourse(b); tc != nil {
			ws := tc.Kind("bin")
			x := make([]float64, len(ws))
			iv := make([]fisher.Interval, len(ws))
			for j, w := range ws {
				x[j], iv[j] = (w.StartMs+w.EndMs)/2, ci(w.Gap)
			}
			if err := addBand(pa, name, x, iv, st); err != nil {
				return false, "", err
			}
		}
		for _, cb := range sum.Consistency {
			if cb.Block != idx || cb.Regression == nil {
				continue
			}
			x := make([]float64, len(cb.Regression.ByK))
			iv := make([]fisher.Interval, len(x))
			for kk, v := range cb.Regression.ByK {
				x[kk], iv[kk] = float64(kk)+0.08*float64(2*k-1), ci(v)
			}
			if err := addIntervals(pb, fmt.Sprintf("%s: β = %s", name, valText(cb.Regression.Beta, num)), x, iv, st); err != nil {
				return false, "", err
			}
		}
	}
	pa.X.Min, pa.X.Max = 0, sum.TrialMs
	if err := addHLine(pa, 0, 0, sum.TrialMs); err != nil {
		return false, "", err
	}
	headroom(pa, 2)
	headroom(pb, 2)
	pa.Title.Text += "\n" + sum.intervalShort()
	pb.Title.Text += "\n" + sum.intervalShort()
	return true, "", saveGrid(sum, "fig10_consistency", [][]*plot.Plot{{pa, pb}}, 12*vg.Inch, 4.8*vg.Inch)
}

// figReversibility draws the gap and the gate trial by trial after each kind of switch.
func figReversibility(sum *page) (bool, string, error) {
	rev := sum.Reversibility
	if rev == nil {
		return false, "no run of alternating blocks with at least 2 switches of a kind", nil
	}
	var top, bottom []*plot.Plot
	for _, sc := range rev.Courses {
		pg := newPlot(fmt.Sprintf("%s → %s (%d switches)", sc.From, sc.To, sc.Switches), "time since the switch (s)", gapAxis)
		pm := newPlot("gate m at the trial's start", "time since the switch (s)", "m")
		x := make([]float64, len(sc.Positions))
		iv := make([]fisher.Interval, len(x))
		gx := make([]float64, len(x))
		gy := make([]float64, len(x))
		for k, p := range sc.Positions {
			x[k], iv[k] = p.TimeS, ci(p.Gap)
			gx[k], gy[k] = p.TimeS-sum.TrialMs/2000, p.Gate
		}
		if err := addIntervals(pg, "gap per trial position", x, iv, style{color: colBlue, noLine: true}); err != nil {
			return false, "", err
		}
		if f := rev.PairOf(sc.From, sc.To); f != nil && finite(f.Tau.Est) {
			from, to := f.LevelA.Est, f.LevelB.Est
			if sc.From != f.A {
				from, to = to, from
			}
			fx, fy := expCurve(&analysis.ExpFit{Tau: f.Tau, Y0: analysis.Value{Est: from}, YInf: analysis.Value{Est: to}}, x[len(x)-1])
			if err := addLine(pg, fmt.Sprintf("both directions: τ = %s s", num(f.Tau.Est)), fx, fy, style{color: colVermilion}, false); err != nil {
				return false, "", err
			}
		}
		if f := sc.Fit; f != nil && finite(f.Tau.Est) {
			fx, fy := expCurve(f, x[len(x)-1])
			if err := addLine(pg, fmt.Sprintf("this direction: τ = %s s", num(f.Tau.Est)), fx, fy, style{color: colGrey, dashed: true}, false); err != nil {
				return false, "", err
			}
		}
		if err := addLine(pm, "mean recorded gate", gx, gy, style{color: colGreen}, true); err != nil {
			return false, "", err
		}
		if f := sc.GateFit; f != nil && finite(f.Tau.Est) {
			fx, fy := expCurve(f, gx[len(gx)-1])
			if err := addLine(pm, fmt.Sprintf("fit: τ = %s s (tau_m %g s)", num(f.Tau.Est), rev.TauMS), fx, fy, style{color: colGrey, dashed: true}, false); err != nil {
				return false, "", err
			}
		}
		pg.Title.Text += "\n" + sum.intervalShort()
		headroom(pg, 3)
		pm.Y.Min, pm.Y.Max = 0, 1.25
		top, bottom = append(top, pg), append(bottom, pm)
	}
	return true, "", saveGrid(sum, "fig11_reversibility", [][]*plot.Plot{top, bottom}, vg.Length(len(top))*4.6*vg.Inch, 8*vg.Inch)
}

// expCurve samples a fitted exponential on [0, xmax].
func expCurve(f *analysis.ExpFit, xmax float64) ([]float64, []float64) {
	const n = 100
	x, y := make([]float64, n), make([]float64, n)
	for k := range n {
		x[k] = xmax * float64(k) / (n - 1)
		y[k] = f.YInf.Est + (f.Y0.Est-f.YInf.Est)*math.Exp(-x[k]/f.Tau.Est)
	}
	return x, y
}
