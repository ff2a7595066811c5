package report

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/rundir"
)

// calibration.csv of the tiny run: written, parsed, one line per row of the
// analysis's table with the same values, and the report's section near the
// top naming the missed targets.
func TestCalibrationCSV(t *testing.T) {
	dir := tinyRun(t)
	pg, err := analyseWith(dir, quick, WriteOptions{NoFigures: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(pg.files, rundir.CalibrationFile) {
		t.Fatalf("%s not among the files written: %v", rundir.CalibrationFile, pg.files)
	}
	recs := readCSV(t, filepath.Join(dir, rundir.CalibrationFile))
	if !slices.Equal(recs[0], rundir.CalibrationColumns) {
		t.Fatalf("header %v, want %v", recs[0], rundir.CalibrationColumns)
	}
	rows := pg.Calibration
	if len(recs)-1 != len(rows) || len(rows) != 11 {
		t.Fatalf("%d lines for %d rows, want 11", len(recs)-1, len(rows))
	}
	col := map[string]int{}
	for k, c := range recs[0] {
		col[c] = k
	}
	parse := func(s string) float64 {
		if s == "" {
			return 0
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return v
	}
	for k, rec := range recs[1:] {
		r := rows[k]
		if rec[col["key"]] != r.Key || rec[col["status"]] != r.Status || rec[col["role"]] != r.Role || rec[col["calibrated_to"]] != "R" {
			t.Errorf("line %d: %v, row %+v", k+1, rec, r)
		}
		if !slices.Contains([]string{analysis.CalPass, analysis.CalFail, analysis.CalNA}, r.Status) {
			t.Errorf("line %d: status %q", k+1, r.Status)
		}
		for _, c := range []string{"target_lo", "target_hi", "model", "model_boot_lo", "model_boot_hi"} {
			parse(rec[col[c]]) // every number parses (inf included)
		}
		if m := rec[col["model"]]; finite(r.Model.Est) && parse(m) != parse(fmtG(r.Model.Est)) || !finite(r.Model.Est) && m != "" {
			t.Errorf("line %d: model %q, row %v", k+1, m, r.Model.Est)
		}
		if r.Status == analysis.CalNA && rec[col["note"]] == "" {
			t.Errorf("line %d (%s): n.a. without a reason", k+1, r.Key)
		}
	}
	// The tiny run's 30 trials per condition allow 14 neurons but not 52.
	for _, r := range rows {
		if r.Key == "late_redundancy_pct" && r.N == 52 && (r.Status != analysis.CalNA || !strings.Contains(r.Note, "n = 52")) {
			t.Errorf("n = 52 row %+v: want n.a. naming the size", r)
		}
		if r.Key == "late_redundancy_pct" && r.N == 14 && (!finite(r.Model.Est) || !r.Model.HasCI()) {
			t.Errorf("n = 14 row %+v: want a value with an interval", r)
		}
	}

	rep, err := os.ReadFile(filepath.Join(dir, rundir.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	s := string(rep)
	at, key := strings.Index(s, "## Model against Liu et al."), strings.Index(s, "## Key results")
	if at < 0 || key < 0 || at > key {
		t.Fatalf("report.md: the calibration section must come before the key results (at %d, %d)", at, key)
	}
	failed, _ := analysis.Missed(rows, analysis.RoleTarget)
	for _, r := range failed {
		if !strings.Contains(s[at:key], r.Quantity+" is ") {
			t.Errorf("report.md does not name the missed target %q", r.Quantity)
		}
	}
	if len(failed) == 0 && !strings.Contains(s[at:key], "No target is missed") && !strings.Contains(s[at:key], "Every target is met") {
		t.Error("report.md: no sentence on the missed targets")
	}
}
