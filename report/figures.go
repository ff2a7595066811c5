package report

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/fisher"
)

const (
	infoUnit = "(1/coherence²)"
	infoAxis = "linear Fisher information " + infoUnit
	gapAxis  = "redundancy I_shuffle − I_real " + infoUnit
)

// series is the blocks of one condition, in run order, with a Fisher estimate.
type series struct {
	name   string
	blocks []*analysis.BlockResult
}

// x returns each block's session, spread by 0.15 when a session holds several
// blocks of the series.
func (s series) x() []float64 {
	count := map[int]int{}
	for _, b := range s.blocks {
		count[b.Session]++
	}
	seen := map[int]int{}
	out := make([]float64, len(s.blocks))
	for k, b := range s.blocks {
		n := count[b.Session]
		out[k] = float64(b.Session) + 0.15*(float64(seen[b.Session])-float64(n-1)/2)
		seen[b.Session]++
	}
	return out
}

// iv returns each block's value at the headline size, with its interval
// over trials.
func (s series) iv(f func(*analysis.SizeResult) analysis.Value) []fisher.Interval {
	return s.ivAt(0, f)
}

// ivAt is iv at subset size n (0: the headline size); a block without that
// size gives NaN.
func (s series) ivAt(n int, f func(*analysis.SizeResult) analysis.Value) []fisher.Interval {
	out := make([]fisher.Interval, len(s.blocks))
	for k, b := range s.blocks {
		out[k] = fisher.Interval{Mean: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
		r := b.Main()
		if n > 0 {
			r = b.Headline().Size(n)
		}
		if r != nil {
			out[k] = ci(f(r))
		}
	}
	return out
}

// rowIv returns each block's row-level value (noise correlation, epsilon).
func (s series) rowIv(f func(*analysis.InfoRow) analysis.Value) []fisher.Interval {
	out := make([]fisher.Interval, len(s.blocks))
	for k, b := range s.blocks {
		out[k] = ci(f(b.Headline()))
	}
	return out
}

func (s series) vals(f func(*analysis.BlockResult) float64) []float64 {
	out := make([]float64, len(s.blocks))
	for k, b := range s.blocks {
		out[k] = f(b)
	}
	return out
}

// conditionSeries returns the series of control-like blocks (learning off, no
// ablation), one per mode and frame kind, task first.
func (sum *page) conditionSeries() []series {
	var out []series
	idx := map[string]int{}
	for k := range sum.Blocks {
		b := &sum.Blocks[k]
		if b.Learning || b.Ablation != "none" || b.Headline() == nil {
			continue
		}
		key := b.Mode + "/" + b.Frames
		i, ok := idx[key]
		if !ok {
			i = len(out)
			idx[key] = i
			out = append(out, series{name: b.Condition()})
		}
		out[i].blocks = append(out[i].blocks, b)
	}
	for k := range out {
		var trained []string
		for _, b := range out[k].blocks {
			if b.TrainedWith != "none" && !slices.Contains(trained, b.TrainedWith) {
				trained = append(trained, b.TrainedWith)
			}
		}
		for _, t := range trained {
			out[k].name += fmt.Sprintf(" (training with %s blocked)", t)
		}
	}
	slices.SortStableFunc(out, func(a, b series) int {
		rank := func(s series) int {
			b := s.blocks[0]
			r := 0
			if b.Mode != "task" {
				r += 2
			}
			if b.Frames != "noise" {
				r++
			}
			return r
		}
		return rank(a) - rank(b)
	})
	return out
}

// taskSeries is the series of control task blocks (noise frames), if any.
func (sum *page) taskSeries() (series, bool) {
	for _, s := range sum.conditionSeries() {
		if b := s.blocks[0]; b.Mode == "task" && b.Frames == "noise" {
			return s, true
		}
	}
	return series{}, false
}

func seriesStyle(s series, k int) style {
	b := s.blocks[0]
	st := style{color: palette[k%len(palette)]}
	switch {
	case b.Mode == "task" && b.Frames == "noise":
		st.color = colBlue
	case b.Mode == "passive" && b.Frames == "noise":
		st.color = colOrange
		st.glyph = draw.SquareGlyph{}
	}
	return st
}

// sessionRange returns the smallest and largest session of the series' blocks.
func sessionRange(ss ...series) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, b := range s.blocks {
			lo = math.Min(lo, float64(b.Session))
			hi = math.Max(hi, float64(b.Session))
		}
	}
	return lo, hi
}

