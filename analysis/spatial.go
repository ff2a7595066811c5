package analysis

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/engine/rng"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// Defaults of the spatial analysis (docs/model.md section 10.5, prediction 1), the Options
// fields of the same names.
const (
	// DefaultSpatialBinUm is the width of the soma-distance bins.
	DefaultSpatialBinUm = 50
	// DefaultSpatialMinPairs is the number of pairs a distance bin needs;
	// sparser bins are merged with their outer neighbours.
	DefaultSpatialMinPairs = 50
	// DefaultSpatialMaxPairs caps the neuron pairs analysed per kind; above it a
	// seeded random sample is drawn (all pairs of 633 neurons fit).
	DefaultSpatialMaxPairs = 200_000
	// DefaultArrayPitchUm is the electrode pitch of a Utah array.
	DefaultArrayPitchUm = 400
	// DefaultArraySize is the number of electrodes per side (10 x 10).
	DefaultArraySize = 10
	// DefaultRecordingRadiusUm is the horizontal distance within which an
	// electrode's multi-unit activity picks up a soma: about the reach of
	// extracellular spikes above the noise (~100 um), well under half the pitch,
	// so that neighbouring electrodes share no neurons.
	DefaultRecordingRadiusUm = 100
)

// SpatialNearUm is the distance below which the report calls neuron pairs
// near; "far" pairs are at least one electrode pitch apart.
const SpatialNearUm = 100

// The kinds of pair of the spatial analysis.
const (
	KindNeurons    = "neurons"    // neuron pairs (all, or a random sample), by soma distance
	KindLinked     = "linked"     // neuron pairs sharing a link, by soma distance
	KindUnlinked   = "unlinked"   // neuron pairs of the sample without a link, by soma distance
	KindElectrodes = "electrodes" // multi-unit pairs of the virtual array, by electrode distance
)

// SpatialKinds is the order of the kinds in tables and figures.
var SpatialKinds = []string{KindNeurons, KindLinked, KindUnlinked, KindElectrodes}

// SpatialSummary is the spatial-scale analysis of a run: the pairwise
// redundancy of neurons and of virtual-array multi-units against distance, per
// block, and its learning-induced increase.
type SpatialSummary struct {
	SlabUm        [3]float64 // slab extent x, y, depth (um)
	NeuronPairs   int        // neuron pairs analysed (kind neurons)
	AllPairs      bool       // every neuron pair (else a random sample)
	LinkedPairs   int        // pairs sharing a link analysed (kind linked)
	UnlinkedPairs int        // pairs of the neurons kind without a link
	LinkSnapshot  string     // the w snapshot that defines the links, e.g. "at the end"
	Electrodes    []Electrode
	ArrayNote     string // why there is no virtual array ("" when there is one)

	Blocks      []SpatialBlock // control task and passive blocks, in run order
	Early, Late int            // Block.Index of the earliest and the latest control task block; -1 when none (Late: when only one)

	// The learning-induced increase, latest minus earliest control task block,
	// paired over the pairs valid in both: per kind and distance bin, and pooled
	// over all distances (one entry per kind with pairs).
	Increase []SpatialBin
	Pooled   []SpatialBin
	// Near and Far pool the neuron pairs' increase below SpatialNearUm and at or
	// beyond one electrode pitch (Pairs 0 when there are none).
	Near, Far SpatialBin
	// UnlinkedMatched is the unlinked pairs' increase reweighted to the linked
	// pairs' distances (per DefaultSpatialBinUm-wide bin): the increase that
	// distance alone would give the linked pairs.
	UnlinkedMatched SpatialBin
}

// Electrode is one electrode of the virtual Utah array.
type Electrode struct {
	Row, Col int     // grid position, 0..size-1 (row: y, col: x)
	XUm, YUm float64 // position in the slab
	Neurons  []int   // neurons whose soma lies within the recording radius, ascending
}

// SpatialBlock is the pairwise analysis of one block at its headline
// coherence.
type SpatialBlock struct {
	Block, Session int
	Mode           string
	Coherence      float64
	Bins           []SpatialBin // per kind and distance bin with valid pairs
}

