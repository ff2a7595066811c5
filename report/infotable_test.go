package report_test

import (
	"bytes"
	"encoding/csv"
	"math"
	"slices"
	"testing"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/report"
	"github.com/iplgpu/iplgpu/rundir"
)

// TestWriteFisherCSV: the table has the header of rundir.FisherColumns and one
// line per row and subset size, in order; NaN is an empty cell.
func TestWriteFisherCSV(t *testing.T) {
	nan := math.NaN()
	v := analysis.Value{Est: 2, SubLo: 1, SubHi: 3, Lo: nan, Hi: nan}
	size := func(n int) analysis.SizeResult {
		return analysis.SizeResult{N: n, Subsets: 10, IReal: v, IShuffle: v, Gap: v, RedundancyPct: analysis.Value{Est: nan, Lo: nan, Hi: nan}}
	}
	rows := []analysis.InfoRow{
		{Session: 1, Block: 0, BlockName: "measure", Mode: "task", Coherence: 0.3, Neurons: 9, TPlus: 40, TMinus: 40, Sizes: []analysis.SizeResult{size(5), size(8)}, Main: 1, Fano: 1.2},
		{Session: 1, Block: 1, BlockName: "measure", Mode: "passive", Coherence: 0.3, Neurons: 9, TPlus: 40, TMinus: 40, Sizes: []analysis.SizeResult{size(8)}},
	}
	var buf bytes.Buffer
	if err := report.WriteFisherCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int { return slices.Index(rundir.FisherColumns, name) }
	if len(recs) != 4 || !slices.Equal(recs[0], rundir.FisherColumns) || recs[1][0] != "1" || recs[1][3] != "task" || recs[3][3] != "passive" ||
		recs[1][col("subset_n")] != "5" || recs[2][col("subset_n")] != "8" || recs[2][col("headline")] != "1" || recs[1][col("headline")] != "0" ||
		recs[1][col("i_real_lo")] != "1" || recs[1][col("i_real_boot_lo")] != "" || recs[1][col("redundancy_pct")] != "" || recs[1][col("fano")] != "1.2" {
		t.Errorf("fisher.csv %q", recs)
	}

}