func drawFigures(sum *page) error {
	for _, f := range []struct {
		name string
		draw func(*page) (bool, string, error)
	}{
		{"fig1_information", figInformation}, {"fig2_redundancy", figRedundancy}, {"fig3_within_trial", figWithinTrial},
		{"fig4_ablation", figAblation}, {"fig5_network", figNetwork}, {"fig6_noise_correlation", figNoiseCorrelation}, {"fig7_tuning", figTuning},
		{"fig8_spatial", figSpatial}, {"fig9_taskcorr", figTaskCorr}, {"fig10_consistency", figConsistency}, {"fig11_reversibility", figReversibility},
	} {
		ok, why, err := f.draw(sum)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		if !ok {
			sum.missing = append(sum.missing, f.name+": "+why)
		}
	}
	return nil
}

func figInformation(sum *page) (bool, string, error) {
	s, ok := sum.taskSeries()
	if !ok {
		return false, "no control task block with a Fisher estimate", nil
	}
	p := newPlot("Information in task blocks across training", "", infoAxis)
	x := s.x()
	if err := addIntervals(p, "I_shuffle (trials shuffled per neuron)", x, s.iv(func(i *analysis.SizeResult) analysis.Value { return i.IShuffle }), style{color: colVermilion, glyph: draw.SquareGlyph{}}); err != nil {
		return false, "", err
	}
	if err := addIntervals(p, "I_real", x, s.iv(func(i *analysis.SizeResult) analysis.Value { return i.IReal }), style{color: colBlue}); err != nil {
		return false, "", err
	}
	lo, hi := sessionRange(s)
	sessionAxis(p, sum.Sessions, lo, hi)
	p.Y.Min = math.Min(0, p.Y.Min)
	headroom(p, 2)
	m := s.blocks[0].Main()
	p.Title.Text += "\n" + fmt.Sprintf("mean over %d subsets of %d neurons, %s", m.Subsets, m.N, sum.intervalName())
	return true, "", saveGrid(sum, "fig1_information", [][]*plot.Plot{{p}}, 6.5*vg.Inch, 4.5*vg.Inch)
}

func figRedundancy(sum *page) (bool, string, error) {
	ss := sum.conditionSeries()
	if len(ss) == 0 {
		return false, "no control block with a Fisher estimate", nil
	}
	var row []*plot.Plot
	for _, n := range sum.sizes() {
		p := newPlot(fmt.Sprintf("n = %d neurons per subset%s", n, sizeNote(n, sum.Options.SubsetSize)), "", "redundancy % = 100 mean(gap)/mean(I_shuffle)")
		drawn := 0
		for k, s := range ss {
			iv := s.ivAt(n, func(i *analysis.SizeResult) analysis.Value { return i.RedundancyPct })
			if len(finitePoints(s.x(), iv).x) == 0 {
				continue
			}
			if err := addIntervals(p, s.name, s.x(), iv, seriesStyle(s, k)); err != nil {
				return false, "", err
			}
			drawn++
		}
		if drawn == 0 {
			continue
		}
		lo, hi := sessionRange(ss...)
		sessionAxis(p, sum.Sessions, lo, hi)
		if err := addHLine(p, 0, lo-0.4, hi+0.4); err != nil {
			return false, "", err
		}
		headroom(p, drawn)
		row = append(row, p)
	}
	if len(row) == 0 {
		return false, "no block with a redundancy % (I_shuffle not clearly above 0, or no bootstrap)", nil
	}
	for _, p := range row {
		p.Title.Text = "Redundancy, task vs passive\n" + p.Title.Text + "; " + sum.intervalShort()
	}
	return true, "", saveGrid(sum, "fig2_redundancy", [][]*plot.Plot{row}, vg.Length(len(row))*5.2*vg.Inch, 4.6*vg.Inch)
}

// sizeNote marks the headline size in a title.
func sizeNote(n, main int) string {
	if n == main {
		return " (headline)"
	}
	switch n {
	case 14:
		return " (monkey R)"
	case 52:
		return " (monkey G)"
	}
	return ""
}

