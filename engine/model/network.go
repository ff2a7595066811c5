package model

import (
	"context"
	"fmt"
	"math"
	"runtime"

	"github.com/iplgpu/iplgpu/engine/rng"
)

// Network is the anatomy of one run, built once from the config and seed.
// Spines are sorted by owner: spine k belongs to neuron k / M, so a neuron's
// spines are contiguous. Positions are in um, orientations in radians in [0, pi).
type Network struct {
	N, M   int        // neurons, spines per neuron
	SlabUm [3]float64 // slab extent (x, y, z) in um

	SomaX, SomaY, SomaZ    []float32 // soma positions (N)
	Theta                  []float32 // preferred orientations (N)
	SpineX, SpineY, SpineZ []float32 // spine positions (N*M)
	Phi                    []float32 // spine tuning (N*M)

	ContactUm float64 // contact distance d_c actually used (um)

	// Edges are the candidate contacts: spine pairs of different
	// neurons closer than ContactUm, with EdgeA[e] < EdgeB[e], sorted.
	EdgeA, EdgeB []int32

	// CSR adjacency by target spine: the partners of spine k are
	// Partner[RowPtr[k]:RowPtr[k+1]] (ascending), through edges EdgeOf[...].
	RowPtr  []int32
	Partner []int32
	EdgeOf  []int32
}

// Spines is the number of spines.
func (n *Network) Spines() int { return n.N * n.M }

// Edges is the number of candidate contacts.
func (n *Network) Edges() int { return len(n.EdgeA) }

// SlabSize returns the slab extent (um) holding n neurons at the config's density.
func SlabSize(c *NetworkConfig, n int) [3]float64 {
	volUm3 := float64(n) / c.DensityPerMM3 * 1e9
	side := math.Sqrt(volUm3 / c.DepthUm)
	return [3]float64{side, side, c.DepthUm}
}

// BuildNetwork builds somata, spines, tuning and candidate contacts (uniform grid).
func BuildNetwork(cfg *Config) (*Network, error) {
	return BuildNetworkContext(context.Background(), cfg, 0)
}

