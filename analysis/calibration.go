package analysis

import (
	"fmt"
	"math"
	"strings"

	"github.com/iplgpu/iplgpu/engine/model"
)

// Monkey is one of Liu et al.'s two monkeys as a calibration target (docs/model.md
// section 9): the late-learning task redundancy % they measured at their
// subset size N, and the range the model is asked to reach there.
type Monkey struct {
	Name   string     // "R" or "G"
	N      int        // Liu et al.'s subset size (units)
	Liu    [2]float64 // their late-learning task redundancy %, as docs/model.md section 9.2 gives them
	Lo, Hi float64    // the target range of the model's late-learning redundancy % at N
	Preset string     // the configuration calibrated to it: "" (the defaults) or a preset
}

// The two monkeys of docs/model.md section 9.1. One parameter set cannot match both
// (redundancy % = n x/(1 + n x) with x = a eps): the defaults are calibrated
// to monkey R at 14 units, the preset liu-g to monkey G at 52.
var (
	MonkeyR = Monkey{Name: "R", N: 14, Liu: [2]float64{30.5, 33.6}, Lo: 25, Hi: 35}
	MonkeyG = Monkey{Name: "G", N: 52, Liu: [2]float64{22.1, 19.8}, Lo: 17, Hi: 25, Preset: "liu-g"}
)

// Monkeys are both monkeys, in the order of the table.
var Monkeys = []Monkey{MonkeyR, MonkeyG}

// LiuText is the monkey's published values, e.g. "30.5 / 33.6% (monkey R, 14 units)".
func (m Monkey) LiuText() string {
	return fmt.Sprintf("%.1f / %.1f%% (monkey %s, %d units)", m.Liu[0], m.Liu[1], m.Name, m.N)
}

// CalibrationTarget is the monkey a run is calibrated to, and why.
type CalibrationTarget struct {
	Monkey
	Reason string
}

// TargetOf says which monkey the configuration cfg is calibrated to: monkey G
// when its dynamics are those of the preset liu-g (the dynamics are all the
// preset changes besides dropping the ablation blocks), else monkey R, the
// defaults' target. Nil cfg: monkey R.
func TargetOf(cfg *model.Config) CalibrationTarget {
	if cfg == nil {
		return CalibrationTarget{MonkeyR, "no configuration: the defaults' target"}
	}
	g, err := model.LoadConfig(MonkeyG.Preset, "", nil)
	if err == nil && cfg.Dynamics == g.Dynamics {
		return CalibrationTarget{MonkeyG, "the run's dynamics are those of the preset liu-g"}
	}
	def := model.DefaultConfig()
	if cfg.Dynamics == def.Dynamics {
		return CalibrationTarget{MonkeyR, "the run's dynamics are the defaults"}
	}
	return CalibrationTarget{MonkeyR, "the run's dynamics are neither the defaults nor liu-g's; judged against the defaults' target, monkey R"}
}

// Status of a calibration row.
const (
	CalPass = "pass"
	CalFail = "fail"
	CalNA   = "n.a."
)

// Role of a calibration row.
const (
	RoleTarget    = "target"    // a target of the run's configuration
	RoleReference = "reference" // shown for comparison: the other monkey's row, and under liu-g every row but its own
)

// CalibrationRow is one line of the model-against-paper table (docs/model.md
// section 9).
type CalibrationRow struct {
	Key      string // machine name, e.g. "late_redundancy_pct"
	Quantity string // in words
	N        int    // neurons per subset (0: a block-level quantity)
	Liu      string // Liu et al.'s value or finding
	Target   string // the target in words
	// TargetLo and TargetHi bound the target (inclusive; -Inf, +Inf for an
	// open end); Strict asks for Est > TargetLo (a "rises" target).
	TargetLo, TargetHi float64
	Strict             bool
	Role               string // RoleTarget or RoleReference
	// Model is the model's value; Lo and Hi its 95% bootstrap interval over
	// trials (the blocks resampled independently, replicate by replicate).
	Model  Value
	Status string // CalPass, CalFail or CalNA
	// CI says where the interval lies against the target: "inside",
	// "outside", "straddles", or "" without an interval.
	CI   string
	Note string // the blocks and values behind it, or why it is n.a.
}

// within says whether v meets the row's target.
func (r *CalibrationRow) within(v float64) bool {
	if r.Strict {
		return v > r.TargetLo && v <= r.TargetHi
	}
	return v >= r.TargetLo && v <= r.TargetHi
}

