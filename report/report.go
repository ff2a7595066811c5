package report

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/fisher"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
)

// num formats a number with about three significant digits, without exponents
// for the magnitudes of this analysis.
func num(v float64) string {
	a := math.Abs(v)
	switch {
	case !finite(v):
		return "n/a"
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	case a >= 0.001 || a == 0:
		return fmt.Sprintf("%.3f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

// pct formats a percentage with one decimal.
func pct(v float64) string {
	if !finite(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", v)
}

// ivText is "mean (68% interval lo–hi)".
func ivText(iv fisher.Interval, f func(float64) string) string {
	return fmt.Sprintf("%s (68%% interval %s–%s)", f(iv.Mean), f(iv.Lo), f(iv.Hi))
}

// ivCell is "mean [lo, hi]" for tables.
func ivCell(iv fisher.Interval, f func(float64) string) string {
	return fmt.Sprintf("%s [%s, %s]", f(iv.Mean), f(iv.Lo), f(iv.Hi))
}

func pctNum(v float64) string {
	if !finite(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", v)
}

// change says "rose", "fell" or "did not change" from a to b.
func change(a, b float64) string {
	switch {
	case b > a:
		return "rose"
	case b < a:
		return "fell"
	}
	return "did not change"
}

// relChange is "by x%" for the relative change from a to b ("n/a" when a is not
// positive).
func relChange(a, b float64) (float64, string) {
	if !(a > 0) || !finite(b) {
		return math.NaN(), fmt.Sprintf("from %s to %s", num(a), num(b))
	}
	r := 100 * (b/a - 1)
	return r, fmt.Sprintf("by %.0f%% (%s → %s)", math.Abs(r), num(a), num(b))
}

func overlap(a, b fisher.Interval) bool { return a.Lo <= b.Hi && b.Lo <= a.Hi }

func overlapText(a, b fisher.Interval) string {
	if overlap(a, b) {
		return "the 68% intervals over neuron subsets overlap"
	}
	return "the 68% intervals over neuron subsets do not overlap"
}

// keyResults returns the report's findings, each sentence computed from the
// numbers.
func keyResults(sum *page) []string {
	var out []string
	task, hasTask := sum.taskSeries()
	S := sum.Sessions
	var trained []string
	for _, b := range sum.Blocks {
		if b.TrainedWith != "none" && !slices.Contains(trained, b.TrainedWith) {
			trained = append(trained, b.TrainedWith)
		}
	}
	if len(trained) > 0 {
		var what []string
		for _, t := range trained {
			what = append(what, ablationWhat(t))
		}
		out = append(out, fmt.Sprintf("Training ran with %s (from the first session with such a training block); the blocks measured after it are marked so in the per-block table.", strings.Join(what, " and ")))
	}
	if hasTask && len(task.blocks) >= 2 {
		f, l := task.blocks[0], task.blocks[len(task.blocks)-1]
		hf, hl := f.Headline(), l.Headline()
		wf, wl := analysis.PairLabels(f, l, S)
		out = append(out, fmt.Sprintf("Redundancy in task blocks %s from %s %s to %s %s; %s.",
			change(hf.RedundancyPct.Mean, hl.RedundancyPct.Mean),
			ivText(hf.RedundancyPct, pct), wf, ivText(hl.RedundancyPct, pct), wl,
			overlapText(hf.RedundancyPct, hl.RedundancyPct)))
		rs, ts := relChange(hf.IShuffle.Mean, hl.IShuffle.Mean)
		rr, tr := relChange(hf.IReal.Mean, hl.IReal.Mean)
		faster := "I_shuffle did not grow faster than I_real"
		if finite(rs) && finite(rr) && rs > rr {
			faster = "I_shuffle grew faster than I_real"
		}
		out = append(out, fmt.Sprintf("Over the same blocks I_shuffle %s %s and I_real %s %s (1/coherence²): %s, and the absolute redundancy I_shuffle − I_real %s from %s to %s.",
			change(hf.IShuffle.Mean, hl.IShuffle.Mean), ts, change(hf.IReal.Mean, hl.IReal.Mean), tr, faster,
			change(hf.Redundancy.Mean, hl.Redundancy.Mean), num(hf.Redundancy.Mean), num(hl.Redundancy.Mean)))
	} else if hasTask {
		h := task.blocks[0].Headline()
		out = append(out, fmt.Sprintf("Only one task block has an estimate: redundancy %s, I_real %s, I_shuffle %s.",
			ivText(h.RedundancyPct, pct), num(h.IReal.Mean), num(h.IShuffle.Mean)))
	} else {
		out = append(out, "No control task block has a Fisher estimate, so there is no learning curve (see the notes).")
	}

	// Passive against task.
	var passive series
	for _, s := range sum.conditionSeries() {
		if b := s.blocks[0]; b.Mode == "passive" && b.Frames == "noise" {
			passive = s
		}
	}
	if len(passive.blocks) > 0 {
		f, l := passive.blocks[0], passive.blocks[len(passive.blocks)-1]
		wf, wl := analysis.PairLabels(f, l, S)
		s := fmt.Sprintf("In passive blocks redundancy went from %s %s to %s %s", pct(f.Headline().RedundancyPct.Mean), wf,
			pct(l.Headline().RedundancyPct.Mean), wl)
		if hasTask {
			taskAt := map[int]*analysis.BlockResult{}
			for _, b := range task.blocks {
				taskAt[b.Session] = b
			}
			var n, above int
			var diff float64
			for _, p := range passive.blocks {
				if t := taskAt[p.Session]; t != nil {
					n++
					d := t.Headline().RedundancyPct.Mean - p.Headline().RedundancyPct.Mean
					diff += d
					if d > 0 {
						above++
					}
				}
			}
			if n > 0 {
				s += fmt.Sprintf("; task redundancy exceeded passive in %d of the %d sessions measured in both modes (by %.1f percentage points on average)", above, n, diff/float64(n))
			}
		}
		out = append(out, s+".")
	}

	// Ablations, by kind.
	kinds := []string{}
	for _, a := range sum.Ablations {
		if !slices.Contains(kinds, a.Ablation) {
			kinds = append(kinds, a.Ablation)
		}
	}
	for _, kind := range kinds {
		var as []analysis.AblationCheck
		for _, a := range sum.Ablations {
			if a.Ablation == kind && a.HasInfo {
				as = append(as, a)
			}
		}
		what := ablationWhat(kind)
		if len(as) == 0 {
			continue
		}
		var parts []string
		for _, a := range as {
			parts = append(parts, fmt.Sprintf("%s %s (control task block, %s: %s)", pct(a.RedundancyPct[1].Mean), analysis.SessionLabel(a.Session, S),
				analysis.SessionLabel(a.ControlSession, S), pct(a.RedundancyPct[0].Mean)))
		}
		s := fmt.Sprintf("With %s, redundancy was %s", what, strings.Join(parts, " and "))
		if len(as) >= 2 {
			f, l := as[0], as[len(as)-1]
			dAbl := l.RedundancyPct[1].Mean - f.RedundancyPct[1].Mean
			dCtl := l.RedundancyPct[0].Mean - f.RedundancyPct[0].Mean
			s += fmt.Sprintf(": a change of %+.1f percentage points with the ablation against %+.1f in control", dAbl, dCtl)
			if dCtl > 0 {
				s += fmt.Sprintf(" (the ablation kept %.0f%% of the control increase)", 100*dAbl/dCtl)
			}
		}
		var maxRate, maxTune float64
		for _, a := range as {
			maxRate = math.Max(maxRate, math.Abs(a.RateChange))
			maxTune = math.Max(maxTune, a.TuningDiff)
		}
		within := "within"
		if maxRate > 0.1 || maxTune > 0.1 {
			within = "not within"
		}
		s += fmt.Sprintf(". Mean rates differed from control by at most %.1f%% and tuning curves by at most %.1f%% of the control peak, %s the 10%% criterion.", 100*maxRate, 100*maxTune, within)
		out = append(out, s)
	}

	// Within trial.
	if e := sum.Early; e != nil {
		we := analysis.SessionLabel(e.Session, S)
		var wl string
		if l := sum.Late; l != nil {
			if be, bl := sum.BlockByIndex(e.Block), sum.BlockByIndex(l.Block); be != nil && bl != nil {
				we, wl = analysis.PairLabels(be, bl, S)
			} else {
				wl = analysis.SessionLabel(l.Session, S)
			}
		}
		s := fmt.Sprintf("Within the trial, the gap I_shuffle − I_real %s from %s in the first %g ms to %s in the last %g ms %s (slope %s per s over single %g ms bins)",
			change(e.First.Gap.Mean, e.Last.Gap.Mean), num(e.First.Gap.Mean), e.First.EndMs-e.First.StartMs, num(e.Last.Gap.Mean), e.Last.EndMs-e.Last.StartMs,
			we, num(e.SlopePerS), sum.BinMs)
		if l := sum.Late; l != nil {
			s += fmt.Sprintf(", and %s from %s to %s %s (slope %s per s)", change(l.First.Gap.Mean, l.Last.Gap.Mean), num(l.First.Gap.Mean), num(l.Last.Gap.Mean),
				wl, num(l.SlopePerS))
			steeper := "was not steeper"
			if l.SlopePerS > e.SlopePerS {
				steeper = "was steeper"
			}
			s += fmt.Sprintf(": the within-trial slope of the gap %s late in learning", steeper)
		}
		out = append(out, s+".")
	}

	// Consistent against unpredictable frames (prediction 3): the within-trial
	// slope of the gap, each consistent-frames block against the noise-frames
	// task block of its session.
	var pairs [][2]*analysis.WithinTrial
	for k := range sum.Blocks {
		b := &sum.Blocks[k]
		if b.Frames != "consistent" || b.Ablation != "none" || b.Mode != "task" || b.Learning || b.Headline() == nil || sum.TimeCourse(b) == nil {
			continue
		}
		for j := range sum.Blocks {
			c := &sum.Blocks[j]
			if c.Session != b.Session || c.Mode != "task" || !c.IsControl() || c.Headline() == nil || sum.TimeCourse(c) == nil {
				continue
			}
			if wb, wc := sum.WithinTrialOf(b), sum.WithinTrialOf(c); wb != nil && wc != nil {
				pairs = append(pairs, [2]*analysis.WithinTrial{wb, wc})
			}
			break
		}
	}
	if len(pairs) > 0 {
		steeper := 0
		for _, p := range pairs {
			if p[0].SlopePerS > p[1].SlopePerS {
				steeper++
			}
		}
		l := pairs[len(pairs)-1]
		out = append(out, fmt.Sprintf("With consistent frames the within-trial slope of the gap was steeper than with noise frames in %d of %d sessions; %s it was %s per s against %s per s.",
			steeper, len(pairs), analysis.SessionLabel(l[0].Session, S), num(l[0].SlopePerS), num(l[1].SlopePerS)))
	}

	// Noise correlations next to redundancy.
	if hasTask && len(task.blocks) >= 2 {
		f, l := task.blocks[0].Headline(), task.blocks[len(task.blocks)-1].Headline()
		out = append(out, fmt.Sprintf("The mean noise correlation of task blocks %s from %s to %s (%+.3f) while redundancy changed by %+.1f percentage points.",
			change(f.NoiseCorr, l.NoiseCorr), num(f.NoiseCorr), num(l.NoiseCorr), l.NoiseCorr-f.NoiseCorr, l.RedundancyPct.Mean-f.RedundancyPct.Mean))
	}

	// Spatial scale: the headline.
	if ss := spatialSentences(sum); len(ss) > 0 {
		out = append(out, ss[0])
	}

	// Network.
	if n := len(sum.Network); n > 0 {
		f, l := sum.Network[0], sum.Network[n-1]
		s := fmt.Sprintf("Structural weights: mean w %s from %s (%s) to %s (%s); %s of the candidate contacts are links (w ≥ %g) at the end",
			change(f.MeanW, l.MeanW), num(f.MeanW), sum.SnapshotLabel(f), num(l.MeanW), sum.SnapshotLabel(l), pct(100*l.LinkedFrac), sum.Threshold)
		if n == 1 {
			s = fmt.Sprintf("Structural weights (%s only): mean w %s; %s of the candidate contacts are links (w ≥ %g)",
				sum.SnapshotLabel(l), num(l.MeanW), pct(100*l.LinkedFrac), sum.Threshold)
		}
		s += fmt.Sprintf(", with w-weighted tuning similarity cos 2Δθ = %s (all candidate contacts: %s)", num(l.LinkCos2Weighted), num(l.CandidateCos2))
		if l.Islets > 0 {
			s += fmt.Sprintf("; they form %d islets of %s spines on average (%s neurons), the largest %d spines, %s of all spines in islets",
				l.Islets, num(l.IsletMeanSpines), num(l.IsletMeanNeurons), l.IsletMaxSpines, pct(100*l.SpinesInIsletsFrac))
		} else {
			s += "; there are no islets at this threshold"
		}
		out = append(out, s+".")
	}
	return out
}

func writeReport(sum *page, d *rundir.Run) error {
	return sum.writeFile(rundir.ReportFile, func(w io.Writer) error { return report(w, sum, d) })
}

func report(w io.Writer, sum *page, d *rundir.Run) error {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	cfg := d.Config
	S := sum.Sessions
	name := filepath.Base(filepath.Clean(sum.Dir))
	p("# iplgpu learning experiment: %s\n\n", name)

	r := sum.Run
	status := r.State
	if status == "" {
		status = "unknown (no run.json)"
	}
	p("**Run.** %d neurons × %d spines (%d spines), %d candidate contacts (contact distance %.1f µm); %d training sessions; %d of %d trials run, %d recorded (%d bins of %g ms per trial); seed %d; backend %s; engine %s. Status: **%s**.",
		cfg.Network.Neurons, cfg.Network.SpinesPerNeuron, len(d.Owner), len(d.EdgeA), r.ContactUm, S, r.TrialsDone, r.TrialsTotal, d.Responses.Trials, d.Responses.Bins, sum.BinMs,
		cfg.Seed, orDash(r.Backend), orDash(r.Version), status)
	if r.SimSeconds > 0 {
		p(" Network built in %.1f s, simulated in %.0f s", r.BuildSeconds, r.SimSeconds)
		if !r.Started.IsZero() {
			p(" (started %s)", r.Started.Format("2006-01-02 15:04 MST"))
		}
		p(";")
	}
	p(" analysed in %.1f s.\n\n", sum.Seconds)
	p("**Protocol.** %s\n\n", protocolText(cfg))
	p("**Analysis.** Linear Fisher information about the sign of the coherence (±c, ds = 2c) in spike counts summed over the %g ms trial, bias-corrected (Kanitscheider et al. 2015), in units of 1/coherence²; I_shuffle from trials shuffled per neuron; redundancy %% = 100 (I_shuffle − I_real)/I_shuffle. Values are means over %d random subsets of %d neurons with their 68%% intervals (16th–84th percentile over subsets; %d subsets per window for time courses). Islets: connected components of ≥ 2 spines linked by contacts with w ≥ %g.\n\n",
		sum.TrialMs, sum.Options.Subsets, sum.Options.SubsetSize, sum.Options.TimeSubsets, sum.Threshold)

	p("## Key results\n\n")
	for _, s := range keyResults(sum) {
		p("- %s\n", s)
	}
	p("\n")

	p("## Figures\n\n")
	captions := []struct{ file, caption string }{
		{"fig1_information", "I_real and I_shuffle of the task blocks across sessions."},
		{"fig2_redundancy", "Redundancy % across sessions, task vs passive."},
		{"fig3_within_trial", "Within-trial redundancy gap, earliest vs latest task block, in single bins, 200 ms windows and cumulative windows."},
		{"fig4_ablation", "Ablated blocks against their control task blocks: redundancy %, redundancy and mean rate."},
		{"fig5_network", "The IPL network by session: w histogram, links, tuning similarity of linked neurons, islets."},
		{"fig6_noise_correlation", "Mean noise correlation across sessions next to redundancy %."},
		{"fig7_tuning", "Tuning curves of ablated blocks and their controls."},
		{"fig8_spatial", "Spatial scale: the learning-induced increase of pairwise redundancy against soma distance (all pairs, pairs sharing a link, pairs without) and against inter-electrode distance on the virtual Utah array; pairwise redundancy by distance before and after training."},
	}
	for k, c := range captions {
		if slices.Contains(sum.files, c.file+".png") {
			p("**Figure %d.** %s ([SVG](%s.svg))\n\n![%s](%s.png)\n\n", k+1, c.caption, c.file, c.file, c.file)
		}
	}
	for _, m := range sum.missing {
		p("- Not drawn: %s.\n", m)
	}
	if len(sum.missing) > 0 {
		p("\n")
	}

	p("## Per-block numbers\n\n")
	p("Session 0: before training; k: the measurement blocks after training session k; end: the blocks after the last session. Information in 1/coherence²: mean [68%% interval]. Rate: mean over neurons, bins and trials. Table: `info.csv`.\n\n")
	p("| block | session | condition | trials | c | rate (Hz) | I_real | I_shuffle | redundancy | redundancy %% | noise corr. |\n")
	p("|---:|---|---|---:|---:|---:|---|---|---|---|---:|\n")
	for _, b := range sum.Blocks {
		if len(b.Info) == 0 {
			p("| %d | %s | %s | %d | | %s | no estimate | | | | |\n", b.Index, analysis.SessionShort(b.Session, S), tableCondition(&b), b.Trials, num(b.MeanRateHz))
		}
		for _, in := range b.Info {
			p("| %d | %s | %s | %d | %g | %s | %s | %s | %s | %s | %s |\n", b.Index, analysis.SessionShort(b.Session, S), tableCondition(&b), b.Trials, in.Coherence, num(b.MeanRateHz),
				ivCell(in.IReal, num), ivCell(in.IShuffle, num), ivCell(in.Redundancy, num), ivCell(in.RedundancyPct, pctNum), num(in.NoiseCorr))
		}
	}
	p("\n")

	p("## Within the trial\n\n")
	p("Information in the first and the last 400 ms of the trial (counts summed over the window) and the least-squares slope of the gap I_shuffle − I_real over single %g ms bins. Table: `timecourse.csv`.\n\n", sum.BinMs)
	p("| block | session | condition | I_shuffle first | gap first | I_shuffle last | gap last | gap slope (per s) |\n")
	p("|---:|---|---|---|---|---|---|---:|\n")
	for _, tc := range sum.TimeCourses {
		b := sum.BlockByIndex(tc.Block)
		if h := b.Headline(); h == nil || h.Coherence != tc.Coherence {
			continue
		}
		wt := sum.WithinTrialOf(b)
		if wt == nil {
			continue
		}
		p("| %d | %s | %s | %s | %s | %s | %s | %s |\n", b.Index, analysis.SessionShort(b.Session, S), b.Condition(),
			ivCell(wt.First.IShuffle, num), ivCell(wt.First.Gap, num), ivCell(wt.Last.IShuffle, num), ivCell(wt.Last.Gap, num), num(wt.SlopePerS))
	}
	p("\n")

	spatialSection(w, sum)

	if len(sum.Ablations) > 0 {
		p("## Ablation checks\n\n")
		p("Each ablated block against its control task block. Tuning difference: the largest difference over orientation bins relative to the control's peak rate (`tuning.csv`).\n\n")
		p("| ablated block | control block | redundancy %% ablated | redundancy %% control | rate ablated (Hz) | rate control (Hz) | rate change | tuning difference |\n")
		p("|---|---|---|---|---:|---:|---:|---:|\n")
		for _, a := range sum.Ablations {
			rp := [2]string{"n/a", "n/a"}
			if a.HasInfo {
				rp = [2]string{ivCell(a.RedundancyPct[1], pctNum), ivCell(a.RedundancyPct[0], pctNum)}
			}
			p("| %d (%s, %s) | %d (%s) | %s | %s | %s | %s | %+.1f%% | %.1f%% |\n", a.Block, a.Ablation, analysis.SessionLabel(a.Session, S), a.Control, analysis.SessionLabel(a.ControlSession, S),
				rp[0], rp[1], num(a.AblatedRateHz), num(a.ControlRateHz), 100*a.RateChange, 100*a.TuningDiff)
		}
		p("\n")
	}

	p("## Network\n\n")
	p("Structural weight w of the %d candidate contacts after each session; links: w ≥ %g. cos 2Δθ: tuning similarity of the two neurons of a contact (1 same preference, −1 orthogonal). Tables: `network.csv`, `w_hist.csv`, `islets.csv`.\n\n", len(d.EdgeA), sum.Threshold)
	p("| after session | mean w | links | cos 2Δθ (w-weighted) | cos 2Δθ (links) | cos 2Δθ (all contacts) | islets | spines/islet | neurons/islet | largest | spines in islets |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range sum.Network {
		p("| %s | %s | %s | %s | %s | %s | %d | %s | %s | %d | %s |\n", n.Label, num(n.MeanW), pct(100*n.LinkedFrac), num(n.LinkCos2Weighted), num(n.LinkCos2Linked),
			num(n.CandidateCos2), n.Islets, num(n.IsletMeanSpines), num(n.IsletMeanNeurons), n.IsletMaxSpines, pct(100*n.SpinesInIsletsFrac))
	}
	p("\n")

	if len(sum.Notes) > 0 {
		p("## Notes\n\n")
		for _, n := range sum.Notes {
			p("- %s\n", n)
		}
		p("\n")
	}

	p("## Files\n\n")
	tables := "`info.csv`, `timecourse.csv`, `network.csv`, `w_hist.csv`, `islets.csv`, `tuning.csv`"
	if slices.Contains(sum.files, rundir.SpatialFile) {
		tables += ", `spatial.csv`"
	}
	p("Tables: %s (columns: see the package documentation of rundir). Rerun this analysis with `iplgpu analyse %s`.\n\n", tables, sum.Dir)

	p("## Configuration\n\n")
	p("The resolved configuration ([config.yaml](config.yaml)); `iplgpu run -config config.yaml` reruns it.\n\n")
	p("```yaml\n%s", d.ConfigYAML)
	if !strings.HasSuffix(string(d.ConfigYAML), "\n") {
		p("\n")
	}
	p("```\n")
	return nil
}

// ablationWhat names an ablation: "lateral spread blocked", ...
func ablationWhat(kind string) string {
	switch kind {
	case "lateral":
		return "lateral spread blocked"
	case "formation":
		return "IPL formation blocked"
	}
	return kind + " blocked"
}

// tableCondition is the block's condition with the ablations of its training.
func tableCondition(b *analysis.BlockResult) string {
	if b.TrainedWith == "none" {
		return b.Condition()
	}
	return b.Condition() + "; trained with " + b.TrainedWith + " blocked"
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// protocolText describes the blocks of the protocol in a sentence.
func protocolText(cfg *model.Config) string {
	pr := cfg.Protocol
	desc := func(bs []model.BlockConfig) string {
		var parts []string
		for _, b := range bs {
			s := fmt.Sprintf("%s (%s, %d trials", b.Name, b.Mode, b.Trials)
			if b.Learning {
				s += ", learning"
			}
			if b.Ablation != "" && b.Ablation != "none" {
				s += ", " + b.Ablation + " blocked"
			}
			if b.Frames == "consistent" {
				s += ", consistent frames"
			}
			if !b.Record {
				s += ", not recorded"
			}
			parts = append(parts, s+")")
		}
		return strings.Join(parts, ", ")
	}
	var s []string
	if len(pr.Before) > 0 {
		s = append(s, "before training: "+desc(pr.Before))
	}
	if pr.Baseline {
		var m []model.BlockConfig
		for _, b := range pr.Session {
			if !b.Learning {
				m = append(m, b)
			}
		}
		if len(m) > 0 {
			s = append(s, "baseline (session 0): "+desc(m))
		}
	}
	if pr.Sessions > 0 && len(pr.Session) > 0 {
		s = append(s, fmt.Sprintf("each of %d sessions: %s", pr.Sessions, desc(pr.Session)))
	}
	if len(pr.After) > 0 {
		s = append(s, "after the last session: "+desc(pr.After))
	}
	return strings.Join(s, "; ") + fmt.Sprintf(". Coherence levels per block as configured; task orientation A = %g°, B = A + 90°; %d frames of %g ms.", cfg.Stimulus.TaskOrientationDeg, cfg.Stimulus.Frames, cfg.Stimulus.FrameMs)
}