// BuildNetworkContext is BuildNetwork with its per-spine work (positions, tuning,
// the contact search) spread over workers goroutines (0: GOMAXPROCS) and stopped
// when ctx is done, returning ctx's error: every loop of the build checks it
// every few milliseconds, so a cancelled build ends well within a second. The
// network does not depend on the worker count: every number is keyed by its
// spine's index, and the contacts are found in spine order. A network without
// any candidate contact is built (the backends are tested on one);
// engine.Simulate refuses to run it.
func BuildNetworkContext(ctx context.Context, cfg *Config, workers int) (*Network, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	nc := &cfg.Network
	N, M := nc.Neurons, nc.SpinesPerNeuron
	S := N * M
	if S > math.MaxInt32/2 {
		return nil, fmt.Errorf("network: %d spines exceed the int32 index range", S)
	}
	st := rng.New(cfg.Seed)
	net := &Network{N: N, M: M, SlabUm: SlabSize(nc, N)}
	for a, e := range net.SlabUm {
		if !(e > 0 && e <= MaxSlabUm) {
			return nil, fmt.Errorf("network: slab extent %v um on axis %d from network.density_per_mm3 = %g and network.depth_um = %g: want a finite extent up to %g um (Validate refuses this config)", e, a, nc.DensityPerMM3, nc.DepthUm, MaxSlabUm)
		}
	}
	net.SomaX, net.SomaY, net.SomaZ = make([]float32, N), make([]float32, N), make([]float32, N)
	net.Theta = make([]float32, N)
	for i := 0; i < N; i++ {
		if i%checkEvery == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		w := st.Block(rng.Somata, 0, uint32(i))
		w2 := st.Block(rng.Somata, 1, uint32(i))
		net.SomaX[i] = float32(rng.Float64(w[0], w[1]) * net.SlabUm[0])
		net.SomaY[i] = float32(rng.Float64(w[2], w[3]) * net.SlabUm[1])
		net.SomaZ[i] = float32(rng.Float64(w2[0], w2[1]) * net.SlabUm[2])
	}
	if err := sortSomataSpatially(ctx, net); err != nil {
		return nil, err
	}
	switch nc.Tuning {
	case "map":
		if err := orientationMap(ctx, net, st, nc.MapPeriodUm); err != nil {
			return nil, err
		}
	default:
		for i := 0; i < N; i++ {
			w := st.Block(rng.Tuning, 0, uint32(i))
			net.Theta[i] = float32(rng.Float64(w[0], w[1]) * math.Pi)
		}
	}
	net.SpineX, net.SpineY, net.SpineZ = make([]float32, S), make([]float32, S), make([]float32, S)
	net.Phi = make([]float32, S)
	jitter := nc.SpineJitterDeg * math.Pi / 180
	err := parallelChunks(ctx, S, spineChunk, workers, func(_, lo, hi int) {
		for k := lo; k < hi; k++ {
			i := k / M
			wa := st.Block(rng.SpinePos, 0, uint32(k))
			wb := st.Block(rng.SpinePos, 1, uint32(k))
			wc := st.Block(rng.SpinePos, 2, uint32(k))
			net.SpineX[k] = net.SomaX[i] + float32(nc.SpineSdUm*rng.NormalF64(wa))
			net.SpineY[k] = net.SomaY[i] + float32(nc.SpineSdUm*rng.NormalF64(wb))
			net.SpineZ[k] = net.SomaZ[i] + float32(nc.SpineSdUm*rng.NormalF64(wc))
			phi := float64(net.Theta[i]) + jitter*rng.NormalF64(st.Block(rng.SpineTune, 0, uint32(k)))
			net.Phi[k] = float32(wrapPi(phi))
		}
	})
	if err != nil {
		return nil, err
	}
	dc := nc.ContactDistanceUm
	if dc == 0 {
		if dc, err = deriveContactDistance(ctx, net, nc.ContactsPerSpine, workers); err != nil {
			return nil, err
		}
	}
	net.ContactUm = dc
	if net.EdgeA, net.EdgeB, err = gridContacts(ctx, net, dc, workers, spineChunk); err != nil {
		return nil, err
	}
	if len(net.EdgeA) > MaxContacts {
		return nil, &ConfigError{Key: "network.contact_distance_um", Value: dc,
			Why:     fmt.Sprintf("gives %d candidate contacts", len(net.EdgeA)),
			Allowed: fmt.Sprintf("at most %d contacts (int32 indices): a shorter distance or fewer contacts per spine", MaxContacts)}
	}
	if err := net.buildCSR(ctx); err != nil {
		return nil, err
	}
	return net, nil
}

// checkEvery is how many iterations of a serial loop of the build pass
// between checks of its context: a few milliseconds of work at most.
const checkEvery = 1 << 14

// sortSomataSpatially renumbers the neurons along a Morton (Z-order) curve of
// their soma positions. Spines are numbered by owner, so spines close in space get
// close indices, and the lateral gather over partner spines (and their edges,
// sorted by spine) reads nearby memory: several times fewer cache misses on the
// CPU and better-coalesced loads on a GPU. Statistically nothing changes.
func sortSomataSpatially(ctx context.Context, net *Network) error {
	N := net.N
	code := make([]uint64, N)
	const bits = 21 // per axis: 63-bit codes
	for i := 0; i < N; i++ {
		if i%checkEvery == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		var c uint64
		q := [3]uint64{}
		for a, v := range [3]float32{net.SomaX[i], net.SomaY[i], net.SomaZ[i]} {
			f := float64(v) / net.SlabUm[a]
			q[a] = uint64(math.Min(math.Max(f, 0), 1) * float64(uint64(1)<<bits-1))
		}
		for b := bits - 1; b >= 0; b-- {
			for a := 0; a < 3; a++ {
				c = c<<1 | (q[a]>>uint(b))&1
			}
		}
		code[i] = c
	}
	order, err := stableOrder(ctx, code)
	if err != nil {
		return err
	}
	for _, arr := range [][]float32{net.SomaX, net.SomaY, net.SomaZ} {
		tmp := make([]float32, N)
		for i, o := range order {
			tmp[i] = arr[o]
		}
		copy(arr, tmp)
	}
	return nil
}