// judge sets Status and CI from Model (n.a. with note when Model.Est is not
// a number).
func (r *CalibrationRow) judge(naNote string) {
	if !finite(r.Model.Est) {
		r.Status, r.CI = CalNA, ""
		if r.Note == "" {
			r.Note = naNote
		} else if naNote != "" {
			r.Note = naNote + "; " + r.Note
		}
		return
	}
	r.Status = CalFail
	if r.within(r.Model.Est) {
		r.Status = CalPass
	}
	r.CI = ""
	if r.Model.HasCI() {
		lo, hi := r.within(r.Model.Lo), r.within(r.Model.Hi)
		switch {
		case lo && hi:
			r.CI = "inside"
		case r.Model.Hi < r.TargetLo || (r.Strict && r.Model.Hi <= r.TargetLo) || r.Model.Lo > r.TargetHi:
			r.CI = "outside"
		default:
			r.CI = "straddles"
		}
	}
}

// calBlocks are the control task blocks the calibration compares (docs/model.md
// section 9.3, as the long calibration test defines them): early is the task
// block before training (session 0), late the task blocks after the last two
// training sessions (S-1 and S); passive the control passive block of each
// session 1..S (nil where missing).
type calBlocks struct {
	early   *BlockResult
	late    []*BlockResult // 2 when the run has them
	task    map[int]*BlockResult
	passive map[int]*BlockResult
	missing string // why early or late is missing ("" when both are there)
}

func calibrationBlocks(sum *Summary) calBlocks {
	cb := calBlocks{task: map[int]*BlockResult{}, passive: map[int]*BlockResult{}}
	for _, mode := range []string{"task", "passive"} {
		for _, b := range sum.ControlBlocks(mode) {
			m := cb.task
			if mode == "passive" {
				m = cb.passive
			}
			if _, ok := m[b.Session]; !ok && b.Session <= sum.Sessions {
				m[b.Session] = b // the first control block of its mode in the session
			}
		}
	}
	S := sum.Sessions
	var why []string
	cb.early = cb.task[0]
	if cb.early == nil {
		why = append(why, "no control task block with an estimate before training (session 0)")
	}
	switch {
	case S < 2:
		why = append(why, fmt.Sprintf("the protocol has %d training session(s); \"late\" needs the task blocks after the last two", S))
	default:
		for _, s := range []int{S - 1, S} {
			if b := cb.task[s]; b != nil {
				cb.late = append(cb.late, b)
			} else {
				why = append(why, fmt.Sprintf("no control task block with an estimate after session %d (run not finished?)", s))
			}
		}
	}
	if len(cb.late) < 2 {
		cb.late = nil
	}
	if cb.early != nil && cb.late != nil {
		c := cb.early.Headline().Coherence
		for _, b := range cb.late {
			if b.Headline().Coherence != c {
				why = append(why, fmt.Sprintf("the early and late task blocks differ in coherence (%g, %g)", c, b.Headline().Coherence))
				cb.late = nil
				break
			}
		}
	}
	cb.missing = strings.Join(why, "; ")
	return cb
}

// combine is a quantity derived from values of independently resampled
// blocks: est from their estimates, replicate r from their replicates r
// (blocks are resampled independently, so replicate r of the combination
// is a draw of the combination's bootstrap distribution); NaN inputs give
// NaN. The interval is that of the combination's replicates (BootInterval).
func combine(f func(x []float64) float64, vs ...Value) Value {
	x := make([]float64, len(vs))
	for k, v := range vs {
		x[k] = v.Est
	}
	out := nanValue()
	out.Est = f(x)
	nrep := commonReps(vs)
	if nrep > 1 && finite(out.Est) {
		reps := make([]float64, nrep)
		for r := range reps {
			for k, v := range vs {
				x[k] = v.Reps[r]
			}
			reps[r] = f(x)
		}
		out.withReps(reps)
	}
	return out
}

// mean2 is the mean of two numbers.
func mean2(x []float64) float64 { return (x[0] + x[1]) / 2 }

// latePct is the late redundancy % at size n: 100 (mean gap)/(mean
// I_shuffle) over the late blocks' subset means, blank (NaN) unless the mean
// I_shuffle's interval lies above 0, as for a block (pctValue).
func latePct(late []*BlockResult, n int) (Value, string) {
	var gaps, shufs []Value
	for _, b := range late {
		sz := b.Headline().Size(n)
		if sz == nil {
			return nanValue(), fmt.Sprintf("no estimate at n = %d in the task block after session %d (too few trials or neurons: see the notes)", n, b.Session)
		}
		gaps = append(gaps, sz.Gap)
		shufs = append(shufs, sz.IShuffle)
	}
	g := combine(mean2, gaps...)
	s := combine(mean2, shufs...)
	v := pctValue(g, s)
	if !finite(v.Est) {
		return v, fmt.Sprintf("blank: the late I_shuffle at n = %d (%s) is not clearly above 0", n, fmtNum(s.Est))
	}
	return v, ""
}

