package analysis

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/iplgpu/iplgpu/engine/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// InfoOptions are the choices of InfoRows.
type InfoOptions struct {
	// Subsets: Size and Count 0 take fisher.DefaultSubsetSize and fisher.DefaultSubsets. The
	// same seed is used in every group, so groups with the same neurons use the
	// same subsets (paired comparisons across sessions).
	Subsets fisher.SubsetSpec
	// Window of bins summed per trial; the zero value means all bins.
	Window fisher.BinRange
}

// InfoRow is the analysis of one (session, block, mode) group at one coherence.
type InfoRow struct {
	Session   int
	Block     int
	BlockName string
	Mode      string
	Coherence float64 // |c|; ds = 2c
	Neurons   int     // usable neurons (non-zero variance) the subsets were drawn from
	TPlus     int
	TMinus    int
	fisher.Result
}

type groupKey struct {
	session, block int
	name, mode     string
}

// InfoRows is the Fisher analysis of a recording (MODEL.md section 6): for each (session, block, block name, mode) group,
// in order of first appearance, and each coherence c > 0 with both +c and -c
// recorded trials, the responses summed over opt.Window form trials x neurons
// matrices for +c and -c, with ds = 2c and covariance pooled over the two. Neurons
// with zero variance in a group are left out; the subset size is clipped to the
// usable neurons and to T - 5 for the smaller condition T. Groups with too few
// trials for 2 neurons are skipped. notes says what was clipped or skipped.
func InfoRows(r fisher.Responses, trials []rundir.TrialRecord, opt InfoOptions) (rows []InfoRow, notes []string, err error) {
	spec := opt.Subsets
	if spec.Size == 0 {
		spec.Size = fisher.DefaultSubsetSize
	}
	if spec.Count == 0 {
		spec.Count = fisher.DefaultSubsets
	}
	if spec.Size < 2 || spec.Count < 1 {
		return nil, nil, fmt.Errorf("%w: subsets of %d neurons, %d of them; ask for at least 2 neurons and 1 subset", fisher.ErrBadData, spec.Size, spec.Count)
	}
	w := opt.Window
	if w == (fisher.BinRange{}) {
		w = fisher.BinRange{Start: 0, End: r.Bins}
	}
	if w.Start < 0 || w.End > r.Bins || w.Start >= w.End {
		return nil, nil, fmt.Errorf("%w: bins %v outside the %d bins of the responses", fisher.ErrBadData, w, r.Bins)
	}

	type level struct{ plus, minus []int }
	var order []groupKey
	groups := map[groupKey]map[float64]*level{}
	for _, t := range trials {
		if t.Row < 0 {
			continue
		}
		if t.Row >= r.Trials {
			return nil, nil, fmt.Errorf("%w: trial %d (session %d block %d) is row %d but the responses have %d trials", fisher.ErrBadData, t.Trial, t.Session, t.Block, t.Row, r.Trials)
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
			s, err := fisher.NewStats(r.Sum(nil, l.plus, w), r.Sum(nil, l.minus, w), nil, 2*c, true)
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
			res, err := s.Analyse(fisher.EstimateOptions{Counts: true, Subsets: sp}, pool)
			if err != nil {
				if errors.Is(err, fisher.ErrSingular) {
					notes = append(notes, fmt.Sprintf("%s: skipped: %v", where, err))
					continue
				}
				return rows, notes, fmt.Errorf("%s: %w", where, err)
			}
			res.Window = w
			rows = append(rows, InfoRow{
				Session: k.session, Block: k.block, BlockName: k.name, Mode: k.mode,
				Coherence: c, Neurons: len(pool), TPlus: len(l.plus), TMinus: len(l.minus),
				Result: res,
			})
		}
	}
	return rows, notes, nil
}