// SpatialBin is the mean over the pairs of one kind in one distance bin.
// Information in 1/coherence^2.
type SpatialBin struct {
	Kind         string
	LoUm, HiUm   float64 // the bin [LoUm, HiUm)
	MeanDistUm   float64 // mean distance of its pairs
	Pairs        int     // valid pairs (neither unit silent)
	Redundancy   float64 // mean I_shuffle - I_real of the pairs
	RedundancySE float64 // standard error of that mean over pairs (NaN for one pair)
	IReal        float64 // mean I_real
	IShuffle     float64 // mean I_shuffle
}

// Of returns the bins of kind k.
func (b *SpatialBlock) Of(k string) []SpatialBin { return binsOf(b.Bins, k) }

// IncreaseOf returns the increase per distance bin of kind k.
func (s *SpatialSummary) IncreaseOf(k string) []SpatialBin { return binsOf(s.Increase, k) }

// PooledOf returns the increase of kind k over all distances; nil when the
// kind has none.
func (s *SpatialSummary) PooledOf(k string) *SpatialBin {
	for i := range s.Pooled {
		if s.Pooled[i].Kind == k {
			return &s.Pooled[i]
		}
	}
	return nil
}

// BlockOf returns the spatial analysis of block index i, nil when none.
func (s *SpatialSummary) BlockOf(i int) *SpatialBlock {
	for k := range s.Blocks {
		if s.Blocks[k].Block == i {
			return &s.Blocks[k]
		}
	}
	return nil
}

func binsOf(bins []SpatialBin, k string) []SpatialBin {
	var out []SpatialBin
	for _, b := range bins {
		if b.Kind == k {
			out = append(out, b)
		}
	}
	return out
}

// ArrayLayout is a virtual electrode array: Size x Size electrodes PitchUm
// apart, each recording the neurons within RadiusUm.
type ArrayLayout struct {
	PitchUm  float64
	Size     int
	RadiusUm float64
}

// VirtualArray lays a Size x Size grid of electrodes with pitch PitchUm
// centred on the slab [0, slabX] x [0, slabY] (electrode (r, c) at x = slabX/2
// + (c - (Size-1)/2) pitch, y likewise with r), drops the electrodes outside
// the slab (edges included) and gives each the neurons whose soma (x[i], y[i])
// lies within RadiusUm of it horizontally (distance <= radius, any depth).
// Electrodes come row by row. Recording discs may overlap when the radius
// exceeds half the pitch; a neuron then belongs to several electrodes.
func VirtualArray(slabX, slabY float64, x, y []float32, a ArrayLayout) []Electrode {
	pitchUm, size, radiusUm := a.PitchUm, a.Size, a.RadiusUm
	if len(x) != len(y) {
		panic(fmt.Sprintf("experiment: VirtualArray: %d x and %d y positions", len(x), len(y)))
	}
	var out []Electrode
	half := float64(size-1) / 2
	r2 := radiusUm * radiusUm
	for r := range size {
		ey := slabY/2 + (float64(r)-half)*pitchUm
		if ey < 0 || ey > slabY {
			continue
		}
		for c := range size {
			ex := slabX/2 + (float64(c)-half)*pitchUm
			if ex < 0 || ex > slabX {
				continue
			}
			e := Electrode{Row: r, Col: c, XUm: ex, YUm: ey}
			for i := range x {
				dx, dy := float64(x[i])-ex, float64(y[i])-ey
				if dx*dx+dy*dy <= r2 {
					e.Neurons = append(e.Neurons, i)
				}
			}
			out = append(out, e)
		}
	}
	return out
}

// pairSet is the pairs of one kind: units a[p] and b[p] (neurons or
// electrodes) at distance dist[p], in distance bin bin[p] of edges (-1: in no
// bin).
type pairSet struct {
	kind  string
	a, b  []int32
	dist  []float64
	edges [][2]float64
	bin   []int
}

func (ps *pairSet) len() int { return len(ps.a) }

