package report

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// WriteSweep renders a merged sweep into dir (the sweep directory):
// merged.csv (per condition and headline number, the mean and spread across
// seeds), merged_points.csv (every merged point's headline numbers), one
// figure per swept parameter, fig_merge_KEY (.png, .svg: the headline
// numbers against the parameter, one line per combination of the other
// parameters) and merged.md. Every file is written whole or not at all.
func WriteSweep(ss *analysis.SweepSummary, dir string, opt WriteOptions) (*Written, error) {
	pg := &page{Summary: &analysis.Summary{}, dir: dir, ctx: opt.Context}
	if len(ss.Conditions) == 0 {
		return nil, fmt.Errorf("sweep %s: no condition has a finished run to merge", ss.Name)
	}
	names := headlineNames(ss)
	header := append(slices.Clone(ss.Params), rundir.MergedColumns...)
	err := writeCSV(pg, rundir.MergedFile, header, func(emit func([]string) error) error {
		for _, c := range ss.Conditions {
			for _, h := range c.Seeds.Headline {
				var vals []string
				for _, v := range h.Values {
					vals = append(vals, fmtG(v))
				}
				a := h.Across
				rec := append(slices.Clone(c.Values), h.What, strconv.Itoa(a.N), fmtG(a.Mean), fmtG(a.SD), fmtG(a.CILo), fmtG(a.CIHi), strings.Join(vals, " "))
				if err := emit(rec); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	header = append(append(slices.Clone(rundir.MergedPointsColumns), ss.Params...), names...)
	err = writeCSV(pg, rundir.MergedPointsFile, header, func(emit func([]string) error) error {
		for _, c := range ss.Conditions {
			for s := range c.Seeds.Seeds {
				d := c.Seeds.Dirs[s]
				if rel, err := filepath.Rel(dir, d); err == nil && filepath.IsLocal(rel) {
					d = filepath.ToSlash(rel)
				}
				rec := []string{strconv.Itoa(c.Points[s]), d, strconv.FormatUint(c.Seeds.Seeds[s], 10)}
				rec = append(rec, c.Values...)
				for _, h := range c.Seeds.Headline {
					rec = append(rec, fmtG(h.Values[s]))
				}
				if err := emit(rec); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var figs []string
	if !opt.NoFigures {
		for k := range ss.Params {
			base := "fig_merge_" + fileLabel(ss.Params, k)
			ok, why, err := sweepFigure(pg, ss, k, base)
			if err != nil {
				return nil, err
			}
			if ok {
				figs = append(figs, base)
			} else {
				pg.missing = append(pg.missing, base+": "+why)
			}
		}
	}
	if err := pg.writeFile(rundir.MergedReportFile, func(w io.Writer) error { return sweepReport(w, pg, ss, figs) }); err != nil {
		return nil, err
	}
	return &Written{Files: pg.files, Missing: pg.missing}, nil
}

// headlineNames are the names of the conditions' headline numbers (the same
// in every condition).
func headlineNames(ss *analysis.SweepSummary) []string {
	var names []string
	for _, h := range ss.Conditions[0].Seeds.Headline {
		names = append(names, h.What)
	}
	return names
}

// fileLabel names parameter k in file names: the last part of its key unless
// another parameter shares it, letters, digits, '.', '_' and '-' only.
func fileLabel(params []string, k int) string {
	last := func(s string) string { return s[strings.LastIndexByte(s, '.')+1:] }
	l := last(params[k])
	for j, p := range params {
		if j != k && last(p) == l {
			l = params[k]
		}
	}
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, l)
}

// quantityLabel is a headline number's axis label.
func quantityLabel(name string) string {
	switch {
	case strings.HasPrefix(name, "redundancy_pct_n"):
		return fmt.Sprintf("redundancy (%% of I_shuffle), n = %s", strings.TrimPrefix(name, "redundancy_pct_n"))
	case name == "i_real":
		return "I_real (1/coherence^2)"
	case name == "i_shuffle":
		return "I_shuffle (1/coherence^2)"
	case name == "redundancy":
		return "I_shuffle - I_real (1/coherence^2)"
	case name == "task_minus_passive_pct":
		return "task - passive redundancy (points)"
	case name == "learning_pct":
		return "learning: late - early redundancy (points)"
	case name == "ablation_pct":
		return "ablated - control redundancy (points)"
	}
	return name
}

// quantityTitle is a headline number's panel title.
func quantityTitle(name string) string {
	switch {
	case strings.HasPrefix(name, "redundancy_pct_n"):
		return "redundancy %, n = " + strings.TrimPrefix(name, "redundancy_pct_n")
	case name == "i_real":
		return "I_real"
	case name == "i_shuffle":
		return "I_shuffle"
	case name == "redundancy":
		return "redundancy I_shuffle - I_real"
	case name == "task_minus_passive_pct":
		return "task - passive"
	case name == "learning_pct":
		return "learning (late - early)"
	case name == "ablation_pct":
		return "ablation (ablated - control)"
	}
	return name
}

// sweepFigure draws every headline number with a value against parameter k:
// one panel per number, one line per combination of the other parameters;
// each condition's mean across seeds with its 95% t interval, and the seeds
// as small translucent points.
func sweepFigure(pg *page, ss *analysis.SweepSummary, k int, base string) (bool, string, error) {
	ax := newSweepAxis(ss, k)
	if len(ax.values) < 2 {
		return false, fmt.Sprintf("%s takes one value", ss.Params[k]), nil
	}
	groups := sweepGroups(ss, k)
	var panels []*plot.Plot
	for q, name := range headlineNames(ss) {
		has := false
		for _, c := range ss.Conditions {
			has = has || finite(c.Seeds.Headline[q].Across.Mean)
		}
		if !has {
			continue
		}
		p, err := ax.panel(ss, q, name, groups)
		if err != nil {
			return false, "", err
		}
		panels = append(panels, p)
	}
	if len(panels) == 0 {
		return false, "no headline number has a value", nil
	}
	grid, rows, cols := panelGrid(panels)
	grid[0][0].Title.Text = fmt.Sprintf("sweep %s: mean of the seeds, 95%% t interval\n", ss.Name) + grid[0][0].Title.Text
	return true, "", saveTiles(pg, base, grid, vg.Length(cols)*4.2*vg.Inch, vg.Length(rows)*3.6*vg.Inch, false)
}

// sweepAxis is the x axis of a sweep figure over parameter k: the
// parameter's values as numbers when they all are, else their order of
// appearance, labelled.
type sweepAxis struct {
	k       int
	values  []string           // in order of appearance
	xs      map[string]float64 // the x of each value
	numeric bool
}

func newSweepAxis(ss *analysis.SweepSummary, k int) sweepAxis {
	ax := sweepAxis{k: k, numeric: true}
	for _, c := range ss.Conditions {
		if !slices.Contains(ax.values, c.Values[k]) {
			ax.values = append(ax.values, c.Values[k])
		}
	}
	ax.xs = make(map[string]float64, len(ax.values))
	for _, v := range ax.values {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !finite(f) {
			ax.numeric = false
			break
		}
		ax.xs[v] = f
	}
	if !ax.numeric {
		for i, v := range ax.values {
			ax.xs[v] = float64(i)
		}
	}
	return ax
}

// sweepGroup is one line of a sweep figure: the conditions that share the
// values of the other parameters.
type sweepGroup struct {
	label string
	conds []analysis.SweepCondition
}

// sweepGroups groups the conditions by the values of every parameter but k.
func sweepGroups(ss *analysis.SweepSummary, k int) []*sweepGroup {
	var groups []*sweepGroup
	for _, c := range ss.Conditions {
		var parts []string
		for j, p := range ss.Params {
			if j != k {
				parts = append(parts, fmt.Sprintf("%s=%s", p[strings.LastIndexByte(p, '.')+1:], c.Values[j]))
			}
		}
		label := strings.Join(parts, ", ")
		i := slices.IndexFunc(groups, func(g *sweepGroup) bool { return g.label == label })
		if i < 0 {
			groups = append(groups, &sweepGroup{label: label})
			i = len(groups) - 1
		}
		groups[i].conds = append(groups[i].conds, c)
	}
	return groups
}

// panel draws headline number q (name) against the axis: each group's seeds
// as points and their mean with its interval.
func (ax sweepAxis) panel(ss *analysis.SweepSummary, q int, name string, groups []*sweepGroup) (*plot.Plot, error) {
	k, xs := ax.k, ax.xs
	p := newPlot(quantityTitle(name), ss.Params[k], quantityLabel(name))
	for gi, g := range groups {
		conds := slices.Clone(g.conds)
		slices.SortStableFunc(conds, func(a, b analysis.SweepCondition) int {
			return cmpFloat(xs[a.Values[k]], xs[b.Values[k]])
		})
		st := style{color: palette[gi%len(palette)]}
		x := make([]float64, len(conds))
		iv := make([]fisher.Interval, len(conds))
		var sx, sy []float64
		for j, c := range conds {
			a := c.Seeds.Headline[q].Across
			x[j] = xs[c.Values[k]]
			iv[j] = fisher.Interval{Mean: a.Mean, Lo: a.CILo, Hi: a.CIHi}
			if !finite(a.CILo) { // one seed: no interval
				iv[j].Lo, iv[j].Hi = a.Mean, a.Mean
			}
			for _, v := range c.Seeds.Headline[q].Values {
				sx, sy = append(sx, x[j]), append(sy, v)
			}
		}
		if err := addLine(p, "", sx, sy, style{color: translucent(st.color, 110), noLine: true}, true); err != nil {
			return nil, err
		}
		if err := addIntervals(p, g.label, x, iv, st); err != nil {
			return nil, err
		}
	}
	if !ax.numeric {
		p.X.Tick.Marker = labelTicks(ax.values)
		p.X.Min, p.X.Max = -0.5, float64(len(ax.values))-0.5
	} else {
		pad := 0.05 * (p.X.Max - p.X.Min)
		p.X.Min, p.X.Max = p.X.Min-pad, p.X.Max+pad
	}
	if len(groups) > 1 {
		headroom(p, len(groups))
	}
	return p, nil
}

// panelGrid lays panels out in rows of 3 or 4, as few left empty as may be.
func panelGrid(panels []*plot.Plot) (grid [][]*plot.Plot, rows, cols int) {
	cols = min(4, len(panels))
	if n := len(panels); n%3 == 0 || n == 5 {
		cols = min(3, n)
	}
	rows = (len(panels) + cols - 1) / cols
	grid = make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
	}
	for i, p := range panels {
		grid[i/cols][i%cols] = p
	}
	return grid, rows, cols
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// labelTicks labels the integer positions 0..len(labels)-1.
type labelTicks []string

func (t labelTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for i, l := range t {
		if x := float64(i); x >= lo && x <= hi {
			ticks = append(ticks, plot.Tick{Value: x, Label: l})
		}
	}
	return ticks
}

func sweepReport(w io.Writer, pg *page, ss *analysis.SweepSummary, figs []string) error {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	runs := 0
	for _, c := range ss.Conditions {
		runs += len(c.Seeds.Seeds)
	}
	p("# iplgpu sweep %s: %d conditions, %d runs\n\n", ss.Name, len(ss.Conditions), runs)
	p("**Swept.** %s; every condition is run once per seed, and the seeds play Liu et al.'s animals: below, each headline number of the condition's runs is the mean across its seeds ± their standard deviation, with the 95%% t interval of the mean. Each run's own report (`runs/*/report.md`) carries its within-run intervals over trials. Tables: `%s` (per condition), `%s` (per run).\n\n",
		strings.Join(ss.Params, ", "), rundir.MergedFile, rundir.MergedPointsFile)
	for _, n := range ss.Notes {
		p("- Note: %s\n", n)
	}
	if len(ss.Notes) > 0 {
		p("\n")
	}
	p("**Headline numbers** (analysis.HeadlineNames): the latest control task block's redundancy %% (100 (I_shuffle - I_real)/I_shuffle) at subset sizes 14, 20 and 52, its I_real, I_shuffle and their difference at the headline size (1/coherence^2), task minus passive redundancy %% in the latest session measured in both modes, the learning effect (latest minus earliest control task block) and the ablation effect (ablated minus control block), in percentage points.\n\n")
	for _, f := range figs {
		p("![%s](%s.png)\n\n([SVG](%s.svg))\n\n", f, f, f)
	}
	for _, m := range pg.missing {
		p("- Not drawn: %s.\n\n", m)
	}
	p("| %s | quantity | seeds | mean ± sd | 95%% t interval |\n|%s---|---:|---|---|\n", strings.Join(ss.Params, " | "), strings.Repeat("---|", len(ss.Params)))
	for _, c := range ss.Conditions {
		for _, h := range c.Seeds.Headline {
			a := h.Across
			f := num
			if strings.HasSuffix(h.What, "_pct") || strings.HasPrefix(h.What, "redundancy_pct") {
				f = pctNum
			}
			iv := "–"
			if finite(a.CILo) {
				iv = fmt.Sprintf("%s to %s", f(a.CILo), f(a.CIHi))
			}
			sd := ""
			if finite(a.SD) {
				sd = " ± " + f(a.SD)
			}
			p("| %s | %s | %d | %s%s | %s |\n", strings.Join(c.Values, " | "), h.What, a.N, f(a.Mean), sd, iv)
		}
	}
	p("\n")
	return nil
}