// stableOrder returns the indices of keys in ascending order of key, equal
// keys in index order (what sort.SliceStable gives), by a least-significant-
// digit radix sort of 16-bit digits: linear time, and a check of ctx between
// its passes (a comparison sort of 10^7 somata takes seconds and cannot be
// stopped).
func stableOrder(ctx context.Context, keys []uint64) ([]int32, error) {
	n := len(keys)
	order, tmp := make([]int32, n), make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	var count [1 << 16]int
	for shift := uint(0); shift < 64; shift += 16 {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		clear(count[:])
		for _, k := range keys {
			count[(k>>shift)&0xffff]++
		}
		if n == 0 || count[(keys[0]>>shift)&0xffff] == n { // every key has this digit
			continue
		}
		pos := 0
		for d := range count {
			pos, count[d] = pos+count[d], pos
		}
		for _, i := range order {
			d := (keys[i] >> shift) & 0xffff
			tmp[count[d]] = i
			count[d]++
		}
		order, tmp = tmp, order
	}
	return order, nil
}

// wrapPi wraps an orientation to [0, pi).
func wrapPi(x float64) float64 {
	x = math.Mod(x, math.Pi)
	if x < 0 {
		x += math.Pi
	}
	if x >= math.Pi {
		x = 0
	}
	return x
}

// orientationMap gives each neuron the orientation of a pinwheel map made of
// plane waves of one wavelength and random directions and phases (the standard
// random-map model): theta = arg(sum_j exp(i (k_j . x + phase_j))) / 2.
func orientationMap(ctx context.Context, net *Network, st rng.Stream, periodUm float64) error {
	const waves = 8
	kx, ky, ph := make([]float64, waves), make([]float64, waves), make([]float64, waves)
	kmag := 2 * math.Pi / periodUm
	for j := 0; j < waves; j++ {
		w := st.Block(rng.MapPhases, 0, uint32(j))
		dir := math.Pi * (float64(j) + rng.Float64(w[0], w[1])) / waves
		kx[j], ky[j] = kmag*math.Cos(dir), kmag*math.Sin(dir)
		ph[j] = 2 * math.Pi * rng.Float64(w[2], w[3])
		if j%2 == 1 { // alternate direction signs so the field has no net drift
			kx[j], ky[j] = -kx[j], -ky[j]
		}
	}
	for i := 0; i < net.N; i++ {
		if i%checkEvery == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		var re, im float64
		for j := 0; j < waves; j++ {
			a := kx[j]*float64(net.SomaX[i]) + ky[j]*float64(net.SomaY[i]) + ph[j]
			re += math.Cos(a)
			im += math.Sin(a)
		}
		net.Theta[i] = float32(wrapPi(math.Atan2(im, re) / 2))
	}
	return nil
}

// d2 is the squared distance of two spines, in float64 from the float32 positions,
// computed the same way by both searches so that they agree exactly.
func (n *Network) d2(a, b int) float64 {
	dx := float64(n.SpineX[a]) - float64(n.SpineX[b])
	dy := float64(n.SpineY[a]) - float64(n.SpineY[b])
	dz := float64(n.SpineZ[a]) - float64(n.SpineZ[b])
	return dx*dx + dy*dy + dz*dz
}

// grid is a uniform spatial hash of spines with cells at least as large as the
// search radius, so neighbours lie in the 27 surrounding cells.
type grid struct {
	cell       float64
	x0, y0, z0 float64
	nx, ny, nz int
	start      []int32 // cell -> first index into order; len cells+1
	order      []int32 // spine indices sorted by cell
	cellOf     []int32 // spine -> cell
}

