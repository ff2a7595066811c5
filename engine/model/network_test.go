package model

import (
	"fmt"
	"math"
	"testing"
)

func testConfig(t testing.TB, sets ...string) *Config {
	t.Helper()
	cfg, err := LoadConfig("", "", sets)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The grid search must find exactly the pairs of the all-pairs reference.
func TestGridMatchesAllPairs(t *testing.T) {
	for _, tc := range []struct {
		neurons, spines int
		seed            uint64
		dc              float64
	}{
		{20, 8, 1, 0}, {60, 16, 2, 0}, {150, 16, 3, 0}, {100, 4, 4, 25}, {80, 10, 5, 3}, {40, 8, 6, 400},
	} {
		t.Run(fmt.Sprintf("N%d_M%d_seed%d_dc%g", tc.neurons, tc.spines, tc.seed, tc.dc), func(t *testing.T) {
			cfg := testConfig(t, fmt.Sprintf("network.neurons=%d", tc.neurons), fmt.Sprintf("network.spines_per_neuron=%d", tc.spines),
				fmt.Sprintf("seed=%d", tc.seed), fmt.Sprintf("network.contact_distance_um=%g", tc.dc))
			net, err := BuildNetwork(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ga, gb := GridContacts(net, net.ContactUm)
			aa, ab := AllPairsContacts(net, net.ContactUm)
			if len(ga) != len(aa) {
				t.Fatalf("grid found %d pairs, all-pairs %d", len(ga), len(aa))
			}
			for i := range ga {
				if ga[i] != aa[i] || gb[i] != ab[i] {
					t.Fatalf("pair %d: grid (%d,%d) all-pairs (%d,%d)", i, ga[i], gb[i], aa[i], ab[i])
				}
			}
		})
	}
}

// Pairs placed exactly across cell boundaries and at the contact distance: the
// grid's cell of side d_c must still find every pair strictly closer than d_c.
func TestGridCellBoundaries(t *testing.T) {
	const dc = 10.0
	net := &Network{N: 8, M: 1}
	// Two spines straddling each cell face, one pair at exactly dc (excluded),
	// one just inside, and a diagonal pair across a cell corner.
	xs := []float32{9.999, 10.001, 0, 9.99999, 20, 29.5, 19.5, 20.5}
	ys := []float32{0, 0, 50, 50, 30, 39.5, 40.5, 40.5}
	zs := []float32{0, 0, 0, 0, 0, 9.5, 10.5, 10.5}
	net.SpineX, net.SpineY, net.SpineZ = xs, ys, zs
	ga, gb := GridContacts(net, dc)
	aa, ab := AllPairsContacts(net, dc)
	if fmt.Sprint(ga, gb) != fmt.Sprint(aa, ab) {
		t.Fatalf("grid %v %v != all-pairs %v %v", ga, gb, aa, ab)
	}
	if len(aa) == 0 {
		t.Fatal("expected some pairs")
	}
	for i := range aa {
		if aa[i] == 4 && ab[i] == 6 {
			// (20,30,0)-(19.5,40.5,10.5): distance > dc, must not be a pair
			t.Fatal("far pair reported")
		}
	}
}

func TestContactsPerSpineDerived(t *testing.T) {
	cfg := testConfig(t, "network.neurons=300", "network.contacts_per_spine=6")
	net, err := BuildNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mean := 2 * float64(net.Edges()) / float64(net.Spines())
	if math.Abs(mean-6) > 0.01 {
		t.Fatalf("mean contacts per spine %.3f, want 6", mean)
	}
	for e := range net.EdgeA {
		a, b := int(net.EdgeA[e]), int(net.EdgeB[e])
		if a/net.M == b/net.M {
			t.Fatalf("edge %d joins two spines of neuron %d", e, a/net.M)
		}
		if math.Sqrt(net.d2(a, b)) >= net.ContactUm {
			t.Fatalf("edge %d longer than d_c", e)
		}
	}
}

func TestCSR(t *testing.T) {
	net, err := BuildNetwork(testConfig(t, "network.neurons=100"))
	if err != nil {
		t.Fatal(err)
	}
	seen := make([]int, net.Edges())
	for k := 0; k < net.Spines(); k++ {
		prev := int32(-1)
		for j := net.RowPtr[k]; j < net.RowPtr[k+1]; j++ {
			l, e := net.Partner[j], net.EdgeOf[j]
			if l <= prev {
				t.Fatalf("row %d partners not ascending", k)
			}
			prev = l
			if !(net.EdgeA[e] == int32(k) && net.EdgeB[e] == l || net.EdgeB[e] == int32(k) && net.EdgeA[e] == l) {
				t.Fatalf("row %d entry (%d, edge %d) does not match edge (%d,%d)", k, l, e, net.EdgeA[e], net.EdgeB[e])
			}
			seen[e]++
		}
	}
	for e, n := range seen {
		if n != 2 {
			t.Fatalf("edge %d appears %d times in the CSR, want 2", e, n)
		}
	}
}

func TestAnatomy(t *testing.T) {
	cfg := testConfig(t, "network.neurons=400", "network.spines_per_neuron=8")
	net, err := BuildNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < net.N; i++ {
		if net.Theta[i] < 0 || net.Theta[i] >= math.Pi {
			t.Fatalf("theta %v outside [0, pi)", net.Theta[i])
		}
		if net.SomaX[i] < 0 || float64(net.SomaX[i]) > net.SlabUm[0] || float64(net.SomaZ[i]) > net.SlabUm[2] {
			t.Fatalf("soma %d outside the slab", i)
		}
	}
	// Spine offsets: sd 35 um per axis; tuning jitter sd 12 deg (tolerance 10%).
	var sx, sj float64
	for k := 0; k < net.Spines(); k++ {
		i := k / net.M
		dx := float64(net.SpineX[k] - net.SomaX[i])
		sx += dx * dx
		dj := float64(net.Phi[k] - net.Theta[i])
		dj = math.Mod(dj+1.5*math.Pi, math.Pi) - math.Pi/2
		sj += dj * dj
	}
	S := float64(net.Spines())
	if sd := math.Sqrt(sx / S); math.Abs(sd-35) > 3.5 {
		t.Errorf("spine offset sd %.1f um, want 35", sd)
	}
	if sd := math.Sqrt(sj/S) * 180 / math.Pi; math.Abs(sd-12) > 1.2 {
		t.Errorf("spine jitter sd %.1f deg, want 12", sd)
	}
	// The slab keeps its density: 4x the neurons -> 2x the side.
	big := SlabSize(&cfg.Network, 1600)
	if math.Abs(big[0]/net.SlabUm[0]-2) > 1e-9 || big[2] != net.SlabUm[2] {
		t.Errorf("slab does not grow at constant density: %v vs %v", big, net.SlabUm)
	}
}

func TestOrientationMap(t *testing.T) {
	cfg := testConfig(t, "network.neurons=2000", "network.spines_per_neuron=1", "network.tuning=map", "network.map_period_um=400")
	net, err := BuildNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Neighbours closer than a tenth of the period are similarly tuned; random
	// pairs are not (mean cos 2 dtheta near 0).
	var near, far float64
	var nn, nf int
	for i := 0; i < net.N; i++ {
		for j := i + 1; j < net.N; j++ {
			dx, dy := float64(net.SomaX[i]-net.SomaX[j]), float64(net.SomaY[i]-net.SomaY[j])
			c := math.Cos(2 * float64(net.Theta[i]-net.Theta[j]))
			if d := math.Hypot(dx, dy); d < 40 {
				near += c
				nn++
			} else {
				far += c
				nf++
			}
		}
	}
	if near/float64(nn) < 0.5 || math.Abs(far/float64(nf)) > 0.2 {
		t.Fatalf("map: near pairs cos2dθ %.2f (want > 0.5), far %.2f (want ~0)", near/float64(nn), far/float64(nf))
	}
}