func figWithinTrial(sum *page) (bool, string, error) {
	if sum.Early == nil {
		return false, "no control task block with a time course", nil
	}
	type entry struct {
		wt *analysis.WithinTrial
		st style
	}
	entries := []entry{{sum.Early, style{color: colBlue}}}
	if sum.Late != nil {
		entries = append(entries, entry{sum.Late, style{color: colVermilion}})
	}
	kinds := []struct{ kind, title string }{
		{"bin", fmt.Sprintf("single %g ms bins", sum.BinMs)},
		{"200ms", "200 ms windows"},
		{"cumulative", "cumulative from stimulus onset"},
	}
	var row []*plot.Plot
	for _, k := range kinds {
		p := newPlot(k.title, "time from stimulus onset (ms)", gapAxis)
		n := 0
		for _, e := range entries {
			tc := sum.TimeCourse(sum.BlockByIndex(e.wt.Block))
			ws := tc.Kind(k.kind)
			if len(ws) == 0 {
				continue
			}
			x := make([]float64, len(ws))
			iv := make([]fisher.Interval, len(ws))
			for j, w := range ws {
				x[j] = (w.StartMs + w.EndMs) / 2
				if k.kind == "cumulative" {
					x[j] = w.EndMs
				}
				iv[j] = ci(w.Gap)
			}
			if err := addBand(p, model.SessionLabel(e.wt.Session, sum.Sessions), x, iv, e.st); err != nil {
				return false, "", err
			}
			n++
		}
		if n == 0 {
			continue
		}
		p.X.Min, p.X.Max = 0, sum.TrialMs
		if err := addHLine(p, 0, 0, sum.TrialMs); err != nil {
			return false, "", err
		}
		headroom(p, n)
		row = append(row, p)
	}
	if len(row) == 0 {
		return false, "no time-course windows", nil
	}
	for _, p := range row {
		p.Title.Text = "Within-trial redundancy, task blocks\n" + p.Title.Text + "; " + sum.intervalShort()
	}
	return true, "", saveGrid(sum, "fig3_within_trial", [][]*plot.Plot{row}, vg.Length(len(row))*4.6*vg.Inch, 4.3*vg.Inch)
}

// ablationGroups returns the groups of figure 4: for each session with an
// ablated block, the ablated blocks and their control; without ablated blocks
// but with ablated training, the first and the last task block.
func (sum *page) ablationGroups() (labels []string, groups [][]*analysis.BlockResult) {
	at := map[int]int{}
	for _, a := range sum.Ablations {
		k, ok := at[a.Session]
		if !ok {
			k = len(groups)
			at[a.Session] = k
			groups = append(groups, []*analysis.BlockResult{sum.BlockByIndex(a.Control)})
			lbl := model.SessionLabel(a.Session, sum.Sessions)
			if a.ControlSession != a.Session {
				lbl += fmt.Sprintf("\n(control: %s)", model.SessionLabel(a.ControlSession, sum.Sessions))
			}
			labels = append(labels, lbl)
		}
		groups[k] = append(groups[k], sum.BlockByIndex(a.Block))
	}
	if len(groups) > 0 {
		return labels, groups
	}
	s, ok := sum.taskSeries()
	if !ok || len(s.blocks) < 2 {
		return nil, nil
	}
	trained := false
	for _, b := range s.blocks {
		trained = trained || b.TrainedWith != "none"
	}
	if !trained {
		return nil, nil
	}
	first, last := s.blocks[0], s.blocks[len(s.blocks)-1]
	return []string{model.SessionLabel(first.Session, sum.Sessions), model.SessionLabel(last.Session, sum.Sessions)}, [][]*analysis.BlockResult{{first}, {last}}
}

