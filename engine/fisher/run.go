package fisher

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Trial is one row of a run directory's trials.csv.
type Trial struct {
	Trial     int // the trial column (-1 when absent)
	Session   int
	Block     int
	BlockName string
	Mode      string  // "task" or "passive"
	Coherence float64 // signed: + for orientation A, - for B
	Recorded  bool
	Row       int // row of responses.npy; -1 when not recorded
}

// ReadTrials parses trials.csv: a header row naming at least the columns
// session, block, mode, coherence and recorded (trial, block_name and row are
// optional; other columns are ignored), in any order. Only recorded trials are
// rows of responses.npy, in file order, so Row is the running count of recorded
// trials before this one, unless a row column gives it.
func ReadTrials(r io.Reader) ([]Trial, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: no header row (%v)", ErrBadData, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.ToLower(h))] = i
	}
	for _, need := range []string{"session", "block", "mode", "coherence", "recorded"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%w: no %q column in the header %v", ErrBadData, need, head)
		}
	}
	field := func(rec []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var trials []Trial
	row := 0
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadData, err)
		}
		t := Trial{Trial: -1, Row: -1, BlockName: field(rec, "block_name"), Mode: field(rec, "mode")}
		ints := []struct {
			name string
			dst  *int
			opt  bool
		}{{"session", &t.Session, false}, {"block", &t.Block, false}, {"trial", &t.Trial, true}}
		for _, f := range ints {
			s := field(rec, f.name)
			if s == "" && f.opt {
				continue
			}
			v, err := strconv.Atoi(s)
			if err != nil {
				return nil, fmt.Errorf("%w: line %d: %s %q is not an integer", ErrBadData, line, f.name, s)
			}
			*f.dst = v
		}
		s := field(rec, "coherence")
		t.Coherence, err = strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(t.Coherence) || math.IsInf(t.Coherence, 0) {
			return nil, fmt.Errorf("%w: line %d: coherence %q is not a finite number", ErrBadData, line, s)
		}
		switch s := strings.ToLower(field(rec, "recorded")); s {
		case "1", "true":
			t.Recorded = true
			t.Row = row
			row++
		case "0", "false", "":
		default:
			return nil, fmt.Errorf("%w: line %d: recorded %q is not 0 or 1", ErrBadData, line, s)
		}
		if s := field(rec, "row"); s != "" && t.Recorded {
			v, err := strconv.Atoi(s)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("%w: line %d: row %q of a recorded trial is not a row index", ErrBadData, line, s)
			}
			t.Row = v
		}
		trials = append(trials, t)
	}
	return trials, nil
}

// Default subset size and count of a run analysis (MODEL.md section 6).
const (
	DefaultSubsetSize = 20
	DefaultSubsets    = 200
)

// RunOptions are the choices of AnalyseRun.
type RunOptions struct {
	// Subsets: Size and Count 0 take DefaultSubsetSize and DefaultSubsets. The
	// same seed is used in every group, so groups with the same neurons use the
	// same subsets (paired comparisons across sessions).
	Subsets SubsetSpec
	// Window of bins summed per trial; the zero value means all bins.
	Window Window
}

// RunRow is the analysis of one (session, block, mode) group at one coherence.
type RunRow struct {
	Session   int
	Block     int
	BlockName string
	Mode      string
	Coherence float64 // |c|; ds = 2c
	Neurons   int     // usable neurons (non-zero variance) the subsets were drawn from
	TPlus     int
	TMinus    int
	Result
}

type groupKey struct {
	session, block int
	name, mode     string
}

