package model

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// spineChunk is how many spines one worker takes at a time in the build: small
// enough that 2 to 16 workers share the spines evenly, large enough that taking
// a chunk costs nothing next to searching it.
const spineChunk = 8192

// parallelChunks runs fn over [0, total) cut into chunks of size chunk (chunk c
// covers [c*chunk, min((c+1)*chunk, total))), on workers goroutines that take the
// chunks in turn. It checks ctx before each chunk and returns ctx's error if any
// chunk was left undone.
func parallelChunks(ctx context.Context, total, chunk, workers int, fn func(c, lo, hi int)) error {
	chunks := (total + chunk - 1) / chunk
	workers = max(1, min(workers, chunks))
	var next atomic.Int64
	var stopped atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				if ctx.Err() != nil {
					stopped.Store(true)
					return
				}
				fn(c, c*chunk, min((c+1)*chunk, total))
			}
		}()
	}
	wg.Wait()
	if stopped.Load() {
		return ctx.Err()
	}
	return nil
}

// partners calls visit for every spine b > a of another neuron whose squared
// distance to a is below r2 (r2 <= cell^2, so such spines lie in the 27 cells
// around a's), in no particular order.
func (g *grid) partners(n *Network, a int32, r2 float64, visit func(b int32, d2 float64)) {
	M := int32(n.M)
	c := int(g.cellOf[a])
	ix, iy, iz := c%g.nx, (c/g.nx)%g.ny, c/(g.nx*g.ny)
	ax, ay, az := float64(n.SpineX[a]), float64(n.SpineY[a]), float64(n.SpineZ[a])
	for jz := max(iz-1, 0); jz <= min(iz+1, g.nz-1); jz++ {
		for jy := max(iy-1, 0); jy <= min(iy+1, g.ny-1); jy++ {
			row := g.cellIndex(0, jy, jz)
			// The cells jx-1..jx+1 of one row are adjacent in order: one range.
			lo, hi := g.start[row+max(ix-1, 0)], g.start[row+min(ix+1, g.nx-1)+1]
			for _, b := range g.order[lo:hi] {
				if b <= a || a/M == b/M {
					continue
				}
				// The same float64 arithmetic as Network.d2, so that every search
				// agrees exactly with AllPairsContacts.
				dx := ax - float64(n.SpineX[b])
				dy := ay - float64(n.SpineY[b])
				dz := az - float64(n.SpineZ[b])
				if d := dx*dx + dy*dy + dz*dz; d < r2 {
					visit(b, d)
				}
			}
		}
	}
}

// GridContacts returns the candidate contacts within dc (um) found with a uniform
// grid, expected O(S) work, on GOMAXPROCS goroutines. Pairs are sorted by (a, b).
func GridContacts(n *Network, dc float64) (a, b []int32) {
	a, b, _ = gridContacts(context.Background(), n, dc, runtime.GOMAXPROCS(0), spineChunk)
	return a, b
}

// gridContacts is GridContacts on workers goroutines, each taking chunk spines
// at a time. Each chunk lists the pairs (a, b) of its spines a in order of a,
// then b, and the chunks are joined in order: the result is sorted without a
// global sort and does not depend on workers or chunk.
func gridContacts(ctx context.Context, n *Network, dc float64, workers, chunk int) (a, b []int32, err error) {
	S := n.Spines()
	g := newGrid(n, dc)
	r2 := dc * dc
	chunks := (S + chunk - 1) / chunk
	ca, cb := make([][]int32, chunks), make([][]int32, chunks)
	err = parallelChunks(ctx, S, chunk, workers, func(c, lo, hi int) {
		var pa, pb []int32
		for x := lo; x < hi; x++ {
			from := len(pb)
			g.partners(n, int32(x), r2, func(y int32, _ float64) { pb = append(pb, y) })
			slices.Sort(pb[from:])
			for range len(pb) - from {
				pa = append(pa, int32(x))
			}
		}
		ca[c], cb[c] = pa, pb
	})
	if err != nil {
		return nil, nil, err
	}
	total := 0
	for _, p := range ca {
		total += len(p)
	}
	a, b = make([]int32, 0, total), make([]int32, 0, total)
	for c := range ca {
		a, b = append(a, ca[c]...), append(b, cb[c]...)
		ca[c], cb[c] = nil, nil // let the collector take each chunk as soon as it is copied
	}
	return a, b, nil
}