func figAblation(sum *page) (bool, string, error) {
	labels, groups := sum.ablationGroups()
	if len(groups) == 0 {
		return false, "no ablated blocks and no training with an ablation in this run", nil
	}
	// One series per condition across the groups.
	var names []string
	pos := map[string][][2]int{} // condition -> (group, member)
	for g, bs := range groups {
		for m, b := range bs {
			name := b.Condition()
			switch {
			case b.TrainedWith != "none":
				name += fmt.Sprintf(", training with %s blocked", b.TrainedWith)
			case b.Ablation == "none" && len(sum.Ablations) > 0:
				name = "control: " + name
			}
			if _, ok := pos[name]; !ok {
				names = append(names, name)
			}
			pos[name] = append(pos[name], [2]int{g, m})
		}
	}
	panels := []struct {
		title, y string
		get      func(*analysis.BlockResult) (fisher.Interval, bool)
	}{
		{"Redundancy %", "redundancy (% of I_shuffle)", func(b *analysis.BlockResult) (fisher.Interval, bool) {
			if m := b.Main(); m != nil {
				return ci(m.RedundancyPct), finite(m.RedundancyPct.Est)
			}
			return fisher.Interval{}, false
		}},
		{"Redundancy", gapAxis, func(b *analysis.BlockResult) (fisher.Interval, bool) {
			if m := b.Main(); m != nil {
				return ci(m.Gap), true
			}
			return fisher.Interval{}, false
		}},
		{"Mean rate", "mean rate (Hz)", func(b *analysis.BlockResult) (fisher.Interval, bool) {
			return fisher.Interval{Mean: b.MeanRateHz, Lo: b.MeanRateHz, Hi: b.MeanRateHz}, finite(b.MeanRateHz)
		}},
	}
	var row []*plot.Plot
	for _, pn := range panels {
		p := newPlot(pn.title, "", pn.y)
		for k, name := range names {
			var x []float64
			var iv []fisher.Interval
			for _, gm := range pos[name] {
				v, ok := pn.get(groups[gm[0]][gm[1]])
				if !ok {
					continue
				}
				x = append(x, float64(gm[0])+0.18*(float64(k)-float64(len(names)-1)/2))
				iv = append(iv, v)
			}
			st := style{color: palette[k%len(palette)], noLine: true}
			if k == 0 {
				st.color = colBlue
			} else if k == 1 {
				st.color = colGreen
				st.glyph = draw.TriangleGlyph{}
			}
			if err := addIntervals(p, name, x, iv, st); err != nil {
				return false, "", err
			}
		}
		p.NominalX(labels...)
		p.X.Min, p.X.Max = -0.6, float64(len(groups))-0.4
		p.Y.Min = math.Min(0, p.Y.Min)
		headroom(p, len(names))
		row = append(row, p)
	}
	row[0].Title.Text = "Ablation vs control: " + row[0].Title.Text
	for _, p := range row[:2] {
		p.Title.Text += "\n" + sum.intervalShort()
	}
	return true, "", saveGrid(sum, "fig4_ablation", [][]*plot.Plot{row}, 14*vg.Inch, 4.6*vg.Inch)
}

func figNetwork(sum *page) (bool, string, error) {
	ns := sum.Network
	if len(ns) == 0 {
		return false, "no structural weights", nil
	}
	n5 := newNetworkPanels(sum)
	var grid [2][3]*plot.Plot
	for k, panel := range []func() (*plot.Plot, error){n5.wHistPanel, n5.meanWPanel, n5.linkTuningPanel, n5.isletCountPanel, n5.isletSizePanel, n5.isletSizesPanel} {
		p, err := panel()
		if err != nil {
			return false, "", err
		}
		grid[k/3][k%3] = p
	}
	return true, "", saveTiles(sum, "fig5_network", [][]*plot.Plot{grid[0][:], grid[1][:]}, 15*vg.Inch, 9*vg.Inch, false)
}

// networkPanels are the panels of figNetwork, the network by snapshot: their x
// (the session after which each snapshot was taken, or the snapshot's index)
// and the snapshots the histograms show.
type networkPanels struct {
	sum        *page
	ns         []analysis.NetworkStats
	x          []float64
	useSession bool
	shown      []int
}

func newNetworkPanels(sum *page) *networkPanels {
	ns := sum.Network
	n5 := &networkPanels{sum: sum, ns: ns, x: make([]float64, len(ns)), useSession: true, shown: spread(len(ns), 8)}
	for k, n := range ns {
		n5.x[k] = float64(n.Session)
		if n.Session < 0 {
			n5.useSession = false
		}
	}
	if !n5.useSession {
		for k := range n5.x {
			n5.x[k] = float64(k)
		}
	}
	return n5
}

