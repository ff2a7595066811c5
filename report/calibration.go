package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/rundir"
)

// fmtBound is a target bound for calibration.csv: "inf" and "-inf" for open
// ends, so that a reader tells them from a missing value.
func fmtBound(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return fmtG(v)
}

// writeCalibrationCSV writes calibration.csv (rundir.CalibrationColumns).
func writeCalibrationCSV(pg *page) error {
	return writeCSV(pg, rundir.CalibrationFile, rundir.CalibrationColumns, func(emit func([]string) error) error {
		for _, r := range pg.Calibration {
			n := ""
			if r.N > 0 {
				n = strconv.Itoa(r.N)
			}
			rec := []string{r.Key, r.Quantity, n, r.Role, pg.CalibrationTarget.Name, r.Liu, r.Target, fmtBound(r.TargetLo), fmtBound(r.TargetHi)}
			rec = append(rec, ciFields(r.Model)...)
			rec = append(rec, r.Status, r.CI, r.Note)
			if err := emit(rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// calFormat is the number format of a calibration row's value.
func calFormat(key string) func(float64) string {
	switch key {
	case "late_redundancy_pct":
		return pctNum
	case "redundancy_rise", "task_minus_passive_min":
		return func(v float64) string { return signed(v, pctNum) }
	case "noise_corr_change", "within_trial_slope_change", "shuffle_minus_real_growth":
		return func(v float64) string { return signed(v, num) }
	}
	return num
}

// calibrationSection writes the report's "Model against Liu et al." section:
// the table of docs/model.md section 9, and in words which targets are missed.
func calibrationSection(w io.Writer, pg *page) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	t := pg.CalibrationTarget
	p("## Model against Liu et al.\n\n")
	p("docs/model.md section 9. This run is judged against **monkey %s** (late-learning task redundancy %g-%g%% at n = %d): %s. Both subset sizes are shown against both monkeys; the other monkey's row is a reference, not a target of this configuration. \"Early\" is the control task block before training, \"late\" the mean of the control task blocks after the last two training sessions (ratios and percentages of the means). Model values with their %s (the blocks' replicates combined replicate by replicate); a row is judged on its estimate, and \"CI\" says whether the interval lies inside the target, outside it or straddles its edge. The targets are an animal's values and a run is one animal: the defaults are calibrated, and liu-g checked, on the mean over seeds 1-4 (scripts/calib/README.md), and single seeds spread more widely than some targets' windows; `iplgpu analyse` on the runs of several seeds judges this table on their mean (seeds.md). Table: `%s`.\n\n",
		t.Name, t.Lo, t.Hi, t.N, t.Reason, ciShort(pg), rundir.CalibrationFile)
	calibrationTable(w, pg.Calibration)
}

// calibrationTable writes the model-against-paper table of rows and, in
// words, the targets missed, those met on the estimate with an interval past
// the target, and the reference rows outside the other monkey's range.
func calibrationTable(w io.Writer, rows []analysis.CalibrationRow) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("| quantity | Liu et al. | target | model | status | CI | note |\n")
	p("|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		q := r.Quantity
		if r.Role == analysis.RoleReference {
			q += " (reference)"
		}
		status := r.Status
		if r.Role == analysis.RoleTarget && r.Status == analysis.CalFail {
			status = "**fail**"
		}
		p("| %s | %s | %s | %s | %s | %s | %s |\n", q, r.Liu, r.Target, valCell(r.Model, calFormat(r.Key)), status, orDash(r.CI), strings.ReplaceAll(r.Note, "|", "/"))
	}
	p("\n")
	failed, na := analysis.Missed(rows, analysis.RoleTarget)
	if len(failed) == 0 && len(na) == 0 {
		p("Every target is met on its estimate.")
	} else {
		if len(failed) > 0 {
			var s []string
			for _, r := range failed {
				s = append(s, fmt.Sprintf("%s is %s against %s", r.Quantity, valText(r.Model, calFormat(r.Key)), r.Target))
			}
			p("**Targets missed (%d of %d):** %s.", len(failed), countRole(rows, analysis.RoleTarget), strings.Join(s, "; "))
		} else {
			p("No target is missed on its estimate.")
		}
		if len(na) > 0 {
			var s []string
			for _, r := range na {
				s = append(s, fmt.Sprintf("%s (%s)", r.Quantity, r.Note))
			}
			p(" Not judged: %s.", strings.Join(s, "; "))
		}
	}
	var edge []string
	for _, r := range rows {
		if r.Role == analysis.RoleTarget && r.Status == analysis.CalPass && r.CI == "straddles" {
			edge = append(edge, r.Quantity)
		}
	}
	if len(edge) > 0 {
		p(" Met on the estimate but with an interval that reaches past the target: %s.", strings.Join(edge, "; "))
	}
	rf, _ := analysis.Missed(rows, analysis.RoleReference)
	for _, r := range rf {
		p(" The reference row %s is %s, outside the other monkey's range %s, as expected of one parameter set (docs/model.md section 9).", r.Quantity, valText(r.Model, calFormat(r.Key)), r.Target)
	}
	p("\n\n")
}

// countRole counts the rows of role.
func countRole(rows []analysis.CalibrationRow, role string) int {
	n := 0
	for _, r := range rows {
		if r.Role == role {
			n++
		}
	}
	return n
}

// writeSeedCalibrationCSV writes seeds_calibration.csv
// (rundir.SeedsCalibrationColumns).
func writeSeedCalibrationCSV(pg *page, ss *analysis.SeedSummary) error {
	return writeCSV(pg, rundir.SeedsCalibrationFile, rundir.SeedsCalibrationColumns, func(emit func([]string) error) error {
		for _, r := range ss.Calibration {
			n := ""
			if r.N > 0 {
				n = strconv.Itoa(r.N)
			}
			vals := make([]string, len(r.Values))
			for j, v := range r.Values {
				vals[j] = fmtG(v)
			}
			rec := []string{r.Key, r.Quantity, n, r.Role, ss.CalibrationTarget.Name, r.Liu, r.Target, fmtBound(r.TargetLo), fmtBound(r.TargetHi),
				strconv.Itoa(r.Across.N), fmtG(r.Across.Mean), fmtG(r.Across.SD), fmtG(r.Across.CILo), fmtG(r.Across.CIHi),
				r.Status, r.CI, strconv.Itoa(r.Passed), strings.Join(vals, " ")}
			if err := emit(rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// seedCalibrationSection writes seeds.md's table of the model against Liu et
// al. on the mean over the seeds.
func seedCalibrationSection(w io.Writer, ss *analysis.SeedSummary) {
	if len(ss.Calibration) == 0 {
		return
	}
	t := ss.CalibrationTarget
	fmt.Fprintf(w, "## Model against Liu et al., on the mean over the seeds\n\n")
	fmt.Fprintf(w, "docs/model.md section 9, judged against **monkey %s** (late-learning task redundancy %g-%g%% at n = %d): %s. Liu et al.'s values are those of an animal; here each row's model value is the mean over the %d seeds of the runs' own values (each run's report.md gives its value with its bootstrap interval over trials) with the 95%% t interval of that mean across seeds; a row is judged on the mean, and \"CI\" says where the t interval lies against the target. The note lists each seed's value and in how many runs the row passes on its own. Table: `%s`.\n\n",
		t.Name, t.Lo, t.Hi, t.N, t.Reason, len(ss.Seeds), rundir.SeedsCalibrationFile)
	rows := make([]analysis.CalibrationRow, len(ss.Calibration))
	for i, r := range ss.Calibration {
		rows[i] = r.CalibrationRow
	}
	calibrationTable(w, rows)
}
