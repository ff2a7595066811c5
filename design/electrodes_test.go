package design

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestArrayReadout: a hand-built layout on an 800 x 800 um slab under a 2 x 2
// array of 400 um pitch (electrodes at x, y = 200 and 600 um), radius 100
// um. Electrode (200, 200) has neurons at 10, 50 and 90 um (and one at 150
// um, outside); electrode (600, 200) at 30 and 20 um; electrode (200, 600)
// one neuron (dropped: an electrode needs 2); electrode (600, 600) none.
// With 2 units per electrode: units 0 and 1 (10 and 50 um) on the first, 4
// and 3 (20 then 30 um: nearest first) on the second, each at its
// electrode's position; the units axis counts 2 electrodes, and a draw of 1
// electrode takes both of its units.
func TestArrayReadout(t *testing.T) {
	p := handPool()
	q, err := p.AsArray(Readout{PitchUm: 400, RadiusUm: 100, Size: 2, UnitsPerElectrode: 2})
	if err != nil {
		t.Fatal(err)
	}
	wantNeuron := []int{0, 1, 5, 4}
	wantPos := [][2]float32{{200, 200}, {200, 200}, {600, 200}, {600, 200}}
	if q.Units() != 4 || q.Recorders() != 2 {
		t.Fatalf("%d units on %d electrodes; want 4 on 2", q.Units(), q.Recorders())
	}
	for k, i := range wantNeuron {
		if q.Theta[k] != p.Theta[i] || q.Pos[3*k] != wantPos[k][0] || q.Pos[3*k+1] != wantPos[k][1] || q.Pos[3*k+2] != 0 {
			t.Errorf("unit %d: theta %v at (%v, %v, %v); want neuron %d's theta at %v, z 0", k, q.Theta[k], q.Pos[3*k], q.Pos[3*k+1], q.Pos[3*k+2], i, wantPos[k])
		}
		if q.Early.Plus.At(3, k) != float64(10*i+3) {
			t.Errorf("unit %d: counts of neuron %v; want neuron %d's", k, q.Early.Plus.At(3, k), i)
		}
	}
	d := newDraw(newSrc(1), q, Size{Trials: 8, Units: 1, Repeats: 4, Animals: 1})
	if len(d.Units) != 2 || q.Electrode[d.Units[0]] != q.Electrode[d.Units[1]] {
		t.Errorf("a draw of 1 electrode: units %v; want both units of one electrode", d.Units)
	}
	small := *p
	small.Slab = [3]float64{300, 300, 250}
	if _, err := small.AsArray(Readout{PitchUm: 400, RadiusUm: 100, Size: 2, UnitsPerElectrode: 2}); err == nil || !strings.Contains(err.Error(), "want at least 2") {
		t.Errorf("a slab with no array: %v", err)
	}
}

// handPool is the layout of TestArrayReadout: neuron i's preference i/10
// rad, and count 10 i + r in row r of every block.
func handPool() *Pool {
	xy := [][2]float32{{210, 200}, {200, 250}, {290, 200}, {350, 200}, {600, 230}, {620, 200}, {205, 600}}
	n := len(xy)
	p := &Pool{Dir: "hand", Slab: [3]float64{800, 800, 250}}
	for i, q := range xy {
		p.Theta = append(p.Theta, float32(i)*0.1)
		p.Pos = append(p.Pos, q[0], q[1], 100)
	}
	m := func() *mat.Dense {
		d := mat.NewDense(8, n, nil)
		for r := range 8 {
			for c := range n {
				d.Set(r, c, float64(10*c+r))
			}
		}
		return d
	}
	p.Early, p.Late = TaskBlock{Plus: m(), Minus: m(), DS: 0.6}, TaskBlock{Plus: m(), Minus: m(), DS: 0.6}
	p.FrozenEarly = FrozenBlock{Counts: m(), Seqs: [][]int{{0, 1, 2, 3}, {4, 5, 6, 7}}}
	p.FrozenLate = p.FrozenEarly
	return p
}

