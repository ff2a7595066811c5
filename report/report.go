package report

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/fisher"
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

func pctNum(v float64) string {
	if !finite(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", v)
}

// relText is "by x% (a → b)" for a relative change with the interval of the
// ratio b/a.
func relText(r analysis.Value, a, b float64) string {
	if !finite(r.Est) {
		return fmt.Sprintf("from %s to %s", num(a), num(b))
	}
	s := fmt.Sprintf("x%.2f (%s → %s", r.Est, num(a), num(b))
	if r.HasCI() {
		s += fmt.Sprintf("; 95%% CI of the ratio %.2f to %.2f", r.Lo, r.Hi)
	}
	return s + ")"
}

// keyResults returns the report's findings, each sentence computed from the
// numbers; every difference is stated with its bootstrap test.
func keyResults(sum *page) []string {
	task, hasTask := sum.taskSeries()
	var out []string
	out = append(out, trainingSentences(sum)...)
	out = append(out, learningSentences(sum, task, hasTask)...)
	out = append(out, passiveSentences(sum, task, hasTask)...)
	out = append(out, ablationSentences(sum)...)
	out = append(out, withinTrialSentences(sum)...)
	// Consistency (prediction 3) and reversibility (prediction 2).
	out = append(out, consistencySentences(sum)...)
	out = append(out, reversibilitySentences(sum)...)
	out = append(out, noiseSentences(sum, task, hasTask)...)
	// The task-aligned correlation matrix.
	out = append(out, taskCorrSentences(sum)...)
	// Spatial scale: the headline.
	if ss := spatialSentences(sum); len(ss) > 0 {
		out = append(out, ss[0])
	}
	out = append(out, networkSentences(sum)...)
	return out
}

// trainingSentences says which training ran with an ablation.
func trainingSentences(sum *page) []string {
	var out []string
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
	return out
}

// learningSentences is the learning curve of the task blocks: redundancy %, at each subset size, and I_shuffle against I_real.
func learningSentences(sum *page, task series, hasTask bool) []string {
	var out []string
	S := sum.Sessions
	main := sum.Options.SubsetSize
	if hasTask && len(task.blocks) >= 2 {
		f, l := task.blocks[0], task.blocks[len(task.blocks)-1]
		mf, ml := f.Main(), l.Main()
		wf, wl := pairLabels(f, l, S)
		c := analysis.Compare(ml.RedundancyPct, mf.RedundancyPct)
		out = append(out, fmt.Sprintf("Redundancy in task blocks (%d neurons per subset) %s from %s %s to %s %s: a difference of %s.",
			mf.N, verdict(c, "rose", "fell"), pctText(mf.RedundancyPct), wf, pctText(ml.RedundancyPct), wl, testText(c, pointsU)))
		var bySize []string
		for _, n := range sum.sizes() {
			if n == mf.N {
				continue
			}
			a, b := f.Headline().Size(n), l.Headline().Size(n)
			if a == nil || b == nil {
				continue
			}
			cs := analysis.Compare(b.RedundancyPct, a.RedundancyPct)
			bySize = append(bySize, fmt.Sprintf("with %d neurons%s from %s to %s (%s points, %s)", n, sizeNote(n, main), pct(a.RedundancyPct.Est), pct(b.RedundancyPct.Est),
				signed(cs.Diff, points), pText(cs)))
		}
		if len(bySize) > 0 {
			out = append(out, "At Liu et al.'s subset sizes the same blocks went "+joinList(bySize)+"; redundancy % grows with the number of neurons, so compare sizes only with sizes.")
		}
		rs, rr := ratioValue(mf.IShuffle, ml.IShuffle), ratioValue(mf.IReal, ml.IReal)
		cf := analysis.Compare(rs, rr)
		faster := fmt.Sprintf("I_shuffle's growth factor minus I_real's is %s: I_shuffle grew %s", testText(cf, num), map[bool]string{true: "significantly faster", false: "not significantly faster"}[significant(cf) && cf.Diff > 0])
		cg := analysis.Compare(ml.Gap, mf.Gap)
		out = append(out, fmt.Sprintf("Over the same blocks I_shuffle changed %s and I_real %s (1/coherence²): %s; the absolute redundancy I_shuffle − I_real %s from %s to %s (difference %s).",
			relText(rs, mf.IShuffle.Est, ml.IShuffle.Est), relText(rr, mf.IReal.Est, ml.IReal.Est), faster,
			verdict(cg, "rose", "fell"), num(mf.Gap.Est), num(ml.Gap.Est), testText(cg, num)))
	} else if hasTask {
		m := task.blocks[0].Main()
		out = append(out, fmt.Sprintf("Only one task block has an estimate: redundancy %s, I_real %s, I_shuffle %s.",
			pctText(m.RedundancyPct), valText(m.IReal, num), valText(m.IShuffle, num)))
	} else {
		out = append(out, "No control task block has a Fisher estimate, so there is no learning curve (see the notes).")
	}
	return out
}

// passiveSentences compares passive with task blocks, session by session.
func passiveSentences(sum *page, task series, hasTask bool) []string {
	var out []string
	S := sum.Sessions
	var passive series
	for _, s := range sum.conditionSeries() {
		if b := s.blocks[0]; b.Mode == "passive" && b.Frames == "noise" && !b.TaskGain {
			passive = s
		}
	}
	if len(passive.blocks) > 0 {
		f, l := passive.blocks[0], passive.blocks[len(passive.blocks)-1]
		wf, wl := pairLabels(f, l, S)
		s := fmt.Sprintf("In passive blocks redundancy was %s %s and %s %s", pctText(f.Main().RedundancyPct), wf, pctText(l.Main().RedundancyPct), wl)
		if hasTask {
			taskAt := map[int]*analysis.BlockResult{}
			for _, b := range task.blocks {
				taskAt[b.Session] = b
			}
			var n, higher, blank int
			for _, p := range passive.blocks {
				t := taskAt[p.Session]
				if t == nil {
					continue
				}
				n++
				mt, mp := t.Main(), p.Main()
				c := analysis.Compare(mt.RedundancyPct, mp.RedundancyPct)
				if !finite(mp.RedundancyPct.Est) {
					// A blank passive % (I_shuffle not clearly above 0): test
					// the absolute redundancy instead.
					blank++
					c = analysis.Compare(mt.Gap, mp.Gap)
				}
				if significant(c) && c.Diff > 0 {
					higher++
				}
			}
			if n > 0 {
				s += fmt.Sprintf("; task redundancy was significantly higher than passive (bootstrap test of the difference, p < %.2g) in %d of the %d sessions measured in both modes", alpha, higher, n)
				if blank > 0 {
					s += fmt.Sprintf(" (in %d of them the passive redundancy %% is blank, I_shuffle not clearly above 0, and the test is of the absolute redundancy I_shuffle − I_real)", blank)
				}
			}
		}
		out = append(out, s+".")
	}
	return out
}

// ablationSentences compares, by kind of ablation, each ablated block with its control, and the increase with the ablation with the control's.
func ablationSentences(sum *page) []string {
	var out []string
	S := sum.Sessions
	var kinds []string
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
		if len(as) == 0 {
			continue
		}
		what := ablationWhat(kind)
		var parts []string
		for _, a := range as {
			parts = append(parts, fmt.Sprintf("%s it was %s against %s in its control task block (%s): %s, %s",
				model.SessionLabel(a.Session, S), pctText(a.RedundancyPct[1]), pctText(a.RedundancyPct[0]), model.SessionLabel(a.ControlSession, S),
				diffWord(a.PctTest), testText(a.PctTest, pointsU)))
		}
		s := fmt.Sprintf("With %s, redundancy: %s", what, strings.Join(parts, "; "))
		if len(as) >= 2 {
			f, l := as[0], as[len(as)-1]
			dAbl := diffValue(l.RedundancyPct[1], f.RedundancyPct[1])
			dCtl := diffValue(l.RedundancyPct[0], f.RedundancyPct[0])
			c := analysis.Compare(dAbl, dCtl)
			s += fmt.Sprintf(". From the first to the last, redundancy changed by %s points with the ablation against %s points in control; the ablation's increase minus the control's is %s",
				valText(dAbl, points), valText(dCtl, points), testText(c, pointsU))
			if dCtl.Est > 0 {
				s += fmt.Sprintf(" (the ablation kept %.0f%% of the control increase)", 100*dAbl.Est/dCtl.Est)
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
	return out
}

// withinTrialSentences is the gap early and late in the trial, and its slope early and late in learning.
func withinTrialSentences(sum *page) []string {
	var out []string
	S := sum.Sessions
	if e := sum.Early; e != nil {
		we := model.SessionLabel(e.Session, S)
		var wl string
		if l := sum.Late; l != nil {
			if be, bl := sum.BlockByIndex(e.Block), sum.BlockByIndex(l.Block); be != nil && bl != nil {
				we, wl = pairLabels(be, bl, S)
			} else {
				wl = model.SessionLabel(l.Session, S)
			}
		}
		s := fmt.Sprintf("Within the trial, the gap I_shuffle − I_real %s from %s in the first %g ms to %s in the last %g ms %s (last minus first %s; slope %s per s over single %g ms bins)",
			verdict(e.LastFirst, "rose", "fell"), num(e.First.Gap.Est), e.First.EndMs-e.First.StartMs, num(e.Last.Gap.Est), e.Last.EndMs-e.Last.StartMs,
			we, testText(e.LastFirst, num), valText(e.Slope, num), sum.BinMs)
		if l := sum.Late; l != nil {
			s += fmt.Sprintf(", and %s from %s to %s %s (last minus first %s; slope %s per s)", verdict(l.LastFirst, "rose", "fell"), num(l.First.Gap.Est), num(l.Last.Gap.Est),
				wl, testText(l.LastFirst, num), valText(l.Slope, num))
			c := analysis.Compare(l.Slope, e.Slope)
			steeper := "was not significantly steeper"
			if significant(c) && c.Diff > 0 {
				steeper = "was significantly steeper"
			} else if significant(c) && c.Diff < 0 {
				steeper = "was significantly shallower"
			}
			s += fmt.Sprintf(": the within-trial slope of the gap %s late in learning (difference of the slopes %s)", steeper, testText(c, num))
		}
		out = append(out, s+".")
	}
	return out
}

// noiseSentences sets the noise correlations and the information-limiting variance next to redundancy.
func noiseSentences(sum *page, task series, hasTask bool) []string {
	var out []string
	if hasTask && len(task.blocks) >= 2 {
		f, l := task.blocks[0].Headline(), task.blocks[len(task.blocks)-1].Headline()
		cn := analysis.Compare(l.NoiseCorr, f.NoiseCorr)
		ce := analysis.Compare(l.Epsilon, f.Epsilon)
		out = append(out, fmt.Sprintf("The mean noise correlation of task blocks %s from %s to %s (difference %s), while the information-limiting variance ε (fit of 1/I(n) = 1/(a n) + ε over subset sizes) %s from %s to %s (difference %s); the median Fano factor of the trial's count went from %s to %s.",
			verdict(cn, "rose", "fell"), valText(f.NoiseCorr, num), valText(l.NoiseCorr, num), testText(cn, num),
			verdict(ce, "rose", "fell"), valText(f.Epsilon, num), valText(l.Epsilon, num), testText(ce, num), num(f.Fano), num(l.Fano)))
	}
	return out
}

// networkSentences describes the structural weights, the links and the islets.
func networkSentences(sum *page) []string {
	var out []string
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

// change says "rose", "fell" or "did not change" from a to b, for numbers
// without an interval (the network's structural weights: the whole network,
// no sampling).
func change(a, b float64) string {
	switch {
	case b > a:
		return "rose"
	case b < a:
		return "fell"
	}
	return "did not change"
}

func writeReport(sum *page, d *rundir.Run) error {
	return sum.writeFile(rundir.ReportFile, func(w io.Writer) error { return report(w, sum, d) })
}

func report(w io.Writer, sum *page, d *rundir.Run) error {
	runSection(w, sum, d)
	calibrationSection(w, sum)
	keyResultsSection(w, sum)
	figuresSection(w, sum)
	blocksSection(w, sum)
	sizesSection(w, sum)
	withinTrialSection(w, sum)
	consistencySection(w, sum)
	reversibilitySection(w, sum)
	taskCorrSection(w, sum)
	spatialSection(w, sum)
	ablationSection(w, sum)
	networkSection(w, sum, d)
	notesSection(w, sum)
	filesSection(w, sum)
	configSection(w, d)
	return nil
}

// runSection is the title and what was run, and how it was analysed.
func runSection(w io.Writer, sum *page, d *rundir.Run) {
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
	p("**Analysis.** Linear Fisher information about the sign of the coherence (±c, ds = 2c) in spike counts summed over the %g ms trial, bias-corrected (Kanitscheider et al. 2015), in units of 1/coherence²; I_shuffle from trials shuffled per neuron; redundancy = I_shuffle − I_real (the gap); redundancy %% = 100 mean(gap)/mean(I_shuffle) over the subsets, left blank where the 95%% interval of I_shuffle reaches 0 or below. Values are means over %d random subsets of %d neurons (also %s); time courses over %d subsets per window. Islets: connected components of ≥ 2 spines linked by contacts with w ≥ %g.\n\n",
		sum.TrialMs, sum.Options.Subsets, sum.Options.SubsetSize, sizesText(sum), sum.Options.TimeSubsets, sum.Threshold)
	p("**Uncertainty.** %s\n\n", uncertaintyText(sum))
}

// keyResultsSection lists the key results as sentences.
func keyResultsSection(w io.Writer, sum *page) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("## Key results\n\n")
	for _, s := range keyResults(sum) {
		p("- %s\n", s)
	}
	p("\n")
}

// figuresSection shows each figure drawn with its caption, and says which were not.
func figuresSection(w io.Writer, sum *page) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("## Figures\n\n")
	captions := []struct{ file, caption string }{
		{"fig1_information", "I_real and I_shuffle of the task blocks across sessions."},
		{"fig2_redundancy", "Redundancy % across sessions, task vs passive, at each subset size."},
		{"fig3_within_trial", "Within-trial redundancy gap, earliest vs latest task block, in single bins, 200 ms windows and cumulative windows."},
		{"fig4_ablation", "Ablated blocks against their control task blocks: redundancy %, redundancy and mean rate."},
		{"fig5_network", "The IPL network by session: w histogram, links, tuning similarity of linked neurons, islets."},
		{"fig6_noise_correlation", "Mean noise correlation, the information-limiting variance ε, redundancy % and the Fano factor across sessions."},
		{"fig7_tuning", "Tuning curves of ablated blocks and their controls."},
		{"fig8_spatial", "Spatial scale: the learning-induced increase of pairwise redundancy against soma distance (all pairs, pairs sharing a link, pairs without) and against inter-electrode distance on the virtual Utah array; pairwise redundancy by distance before and after training."},
		{"fig9_taskcorr", "Task-aligned noise correlations (Bondy et al. 2018): mean pairwise correlation by both neurons' preferred orientation relative to A, raw and conditioned on the frames, in the earliest and the latest control task block."},
		{"fig10_consistency", "Consistency (prediction 3): the gap over the trial with a persistent and with an independent signal, and the per-bin gap against the number of signal frames just before."},
		{"fig11_reversibility", "Reversibility (prediction 2): the gap trial by trial after each kind of switch, pooled over switches, with the fitted exponential, and the recorded gate m."},
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
}

// blocksSection is the table of every block's numbers.
func blocksSection(w io.Writer, sum *page) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	S := sum.Sessions
	p("## Per-block numbers\n\n")
	p("Session 0: before training; k: the measurement blocks after training session k; end: the blocks after the last session. Information in 1/coherence², at %d neurons per subset (fewer where the notes say so): estimate [%s]; redundancy %% blank (–) where I_shuffle is not clearly above 0. ε: information-limiting variance (coherence²). Fano: median over neurons of the trial count's variance/mean. Rate: mean over neurons, bins and trials. Table: `info.csv` (every subset size, the spread over subsets and the intervals).\n\n", sum.Options.SubsetSize, ciShort(sum))
	p("| block | session | condition | trials | c | rate (Hz) | I_real | I_shuffle | redundancy | redundancy %% | noise corr. | ε | Fano |\n")
	p("|---:|---|---|---:|---:|---:|---|---|---|---|---|---|---:|\n")
	for _, b := range sum.Blocks {
		if len(b.Info) == 0 {
			p("| %d | %s | %s | %d | | %s | no estimate | | | | | | |\n", b.Index, model.SessionShort(b.Session, S), tableCondition(&b), b.Trials, num(b.MeanRateHz))
		}
		for _, in := range b.Info {
			m := in.MainSize()
			p("| %d | %s | %s | %d | %g | %s | %s | %s | %s | %s | %s | %s | %s |\n", b.Index, model.SessionShort(b.Session, S), tableCondition(&b), b.Trials, in.Coherence, num(b.MeanRateHz),
				valCell(m.IReal, num), valCell(m.IShuffle, num), valCell(m.Gap, num), valCell(m.RedundancyPct, pctNum), valCell(in.NoiseCorr, num), valCell(in.Epsilon, num), num(in.Fano))
		}
	}
	p("\n")
}

// sizesSection is the redundancy % of the control blocks at each subset size, when there are several.
func sizesSection(w io.Writer, sum *page) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	S := sum.Sessions
	if sizes := sum.sizes(); len(sizes) > 1 {
		p("## Redundancy by subset size\n\n")
		p("Redundancy %% of the control blocks at each subset size (Liu et al. recorded 14 units in monkey R and 52 in monkey G) [%s]; a size the block's trials or neurons do not allow (T must exceed n + 4 at each sign) is left out, with a note.\n\n", ciShort(sum))
		p("| block | session | condition |")
		for _, n := range sizes {
			p(" n = %d |", n)
		}
		p("\n|---:|---|---|")
		for range sizes {
			p("---|")
		}
		p("\n")
		for _, s := range sum.conditionSeries() {
			for _, b := range s.blocks {
				h := b.Headline()
				p("| %d | %s | %s |", b.Index, model.SessionShort(b.Session, S), b.Condition())
				for _, n := range sizes {
					if r := h.Size(n); r != nil {
						p(" %s |", valCell(r.RedundancyPct, pctNum))
					} else {
						p(" – |")
					}
				}
				p("\n")
			}
		}
		p("\n")
	}
}

// withinTrialSection is the information early and late in the trial.
func withinTrialSection(w io.Writer, sum *page) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	S := sum.Sessions
	p("## Within the trial\n\n")
	p("Information in the first and the last 400 ms of the trial (counts summed over the window) and the least-squares slope of the gap I_shuffle − I_real over single %g ms bins [%s; the slope's from the replicates' slopes]. Table: `timecourse.csv`.\n\n", sum.BinMs, ciShort(sum))
	p("| block | session | condition | I_shuffle first | gap first | I_shuffle last | gap last | gap slope (per s) |\n")
	p("|---:|---|---|---|---|---|---|---|\n")
	for _, tc := range sum.TimeCourses {
		b := sum.BlockByIndex(tc.Block)
		if h := b.Headline(); h == nil || h.Coherence != tc.Coherence {
			continue
		}
		wt := sum.WithinTrialOf(b)
		if wt == nil {
			continue
		}
		p("| %d | %s | %s | %s | %s | %s | %s | %s |\n", b.Index, model.SessionShort(b.Session, S), b.Condition(),
			valCell(wt.First.IShuffle, num), valCell(wt.First.Gap, num), valCell(wt.Last.IShuffle, num), valCell(wt.Last.Gap, num), valCell(wt.Slope, num))
	}
	p("\n")
}

