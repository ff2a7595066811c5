package report

import (
	"encoding/csv"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/rundir"
)

// fmtG formats a number for the tables; NaN and infinities are empty cells
// (pandas reads them as NaN).
func fmtG(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// valueFields are the estimate, the spread over subsets and the interval over
// trials of v.
func valueFields(v analysis.Value) []string {
	return []string{fmtG(v.Est), fmtG(v.SubLo), fmtG(v.SubHi), fmtG(v.Lo), fmtG(v.Hi)}
}

// ciFields are the estimate and the interval over trials of v.
func ciFields(v analysis.Value) []string {
	return []string{fmtG(v.Est), fmtG(v.Lo), fmtG(v.Hi)}
}

// FisherRecords returns the lines of rundir.FisherColumns for row, one per
// subset size.
func FisherRecords(r analysis.InfoRow) [][]string {
	var out [][]string
	sizes := ""
	if r.Saturation != nil {
		var s []string
		for _, n := range r.Saturation.Sizes {
			s = append(s, strconv.Itoa(n))
		}
		sizes = strings.Join(s, " ")
	}
	for k, s := range r.Sizes {
		rec := []string{
			strconv.Itoa(r.Session), strconv.Itoa(r.Block), r.BlockName, r.Mode, fmtG(r.Coherence),
			strconv.Itoa(r.Neurons), strconv.Itoa(r.TPlus), strconv.Itoa(r.TMinus),
			strconv.Itoa(s.N), strconv.Itoa(s.Subsets), b01(k == r.Main),
		}
		rec = append(rec, valueFields(s.IReal)...)
		rec = append(rec, valueFields(s.IShuffle)...)
		rec = append(rec, valueFields(s.Gap)...)
		rec = append(rec, ciFields(s.RedundancyPct)...)
		rec = append(rec, ciFields(r.NoiseCorr)...)
		rec = append(rec, fmtG(r.Fano))
		rec = append(rec, ciFields(r.Epsilon)...)
		rec = append(rec, sizes)
		reps, subs := "", ""
		if r.Boot.Replicates > 0 {
			reps, subs = strconv.Itoa(r.Boot.Replicates), strconv.Itoa(r.Boot.Subsets)
		}
		out = append(out, append(rec, reps, subs))
	}
	return out
}

// WriteFisherCSV writes rows as a table of rundir.FisherColumns (fisher.csv),
// one line per row and subset size.
func WriteFisherCSV(w io.Writer, rows []analysis.InfoRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(rundir.FisherColumns); err != nil {
		return err
	}
	for _, r := range rows {
		for _, rec := range FisherRecords(r) {
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteDistanceCSV writes signature (b) of a recording (distance.csv): the
// blocks compared, the pairs, the slope of the redundancy increase on
// distance per 100 um and the near-minus-far difference with their standard
// errors, and the mean increase.
func WriteDistanceCSV(w io.Writer, d *analysis.DistanceResult) error {
	c := csv.NewWriter(w)
	c.Write([]string{"early_block", "late_block", "pairs", "slope_per_100um", "slope_se", "near_minus_far", "near_minus_far_se", "mean_increase"})
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
	c.Write([]string{strconv.Itoa(d.Early), strconv.Itoa(d.Late), strconv.Itoa(d.Pairs), g(d.Slope), g(d.SlopeSE), g(d.NearFar), g(d.NearFarSE), g(d.Increase)})
	c.Flush()
	return c.Error()
}