// axis labels p's x axis by session or by snapshot.
func (n5 *networkPanels) axis(p *plot.Plot) {
	if n5.useSession {
		sessionAxis(p, n5.sum.Sessions, n5.x[0], n5.x[len(n5.x)-1])
		p.X.Label.Text = "after session (0: before training, end: after the final blocks)"
	} else {
		p.X.Label.Text = "snapshot"
	}
}

// get is f of every snapshot.
func (n5 *networkPanels) get(f func(analysis.NetworkStats) float64) []float64 {
	out := make([]float64, len(n5.ns))
	for k, n := range n5.ns {
		out[k] = f(n)
	}
	return out
}

// wHistPanel is panel (a): the w histogram of up to 8 snapshots, on a log axis.
func (n5 *networkPanels) wHistPanel() (*plot.Plot, error) {
	pa := newPlot("(a) Structural weights w", fmt.Sprintf("w (%d bins on [0, 1])", analysis.WHistBins), "fraction of candidate contacts")
	pa.Legend.Left = false
	pa.Legend.Top = false
	pa.Legend.YOffs = vg.Points(6)
	pa.Legend.XOffs = -vg.Points(70)
	total := 0
	for _, c := range n5.ns[0].WHist {
		total += c
	}
	for _, k := range n5.shown {
		n := n5.ns[k]
		xs := make([]float64, analysis.WHistBins)
		ys := make([]float64, analysis.WHistBins)
		for j, c := range n.WHist {
			xs[j] = (float64(j) + 0.5) / analysis.WHistBins
			ys[j] = math.NaN() // an empty bin has no place on the log axis
			if c > 0 {
				ys[j] = float64(c) / float64(max(total, 1))
			}
		}
		if err := addLine(pa, n5.sum.SnapshotLabel(n), xs, ys, style{color: gradient(k, len(n5.ns))}, true); err != nil {
			return nil, err
		}
	}
	pa.X.Min, pa.X.Max = 0, 1
	pa.Y.Scale = plot.LogScale{}
	pa.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	pa.Y.Min, pa.Y.Max = 0.5/float64(max(total, 1)), 1.5
	return pa, nil
}

// meanWPanel is panel (b): mean w and the fraction of contacts that are links.
func (n5 *networkPanels) meanWPanel() (*plot.Plot, error) {
	pb := newPlot("(b) Mean w and linked contacts", "", "w, or fraction of contacts")
	if err := addLine(pb, "mean w", n5.x, n5.get(func(n analysis.NetworkStats) float64 { return n.MeanW }), style{color: colBlue}, true); err != nil {
		return nil, err
	}
	if err := addLine(pb, fmt.Sprintf("fraction with w ≥ %g", n5.sum.Threshold), n5.x, n5.get(func(n analysis.NetworkStats) float64 { return n.LinkedFrac }), style{color: colVermilion, glyph: draw.SquareGlyph{}}, true); err != nil {
		return nil, err
	}
	n5.axis(pb)
	pb.Y.Min = 0
	headroom(pb, 2)
	return pb, nil
}

// linkTuningPanel is panel (c): the tuning similarity of linked neurons.
func (n5 *networkPanels) linkTuningPanel() (*plot.Plot, error) {
	pc := newPlot("(c) Tuning similarity of linked neurons", "", "mean cos 2(θ_i − θ_j)")
	if err := addLine(pc, "w-weighted, all contacts", n5.x, n5.get(func(n analysis.NetworkStats) float64 { return n.LinkCos2Weighted }), style{color: colBlue}, true); err != nil {
		return nil, err
	}
	if err := addLine(pc, fmt.Sprintf("links with w ≥ %g", n5.sum.Threshold), n5.x, n5.get(func(n analysis.NetworkStats) float64 { return n.LinkCos2Linked }), style{color: colVermilion, glyph: draw.SquareGlyph{}}, true); err != nil {
		return nil, err
	}
	if err := addLine(pc, "all candidate contacts (reference)", n5.x, n5.get(func(n analysis.NetworkStats) float64 { return n.CandidateCos2 }), style{color: colGrey, dashed: true}, false); err != nil {
		return nil, err
	}
	n5.axis(pc)
	pc.Y.Min = math.Min(pc.Y.Min, -0.1)
	pc.Y.Max = math.Max(pc.Y.Max, 0.5)
	headroom(pc, 3)
	return pc, nil
}