// ablationSection compares each ablated block with its control.
func ablationSection(w io.Writer, sum *page) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	S := sum.Sessions
	if len(sum.Ablations) > 0 {
		p("## Ablation checks\n\n")
		p("Each ablated block against its control task block [%s]; ablated − control: the bootstrap test of the difference (independent trials). Tuning difference: the largest difference over orientation bins relative to the control's peak rate (`tuning.csv`).\n\n", ciShort(sum))
		p("| ablated block | control block | redundancy %% ablated | redundancy %% control | ablated − control (points) | rate ablated (Hz) | rate control (Hz) | rate change | tuning difference |\n")
		p("|---|---|---|---|---|---:|---:|---:|---:|\n")
		for _, a := range sum.Ablations {
			rp := [3]string{"n/a", "n/a", "n/a"}
			if a.HasInfo {
				rp = [3]string{valCell(a.RedundancyPct[1], pctNum), valCell(a.RedundancyPct[0], pctNum), testText(a.PctTest, points)}
			}
			p("| %d (%s, %s) | %d (%s) | %s | %s | %s | %s | %s | %+.1f%% | %.1f%% |\n", a.Block, a.Ablation, model.SessionLabel(a.Session, S), a.Control, model.SessionLabel(a.ControlSession, S),
				rp[0], rp[1], rp[2], num(a.AblatedRateHz), num(a.ControlRateHz), 100*a.RateChange, 100*a.TuningDiff)
		}
		p("\n")
	}
}