// AllPairsContacts is the O(S^2) reference search, kept for tests and benchmarks.
// Pairs are sorted by (a, b).
func AllPairsContacts(n *Network, dc float64) (a, b []int32) {
	r2 := dc * dc
	S := n.Spines()
	for x := 0; x < S; x++ {
		for y := x + 1; y < S; y++ {
			if x/n.M == y/n.M {
				continue
			}
			if n.d2(x, y) < r2 {
				a = append(a, int32(x))
				b = append(b, int32(y))
			}
		}
	}
	return a, b
}

// deriveContactDistance picks d_c so that the mean number of candidate contacts per
// spine equals target: it collects the pair distances within a generous radius
// from the grid and takes the exact order statistics (retrying with a larger
// radius if needed).
func deriveContactDistance(ctx context.Context, n *Network, target float64, workers int) (float64, error) {
	S := n.Spines()
	want := int(math.Round(target * float64(S) / 2)) // each pair serves two spines
	if want < 1 {
		want = 1
	}
	// Density estimate from the spine cloud's volume (slab plus spine spread).
	vol := 1.0
	for _, e := range n.SlabUm {
		vol *= e
	}
	r := math.Cbrt(3 * target * vol / (4 * math.Pi * float64(S)))
	r *= 1.5
	for {
		g := newGrid(n, r)
		r2 := r * r
		chunks := make([][]float64, (S+spineChunk-1)/spineChunk)
		err := parallelChunks(ctx, S, spineChunk, workers, func(c, lo, hi int) {
			var d2s []float64
			for x := lo; x < hi; x++ {
				g.partners(n, int32(x), r2, func(_ int32, d float64) { d2s = append(d2s, d) })
			}
			chunks[c] = d2s
		})
		if err != nil {
			return 0, err
		}
		found := 0
		for _, c := range chunks {
			found += len(c)
		}
		maxPairs := float64(S) * float64(S-n.M) / 2
		if found > want || float64(found) >= maxPairs {
			if want > found {
				want = found
			}
			// Halfway between the want-th and the next distance: exactly `want` pairs
			// lie strictly closer, whatever the rounding of the square root.
			kth, next, ok := orderStats(chunks, r2, want)
			lo := math.Sqrt(kth)
			hi := lo * 1.0001
			if ok {
				hi = math.Sqrt(next)
			}
			return (lo + hi) / 2, nil
		}
		r *= 1.5
	}
}

// orderStats returns the k-th smallest (1-based) of the values in chunks, all in
// [0, limit), and the (k+1)-th if there is one (ok). It counts the values in
// equal bins of [0, limit) and sorts only the one or two bins that hold the two:
// binning is monotone, so the bins split the sorted values into runs, and the
// answer is the same as sorting everything, without a copy of all the values.
func orderStats(chunks [][]float64, limit float64, k int) (kth, next float64, ok bool) {
	const bins = 1 << 16
	bin := func(d float64) int { return min(int(d/limit*bins), bins-1) }
	count := make([]int, bins)
	total := 0
	for _, c := range chunks {
		for _, d := range c {
			count[bin(d)]++
		}
		total += len(c)
	}
	if k < 1 || k > total {
		panic("model: orderStats: k outside the values")
	}
	// j is the bin holding the k-th value; before counts the values in lower bins.
	j, before := 0, 0
	for before+count[j] < k {
		before += count[j]
		j++
	}
	last := j // the (k+1)-th lies in j, or in the next non-empty bin
	if k == before+count[j] && k < total {
		last++
		for count[last] == 0 {
			last++
		}
	}
	var sel []float64
	for _, c := range chunks {
		for _, d := range c {
			if b := bin(d); b >= j && b <= last {
				sel = append(sel, d)
			}
		}
	}
	slices.Sort(sel)
	kth = sel[k-before-1]
	if k < total {
		next, ok = sel[k-before], true
	}
	return kth, next, ok
}