// distanceBins bins distances in bins of width from 0, merging outward: bins
// are joined with the next until the group holds at least minPairs distances;
// a remainder of fewer at the far end joins the last group. The groups cover
// [0, the end of the last non-empty bin) without gaps. With fewer than
// minPairs distances in all there is no bin (every bin index -1).
func distanceBins(dist []float64, width float64, minPairs int) (edges [][2]float64, bin []int) {
	bin = make([]int, len(dist))
	if len(dist) == 0 {
		return nil, bin
	}
	fine := func(d float64) int { return int(math.Floor(d / width)) }
	nf := 0
	for _, d := range dist {
		nf = max(nf, fine(d)+1)
	}
	count := make([]int, nf)
	for _, d := range dist {
		count[fine(d)]++
	}
	group := make([]int, nf) // fine bin -> group
	lo, acc := 0, 0
	for k := range nf {
		acc += count[k]
		group[k] = len(edges)
		if acc >= minPairs {
			edges = append(edges, [2]float64{float64(lo) * width, float64(k+1) * width})
			lo, acc = k+1, 0
		}
	}
	if lo < nf { // a remainder under minPairs
		if len(edges) == 0 {
			for p := range bin {
				bin[p] = -1
			}
			return nil, bin
		}
		edges[len(edges)-1][1] = float64(nf) * width
		for k := lo; k < nf; k++ {
			group[k] = len(edges) - 1
		}
	}
	for p, d := range dist {
		bin[p] = group[fine(d)]
	}
	return edges, bin
}

// pitchBins bins electrode distances in bins [k pitch, (k+1) pitch) with no
// minimum: the grid's distances (pitch, 1.41 pitch, 2 pitch, 2.24 pitch, ...)
// fall in a handful of bins.
func pitchBins(dist []float64, pitch float64) (edges [][2]float64, bin []int) {
	bin = make([]int, len(dist))
	ks := map[int]bool{}
	key := func(d float64) int { return int(math.Floor(d/pitch + 1e-9)) }
	for _, d := range dist {
		ks[key(d)] = true
	}
	var keys []int
	for k := range ks {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	at := map[int]int{}
	for i, k := range keys {
		at[k] = i
		edges = append(edges, [2]float64{float64(k) * pitch, float64(k+1) * pitch})
	}
	for p, d := range dist {
		bin[p] = at[key(d)]
	}
	return edges, bin
}

// pairResults are the per-pair estimates of one pair set in one block (NaN:
// not valid).
type pairResults struct{ real, shuffle []float64 }

// run estimates every pair of ps, in parallel.
func runPairs(ctx context.Context, p *fisher.PairStats, ps *pairSet) (pairResults, error) {
	n := ps.len()
	res := pairResults{real: make([]float64, n), shuffle: make([]float64, n)}
	workers := max(1, min(runtime.GOMAXPROCS(0), n/2000))
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := lo; k < hi; k++ {
				if k%4096 == 0 && ctx.Err() != nil {
					return
				}
				res.real[k], res.shuffle[k], _ = p.Pair(int(ps.a[k]), int(ps.b[k]))
			}
		}()
	}
	wg.Wait()
	return res, ctx.Err()
}

// binMeans averages the pairs of ps by distance bin: value red[p] (the
// redundancy or its increase), re[p] and sh[p] (I_real and I_shuffle, or their
// increases). NaN values are invalid pairs. Bins without a valid pair are left
// out.
func binMeans(ps *pairSet, red, re, sh []float64) []SpatialBin {
	groups := make([][]int, len(ps.edges))
	for p, b := range ps.bin {
		if b >= 0 && finite(red[p]) {
			groups[b] = append(groups[b], p)
		}
	}
	var out []SpatialBin
	for b, g := range groups {
		if len(g) == 0 {
			continue
		}
		sb := meanOf(ps, g, red, re, sh)
		sb.LoUm, sb.HiUm = ps.edges[b][0], ps.edges[b][1]
		out = append(out, sb)
	}
	return out
}