// networkSection is the table of the network after each session.
func networkSection(w io.Writer, sum *page, d *rundir.Run) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("## Network\n\n")
	p("Structural weight w of the %d candidate contacts after each session; links: w ≥ %g. cos 2Δθ: tuning similarity of the two neurons of a contact (1 same preference, −1 orthogonal). Tables: `network.csv`, `w_hist.csv`, `islets.csv`.\n\n", len(d.EdgeA), sum.Threshold)
	p("| after session | mean w | links | cos 2Δθ (w-weighted) | cos 2Δθ (links) | cos 2Δθ (all contacts) | islets | spines/islet | neurons/islet | largest | spines in islets |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range sum.Network {
		p("| %s | %s | %s | %s | %s | %s | %d | %s | %s | %d | %s |\n", n.Label, num(n.MeanW), pct(100*n.LinkedFrac), num(n.LinkCos2Weighted), num(n.LinkCos2Linked),
			num(n.CandidateCos2), n.Islets, num(n.IsletMeanSpines), num(n.IsletMeanNeurons), n.IsletMaxSpines, pct(100*n.SpinesInIsletsFrac))
	}
	p("\n")
}

// notesSection lists the analysis's notes.
func notesSection(w io.Writer, sum *page) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	if len(sum.Notes) > 0 {
		p("## Notes\n\n")
		for _, n := range sum.Notes {
			p("- %s\n", n)
		}
		p("\n")
	}
}

