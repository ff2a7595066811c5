package model

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/iplgpu/iplgpu/engine/rng"
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
			aa, ab := AllPairsContacts(net, net.ContactUm)
			if len(aa) == 0 {
				t.Fatal("the reference found no pairs: the case tests nothing")
			}
			// Serial and parallel, one chunk and many (chunks of 7 spines split
			// neurons and cells): every split must give the reference's list.
			for _, split := range []struct{ workers, chunk int }{{1, spineChunk}, {1, 7}, {3, 7}, {4, 64}} {
				ga, gb, err := gridContacts(context.Background(), net, net.ContactUm, split.workers, split.chunk)
				if err != nil {
					t.Fatal(err)
				}
				if len(ga) != len(aa) {
					t.Fatalf("%+v: grid found %d pairs, all-pairs %d", split, len(ga), len(aa))
				}
				for i := range ga {
					if ga[i] != aa[i] || gb[i] != ab[i] {
						t.Fatalf("%+v: pair %d: grid (%d,%d) all-pairs (%d,%d)", split, i, ga[i], gb[i], aa[i], ab[i])
					}
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

// The build must not depend on how many workers share it: the same network,
// array for array, from 1, 2 and 5 workers.
func TestBuildIndependentOfWorkers(t *testing.T) {
	cfg := testConfig(t, "network.neurons=1500", "network.spines_per_neuron=16", "seed=7")
	ref, err := BuildNetworkContext(context.Background(), cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Edges() == 0 {
		t.Fatal("no edges")
	}
	for _, w := range []int{2, 5} {
		got, err := BuildNetworkContext(context.Background(), cfg, w)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, ref) {
			t.Fatalf("%d workers built a different network than 1 worker (d_c %v vs %v, %d vs %d edges)", w, got.ContactUm, ref.ContactUm, got.Edges(), ref.Edges())
		}
	}
}

// d_c from the binned order statistics equals d_c from sorting every pair
// distance within the search radius (the serial method it replaced).
func TestDerivedContactDistanceMatchesSort(t *testing.T) {
	for _, tc := range []struct {
		neurons, spines int
		target          float64
	}{{200, 16, 6}, {300, 8, 2.5}, {50, 4, 40}} {
		cfg := testConfig(t, fmt.Sprintf("network.neurons=%d", tc.neurons), fmt.Sprintf("network.spines_per_neuron=%d", tc.spines),
			fmt.Sprintf("network.contacts_per_spine=%g", tc.target))
		net, err := BuildNetwork(cfg)
		if err != nil {
			t.Fatal(err)
		}
		// Reference: all pair distances below a radius that holds more than
		// `want` pairs, sorted, the d_c halfway between the want-th and the next.
		want := int(math.Round(tc.target * float64(net.Spines()) / 2))
		var d2s []float64
		S := net.Spines()
		for x := 0; x < S; x++ {
			for y := x + 1; y < S; y++ {
				if x/net.M != y/net.M {
					d2s = append(d2s, net.d2(x, y))
				}
			}
		}
		slices.Sort(d2s)
		refDc := (math.Sqrt(d2s[want-1]) + math.Sqrt(d2s[want])) / 2
		if net.ContactUm != refDc {
			t.Fatalf("%+v: d_c = %.17g, sorting all distances gives %.17g", tc, net.ContactUm, refDc)
		}
		if got := net.Edges(); got != want {
			t.Fatalf("%+v: %d contacts, want exactly %d", tc, got, want)
		}
	}
}

// orderStats against a full sort, with ties, values in one bin, at bin edges
// and the last value.
func TestOrderStats(t *testing.T) {
	st := rng.New(3)
	var all []float64
	chunks := make([][]float64, 5)
	for c := range chunks {
		for i := 0; i < 300+97*c; i++ {
			w := st.Block(rng.Somata, uint64(c), uint32(i))
			v := rng.Float64(w[0], w[1]) * 4
			switch i % 7 {
			case 0:
				v = 1 // ties
			case 1:
				v = 2 + 1e-12*float64(i) // a crowd inside one bin
			}
			chunks[c] = append(chunks[c], v)
			all = append(all, v)
		}
	}
	slices.Sort(all)
	for k := 1; k <= len(all); k++ {
		kth, next, ok := orderStats(chunks, 4, k)
		if kth != all[k-1] {
			t.Fatalf("k = %d: %v, want %v", k, kth, all[k-1])
		}
		if ok != (k < len(all)) || ok && next != all[k] {
			t.Fatalf("k = %d: next %v (%v), want %v", k, next, ok, all[min(k, len(all)-1)])
		}
	}
}

// A cancelled build stops and says so.
func TestBuildCancelled(t *testing.T) {
	cfg := testConfig(t, "network.neurons=2000")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := BuildNetworkContext(ctx, cfg, 2); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// Cancelled inside the first chunk: the later chunks are not run.
	ctx, cancel = context.WithCancel(context.Background())
	ran := 0
	err := parallelChunks(ctx, 100, 10, 1, func(c, lo, hi int) {
		ran++
		cancel()
	})
	if !errors.Is(err, context.Canceled) || ran != 1 {
		t.Fatalf("ran %d chunks, err %v; want 1 and context.Canceled", ran, err)
	}
}
