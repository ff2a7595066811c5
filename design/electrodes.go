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
// within its recording radius, and with MUA the electrode's multi-unit
// activity. A unit's position is its electrode's (z = 0), so pairs come at
// distance 0 (the same electrode), one pitch, and beyond, as an analyst of
// array data sees them; the units axis then counts electrodes.
//
// The multi-unit channel sums the counts of the neurons within the radius
// that are not sorted units (all of them with no sorted units), so no spike
// is counted twice and a sorted unit shares no spike with its electrode's
// channel: signature (b) keeps their same-electrode pairs, as it keeps the
// pairs of two sorted units. (With a radius above half the pitch, discs
// overlap and a neuron may belong to two electrodes, as in VirtualArray.)
type Readout struct {
	PitchUm, RadiusUm float64
	Size              int // electrodes per side
	UnitsPerElectrode int
	MUA               bool // add each electrode's multi-unit channel
}

// DefaultReadout is the 10 x 10, 400 um Utah array of analysis with 3 sorted
// units per electrode.
var DefaultReadout = Readout{PitchUm: analysis.DefaultArrayPitchUm, RadiusUm: analysis.DefaultRecordingRadiusUm, Size: analysis.DefaultArraySize, UnitsPerElectrode: 3}

// UnitsText says what each electrode records, for reports.
func (r Readout) UnitsText() string {
	s := fmt.Sprintf("%d sorted units per electrode (the neurons nearest it within %g um)", r.UnitsPerElectrode, r.RadiusUm)
	if r.MUA {
		s += " and its multi-unit channel (the sum of the other neurons within the radius; preference: their circular mean)"
	}
	return s
}

// SortedUnits returns the units of electrodes el: at each electrode its k
// neurons nearest to it (ties by index) among those within its radius, and
// the electrode index of each unit.
func SortedUnits(el []analysis.Electrode, x, y []float32, k int) (neurons, electrode []int) {
	members, electrode := ElectrodeUnits(el, x, y, k, false)
	for _, m := range members {
		neurons = append(neurons, m[0])
	}
	return neurons, electrode
}

// ElectrodeUnits returns the units of electrodes el as the neurons each sums:
// at each electrode its k sorted units (SortedUnits, one neuron each) and,
// with mua, its multi-unit channel, the electrode's other neurons within the
// radius (left out when there are none); and the electrode of each unit.
func ElectrodeUnits(el []analysis.Electrode, x, y []float32, k int, mua bool) (members [][]int, electrode []int) {
	for e, ed := range el {
		cand := append([]int(nil), ed.Neurons...)
		d := func(i int) float64 { return math.Hypot(float64(x[i])-ed.XUm, float64(y[i])-ed.YUm) }
		sort.SliceStable(cand, func(a, b int) bool { return d(cand[a]) < d(cand[b]) })
		k := min(k, len(cand))
		for _, i := range cand[:k] {
			members = append(members, []int{i})
			electrode = append(electrode, e)
		}
		if mua && len(cand) > k {
			rest := append([]int(nil), cand[k:]...)
			sort.Ints(rest)
			members = append(members, rest)
			electrode = append(electrode, e)
		}
	}
	return members, electrode
}

// OrientationMean is the circular mean of orientations theta (rad, period
// pi): the mean direction of the doubled angles, halved, in [0, pi).
func OrientationMean(theta []float32) float32 {
	if len(theta) == 1 {
		return theta[0]
	}
	var s, c float64
	for _, t := range theta {
		s += math.Sin(2 * float64(t))
		c += math.Cos(2 * float64(t))
	}
	m := math.Atan2(s, c) / 2
	if m < 0 {
		m += math.Pi
	}
	return float32(m)
}

// AsArray returns the pool read out by r: its units those of the electrodes
// that record at least two neurons (ElectrodeUnits), each at its electrode's
// position, with its members' summed counts and their circular mean
// preference (the pool holds no per-frame responses to measure one).
func (p *Pool) AsArray(r Readout) (*Pool, error) {
	if r.UnitsPerElectrode < 0 || (r.UnitsPerElectrode == 0 && !r.MUA) {
		return nil, fmt.Errorf("%s: %d sorted units per electrode; want 1 or more (0 only with the multi-unit channel)", p.Dir, r.UnitsPerElectrode)
	}
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
	units, elec := ElectrodeUnits(keep, x, y, r.UnitsPerElectrode, r.MUA)
	q := *p
	q.Theta, q.Pos, q.Electrode, q.Electrodes = nil, nil, elec, len(keep)
	for k, m := range units {
		e := keep[elec[k]]
		th := make([]float32, len(m))
		for j, i := range m {
			th[j] = p.Theta[i]
		}
		q.Theta = append(q.Theta, OrientationMean(th))
		q.Pos = append(q.Pos, float32(e.XUm), float32(e.YUm), 0)
	}
	cols := func(m *mat.Dense) *mat.Dense { return sumCols(m, units) }
	q.Early = TaskBlock{Plus: cols(p.Early.Plus), Minus: cols(p.Early.Minus), DS: p.Early.DS}
	q.Late = TaskBlock{Plus: cols(p.Late.Plus), Minus: cols(p.Late.Minus), DS: p.Late.DS}
	q.FrozenEarly = FrozenBlock{Counts: cols(p.FrozenEarly.Counts), Seqs: p.FrozenEarly.Seqs}
	q.FrozenLate = FrozenBlock{Counts: cols(p.FrozenLate.Counts), Seqs: p.FrozenLate.Seqs}
	return &q, nil
}

// sumCols returns the columns of m summed by groups: column g of the result
// is the sum of m's columns groups[g].
func sumCols(m *mat.Dense, groups [][]int) *mat.Dense {
	rows, _ := m.Dims()
	out := mat.NewDense(rows, len(groups), nil)
	for g, cols := range groups {
		for r := range rows {
			var s float64
			for _, c := range cols {
				s += m.At(r, c)
			}
			out.Set(r, g, s)
		}
	}
	return out
}