// filesSection names the tables written.
func filesSection(w io.Writer, sum *page) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("## Files\n\n")
	tables := "`info.csv`, `timecourse.csv`, `network.csv`, `w_hist.csv`, `islets.csv`, `tuning.csv`"
	for _, f := range []string{rundir.SpatialFile, rundir.TaskCorrFile, rundir.ConsistencyFile, rundir.ReversibilityFile} {
		if slices.Contains(sum.files, f) {
			tables += ", `" + f + "`"
		}
	}
	p("Tables: %s (columns: see the package documentation of rundir). Rerun this analysis with `iplgpu analyse %s`.\n\n", tables, sum.Dir)
}

// configSection shows the resolved configuration.
func configSection(w io.Writer, d *rundir.Run) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("## Configuration\n\n")
	p("The resolved configuration ([config.yaml](config.yaml)); `iplgpu run -config config.yaml` reruns it.\n\n")
	p("```yaml\n%s", d.ConfigYAML)
	if !strings.HasSuffix(string(d.ConfigYAML), "\n") {
		p("\n")
	}
	p("```\n")
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

// sizesText lists the further subset sizes asked for.
func sizesText(sum *page) string {
	var o []string
	for _, n := range sum.Options.Sizes {
		if n != sum.Options.SubsetSize {
			o = append(o, fmt.Sprint(n))
		}
	}
	if len(o) == 0 {
		return "no other size"
	}
	s := "at " + strings.Join(o, " and ") + " neurons"
	if slices.Equal(sum.Options.Sizes, analysis.DefaultSizes) {
		s += ", Liu et al.'s monkeys R and G"
	}
	return s + ", where the trials allow"
}

