package design

import (
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