// earlyPct is the early block's redundancy % at size n.
func earlyPct(b *BlockResult, n int) (Value, string) {
	sz := b.Headline().Size(n)
	if sz == nil {
		return nanValue(), fmt.Sprintf("no estimate at n = %d in the task block before training", n)
	}
	if !finite(sz.RedundancyPct.Est) {
		return sz.RedundancyPct, fmt.Sprintf("blank: I_shuffle at n = %d before training is not clearly above 0", n)
	}
	return sz.RedundancyPct, ""
}

// lateMean is the mean over the late blocks of a per-size quantity at n.
func lateMean(late []*BlockResult, n int, get func(*SizeResult) Value) (Value, bool) {
	var vs []Value
	for _, b := range late {
		sz := b.Headline().Size(n)
		if sz == nil {
			return nanValue(), false
		}
		vs = append(vs, get(sz))
	}
	return combine(mean2, vs...), true
}

// fmtNum formats a number for a note.
func fmtNum(v float64) string {
	if !finite(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.3g", v)
}

// fmtCI formats a value with its interval for a note.
func fmtCI(v Value) string {
	if v.HasCI() {
		return fmt.Sprintf("%s [%s, %s]", fmtNum(v.Est), fmtNum(v.Lo), fmtNum(v.Hi))
	}
	return fmtNum(v.Est)
}

// Calibration computes the model-against-paper table of docs/model.md section 9
// from an analysed run: the late-learning task redundancy % at both monkeys'
// subset sizes (the target's monkey a target, the other a reference), then,
// at the target's subset size, the rise over learning, I_shuffle's growth
// against I_real's, I_real late/early and task against passive in every
// session after training; the mean noise correlation before training and
// its change, the lowest and the highest median Fano factor over the control
// blocks, and the within-trial slope of the gap late against early. "Early"
// is the control task block before training, "late" the mean of the control
// task blocks after the last two sessions (ratios and percentages of the
// means). Every value carries the 95% bootstrap interval over trials of the
// analysis, combined replicate by replicate across blocks; a row the run
// cannot give (no bootstrap, a short protocol, too few trials for the size)
// is n.a. with the reason in its note.
func Calibration(sum *Summary, target CalibrationTarget) []CalibrationRow {
	cb := calibrationBlocks(sum)
	n := target.N
	rows := lateRedundancyRows(cb, target)
	rows = append(rows, riseRow(cb, n))
	rows = append(rows, growthRows(cb, n)...)
	rows = append(rows, taskPassiveRow(sum, cb, n))
	rows = append(rows, noiseCorrRows(cb)...)
	rows = append(rows, fanoRows(sum)...)
	rows = append(rows, withinTrialRow(sum, cb))
	// docs/model.md section 9.2 sets only the n = 52 redundancy row as the preset
	// liu-g's target; the rest of the table is the default experiment's, so
	// a liu-g run shows those rows for comparison, not as its targets.
	if target.Name != MonkeyR.Name {
		for i := range rows {
			if rows[i].Key != "late_redundancy_pct" || rows[i].N != target.N {
				rows[i].Role = RoleReference
			}
		}
	}
	return rows
}

// lateRedundancyRows are the late-learning task redundancy % at each
// monkey's size, target's the target row.
func lateRedundancyRows(cb calBlocks, target CalibrationTarget) []CalibrationRow {
	var rows []CalibrationRow
	for _, m := range Monkeys {
		r := CalibrationRow{Key: "late_redundancy_pct", N: m.N, Quantity: fmt.Sprintf("late-learning task redundancy %% at n = %d (monkey %s)", m.N, m.Name),
			Liu: m.LiuText(), Target: fmt.Sprintf("%g-%g%% at n = %d", m.Lo, m.Hi, m.N), TargetLo: m.Lo, TargetHi: m.Hi, Role: RoleReference, Model: nanValue()}
		if m.Name == target.Name {
			r.Role = RoleTarget
		}
		var na string
		if cb.late == nil {
			na = cb.missing
		} else {
			r.Model, na = latePct(cb.late, m.N)
			if cb.early != nil {
				if e, why := earlyPct(cb.early, m.N); why == "" {
					r.Note = fmt.Sprintf("before training %s%%", fmtCI(e))
				} else {
					r.Note = why
				}
			}
		}
		r.judge(na)
		rows = append(rows, r)
	}
	return rows
}

// riseRow is the rise of the task redundancy % over learning at size n.
func riseRow(cb calBlocks, n int) CalibrationRow {
	inf := math.Inf(1)
	rise := CalibrationRow{Key: "redundancy_rise", N: n, Quantity: fmt.Sprintf("rise of task redundancy %% over learning (late - early) at n = %d", n),
		Liu: "rises over weeks of training (Figs. 3-4)", Target: ">= 10 points (gradual)", TargetLo: 10, TargetHi: inf, Role: RoleTarget, Model: nanValue()}
	var na string
	if cb.early == nil || cb.late == nil {
		na = cb.missing
	} else {
		e, ne := earlyPct(cb.early, n)
		l, nl := latePct(cb.late, n)
		switch {
		case ne != "":
			na = ne
		case nl != "":
			na = nl
		default:
			rise.Model = combine(func(x []float64) float64 { return x[1] - x[0] }, e, l)
			rise.Note = fmt.Sprintf("%s%% -> %s%%", fmtCI(e), fmtCI(l))
		}
	}
	rise.judge(na)
	return rise
}

// growthRows compare the growth of I_shuffle and I_real over learning at
// size n, and check that I_real is preserved.
func growthRows(cb calBlocks, n int) []CalibrationRow {
	inf := math.Inf(1)
	faster := CalibrationRow{Key: "shuffle_minus_real_growth", N: n, Quantity: fmt.Sprintf("I_shuffle late/early minus I_real late/early at n = %d", n),
		Liu: "I_shuffle rises faster (Figs. 3-4)", Target: "> 0 (I_shuffle late/early > I_real late/early)", TargetLo: 0, TargetHi: inf, Strict: true, Role: RoleTarget, Model: nanValue()}
	realR := CalibrationRow{Key: "real_late_over_early", N: n, Quantity: fmt.Sprintf("I_real late/early at n = %d", n),
		Liu: "preserved or rising (Figs. 3-4)", Target: "0.9-1.6", TargetLo: 0.9, TargetHi: 1.6, Role: RoleTarget, Model: nanValue()}
	var na string
	if cb.early == nil || cb.late == nil {
		na = cb.missing
	} else if es := cb.early.Headline().Size(n); es == nil {
		na = fmt.Sprintf("no estimate at n = %d in the task block before training", n)
	} else {
		lr, ok1 := lateMean(cb.late, n, func(s *SizeResult) Value { return s.IReal })
		ls, ok2 := lateMean(cb.late, n, func(s *SizeResult) Value { return s.IShuffle })
		if !ok1 || !ok2 {
			na = fmt.Sprintf("no estimate at n = %d in a late task block", n)
		} else {
			ratio := func(x []float64) float64 {
				if !(x[0] > 0) {
					return math.NaN()
				}
				return x[1] / x[0]
			}
			rr := combine(ratio, es.IReal, lr)
			rs := combine(ratio, es.IShuffle, ls)
			realR.Model = rr
			// eps = 1/I_real - 1/I_shuffle is the information-limiting
			// variance when I_real = n a/(1 + n a eps) and I_shuffle = n a
			// (docs/model.md section 8.5); then I_real = r/eps (r the redundancy
			// fraction), so I_real late/early = (r late/early) x (eps
			// early/late): I_real rises with redundancy unless eps does.
			eps := func(x []float64) float64 {
				if !(x[0] > 0) || !(x[1] > 0) {
					return math.NaN()
				}
				return 1/x[0] - 1/x[1]
			}
			realR.Note = fmt.Sprintf("I_real %s -> %s (1/coherence^2); eps = 1/I_real - 1/I_shuffle %s -> %s (coherence^2)",
				fmtCI(es.IReal), fmtCI(lr), fmtCI(combine(eps, es.IReal, es.IShuffle)), fmtCI(combine(eps, lr, ls)))
			faster.Model = combine(func(x []float64) float64 { return ratio(x[2:4]) - ratio(x[0:2]) }, es.IReal, lr, es.IShuffle, ls)
			faster.Note = fmt.Sprintf("I_shuffle x%s, I_real x%s", fmtCI(rs), fmtCI(rr))
			if !(es.IReal.Est > 0) || !(es.IShuffle.Est > 0) {
				na = "the early information is not positive: no ratio"
			}
		}
	}
	faster.judge(na)
	realR.judge(na)
	return []CalibrationRow{faster, realR}
}

// taskPassiveRow: task redundancy % above passive in every session after
// training, at size n. The model's value is the smallest task - passive
// difference over the sessions, with that session's interval; a session
// whose passive % is blank (I_shuffle not clearly above 0) is judged on the
// absolute redundancy I_shuffle - I_real instead, as the report does.
func taskPassiveRow(sum *Summary, cb calBlocks, n int) CalibrationRow {
	r := CalibrationRow{Key: "task_minus_passive_min", N: n, Quantity: fmt.Sprintf("task - passive redundancy %% at n = %d, smallest over sessions 1-%d", n, sum.Sessions),
		Liu: "task > passive in all four conditions (Figs. 3-4)", Target: "> 0 in every session after training", TargetLo: 0, TargetHi: math.Inf(1), Strict: true,
		Role: RoleTarget, Model: nanValue()}
	var missing, notMet, viaGap []string
	sessions, above := 0, 0
	minAt := -1
	for s := 1; s <= sum.Sessions; s++ {
		t, p := cb.task[s], cb.passive[s]
		if t == nil || p == nil {
			missing = append(missing, fmt.Sprint(s))
			continue
		}
		ts, ps := t.Headline().Size(n), p.Headline().Size(n)
		if ts == nil || ps == nil {
			missing = append(missing, fmt.Sprint(s))
			continue
		}
		sessions++
		if !finite(ts.RedundancyPct.Est) || !finite(ps.RedundancyPct.Est) {
			viaGap = append(viaGap, fmt.Sprint(s))
			if ts.Gap.Est > ps.Gap.Est {
				above++
			} else {
				notMet = append(notMet, fmt.Sprint(s))
			}
			continue
		}
		c := Compare(ts.RedundancyPct, ps.RedundancyPct)
		if c.Diff > 0 {
			above++
		} else {
			notMet = append(notMet, fmt.Sprint(s))
		}
		if minAt < 0 || c.Diff < r.Model.Est {
			minAt = s
			r.Model = Value{Est: c.Diff, SubLo: math.NaN(), SubHi: math.NaN(), Lo: c.Lo, Hi: c.Hi}
		}
	}
	var notes []string
	if sessions > 0 {
		notes = append(notes, fmt.Sprintf("task above passive in %d of %d sessions", above, sessions))
	}
	if minAt > 0 {
		notes = append(notes, fmt.Sprintf("smallest difference after session %d", minAt))
	}
	if len(notMet) > 0 {
		notes = append(notes, "not above in session(s) "+strings.Join(notMet, ", "))
	}
	if len(viaGap) > 0 {
		notes = append(notes, "session(s) "+strings.Join(viaGap, ", ")+" judged on the absolute redundancy (a redundancy % blank)")
	}
	if len(missing) > 0 {
		notes = append(notes, fmt.Sprintf("no task and passive estimate at n = %d after session(s) %s", n, strings.Join(missing, ", ")))
	}
	r.Note = strings.Join(notes, "; ")
	if sessions == 0 || len(missing) > 0 {
		r.Model = nanValue()
		r.judge("not every session after training has a task and a passive estimate")
		return r
	}
	// Judged on every session, including those compared on the absolute
	// redundancy, so the status is set from the count; the value (and so
	// CI) is the smallest difference of redundancy %.
	r.judge("")
	r.Status = CalPass
	if len(notMet) > 0 {
		r.Status = CalFail
	}
	return r
}

// noiseCorrRows: the mean noise correlation before training, and its change
// from early to late.
func noiseCorrRows(cb calBlocks) []CalibrationRow {
	before := CalibrationRow{Key: "noise_corr_before", Quantity: "mean noise correlation before training",
		Liu: "no systematic change (Fig. S7)", Target: "0.03-0.10", TargetLo: 0.03, TargetHi: 0.10, Role: RoleTarget, Model: nanValue()}
	change := CalibrationRow{Key: "noise_corr_change", Quantity: "change of the mean noise correlation over learning (late - early)",
		Liu: "no systematic change (Fig. S7)", Target: "at most 0.02 either way", TargetLo: -0.02, TargetHi: 0.02, Role: RoleTarget, Model: nanValue()}
	var na string
	if cb.early != nil {
		before.Model = cb.early.Headline().NoiseCorr
	} else {
		na = cb.missing
	}
	before.judge(na)
	na = ""
	if cb.early == nil || cb.late == nil {
		na = cb.missing
	} else {
		l := combine(mean2, cb.late[0].Headline().NoiseCorr, cb.late[1].Headline().NoiseCorr)
		change.Model = combine(func(x []float64) float64 { return x[1] - x[0] }, cb.early.Headline().NoiseCorr, l)
		change.Note = fmt.Sprintf("%s -> %s", fmtCI(cb.early.Headline().NoiseCorr), fmtCI(l))
	}
	change.judge(na)
	return []CalibrationRow{before, change}
}

// fanoRows: the lowest and the highest median Fano factor of the trial's
// counts over the control task and passive blocks of sessions 0..S, each
// with its block's interval; both must lie in 1.0-1.6.
func fanoRows(sum *Summary) []CalibrationRow {
	var lo, hi *BlockResult
	count := 0
	for _, mode := range []string{"task", "passive"} {
		for _, b := range sum.ControlBlocks(mode) {
			if b.Session > sum.Sessions || !finite(b.Headline().Fano) {
				continue
			}
			count++
			if lo == nil || b.Headline().Fano < lo.Headline().Fano {
				lo = b
			}
			if hi == nil || b.Headline().Fano > hi.Headline().Fano {
				hi = b
			}
		}
	}
	var out []CalibrationRow
	for k, b := range []*BlockResult{lo, hi} {
		which := []string{"lowest", "highest"}[k]
		r := CalibrationRow{Key: "fano_" + []string{"min", "max"}[k], Quantity: fmt.Sprintf("median Fano factor of the %g ms counts, %s over the control blocks", sum.TrialMs, which),
			Liu: "V4 Fano factors about 1-1.5", Target: "1.0-1.6 in every block", TargetLo: 1.0, TargetHi: 1.6, Role: RoleTarget, Model: nanValue()}
		na := "no control block with a Fano factor"
		if b != nil {
			r.Model = b.Headline().FanoBoot
			r.Note = fmt.Sprintf("%s block, %s (%d blocks)", b.Mode, model.SessionLabel(b.Session, sum.Sessions), count)
			na = ""
		}
		r.judge(na)
		out = append(out, r)
	}
	return out
}

// withinTrialRow: the within-trial slope of the gap (over single bins, per
// s) late against early: late is the mean of the late blocks' slopes.
func withinTrialRow(sum *Summary, cb calBlocks) CalibrationRow {
	r := CalibrationRow{Key: "within_trial_slope_change", Quantity: "within-trial slope of the gap, late - early (1/coherence^2 per s)",
		Liu: "the gap rises within the trial, steeper late in learning (Figs. 5, S19)", Target: "> 0 (late slope > early slope)", TargetLo: 0, TargetHi: math.Inf(1), Strict: true,
		Role: RoleTarget, Model: nanValue()}
	var na string
	if cb.early == nil || cb.late == nil {
		na = cb.missing
	} else {
		var slopes []Value
		var ns []string
		for _, b := range append([]*BlockResult{cb.early}, cb.late...) {
			if sum.TimeCourse(b) == nil {
				na = fmt.Sprintf("no time course of the task block %s", model.SessionLabel(b.Session, sum.Sessions))
				break
			}
			wt := sum.WithinTrialOf(b)
			if wt == nil {
				na = fmt.Sprintf("the task block %s has fewer than two 400 ms windows", model.SessionLabel(b.Session, sum.Sessions))
				break
			}
			slopes = append(slopes, wt.Slope)
			ns = append(ns, fmt.Sprint(sum.TimeCourse(b).SubsetN))
		}
		if na == "" {
			r.N = sum.TimeCourse(cb.early).SubsetN
			late := combine(mean2, slopes[1], slopes[2])
			r.Model = combine(func(x []float64) float64 { return x[1] - x[0] }, slopes[0], late)
			r.Note = fmt.Sprintf("slope %s early -> %s late; subsets of %s neurons", fmtCI(slopes[0]), fmtCI(late), strings.Join(ns, ", "))
		}
	}
	r.judge(na)
	return r
}

// Missed returns the rows of role that did not pass (fail), and those that
// could not be judged (n.a.).
func Missed(rows []CalibrationRow, role string) (failed, na []CalibrationRow) {
	for _, r := range rows {
		if r.Role != role {
			continue
		}
		switch r.Status {
		case CalFail:
			failed = append(failed, r)
		case CalNA:
			na = append(na, r)
		}
	}
	return failed, na
}