// ciShort names the interval of the tables.
func ciShort(sum *page) string {
	if !sum.booted() {
		return "no interval over trials: the bootstrap was off"
	}
	return "95% bootstrap interval over trials"
}

// uncertaintyText says which interval every number carries and how the
// tests are made.
func uncertaintyText(sum *page) string {
	if !sum.booted() {
		return "The bootstrap was off (-boot 0): the numbers carry no interval over trials, no difference is tested, and redundancy % is left blank everywhere (whether I_shuffle is clearly above 0 needs an interval). The spread over neuron subsets in the tables is not an error bar: the subsets share the trials."
	}
	o := sum.Options
	return fmt.Sprintf("Every interval in this report and its figures is a 95%% bootstrap interval over trials: the trials of each block are resampled with replacement within each stimulus class (+c, −c), %d times (%d per time-course window), and in every replicate %d random subsets of each size (%d per window) are drawn anew; the replicates' signal is shrunk so that the resampled population carries the bias-corrected rather than the plug-in information, and the spread that the replicates' fewer subsets add is removed (package fisher, Bootstrap). "+
		"A difference is claimed only from a bootstrap test of it: the replicates of the two blocks (independent trials) or windows (the same trials, paired) give the difference's 95%% interval and a two-sided p-value; \"significant\" means p < %.2g, the interval excluding 0. The 16th–84th percentiles over neuron subsets in the CSV files (_lo, _hi) show the spread over subsets drawn from the same trials and are not error bars. %s",
		o.BootReplicates, o.TimeBootReplicates, o.BootSubsets, o.TimeBootSubsets, alpha, coverageText(sum))
}