// meanOf is the mean over the pairs idx of ps, with the standard error of the
// mean of red.
func meanOf(ps *pairSet, idx []int, red, re, sh []float64) SpatialBin {
	sb := SpatialBin{Kind: ps.kind, Pairs: len(idx), RedundancySE: math.NaN()}
	if len(idx) == 0 {
		sb.MeanDistUm, sb.Redundancy, sb.IReal, sb.IShuffle = math.NaN(), math.NaN(), math.NaN(), math.NaN()
		return sb
	}
	n := float64(len(idx))
	for _, p := range idx {
		sb.MeanDistUm += ps.dist[p]
		sb.Redundancy += red[p]
		sb.IReal += re[p]
		sb.IShuffle += sh[p]
	}
	sb.MeanDistUm /= n
	sb.Redundancy /= n
	sb.IReal /= n
	sb.IShuffle /= n
	if len(idx) > 1 {
		var ss float64
		for _, p := range idx {
			d := red[p] - sb.Redundancy
			ss += d * d
		}
		sb.RedundancySE = math.Sqrt(ss / (n - 1) / n)
	}
	return sb
}

// spatialStep is the counter step of the pair-sample draws (rng.Subsets
// purpose), apart from the steps of the neuron-subset draws.
const spatialStep = 0x5A_7141