// AnalyseRun analyses a run: for each (session, block, block name, mode) group,
// in order of first appearance, and each coherence c > 0 with both +c and -c
// recorded trials, the responses summed over opt.Window form trials x neurons
// matrices for +c and -c, with ds = 2c and covariance pooled over the two. Neurons
// with zero variance in a group are left out; the subset size is clipped to the
// usable neurons and to T - 5 for the smaller condition T. Groups with too few
// trials for 2 neurons are skipped. notes says what was clipped or skipped.
func AnalyseRun(r Responses, trials []Trial, opt RunOptions) (rows []RunRow, notes []string, err error) {
	spec := opt.Subsets
	if spec.Size == 0 {
		spec.Size = DefaultSubsetSize
	}
	if spec.Count == 0 {
		spec.Count = DefaultSubsets
	}
	if spec.Size < 2 || spec.Count < 1 {
		return nil, nil, fmt.Errorf("%w: subsets of %d neurons, %d of them; ask for at least 2 neurons and 1 subset", ErrBadData, spec.Size, spec.Count)
	}
	w := opt.Window
	if w == (Window{}) {
		w = Window{0, r.Bins}
	}
	if w.Start < 0 || w.End > r.Bins || w.Start >= w.End {
		return nil, nil, fmt.Errorf("%w: bins %v outside the %d bins of the responses", ErrBadData, w, r.Bins)
	}

	type level struct{ plus, minus []int }
	var order []groupKey
	groups := map[groupKey]map[float64]*level{}
	for _, t := range trials {
		if t.Row < 0 {
			continue
		}
		if t.Row >= r.Trials {
			return nil, nil, fmt.Errorf("%w: trial %d (session %d block %d) is row %d but the responses have %d trials", ErrBadData, t.Trial, t.Session, t.Block, t.Row, r.Trials)
		}
		k := groupKey{t.Session, t.Block, t.BlockName, t.Mode}
		g, ok := groups[k]
		if !ok {
			g = map[float64]*level{}
			groups[k] = g
			order = append(order, k)
		}
		if t.Coherence == 0 {
			continue
		}
		c := math.Abs(t.Coherence)
		l, ok := g[c]
		if !ok {
			l = &level{}
			g[c] = l
		}
		if t.Coherence > 0 {
			l.plus = append(l.plus, t.Row)
		} else {
			l.minus = append(l.minus, t.Row)
		}
	}

	for _, k := range order {
		g := groups[k]
		levels := make([]float64, 0, len(g))
		for c := range g {
			levels = append(levels, c)
		}
		slices.Sort(levels)
		for _, c := range levels {
			l := g[c]
			where := fmt.Sprintf("session %d block %d (%s, %s) coherence %g", k.session, k.block, k.name, k.mode, c)
			if len(l.plus) == 0 || len(l.minus) == 0 {
				notes = append(notes, fmt.Sprintf("%s: skipped: %d trials at +c and %d at -c; both signs are needed", where, len(l.plus), len(l.minus)))
				continue
			}
			t := min(len(l.plus), len(l.minus))
			if t < 7 {
				notes = append(notes, fmt.Sprintf("%s: skipped: T = %d trials per condition (T+ = %d, T- = %d) is too few for even 2 neurons (need T > N + 4)", where, t, len(l.plus), len(l.minus)))
				continue
			}
			s, err := NewStats(r.Sum(nil, l.plus, w), r.Sum(nil, l.minus, w), nil, 2*c, true)
			if err != nil {
				return rows, notes, fmt.Errorf("%s: %w", where, err)
			}
			pool := s.Active()
			sp := spec
			sp.Size = min(spec.Size, len(pool), t-5)
			if sp.Size < 2 {
				notes = append(notes, fmt.Sprintf("%s: skipped: %d neurons respond (non-zero variance); need at least 2", where, len(pool)))
				continue
			}
			if sp.Size < spec.Size {
				notes = append(notes, fmt.Sprintf("%s: subset size clipped from %d to %d (N = %d usable neurons, T = %d trials per condition allows at most T - 5)", where, spec.Size, sp.Size, len(pool), t))
			}
			res, err := s.analyse(Options{Counts: true, Subsets: sp}, pool)
			if err != nil {
				if errors.Is(err, ErrSingular) {
					notes = append(notes, fmt.Sprintf("%s: skipped: %v", where, err))
					continue
				}
				return rows, notes, fmt.Errorf("%s: %w", where, err)
			}
			res.Window = w
			rows = append(rows, RunRow{
				Session: k.session, Block: k.block, BlockName: k.name, Mode: k.mode,
				Coherence: c, Neurons: len(pool), TPlus: len(l.plus), TMinus: len(l.minus),
				Result: res,
			})
		}
	}
	return rows, notes, nil
}

// InfoColumns are the columns of info.csv, in order.
var InfoColumns = []string{
	"session", "block", "block_name", "mode", "coherence", "n_neurons", "n_trials_plus", "n_trials_minus",
	"subset_n", "subsets",
	"i_real", "i_real_lo", "i_real_hi", "i_shuffle", "i_shuffle_lo", "i_shuffle_hi",
	"redundancy", "redundancy_lo", "redundancy_hi", "redundancy_pct", "redundancy_pct_lo", "redundancy_pct_hi",
	"noise_corr",
}

// Record returns the row's fields in the order of InfoColumns: the subset means
// and 68% intervals (the full-population estimate when there were no subsets).
func (r RunRow) Record() []string {
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	var n, count int
	var iv [4]Interval
	switch {
	case r.Subsets != nil:
		n, count = r.Subsets.Size, r.Subsets.Count
		iv = [4]Interval{r.Subsets.Real, r.Subsets.Shuffle, r.Subsets.Redundancy, r.Subsets.RedundancyPct}
	case r.Full != nil:
		n, count = r.Full.N, 1
		for k, v := range []float64{r.Full.Real, r.Full.Shuffle, r.Full.Redundancy, r.Full.RedundancyPct} {
			iv[k] = Interval{v, v, v}
		}
	default:
		nan := math.NaN()
		iv = [4]Interval{{nan, nan, nan}, {nan, nan, nan}, {nan, nan, nan}, {nan, nan, nan}}
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

// WriteInfoCSV writes rows as info.csv: a header of InfoColumns, then one line
// per row.
func WriteInfoCSV(w io.Writer, rows []RunRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(InfoColumns); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(r.Record()); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