// isletCountPanel is panel (d): the number of islets.
func (n5 *networkPanels) isletCountPanel() (*plot.Plot, error) {
	pd := newPlot(fmt.Sprintf("(d) Islets (w ≥ %g)", n5.sum.Threshold), "", "number of islets")
	if err := addLine(pd, "islets", n5.x, n5.get(func(n analysis.NetworkStats) float64 { return float64(n.Islets) }), style{color: colBlue}, true); err != nil {
		return nil, err
	}
	n5.axis(pd)
	pd.Y.Min = 0
	pd.Y.Max = math.Max(pd.Y.Max, 1)
	pd.Legend = plot.NewLegend()
	return pd, nil
}

// isletSizePanel is panel (e): the mean and largest islet size.
func (n5 *networkPanels) isletSizePanel() (*plot.Plot, error) {
	pe := newPlot("(e) Islet size", "", "spines or neurons per islet")
	if err := addLine(pe, "mean spines", n5.x, n5.get(func(n analysis.NetworkStats) float64 { return n.IsletMeanSpines }), style{color: colBlue}, true); err != nil {
		return nil, err
	}
	if err := addLine(pe, "mean neurons", n5.x, n5.get(func(n analysis.NetworkStats) float64 { return n.IsletMeanNeurons }), style{color: colGreen, glyph: draw.TriangleGlyph{}}, true); err != nil {
		return nil, err
	}
	if err := addLine(pe, "largest (spines)", n5.x, n5.get(func(n analysis.NetworkStats) float64 {
		if n.Islets == 0 {
			return math.NaN()
		}
		return float64(n.IsletMaxSpines)
	}), style{color: colVermilion, dashed: true, glyph: draw.SquareGlyph{}}, true); err != nil {
		return nil, err
	}
	n5.axis(pe)
	any := false
	for _, n := range n5.ns {
		any = any || n.Islets > 0
	}
	if any {
		pe.Y.Scale = plot.LogScale{}
		pe.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		pe.Y.Min = 1
		pe.Y.Max = pe.Y.Max * math.Pow(pe.Y.Max, 0.35)
	} else {
		pe.Y.Min, pe.Y.Max = 0, 1
		if err := addNote(pe, n5.x[0], 0.5, "no islets at this threshold"); err != nil {
			return nil, err
		}
	}
	return pe, nil
}

// isletSizesPanel is panel (f): the distribution of islet sizes of up to 8 snapshots.
func (n5 *networkPanels) isletSizesPanel() (*plot.Plot, error) {
	pf := newPlot("(f) Islet size distribution", "islet size (spines)", "number of islets")
	pf.Legend.Left = false
	drawn := 0
	for _, k := range n5.shown {
		n := n5.ns[k]
		if len(n.IsletSizes) == 0 {
			continue
		}
		xs := make([]float64, len(n.IsletSizes))
		ys := make([]float64, len(n.IsletSizes))
		for j, sc := range n.IsletSizes {
			xs[j], ys[j] = float64(sc.Size), float64(sc.Count)
		}
		if err := addLine(pf, n5.sum.SnapshotLabel(n), xs, ys, style{color: gradient(k, len(n5.ns))}, true); err != nil {
			return nil, err
		}
		drawn++
	}
	if drawn > 0 {
		pf.X.Scale, pf.Y.Scale = plot.LogScale{}, plot.LogScale{}
		pf.X.Tick.Marker, pf.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
		pf.X.Min, pf.Y.Min = 1.5, 0.7
		pf.X.Max = math.Max(pf.X.Max*1.5, 10)
		pf.Y.Max = pf.Y.Max * math.Pow(pf.Y.Max, 0.5) * 2
	} else {
		pf.X.Min, pf.X.Max, pf.Y.Min, pf.Y.Max = 0, 1, 0, 1
		if err := addNote(pf, 0.2, 0.5, "no islets at this threshold"); err != nil {
			return nil, err
		}
	}
	return pf, nil
}

