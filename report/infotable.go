package report

import (
	"encoding/csv"
	"io"
	"math"
	"strconv"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// FisherRecord returns the row's fields in the order of rundir.FisherColumns: the subset means
// and 68% intervals (the full-population estimate when there were no subsets).
func FisherRecord(r analysis.InfoRow) []string {
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	var n, count int
	var iv [4]fisher.Interval
	switch {
	case r.Subsets != nil:
		n, count = r.Subsets.Size, r.Subsets.Count
		iv = [4]fisher.Interval{r.Subsets.Real, r.Subsets.Shuffle, r.Subsets.Redundancy, r.Subsets.RedundancyPct}
	case r.Full != nil:
		n, count = r.Full.N, 1
		for k, v := range []float64{r.Full.Real, r.Full.Shuffle, r.Full.Redundancy, r.Full.RedundancyPct} {
			iv[k] = fisher.Interval{Mean: v, Lo: v, Hi: v}
		}
	default:
		nan := math.NaN()
		iv = [4]fisher.Interval{{Mean: nan, Lo: nan, Hi: nan}, {Mean: nan, Lo: nan, Hi: nan}, {Mean: nan, Lo: nan, Hi: nan}, {Mean: nan, Lo: nan, Hi: nan}}
	}
	rec := []string{
		strconv.Itoa(r.Session), strconv.Itoa(r.Block), r.BlockName, r.Mode, g(r.Coherence),
		strconv.Itoa(r.Neurons), strconv.Itoa(r.TPlus), strconv.Itoa(r.TMinus),
		strconv.Itoa(n), strconv.Itoa(count),
	}
	for _, x := range iv {
		rec = append(rec, g(x.Mean), g(x.Lo), g(x.Hi))
	}
	return append(rec, g(r.NoiseCorr))
}

// WriteFisherCSV writes rows as a table of rundir.FisherColumns (fisher.csv),
// one line per row.
func WriteFisherCSV(w io.Writer, rows []analysis.InfoRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(rundir.FisherColumns); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(FisherRecord(r)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
