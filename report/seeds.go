package report

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// WriteSeeds renders the across-seed summary into dir (the directory that
// holds the runs): seeds.csv, the figure fig_seeds (.png, .svg) and
// seeds_calibration.csv, seeds.md. Every file is written whole or not at all.
func WriteSeeds(ss *analysis.SeedSummary, dir string, opt WriteOptions) (*Written, error) {
	pg := &page{Summary: &analysis.Summary{}, dir: dir, ctx: opt.Context}
	err := writeCSV(pg, rundir.SeedsFile, rundir.SeedsColumns, func(emit func([]string) error) error {
		for _, r := range ss.Rows {
			n := ""
			if r.SubsetN > 0 {
				n = strconv.Itoa(r.SubsetN)
			}
			var vals []string
			for _, v := range r.Values {
				vals = append(vals, fmtG(v))
			}
			rec := []string{strconv.Itoa(r.Session), strconv.Itoa(r.Block), r.BlockName, r.Mode, r.Condition, fmtG(r.Coherence), n, r.Quantity,
				strconv.Itoa(r.Across.N), fmtG(r.Across.Mean), fmtG(r.Across.SD), fmtG(r.Across.CILo), fmtG(r.Across.CIHi), fmtG(r.WithinHalf), strings.Join(vals, " ")}
			if err := emit(rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := writeSeedCalibrationCSV(pg, ss); err != nil {
		return nil, err
	}
	if !opt.NoFigures {
		if ok, why, err := seedFigure(pg, ss); err != nil {
			return nil, err
		} else if !ok {
			pg.missing = append(pg.missing, "fig_seeds: "+why)
		}
	}
	if err := pg.writeFile(rundir.SeedsReportFile, func(w io.Writer) error { return seedsReport(w, pg, ss) }); err != nil {
		return nil, err
	}
	return &Written{Files: pg.files, Missing: pg.missing}, nil
}

// seedText is "mean ± sd (95% CI lo to hi over n seeds)".
func seedText(a analysis.Across, f func(float64) string) string {
	if a.N < 2 {
		return f(a.Mean)
	}
	return fmt.Sprintf("%s ± %s (95%% CI of the mean %s to %s over %d seeds)", f(a.Mean), f(a.SD), f(a.CILo), f(a.CIHi), a.N)
}

func seedsReport(w io.Writer, pg *page, ss *analysis.SeedSummary) error {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("# iplgpu: %d runs of one configuration, seeds as animals\n\n", len(ss.Seeds))
	var seeds []string
	for k, s := range ss.Seeds {
		seeds = append(seeds, fmt.Sprintf("%d (`%s`)", s, filepath.Base(ss.Dirs[k])))
	}
	p("**Runs.** Seeds %s. Each run's own analysis (report.md in its directory) carries 95%% bootstrap intervals over that run's trials; here the runs play Liu et al.'s animals: the mean across seeds, its standard deviation, the 95%% t interval of the mean, and beside it the mean half-width of the within-run intervals. Where the spread across seeds exceeds the within-run intervals, the network and the stimulus draw (the seed), not the trials, dominate the uncertainty. Table: `%s`.\n\n", strings.Join(seeds, ", "), rundir.SeedsFile)
	p("## Key results\n\n")
	for _, e := range []*analysis.SeedEffect{ss.Learning, ss.TaskPassive} {
		if e == nil {
			continue
		}
		var v []string
		for _, x := range e.Values {
			v = append(v, points(x))
		}
		p("- %s: %s percentage points; per seed %s; two-sided t test of mean 0 across seeds: p = %.2g; significant within the run (bootstrap test, p < 0.05) in %d of %d seeds.\n",
			strings.ToUpper(e.What[:1])+e.What[1:], seedText(e.Across, points), strings.Join(v, ", "), e.Across.P, e.Significant, len(e.Values))
	}
	p("\n")
	seedCalibrationSection(w, ss)
	if slices.Contains(pg.files, "fig_seeds.png") {
		p("**Figure.** Redundancy %% of the control blocks across sessions: each seed (thin) and the mean across seeds with its 95%% t interval. ([SVG](fig_seeds.svg))\n\n![fig_seeds](fig_seeds.png)\n\n")
	}
	for _, m := range pg.missing {
		p("- Not drawn: %s.\n\n", m)
	}
	p("## Per block\n\n")
	p("Mean ± sd across seeds [95%% t interval of the mean]; within-run: the mean half-width of the runs' 95%% bootstrap intervals.\n\n")
	p("| block | session | condition | n | quantity | across seeds | within-run ± |\n|---:|---:|---|---:|---|---|---:|\n")
	for _, r := range ss.Rows {
		if r.Quantity != "redundancy_pct" && r.Quantity != "i_real" && r.Quantity != "i_shuffle" && r.Quantity != "noise_corr" && r.Quantity != "epsilon" {
			continue
		}
		n := "–"
		if r.SubsetN > 0 {
			n = strconv.Itoa(r.SubsetN)
		}
		f := num
		if r.Quantity == "redundancy_pct" {
			f = pctNum
		}
		cell := fmt.Sprintf("%s ± %s [%s, %s]", f(r.Across.Mean), f(r.Across.SD), f(r.Across.CILo), f(r.Across.CIHi))
		p("| %d | %d | %s | %s | %s | %s | %s |\n", r.Block, r.Session, r.Condition, n, r.Quantity, cell, f(r.WithinHalf))
	}
	p("\n")
	return nil
}

// seedFigure draws redundancy % per session: every seed and the mean.
func seedFigure(pg *page, ss *analysis.SeedSummary) (bool, string, error) {
	var sizes []int
	for _, r := range ss.Rows {
		if r.Quantity == "redundancy_pct" && !slices.Contains(sizes, r.SubsetN) {
			sizes = append(sizes, r.SubsetN)
		}
	}
	slices.Sort(sizes)
	if len(sizes) == 0 {
		return false, "no redundancy % in the runs", nil
	}
	var row []*plot.Plot
	for _, n := range sizes {
		p := newPlot(fmt.Sprintf("%d neurons per subset", n), "training session (0: before training)", "redundancy (% of I_shuffle)")
		for k, cond := range []string{"task", "passive"} {
			var rs []analysis.SeedRow
			for _, r := range ss.Rows {
				if r.Quantity == "redundancy_pct" && r.SubsetN == n && r.Condition == cond {
					rs = append(rs, r)
				}
			}
			if len(rs) == 0 {
				continue
			}
			st := style{color: colBlue}
			if k == 1 {
				st = style{color: colOrange, glyph: draw.SquareGlyph{}}
			}
			x := make([]float64, len(rs))
			iv := make([]fisher.Interval, len(rs))
			for j, r := range rs {
				x[j] = float64(r.Session)
				iv[j] = fisher.Interval{Mean: r.Across.Mean, Lo: r.Across.CILo, Hi: r.Across.CIHi}
			}
			for s := range ss.Seeds {
				y := make([]float64, len(rs))
				for j, r := range rs {
					y[j] = r.Values[s]
				}
				if err := addLine(p, "", x, y, style{color: translucent(st.color, 90)}, false); err != nil {
					return false, "", err
				}
			}
			if err := addIntervals(p, cond+": mean across seeds, 95% t interval", x, iv, st); err != nil {
				return false, "", err
			}
		}
		p.Y.Min = math.Min(0, p.Y.Min)
		headroom(p, 2)
		row = append(row, p)
	}
	row[0].Title.Text = fmt.Sprintf("Redundancy across %d seeds\n", len(ss.Seeds)) + row[0].Title.Text
	return true, "", saveGrid(pg, "fig_seeds", [][]*plot.Plot{row}, vg.Length(len(row))*5*vg.Inch, 4.6*vg.Inch)
}
