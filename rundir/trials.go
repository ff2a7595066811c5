package rundir

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/iplgpu/iplgpu/recording"
)

// ErrBadTrials marks a trials.csv that cannot be read as a trial table.
var ErrBadTrials = errors.New("malformed trial table")

// TrialsColumns are the columns of trials.csv, in the order Writer writes them.
var TrialsColumns = []string{"trial", "session", "block", "block_name", "mode", "coherence", "learning", "ablation", "frames", "recorded", "row", "gate_start"}

// TrialRecord is one line of trials.csv: one trial of the protocol
// (recording.Trial, the trials table of any recording).
type TrialRecord = recording.Trial

// trialFields formats t in the order of TrialsColumns.
func trialFields(t *TrialRecord) []string {
	return []string{
		strconv.Itoa(t.Trial), strconv.Itoa(t.Session), strconv.Itoa(t.Block), t.BlockName, t.Mode,
		strconv.FormatFloat(t.Coherence, 'g', -1, 64), b01(t.Learning), t.Ablation, t.Frames,
		b01(t.Recorded), strconv.Itoa(t.Row), strconv.FormatFloat(float64(t.GateStart), 'g', 6, 32),
	}
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// ReadTrials parses a trial table. The header must name at least session,
// block, mode, coherence and recorded, in any order; trial, block_name, row,
// learning, ablation, frames and gate_start are optional (defaults -1, "",
// the running count of recorded trials, 0, none, noise, NaN), and other
// columns are ignored, so tables written by other tools in this layout read
// too. Only recorded trials are rows of responses.npy, in file order.
//
// A table that repeats a line is refused: two lines with the same trial
// index, or two recorded trials claiming the same row of responses.npy, would
// be analysed twice.
func ReadTrials(r io.Reader) ([]TrialRecord, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	col, err := readTrialHeader(cr)
	if err != nil {
		return nil, err
	}
	var trials []TrialRecord
	row := 0
	lineOfTrial := map[int]int{} // trial index -> line
	lineOfRow := map[int]int{}   // responses row -> line
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadTrials, shorten(err.Error()))
		}
		t, err := parseTrial(col, rec, line, &row)
		if err != nil {
			return nil, err
		}
		if t.Trial >= 0 {
			if prev, dup := lineOfTrial[t.Trial]; dup {
				return nil, fmt.Errorf("%w: line %d repeats trial %d of line %d; a duplicated line would be analysed twice (remove it)", ErrBadTrials, line, t.Trial, prev)
			}
			lineOfTrial[t.Trial] = line
		}
		if t.Recorded {
			if prev, dup := lineOfRow[t.Row]; dup {
				return nil, fmt.Errorf("%w: line %d is recorded as row %d of the responses, like line %d; a duplicated line would be analysed twice (remove it)", ErrBadTrials, line, t.Row, prev)
			}
			lineOfRow[t.Row] = line
		}
		trials = append(trials, t)
	}
	return trials, nil
}

// trialCols are the columns of a trial table by lower-case name.
type trialCols map[string]int

// field is the value (spaces trimmed) of column name in rec; "" without it.
func (c trialCols) field(rec []string, name string) string {
	i, ok := c[name]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// readTrialHeader reads the header row and checks that it names the
// columns every trial needs.
func readTrialHeader(cr *csv.Reader) (trialCols, error) {
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: no header row (%v)", ErrBadTrials, shorten(err.Error()))
	}
	col := trialCols{}
	for i, h := range head {
		col[strings.TrimSpace(strings.ToLower(h))] = i
	}
	for _, need := range []string{"session", "block", "mode", "coherence", "recorded"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%w: no %q column in the header %s", ErrBadTrials, need, shorten(fmt.Sprintf("%q", head)))
		}
	}
	return col, nil
}

// parseTrial parses the trial on line line of the table; row is the
// responses row the next recorded trial without a row column takes.
func parseTrial(col trialCols, rec []string, line int, row *int) (TrialRecord, error) {
	var err error
	bad := func(name, v, want string) error {
		return fmt.Errorf("%w: line %d: %s %s is not %s", ErrBadTrials, line, name, shorten(strconv.Quote(v)), want)
	}
	t := TrialRecord{Trial: -1, Row: -1, BlockName: col.field(rec, "block_name"), Mode: col.field(rec, "mode"),
		Ablation: col.field(rec, "ablation"), Frames: col.field(rec, "frames"), GateStart: float32(math.NaN())}
	ints := []struct {
		name string
		dst  *int
		opt  bool
	}{{"session", &t.Session, false}, {"block", &t.Block, false}, {"trial", &t.Trial, true}}
	for _, f := range ints {
		s := col.field(rec, f.name)
		if s == "" && f.opt {
			continue
		}
		v, err := strconv.Atoi(s)
		if err != nil {
			return t, bad(f.name, s, "an integer")
		}
		*f.dst = v
	}
	s := col.field(rec, "coherence")
	t.Coherence, err = strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(t.Coherence) || math.IsInf(t.Coherence, 0) {
		return t, bad("coherence", s, "a finite number")
	}
	if t.Recorded, err = flag01(col.field(rec, "recorded")); err != nil {
		return t, bad("recorded", col.field(rec, "recorded"), "0 or 1")
	}
	if t.Learning, err = flag01(col.field(rec, "learning")); err != nil {
		return t, bad("learning", col.field(rec, "learning"), "0 or 1")
	}
	if t.Recorded {
		t.Row = *row
		*row++
		if s := col.field(rec, "row"); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || v < 0 {
				return t, bad("row", s, "a row index of a recorded trial")
			}
			t.Row = v
		}
	}
	if s := col.field(rec, "gate_start"); s != "" {
		g, err := strconv.ParseFloat(s, 32)
		if err != nil {
			return t, bad("gate_start", s, "a number")
		}
		t.GateStart = float32(g)
	}
	if t.Ablation == "" {
		t.Ablation = "none"
	}
	if t.Frames == "" {
		t.Frames = "noise"
	}
	return t, nil
}

// flag01 reads a 0/1 column; empty is 0.
func flag01(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "true":
		return true, nil
	case "0", "false", "":
		return false, nil
	}
	return false, errors.New("not 0 or 1")
}

// shorten keeps error text readable when a file holds something else than a
// table (a binary file, one enormous line).
func shorten(s string) string {
	const max = 120
	if len(s) <= max {
		return strings.ToValidUTF8(s, "?")
	}
	return strings.ToValidUTF8(s[:max], "?") + fmt.Sprintf("... (%d bytes)", len(s))
}