// TestArrayReadoutMUA: the layout of TestArrayReadout with each electrode's
// multi-unit channel. With 1 sorted unit: electrode (200, 200) sorts neuron
// 0 (10 um) and sums neurons 1 and 2 (50 and 90 um; neuron 3 at 150 um is
// outside and adds nothing); electrode (600, 200) sorts neuron 5 (20 um) and
// sums neuron 4. Neuron 2 prefers pi - 0.3 rad, so the channel's preference
// is the circular mean of 0.1 and pi - 0.3 with period pi, pi - 0.1 (the
// plain mean would be pi/2 - 0.1). With 0 sorted units each channel sums
// every neuron within the radius.
func TestArrayReadoutMUA(t *testing.T) {
	p := handPool()
	p.Theta[2] = float32(math.Pi - 0.3)
	r := Readout{PitchUm: 400, RadiusUm: 100, Size: 2, UnitsPerElectrode: 1, MUA: true}
	q, err := p.AsArray(r)
	if err != nil {
		t.Fatal(err)
	}
	if q.Units() != 4 || q.Recorders() != 2 {
		t.Fatalf("%d units on %d electrodes; want 4 on 2", q.Units(), q.Recorders())
	}
	// Per unit: its electrode and, per row r, its count (hand sums of 10 i + r).
	wantElectrode := []int{0, 0, 1, 1}
	wantCount := func(r int) []float64 {
		return []float64{float64(r), float64(10+r) + float64(20+r), float64(50 + r), float64(40 + r)}
	}
	wantTheta := []float64{0, math.Pi - 0.1, 0.5, 0.4}
	for k := range 4 {
		if q.Electrode[k] != wantElectrode[k] {
			t.Errorf("unit %d on electrode %d; want %d", k, q.Electrode[k], wantElectrode[k])
		}
		if math.Abs(float64(q.Theta[k])-wantTheta[k]) > 1e-6 {
			t.Errorf("unit %d prefers %v rad; want %v", k, q.Theta[k], wantTheta[k])
		}
		for row := range 8 {
			for name, m := range map[string]*mat.Dense{"early +": q.Early.Plus, "late -": q.Late.Minus, "frozen": q.FrozenLate.Counts} {
				if got := m.At(row, k); got != wantCount(row)[k] {
					t.Errorf("unit %d, %s row %d: count %v; want %v", k, name, row, got, wantCount(row)[k])
				}
			}
		}
	}
	r.UnitsPerElectrode = 0
	q, err = p.AsArray(r)
	if err != nil {
		t.Fatal(err)
	}
	if q.Units() != 2 || q.Early.Plus.At(3, 0) != 3+13+23 || q.Early.Plus.At(3, 1) != 43+53 {
		t.Errorf("0 sorted units: %d units, row 3 counts %v, %v; want 2 units, 39 (neurons 0, 1, 2; not 3), 96 (neurons 4, 5)", q.Units(), q.Early.Plus.At(3, 0), q.Early.Plus.At(3, 1))
	}
	r.MUA = false
	if _, err := p.AsArray(r); err == nil || !strings.Contains(err.Error(), "0 only with the multi-unit channel") {
		t.Errorf("0 sorted units and no multi-unit channel: %v", err)
	}
}

// The circular mean of orientations has period pi.
func TestOrientationMean(t *testing.T) {
	for _, c := range []struct {
		in   []float32
		want float64
	}{{[]float32{0.2}, 0.2}, {[]float32{0.1, 0.3}, 0.2}, {[]float32{0.1, math.Pi - 0.1}, 0}, {[]float32{1.4, 1.8}, 1.6}, {[]float32{math.Pi - 0.15, 0.05, 0.25}, 0.05}} {
		got := float64(OrientationMean(c.in))
		if d := math.Abs(got - c.want); math.Min(d, math.Pi-d) > 1e-6 {
			t.Errorf("OrientationMean(%v) = %v; want %v", c.in, got, c.want)
		}
	}
}