// coverageText says how far the bootstrap's measured coverage applies to
// this run: the coverage depends on the subset size n against the degrees of
// freedom DF = T+ + T- - 2 of a block's trials, and was measured at two
// ratios (fisher.CoverageNominalNDF, fisher.CoverageConservativeNDF).
func coverageText(sum *page) string {
	type span struct{ lo, hi float64 }
	var sizes []int
	ratio := map[int]*span{}
	for _, b := range sum.Blocks {
		for _, in := range b.Info {
			df := float64(in.TPlus + in.TMinus - 2)
			if in.Boot.Replicates == 0 || df <= 0 {
				continue
			}
			for _, sr := range in.Sizes {
				r := float64(sr.N) / df
				sp, ok := ratio[sr.N]
				if !ok {
					sizes = append(sizes, sr.N)
					ratio[sr.N] = &span{r, r}
					continue
				}
				sp.lo, sp.hi = min(sp.lo, r), max(sp.hi, r)
			}
		}
	}
	measured := fmt.Sprintf("Measured coverage on linear-Gaussian data with known information (package fisher's coverage tests): nominal at n/DF = %.2f, conservative (intervals up to 1.5 times too wide) at n/DF = %.2f, where n is the subset size and DF = T+ + T− − 2 the trials' degrees of freedom.",
		fisher.CoverageNominalNDF, fisher.CoverageConservativeNDF)
	if len(sizes) == 0 {
		return measured
	}
	slices.Sort(sizes)
	var parts []string
	for _, n := range sizes {
		sp := ratio[n]
		r := fmt.Sprintf("%.2f", sp.lo)
		if fmt.Sprintf("%.2f", sp.hi) != r {
			r += "–" + fmt.Sprintf("%.2f", sp.hi)
		}
		var verdict string
		switch {
		case sp.hi <= fisher.CoverageNominalNDF+0.005:
			verdict = "at or below the nominal point"
		case sp.hi <= fisher.CoverageConservativeNDF+0.005:
			verdict = "within the measured range"
		case sp.lo > fisher.CoverageConservativeNDF+0.005:
			verdict = "beyond the measured range: coverage not measured there"
		default:
			verdict = "partly beyond the measured range: coverage not measured there"
		}
		parts = append(parts, fmt.Sprintf("%d neurons %s (%s)", n, r, verdict))
	}
	return measured + " In this run's blocks n/DF is: " + strings.Join(parts, "; ") + "."
}
