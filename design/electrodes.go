package design

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/analysis"
)

// Readout reads the pools out as a Utah array does: the electrodes of a
// virtual array (analysis.VirtualArray, centred on the slab) and, at each,
// up to UnitsPerElectrode sorted units, the neurons nearest the electrode
// within its recording radius. A unit's position is its electrode's (z = 0),
// so pairs come at distance 0 (the same electrode), one pitch, and beyond,
// as an analyst of array data sees them; the units axis then counts
// electrodes.
type Readout struct {
	PitchUm, RadiusUm float64
	Size              int // electrodes per side
	UnitsPerElectrode int
}

// DefaultReadout is the 10 x 10, 400 um Utah array of analysis with 3 sorted
// units per electrode.
var DefaultReadout = Readout{PitchUm: analysis.DefaultArrayPitchUm, RadiusUm: analysis.DefaultRecordingRadiusUm, Size: analysis.DefaultArraySize, UnitsPerElectrode: 3}

// SortedUnits returns the units of electrodes el: at each electrode its k
// neurons nearest to it (ties by index) among those within its radius, and
// the electrode index of each unit.
func SortedUnits(el []analysis.Electrode, x, y []float32, k int) (neurons, electrode []int) {
	for e, ed := range el {
		cand := append([]int(nil), ed.Neurons...)
		d := func(i int) float64 { return math.Hypot(float64(x[i])-ed.XUm, float64(y[i])-ed.YUm) }
		sort.SliceStable(cand, func(a, b int) bool { return d(cand[a]) < d(cand[b]) })
		for _, i := range cand[:min(k, len(cand))] {
			neurons = append(neurons, i)
			electrode = append(electrode, e)
		}
	}
	return neurons, electrode
}

// AsArray returns the pool read out by r: its units the sorted units of the
// electrodes that record at least two, each at its electrode's position.
func (p *Pool) AsArray(r Readout) (*Pool, error) {
	n := p.Units()
	x, y := make([]float32, n), make([]float32, n)
	for i := range n {
		x[i], y[i] = p.Pos[3*i], p.Pos[3*i+1]
	}
	el := analysis.VirtualArray(p.Slab[0], p.Slab[1], x, y, analysis.ArrayLayout{PitchUm: r.PitchUm, Size: r.Size, RadiusUm: r.RadiusUm})
	var keep []analysis.Electrode
	for _, e := range el {
		if len(e.Neurons) >= 2 {
			keep = append(keep, e)
		}
	}
	if len(keep) < 2 {
		return nil, fmt.Errorf("%s: %d electrodes of the %d x %d array (pitch %g um) on the %.0f x %.0f um slab record 2 or more neurons; want at least 2 (a wider slab: more neurons, e.g. -preset spatial)",
			p.Dir, len(keep), r.Size, r.Size, r.PitchUm, p.Slab[0], p.Slab[1])
	}
	units, elec := SortedUnits(keep, x, y, r.UnitsPerElectrode)
	q := *p
	q.Theta, q.Pos, q.Electrode, q.Electrodes = nil, nil, elec, len(keep)
	for k, i := range units {
		e := keep[elec[k]]
		q.Theta = append(q.Theta, p.Theta[i])
		q.Pos = append(q.Pos, float32(e.XUm), float32(e.YUm), 0)
	}
	cols := func(m *mat.Dense) *mat.Dense {
		rows, _ := m.Dims()
		all := make([]int, rows)
		for i := range all {
			all[i] = i
		}
		return pick(m, all, units)
	}
	q.Early = TaskBlock{Plus: cols(p.Early.Plus), Minus: cols(p.Early.Minus), DS: p.Early.DS}
	q.Late = TaskBlock{Plus: cols(p.Late.Plus), Minus: cols(p.Late.Minus), DS: p.Late.DS}
	q.FrozenEarly = FrozenBlock{Counts: cols(p.FrozenEarly.Counts), Seqs: p.FrozenEarly.Seqs}
	q.FrozenLate = FrozenBlock{Counts: cols(p.FrozenLate.Counts), Seqs: p.FrozenLate.Seqs}
	return &q, nil
}
