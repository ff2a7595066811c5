package report

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// writeSpatialCSV writes spatial.csv (nothing without a spatial analysis).
func writeSpatialCSV(sum *page) error {
	sp := sum.Spatial
	if sp == nil {
		return nil
	}
	row := func(measure string, block, session int, base []string, mode string, b analysis.SpatialBin) []string {
		return append(append([]string{measure, strconv.Itoa(block), strconv.Itoa(session)}, base...),
			mode, b.Kind, fmtG(b.LoUm), fmtG(b.HiUm), fmtG(b.MeanDistUm), strconv.Itoa(b.Pairs),
			fmtG(b.Redundancy), fmtG(b.RedundancySE), fmtG(b.IReal), fmtG(b.IShuffle))
	}
	return writeCSV(sum, rundir.SpatialFile, rundir.SpatialColumns, func(emit func([]string) error) error {
		for _, b := range sp.Blocks {
			for _, k := range analysis.SpatialKinds {
				for _, bin := range b.Of(k) {
					if err := emit(row("block", b.Block, b.Session, []string{"", ""}, b.Mode, bin)); err != nil {
						return err
					}
				}
			}
		}
		if len(sp.Increase) == 0 {
			return nil
		}
		e, l := sp.BlockOf(sp.Early), sp.BlockOf(sp.Late)
		base := []string{strconv.Itoa(e.Block), strconv.Itoa(e.Session)}
		for _, k := range analysis.SpatialKinds {
			for _, bin := range sp.IncreaseOf(k) {
				if err := emit(row("increase", l.Block, l.Session, base, l.Mode, bin)); err != nil {
					return err
				}
			}
			if pb := sp.PooledOf(k); pb != nil {
				if err := emit(row("increase_pooled", l.Block, l.Session, base, l.Mode, *pb)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// spatialSentences are the spatial analysis's findings, computed from the
// numbers; the first is the headline for the key results.
func spatialSentences(sum *page) []string {
	sp := sum.Spatial
	if sp == nil {
		return nil
	}
	S := sum.Sessions
	pm := func(b analysis.SpatialBin) string {
		return fmt.Sprintf("%s ± %s (%d pairs)", num(b.Redundancy), num(b.RedundancySE), b.Pairs)
	}
	var out []string
	if len(sp.Increase) == 0 {
		return append(out, "Spatial scale: there is only one control task block, so there is no learning-induced increase to set against distance; spatial.csv holds the per-block pairwise redundancy.")
	}
	e, l := sp.BlockOf(sp.Early), sp.BlockOf(sp.Late)
	s := fmt.Sprintf("The learning-induced redundancy increase between neuron pairs (I_shuffle − I_real of each pair, %s minus %s, mean ± s.e. over pairs) was ",
		model.SessionLabel(l.Session, S), model.SessionLabel(e.Session, S))
	if sp.Near.Pairs > 0 {
		s += fmt.Sprintf("%s below %d µm", pm(sp.Near), analysis.SpatialNearUm)
	} else {
		s += fmt.Sprintf("not measured below %d µm (no pair with an estimate)", analysis.SpatialNearUm)
	}
	if sp.Far.Pairs > 0 {
		s += fmt.Sprintf(" and %s at or beyond %g µm", pm(sp.Far), sp.Far.LoUm)
	} else {
		s += fmt.Sprintf("; no neuron pair lies %g µm or more apart in this %.0f × %.0f × %.0f µm slab", sp.Far.LoUm, sp.SlabUm[0], sp.SlabUm[1], sp.SlabUm[2])
	}
	if bins := sp.IncreaseOf(analysis.KindNeurons); len(bins) > 0 {
		best := bins[0]
		for _, b := range bins {
			if b.Redundancy > best.Redundancy {
				best = b
			}
		}
		s += fmt.Sprintf("; of the %d distance bins it was largest at %g–%g µm (%s)", len(bins), best.LoUm, best.HiUm, num(best.Redundancy))
	}
	out = append(out, s+".")

	lk, ul := sp.PooledOf(analysis.KindLinked), sp.PooledOf(analysis.KindUnlinked)
	switch {
	case lk != nil && ul != nil:
		s := fmt.Sprintf("Pairs sharing a link (w ≥ %g %s) gained %s in redundancy, pairs without a link %s", sum.Threshold, sp.LinkSnapshot, pm(*lk), pm(*ul))
		if m := sp.UnlinkedMatched; m.Pairs > 0 {
			s += fmt.Sprintf("; unlinked pairs at the linked pairs' distances (%g–%g µm, weighted by the linked pairs' distances) gained %s", m.LoUm, m.HiUm, pm(m))
			if lk.Redundancy > m.Redundancy {
				s += fmt.Sprintf(", so the link itself adds %s", num(lk.Redundancy-m.Redundancy))
			} else {
				s += ": at matched distances the link adds nothing"
			}
		}
		out = append(out, s+".")
	case ul != nil:
		out = append(out, fmt.Sprintf("No neuron pair shares a link (w ≥ %g %s); all pairs gained %s.", sum.Threshold, sp.LinkSnapshot, pm(*ul)))
	}

	if sp.ArrayNote != "" {
		out = append(out, "Virtual Utah array: "+sp.ArrayNote+".")
	} else if bins := sp.IncreaseOf(analysis.KindElectrodes); len(bins) > 0 {
		var parts []string
		for _, b := range bins {
			parts = append(parts, fmt.Sprintf("%s ± %s at %.0f µm (%d pairs)", num(b.Redundancy), num(b.RedundancySE), b.MeanDistUm, b.Pairs))
		}
		neurons := 0
		for _, el := range sp.Electrodes {
			neurons += len(el.Neurons)
		}
		out = append(out, fmt.Sprintf("On the virtual Utah array (%d electrodes in the slab, %s neurons each on average within %g µm), the multi-unit redundancy increase was %s of electrode distance.",
			len(sp.Electrodes), num(float64(neurons)/float64(len(sp.Electrodes))), sum.Options.RecordingRadiusUm, joinList(parts)))
	}
	return out
}

// joinList is "a", "a and b", "a, b and c".
func joinList(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := ""
	for i, x := range s[:len(s)-1] {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out + " and " + s[len(s)-1]
}

// seInterval is mean ± se as an interval (the mean alone when se is not a
// number: a bin of one pair).
func seInterval(mean, se float64) fisher.Interval {
	if !finite(se) {
		se = 0
	}
	return fisher.Interval{Mean: mean, Lo: mean - se, Hi: mean + se}
}

// distanceSeries draws the bins' means ± s.e. against their mean distance.
func distanceSeries(p *plot.Plot, name string, bins []analysis.SpatialBin, st style) error {
	x := make([]float64, len(bins))
	iv := make([]fisher.Interval, len(bins))
	for k, b := range bins {
		x[k], iv[k] = b.MeanDistUm, seInterval(b.Redundancy, b.RedundancySE)
	}
	return addIntervals(p, name, x, iv, st)
}

// kindStyle is the look of each kind of pair in figure 8.
var kindStyle = map[string]style{
	analysis.KindNeurons:    {color: colBlue},
	analysis.KindLinked:     {color: colVermilion, glyph: draw.SquareGlyph{}},
	analysis.KindUnlinked:   {color: colGreen, glyph: draw.TriangleGlyph{}, dashed: true},
	analysis.KindElectrodes: {color: colPurple, glyph: draw.PyramidGlyph{}},
}

var kindName = map[string]string{
	analysis.KindNeurons:    "neuron pairs",
	analysis.KindLinked:     "pairs sharing a link",
	analysis.KindUnlinked:   "pairs without a link",
	analysis.KindElectrodes: "electrode pairs (multi-units)",
}

func figSpatial(sum *page) (bool, string, error) {
	sp := sum.Spatial
	switch {
	case sp == nil:
		return false, "no spatial analysis (see the notes)", nil
	case len(sp.Increase) == 0:
		return false, "fewer than two control task blocks with pairwise estimates: no learning-induced increase", nil
	}
	S := sum.Sessions
	e, l := sp.BlockOf(sp.Early), sp.BlockOf(sp.Late)
	sub := fmt.Sprintf("%s minus %s, mean ± s.e. over pairs", model.SessionLabel(l.Session, S), model.SessionLabel(e.Session, S))

	pa := newPlot("(a) Learning-induced redundancy increase\n"+sub, "soma distance (µm)", "pairwise redundancy increase "+infoUnit)
	pa.Legend.Left = false
	n, xmax := 0, 0.0
	for _, k := range []string{analysis.KindNeurons, analysis.KindLinked, analysis.KindUnlinked} {
		bins := sp.IncreaseOf(k)
		if len(bins) == 0 {
			continue
		}
		if err := distanceSeries(pa, kindName[k], bins, kindStyle[k]); err != nil {
			return false, "", err
		}
		xmax = math.Max(xmax, bins[len(bins)-1].HiUm)
		n++
	}
	pa.X.Min, pa.X.Max = 0, xmax
	if err := addHLine(pa, 0, 0, xmax); err != nil {
		return false, "", err
	}
	headroom(pa, n)

	pb := newPlot("(b) Redundancy of neuron pairs\nmean ± s.e. over pairs", "soma distance (µm)", "pairwise redundancy I_shuffle − I_real "+infoUnit)
	pb.Legend.Left = false
	entries := []struct {
		b  *analysis.SpatialBlock
		st style
	}{{e, style{color: colSky}}, {l, style{color: colBlue}}}
	var passive *analysis.SpatialBlock
	for k := range sp.Blocks {
		if sp.Blocks[k].Mode == "passive" {
			passive = &sp.Blocks[k]
		}
	}
	if passive != nil {
		entries = append(entries, struct {
			b  *analysis.SpatialBlock
			st style
		}{passive, style{color: colOrange, glyph: draw.SquareGlyph{}, dashed: true}})
	}
	for _, en := range entries {
		if err := distanceSeries(pb, fmt.Sprintf("%s, %s", en.b.Mode, model.SessionLabel(en.b.Session, S)), en.b.Of(analysis.KindNeurons), en.st); err != nil {
			return false, "", err
		}
	}
	pb.X.Min, pb.X.Max = 0, xmax
	if err := addHLine(pb, 0, 0, xmax); err != nil {
		return false, "", err
	}
	headroom(pb, len(entries))
	row := []*plot.Plot{pa, pb}

	if bins := sp.IncreaseOf(analysis.KindElectrodes); len(bins) > 0 {
		pc := newPlot(fmt.Sprintf("(c) Virtual Utah array (%d electrodes, radius %g µm)\n%s", len(sp.Electrodes), sum.Options.RecordingRadiusUm, sub),
			"inter-electrode distance (µm)", "multi-unit redundancy increase "+infoUnit)
		pc.Legend.Left = false
		if err := distanceSeries(pc, kindName[analysis.KindElectrodes], bins, kindStyle[analysis.KindElectrodes]); err != nil {
			return false, "", err
		}
		hi := bins[len(bins)-1].HiUm
		pc.X.Min, pc.X.Max = 0, hi
		if err := addHLine(pc, 0, 0, hi); err != nil {
			return false, "", err
		}
		headroom(pc, 1)
		row = append(row, pc)
	}
	return true, "", saveTiles(sum, "fig8_spatial", [][]*plot.Plot{row}, vg.Length(len(row))*5*vg.Inch, 4.6*vg.Inch, false)
}

// spatialSection writes the report's spatial-scale section.
func spatialSection(w io.Writer, sum *page) {
	sp := sum.Spatial
	if sp == nil {
		return
	}
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	o := sum.Options
	p("## Spatial scale\n\n")
	which := fmt.Sprintf("all %d neuron pairs", sp.NeuronPairs)
	if !sp.AllPairs {
		which = fmt.Sprintf("a random sample of %d neuron pairs", sp.NeuronPairs)
	}
	p("Linear Fisher information of pairs (n = 2, the same bias corrections) in spike counts summed over the trial, at each block's headline coherence: %s, the %d pairs sharing a link (a contact with w ≥ %g between their spines in the last w snapshot, %s) and the %d pairs of the first set without one, by 3-D soma distance in %g µm bins (merged outward until each holds at least %d pairs) in the %.0f × %.0f × %.0f µm slab. ",
		which, sp.LinkedPairs, sum.Threshold, sp.LinkSnapshot, sp.UnlinkedPairs, o.SpatialBinUm, o.SpatialMinPairs, sp.SlabUm[0], sp.SlabUm[1], sp.SlabUm[2])
	if sp.ArrayNote == "" {
		p("Virtual Utah array: %d × %d electrodes, %g µm pitch, centred on the slab; the %d inside it each record the summed counts of the neurons within %g µm horizontally (any depth); electrode pairs are binned by distance in %g µm bins. ",
			o.ArraySize, o.ArraySize, o.ArrayPitchUm, len(sp.Electrodes), o.RecordingRadiusUm, o.ArrayPitchUm)
	}
	p("The increase is the latest minus the earliest control task block, paired over the pairs valid in both (s.e. over pairs). Table: `spatial.csv`.\n\n")
	for _, s := range spatialSentences(sum) {
		p("- %s\n", s)
	}
	p("\n")
	if len(sp.Increase) == 0 {
		return
	}
	e, l := sp.BlockOf(sp.Early), sp.BlockOf(sp.Late)
	at := func(b *analysis.SpatialBlock, bin analysis.SpatialBin) string {
		for _, x := range b.Of(bin.Kind) {
			if x.LoUm == bin.LoUm && x.HiUm == bin.HiUm {
				return num(x.Redundancy)
			}
		}
		return "–"
	}
	// Neuron bins beyond one pitch are pooled into one row, to keep the table
	// short for large slabs; spatial.csv has them all.
	var rows strings.Builder
	pooledAny := false
	p0 := p
	p = func(format string, a ...any) { fmt.Fprintf(&rows, format, a...) }
	p("| kind | distance (µm) | mean distance (µm) | pairs | redundancy %s | redundancy %s | increase ± s.e. |\n", model.SessionLabel(e.Session, sum.Sessions), model.SessionLabel(l.Session, sum.Sessions))
	p("|---|---|---:|---:|---:|---:|---|\n")
	for _, k := range analysis.SpatialKinds {
		bins := sp.IncreaseOf(k)
		cut := len(bins)
		if k != analysis.KindElectrodes {
			cut = slices.IndexFunc(bins, func(b analysis.SpatialBin) bool { return b.HiUm > o.ArrayPitchUm })
			if cut < 0 || cut >= len(bins)-1 {
				cut = len(bins)
			}
		}
		row := func(b analysis.SpatialBin, early, late string) {
			p("| %s | %g–%g | %.0f | %d | %s | %s | %s ± %s |\n", kindName[k], b.LoUm, b.HiUm, b.MeanDistUm, b.Pairs, early, late, num(b.Redundancy), num(b.RedundancySE))
		}
		for _, b := range bins[:cut] {
			row(b, at(e, b), at(l, b))
		}
		if cut < len(bins) {
			pooledAny = true
			lo := bins[cut].LoUm
			pooled := func(sb *analysis.SpatialBlock) string {
				var bs []analysis.SpatialBin
				for _, b := range sb.Of(k) {
					if b.LoUm >= lo {
						bs = append(bs, b)
					}
				}
				return num(analysis.PoolBins(bs).Redundancy)
			}
			row(analysis.PoolBins(bins[cut:]), pooled(e), pooled(l))
		}
	}
	if pooledAny {
		p0("Neuron-pair bins reaching beyond %g µm are pooled into one row (every bin: `spatial.csv`).\n\n", o.ArrayPitchUm)
	}
	p0("%s\n", rows.String())
}