func figNoiseCorrelation(sum *page) (bool, string, error) {
	ss := sum.conditionSeries()
	if len(ss) == 0 {
		return false, "no control block with a Fisher estimate", nil
	}
	lo, hi := sessionRange(ss...)
	pn := newPlot("(a) Mean noise correlation (all usable neurons)", "", "mean pairwise noise correlation")
	pe := newPlot("(b) Information-limiting variance ε", "", "ε of 1/I(n) = 1/(a n) + ε (coherence²)")
	pr := newPlot(fmt.Sprintf("(c) Redundancy, %d neurons per subset", sum.Options.SubsetSize), "", "redundancy (% of I_shuffle)")
	pf := newPlot("(d) Variability", "", "median Fano factor of the trial's count")
	for k, s := range ss {
		st := seriesStyle(s, k)
		if err := addIntervals(pn, s.name, s.x(), s.rowIv(func(r *analysis.InfoRow) analysis.Value { return r.NoiseCorr }), st); err != nil {
			return false, "", err
		}
		if err := addIntervals(pe, s.name, s.x(), s.rowIv(func(r *analysis.InfoRow) analysis.Value { return r.Epsilon }), st); err != nil {
			return false, "", err
		}
		if err := addIntervals(pr, s.name, s.x(), s.iv(func(i *analysis.SizeResult) analysis.Value { return i.RedundancyPct }), st); err != nil {
			return false, "", err
		}
		if err := addLine(pf, s.name, s.x(), s.vals(func(b *analysis.BlockResult) float64 { return b.Headline().Fano }), st, true); err != nil {
			return false, "", err
		}
	}
	for _, p := range []*plot.Plot{pn, pe, pr, pf} {
		sessionAxis(p, sum.Sessions, lo, hi)
		if err := addHLine(p, 0, lo-0.4, hi+0.4); err != nil {
			return false, "", err
		}
		headroom(p, len(ss))
		p.Title.Text += "\n" + sum.intervalShort()
	}
	pf.Title.Text = "(d) Variability"
	if err := addHLine(pf, 1, lo-0.4, hi+0.4); err != nil {
		return false, "", err
	}
	return true, "", saveGrid(sum, "fig6_noise_correlation", [][]*plot.Plot{{pn, pe}, {pr, pf}}, 12*vg.Inch, 8.5*vg.Inch)
}

func figTuning(sum *page) (bool, string, error) {
	if len(sum.Ablations) == 0 {
		return false, "no ablated blocks in this run", nil
	}
	p := newPlot("Tuning curves: ablated blocks vs their control task blocks", "|frame orientation − preferred orientation θ| (deg)", "mean rate (Hz)")
	p.Legend.Left = false
	xs := make([]float64, analysis.TuningBins)
	for k := range xs {
		xs[k] = (float64(k) + 0.5) * 90 / analysis.TuningBins
	}
	n := 0
	for k, a := range sum.Ablations {
		c := palette[k%len(palette)]
		ctl, abl := sum.BlockByIndex(a.Control), sum.BlockByIndex(a.Block)
		if err := addLine(p, fmt.Sprintf("control, %s", model.SessionLabel(ctl.Session, sum.Sessions)), xs, ctl.Tuning, style{color: c}, true); err != nil {
			return false, "", err
		}
		if err := addLine(p, fmt.Sprintf("%s, %s", abl.Condition(), model.SessionLabel(abl.Session, sum.Sessions)), xs, abl.Tuning, style{color: c, dashed: true, glyph: draw.TriangleGlyph{}}, true); err != nil {
			return false, "", err
		}
		n += 2
	}
	p.X.Min, p.X.Max = 0, 90
	var ticks plot.ConstantTicks
	for d := 0; d <= 90; d += 15 {
		ticks = append(ticks, plot.Tick{Value: float64(d), Label: fmt.Sprint(d)})
	}
	p.X.Tick.Marker = ticks
	p.Y.Min = 0
	headroom(p, n)
	return true, "", saveGrid(sum, "fig7_tuning", [][]*plot.Plot{{p}}, 6.5*vg.Inch, 4.8*vg.Inch)
}

// spread returns up to m indices of [0, n) evenly spread, the first and the
// last included.
func spread(n, m int) []int {
	if n <= m {
		out := make([]int, n)
		for k := range out {
			out[k] = k
		}
		return out
	}
	out := make([]int, 0, m)
	for j := range m {
		k := int(math.Round(float64(j) * float64(n-1) / float64(m-1)))
		if len(out) == 0 || out[len(out)-1] != k {
			out = append(out, k)
		}
	}
	return out
}
