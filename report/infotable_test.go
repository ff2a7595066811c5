package report_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/report"
	"github.com/iplgpu/iplgpu/rundir"
)

// TestWriteFisherCSV: the table has the header of rundir.FisherColumns and one
// line per row, in order.
func TestWriteFisherCSV(t *testing.T) {
	rows := []analysis.InfoRow{
		{Session: 1, Block: 0, BlockName: "measure", Mode: "task", Coherence: 0.3, Neurons: 9, TPlus: 40, TMinus: 40},
		{Session: 1, Block: 1, BlockName: "measure", Mode: "passive", Coherence: 0.3, Neurons: 9, TPlus: 40, TMinus: 40},
	}
	var buf bytes.Buffer
	if err := report.WriteFisherCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || !slices.Equal(recs[0], rundir.FisherColumns) || recs[1][0] != "1" || recs[1][3] != "task" || recs[2][3] != "passive" {
		t.Errorf("info.csv %q", recs)
	}

}