func newGrid(n *Network, cell float64) *grid {
	S := n.Spines()
	minX, minY, minZ := math.Inf(1), math.Inf(1), math.Inf(1)
	maxX, maxY, maxZ := math.Inf(-1), math.Inf(-1), math.Inf(-1)
	for k := 0; k < S; k++ {
		x, y, z := float64(n.SpineX[k]), float64(n.SpineY[k]), float64(n.SpineZ[k])
		minX, maxX = math.Min(minX, x), math.Max(maxX, x)
		minY, maxY = math.Min(minY, y), math.Max(maxY, y)
		minZ, maxZ = math.Min(minZ, z), math.Max(maxZ, z)
	}
	// Bound the cell count to a few per spine: a tiny radius must not allocate
	// a huge empty grid. The counts are taken in float64 (a radius of 1e-20 um
	// gives more cells per axis than an int holds, which crashed makeslice);
	// the first enlargement jumps to about the right size, the loop only
	// rounds it. The extents are finite: BuildNetworkContext bounds the slab.
	if !(cell > 0) {
		cell = math.SmallestNonzeroFloat64
	}
	ext := [3]float64{maxX - minX, maxY - minY, maxZ - minZ}
	limit := 4*float64(S) + 64
	cellsOf := func(c float64) float64 {
		return (math.Floor(ext[0]/c) + 1) * (math.Floor(ext[1]/c) + 1) * (math.Floor(ext[2]/c) + 1)
	}
	if cellsOf(cell) > limit {
		cell = math.Max(cell, math.Cbrt(ext[0]*ext[1]*ext[2]/limit))
	}
	for cellsOf(cell) > limit {
		cell *= 1.25
	}
	g := &grid{cell: cell, x0: minX, y0: minY, z0: minZ}
	g.nx = int(math.Floor(ext[0]/cell)) + 1
	g.ny = int(math.Floor(ext[1]/cell)) + 1
	g.nz = int(math.Floor(ext[2]/cell)) + 1
	cells := g.nx * g.ny * g.nz
	cellOf := make([]int32, S)
	count := make([]int32, cells+1)
	for k := 0; k < S; k++ {
		c := g.cellIndex(g.coord(float64(n.SpineX[k]), g.x0, g.nx), g.coord(float64(n.SpineY[k]), g.y0, g.ny), g.coord(float64(n.SpineZ[k]), g.z0, g.nz))
		cellOf[k] = int32(c)
		count[c+1]++
	}
	for c := 0; c < cells; c++ {
		count[c+1] += count[c]
	}
	g.start, g.cellOf = count, cellOf
	g.order = make([]int32, S)
	fill := make([]int32, cells)
	copy(fill, count[:cells])
	for k := 0; k < S; k++ {
		c := cellOf[k]
		g.order[fill[c]] = int32(k)
		fill[c]++
	}
	return g
}

func (g *grid) coord(x, x0 float64, n int) int {
	i := int((x - x0) / g.cell)
	if i >= n {
		i = n - 1
	}
	if i < 0 {
		i = 0
	}
	return i
}

func (g *grid) cellIndex(ix, iy, iz int) int { return (iz*g.ny+iy)*g.nx + ix }

// buildCSR fills the adjacency by target spine from the sorted edge list.
func (n *Network) buildCSR(ctx context.Context) error {
	S := n.Spines()
	E := len(n.EdgeA)
	n.RowPtr = make([]int32, S+1)
	for e := 0; e < E; e++ {
		n.RowPtr[n.EdgeA[e]+1]++
		n.RowPtr[n.EdgeB[e]+1]++
	}
	for k := 0; k < S; k++ {
		n.RowPtr[k+1] += n.RowPtr[k]
	}
	n.Partner = make([]int32, 2*E)
	n.EdgeOf = make([]int32, 2*E)
	fill := make([]int32, S)
	copy(fill, n.RowPtr[:S])
	// Edges sorted by (a, b): visiting them in order writes each row's partners in
	// ascending order, for B-rows too because a partner a < b comes before any
	// edge whose smaller end exceeds it.
	for e := 0; e < E; e++ {
		if e%(64*checkEvery) == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		a, b := n.EdgeA[e], n.EdgeB[e]
		n.Partner[fill[a]], n.EdgeOf[fill[a]] = b, int32(e)
		fill[a]++
		n.Partner[fill[b]], n.EdgeOf[fill[b]] = a, int32(e)
		fill[b]++
	}
	return nil
}