// samplePairs returns all pairs i < j of n neurons, or, when there are more
// than maxPairs, maxPairs distinct pairs drawn uniformly with seed; sorted.
func samplePairs(n, maxPairs int, seed uint64) (a, b []int32, all bool) {
	total := n * (n - 1) / 2
	if total <= maxPairs {
		a, b = make([]int32, 0, total), make([]int32, 0, total)
		for i := range n {
			for j := i + 1; j < n; j++ {
				a, b = append(a, int32(i)), append(b, int32(j))
			}
		}
		return a, b, true
	}
	st := rng.New(seed)
	seen := make(map[uint64]struct{}, maxPairs)
	keys := make([]uint64, 0, maxPairs)
	for k := uint32(0); len(keys) < maxPairs; k++ {
		w := st.Block(rng.Subsets, spatialStep, k)
		i := int(rng.Float64(w[0], w[1]) * float64(n))
		j := int(rng.Float64(w[2], w[3]) * float64(n-1))
		if j >= i {
			j++
		}
		if i > j {
			i, j = j, i
		}
		key := uint64(i)<<32 | uint64(j)
		if _, ok := seen[key]; !ok {
			seen[key] = struct{}{}
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	a, b = make([]int32, len(keys)), make([]int32, len(keys))
	for p, key := range keys {
		a[p], b[p] = int32(key>>32), int32(key&0xffffffff)
	}
	return a, b, false
}

// linkedPairs returns the neuron pairs (i < j, sorted) that share a link: a
// candidate contact with w >= threshold between a spine of each.
func linkedPairs(owner, edgeA, edgeB []int32, w []float32, threshold float64) []uint64 {
	seen := map[uint64]struct{}{}
	for e := range edgeA {
		if float64(w[e]) < threshold {
			continue
		}
		i, j := owner[edgeA[e]], owner[edgeB[e]]
		if i == j {
			continue
		}
		if i > j {
			i, j = j, i
		}
		seen[uint64(i)<<32|uint64(j)] = struct{}{}
	}
	keys := make([]uint64, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// somaDistance is the 3-D distance of somata i and j (pos: N x 3, um).
func somaDistance(pos []float32, i, j int32) float64 {
	dx := float64(pos[3*i] - pos[3*j])
	dy := float64(pos[3*i+1] - pos[3*j+1])
	dz := float64(pos[3*i+2] - pos[3*j+2])
	return math.Sqrt(dx*dx + dy*dy + dz*dz)
}

// spatialAnalysis runs the spatial-scale analysis; nil (with a note) when the
// run has no soma positions or no control block with an estimate.
func spatialAnalysis(d *rundir.Run, sum *Summary, opt Options, notef func(string, ...any)) (*SpatialSummary, error) {
	pos := d.SomaPos
	if pos == nil {
		notef("spatial analysis skipped: %s is missing", filepath.Join(d.Dir, rundir.SomaPosFile))
		return nil, nil
	}
	n := d.Responses.Neurons
	if n < 2 {
		notef("spatial analysis skipped: %d neuron", n)
		return nil, nil
	}
	blocks := spatialBlocks(sum)
	if len(blocks) == 0 {
		notef("spatial analysis skipped: no control block with a Fisher estimate")
		return nil, nil
	}

	sp := &SpatialSummary{Early: -1, Late: -1}
	sp.SlabUm = model.SlabSize(&d.Config.Network, n)
	for i := range n { // a slab from another config: cover the somata
		for a := range 3 {
			sp.SlabUm[a] = max(sp.SlabUm[a], float64(pos[3*i+a]))
		}
	}
	if task := sum.ControlBlocks("task"); len(task) > 0 {
		sp.Early = task[0].Index
		if len(task) > 1 {
			sp.Late = task[len(task)-1].Index
		}
	}
	if ns := sum.Network; len(ns) > 0 {
		sp.LinkSnapshot = sum.SnapshotLabel(ns[len(ns)-1])
	}
	neurons, linked, unlinked := spatialPairSets(d, sp, opt, notef)
	sets := []*pairSet{neurons, linked, unlinked}
	if electrodes := electrodePairs(sp, pos, n, opt, notef); electrodes != nil {
		sets = append(sets, electrodes)
	}
	if sp.ArrayNote != "" {
		notef("spatial: %s", sp.ArrayNote)
	}
	kept, err := spatialBlockResults(d, blocks, sets, sp, opt, notef)
	if err != nil {
		return nil, err
	}
	if len(sp.Blocks) == 0 {
		notef("spatial analysis skipped: no block had enough trials")
		return nil, nil
	}
	early, late := kept[sp.Early], kept[sp.Late]
	if early == nil || late == nil {
		return sp, nil
	}
	spatialIncrease(sp, sets, early, late, opt)
	return sp, nil
}

// spatialBlocks are the control blocks, task or passive, with a Fisher
// estimate: those the spatial analysis measures.
func spatialBlocks(sum *Summary) []*BlockResult {
	var blocks []*BlockResult
	for k := range sum.Blocks {
		b := &sum.Blocks[k]
		if b.IsControl() && (b.Mode == "task" || b.Mode == "passive") && b.Headline() != nil {
			blocks = append(blocks, b)
		}
	}
	return blocks
}

// spatialPairSets draws the neuron pairs (all pairs up to
// opt.SpatialMaxPairs) and the linked and unlinked ones, with their soma
// distances and distance bins; it sets sp's pair counts.
func spatialPairSets(d *rundir.Run, sp *SpatialSummary, opt Options, notef func(string, ...any)) (neurons, linked, unlinked *pairSet) {
	n, pos := d.Responses.Neurons, d.SomaPos
	na, nb, all := samplePairs(n, opt.SpatialMaxPairs, opt.Seed)
	sp.AllPairs = all
	neurons = &pairSet{kind: KindNeurons, a: na, b: nb}
	// A run stopped before its first session ended has no w snapshot: which
	// pairs are linked is unknown, and both the linked and the unlinked sets
	// stay empty.
	var links []uint64
	knownLinks := len(d.WSnapshots) > 0
	if knownLinks {
		links = linkedPairs(d.Owner, d.EdgeA, d.EdgeB, d.WSnapshots[len(d.WSnapshots)-1], opt.IsletThreshold)
	} else {
		notef("spatial: no w snapshot in the run (it stopped before its first session ended): no linked or unlinked pairs")
	}
	isLinked := make(map[uint64]struct{}, len(links))
	for _, k := range links {
		isLinked[k] = struct{}{}
	}
	if len(links) > opt.SpatialMaxPairs {
		st := rng.New(opt.Seed)
		for k := range opt.SpatialMaxPairs { // partial Fisher-Yates
			w := st.Block(rng.Subsets, spatialStep+1, uint32(k))
			j := k + int(rng.Float64(w[0], w[1])*float64(len(links)-k))
			links[k], links[j] = links[j], links[k]
		}
		links = links[:opt.SpatialMaxPairs]
		slices.Sort(links)
		notef("spatial: %d linked neuron pairs; a random sample of %d analysed", len(isLinked), len(links))
	}
	linked = &pairSet{kind: KindLinked}
	for _, k := range links {
		linked.a, linked.b = append(linked.a, int32(k>>32)), append(linked.b, int32(k&0xffffffff))
	}
	unlinked = &pairSet{kind: KindUnlinked}
	for p := range na {
		if !knownLinks {
			break
		}
		if _, ok := isLinked[uint64(na[p])<<32|uint64(nb[p])]; !ok {
			unlinked.a, unlinked.b = append(unlinked.a, na[p]), append(unlinked.b, nb[p])
		}
	}
	for _, ps := range []*pairSet{neurons, linked, unlinked} {
		ps.dist = make([]float64, ps.len())
		for p := range ps.dist {
			ps.dist[p] = somaDistance(pos, ps.a[p], ps.b[p])
		}
		ps.edges, ps.bin = distanceBins(ps.dist, opt.SpatialBinUm, opt.SpatialMinPairs)
		if ps.len() > 0 && len(ps.edges) == 0 {
			notef("spatial: only %d %s pairs, fewer than the %d a distance bin needs; they are left out", ps.len(), ps.kind, opt.SpatialMinPairs)
		}
	}
	sp.NeuronPairs, sp.LinkedPairs, sp.UnlinkedPairs = neurons.len(), linked.len(), unlinked.len()
	return neurons, linked, unlinked
}

// electrodePairs places the virtual Utah array on the slab (sp.Electrodes)
// and returns the pairs of its electrodes with their distances, or nil (with
// sp.ArrayNote saying why) when the slab holds fewer than two electrodes.
func electrodePairs(sp *SpatialSummary, pos []float32, n int, opt Options, notef func(string, ...any)) *pairSet {
	var electrodes *pairSet
	if span := max(sp.SlabUm[0], sp.SlabUm[1]); span < 2*opt.ArrayPitchUm {
		sp.ArrayNote = fmt.Sprintf("slab %.0f um < 2 pitches: no virtual array (pitch %g um)", span, opt.ArrayPitchUm)
	} else {
		x, y := make([]float32, n), make([]float32, n)
		for i := range n {
			x[i], y[i] = pos[3*i], pos[3*i+1]
		}
		sp.Electrodes = VirtualArray(sp.SlabUm[0], sp.SlabUm[1], x, y, ArrayLayout{PitchUm: opt.ArrayPitchUm, Size: opt.ArraySize, RadiusUm: opt.RecordingRadiusUm})
		empty := 0
		for _, e := range sp.Electrodes {
			if len(e.Neurons) == 0 {
				empty++
			}
		}
		if empty > 0 {
			notef("spatial: %d of the %d electrodes in the slab record no neuron (radius %g um); their pairs are left out", empty, len(sp.Electrodes), opt.RecordingRadiusUm)
		}
		if len(sp.Electrodes) < 2 {
			sp.ArrayNote = fmt.Sprintf("%d electrode of the %d x %d array (pitch %g um) lies in the %.0f x %.0f um slab: no electrode pairs",
				len(sp.Electrodes), opt.ArraySize, opt.ArraySize, opt.ArrayPitchUm, sp.SlabUm[0], sp.SlabUm[1])
			sp.Electrodes = nil
		} else {
			electrodes = &pairSet{kind: KindElectrodes}
			for u := range sp.Electrodes {
				for v := u + 1; v < len(sp.Electrodes); v++ {
					eu, ev := sp.Electrodes[u], sp.Electrodes[v]
					electrodes.a, electrodes.b = append(electrodes.a, int32(u)), append(electrodes.b, int32(v))
					electrodes.dist = append(electrodes.dist, math.Hypot(eu.XUm-ev.XUm, eu.YUm-ev.YUm))
				}
			}
			electrodes.edges, electrodes.bin = pitchBins(electrodes.dist, opt.ArrayPitchUm)
		}
	}
	return electrodes
}

// spatialBlockResults measures every pair of sets in each block of blocks
// (sp.Blocks: the binned means); it returns the pairs' results of the
// earliest and the latest task block, by block index, for the increase.
func spatialBlockResults(d *rundir.Run, blocks []*BlockResult, sets []*pairSet, sp *SpatialSummary, opt Options, notef func(string, ...any)) (map[int][]pairResults, error) {
	kept := map[int][]pairResults{}
	window := fisher.BinRange{Start: 0, End: d.Responses.Bins}
	for _, b := range blocks {
		if err := opt.ctx().Err(); err != nil {
			return nil, err
		}
		c := b.Headline().Coherence
		var plus, minus []int
		rows, lines := blockRows(d, b.Index)
		for k, line := range lines {
			switch d.Trials[line].Coherence {
			case c:
				plus = append(plus, rows[k])
			case -c:
				minus = append(minus, rows[k])
			}
		}
		if min(len(plus), len(minus)) <= 6 { // T > N + 4 for a pair
			notef("spatial: block %d (session %d, %s): %d and %d trials at +c and -c, too few for pairs (need 7 each); skipped", b.Index, b.Session, b.Name, len(plus), len(minus))
			continue
		}
		sPlus, sMinus := d.Responses.Sum(nil, plus, window), d.Responses.Sum(nil, minus, window)
		sb := SpatialBlock{Block: b.Index, Session: b.Session, Mode: b.Mode, Coherence: c}
		var res []pairResults
		ns := fisher.NewPairStats(sPlus, sMinus, 2*c)
		for _, ps := range sets {
			st := ns
			if ps.kind == KindElectrodes {
				st = fisher.NewPairStats(multiUnits(sPlus, sp.Electrodes), multiUnits(sMinus, sp.Electrodes), 2*c)
			}
			r, err := runPairs(opt.ctx(), st, ps)
			if err != nil {
				return nil, err
			}
			res = append(res, r)
			sb.Bins = append(sb.Bins, binMeans(ps, redundancies(r), r.real, r.shuffle)...)
		}
		if b.Index == sp.Early || b.Index == sp.Late {
			kept[b.Index] = res
		}
		sp.Blocks = append(sp.Blocks, sb)
	}
	return kept, nil
}

// spatialIncrease is the increase from the earliest to the latest task block
// (early and late: their pairs' results, in the order of sets): by distance
// bin, pooled, near and far, and of the unlinked pairs matched to the linked
// ones in distance.
func spatialIncrease(sp *SpatialSummary, sets []*pairSet, early, late []pairResults, opt Options) {
	neurons, linked, unlinked := sets[0], sets[1], sets[2]
	diffs := make([][3][]float64, len(sets)) // per set: redundancy, I_real, I_shuffle increase
	for s, ps := range sets {
		n := ps.len()
		dr, dre, dsh := make([]float64, n), make([]float64, n), make([]float64, n)
		e, l := early[s], late[s]
		for p := range n {
			dre[p] = l.real[p] - e.real[p]
			dsh[p] = l.shuffle[p] - e.shuffle[p]
			dr[p] = dsh[p] - dre[p] // NaN when either block's pair is invalid
		}
		diffs[s] = [3][]float64{dr, dre, dsh}
		sp.Increase = append(sp.Increase, binMeans(ps, dr, dre, dsh)...)
		var idx []int
		for p := range n {
			if finite(dr[p]) {
				idx = append(idx, p)
			}
		}
		if len(idx) > 0 {
			pb := meanOf(ps, idx, dr, dre, dsh)
			pb.LoUm, pb.HiUm = 0, math.Ceil(slices.Max(ps.dist)/opt.SpatialBinUm)*opt.SpatialBinUm
			if ps.kind == KindElectrodes {
				pb.LoUm, pb.HiUm = ps.edges[0][0], ps.edges[len(ps.edges)-1][1]
			}
			sp.Pooled = append(sp.Pooled, pb)
		}
	}
	// Near and far neuron pairs.
	dr := diffs[0]
	var near, far []int
	for p, dist := range neurons.dist {
		switch {
		case !finite(dr[0][p]):
		case dist < SpatialNearUm:
			near = append(near, p)
		case dist >= opt.ArrayPitchUm:
			far = append(far, p)
		}
	}
	sp.Near = meanOf(neurons, near, dr[0], dr[1], dr[2])
	sp.Near.LoUm, sp.Near.HiUm = 0, SpatialNearUm
	sp.Far = meanOf(neurons, far, dr[0], dr[1], dr[2])
	sp.Far.LoUm, sp.Far.HiUm = opt.ArrayPitchUm, math.Max(opt.ArrayPitchUm, math.Ceil(slices.Max(neurons.dist)/opt.SpatialBinUm)*opt.SpatialBinUm)
	sp.UnlinkedMatched = matchedIncrease(linked, unlinked, diffs[1], diffs[2], opt.SpatialBinUm)
}

// redundancies returns I_shuffle - I_real of each pair.
func redundancies(r pairResults) []float64 {
	out := make([]float64, len(r.real))
	for p := range out {
		out[p] = r.shuffle[p] - r.real[p]
	}
	return out
}

// multiUnits returns the trials x electrodes multi-unit counts: the sum over
// each electrode's neurons of the trials x neurons counts.
func multiUnits(counts *mat.Dense, el []Electrode) *mat.Dense {
	t, _ := counts.Dims()
	out := mat.NewDense(t, len(el), nil)
	for k := range t {
		for e, el := range el {
			var s float64
			for _, i := range el.Neurons {
				s += counts.At(k, i)
			}
			out.Set(k, e, s)
		}
	}
	return out
}

// matchedIncrease reweights the unlinked pairs' increase to the distances of
// the linked pairs: sum over bins of width of n_linked(bin) times the unlinked
// mean in that bin, over the linked pairs in bins with at least two unlinked
// pairs. The standard error combines the bins' standard errors with the same
// weights.
func matchedIncrease(linked, unlinked *pairSet, dl, du [3][]float64, width float64) SpatialBin {
	out := SpatialBin{Kind: KindUnlinked, MeanDistUm: math.NaN(), Redundancy: math.NaN(), RedundancySE: math.NaN(), IReal: math.NaN(), IShuffle: math.NaN()}
	fine := func(d float64) int { return int(math.Floor(d / width)) }
	nl := map[int]int{}
	for p, d := range linked.dist {
		if finite(dl[0][p]) {
			nl[fine(d)]++
		}
	}
	byBin := map[int][]int{}
	for p, d := range unlinked.dist {
		if k := fine(d); nl[k] > 0 && finite(du[0][p]) {
			byBin[k] = append(byBin[k], p)
		}
	}
	var keys []int
	for k := range byBin {
		if len(byBin[k]) >= 2 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return out
	}
	slices.Sort(keys)
	var wsum, red, re, sh, dist, v float64
	for _, k := range keys {
		m := meanOf(unlinked, byBin[k], du[0], du[1], du[2])
		w := float64(nl[k])
		wsum += w
		red += w * m.Redundancy
		re += w * m.IReal
		sh += w * m.IShuffle
		dist += w * m.MeanDistUm
		v += w * w * m.RedundancySE * m.RedundancySE
		out.Pairs += m.Pairs
	}
	out.LoUm, out.HiUm = float64(keys[0])*width, float64(keys[len(keys)-1]+1)*width
	out.Redundancy, out.IReal, out.IShuffle, out.MeanDistUm = red/wsum, re/wsum, sh/wsum, dist/wsum
	out.RedundancySE = math.Sqrt(v) / wsum
	return out
}

// PoolBins merges bins of one kind into one: the pair-weighted mean and the
// standard error of the pooled pairs, exact from the bins' means, standard
// errors and counts (within- plus between-bin sums of squares).
func PoolBins(bins []SpatialBin) SpatialBin {
	out := SpatialBin{Redundancy: math.NaN(), RedundancySE: math.NaN(), MeanDistUm: math.NaN(), IReal: math.NaN(), IShuffle: math.NaN()}
	if len(bins) == 0 {
		return out
	}
	out.Kind, out.LoUm, out.HiUm = bins[0].Kind, bins[0].LoUm, bins[len(bins)-1].HiUm
	var red, dist, re, sh float64
	for _, b := range bins {
		w := float64(b.Pairs)
		out.Pairs += b.Pairs
		red += w * b.Redundancy
		dist += w * b.MeanDistUm
		re += w * b.IReal
		sh += w * b.IShuffle
	}
	n := float64(out.Pairs)
	if n == 0 {
		return out
	}
	out.Redundancy, out.MeanDistUm, out.IReal, out.IShuffle = red/n, dist/n, re/n, sh/n
	if out.Pairs > 1 {
		var ss float64
		for _, b := range bins {
			nb := float64(b.Pairs)
			if b.Pairs > 1 {
				ss += b.RedundancySE * b.RedundancySE * nb * (nb - 1)
			}
			d := b.Redundancy - out.Redundancy
			ss += nb * d * d
		}
		out.RedundancySE = math.Sqrt(ss / (n - 1) / n)
	}
	return out
}
