package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/engine/rng"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/recording"
)

// The two signatures of docs/model.md section 10.7 that a user can compute on any
// recording in the run-directory layout (responses, trials, frames,
// preferred orientations and soma or electrode positions), to hold real array
// data against both models: (c) the task-aligned correlations with the
// stimulus held fixed (FrozenTaskCorrelations) and (b) the learning-induced
// redundancy increase against distance at matched tuning similarity
// (DistanceAtMatchedTuning).

// FrozenCorr is the task-aligned correlation of one block of frozen noise:
// residuals from the mean of each repeated frame sequence, so that every
// remaining covariance is internal (docs/model.md section 10.7).
type FrozenCorr struct {
	Session, Block int
	BlockName      string
	Mode           string
	Trials         int // trials in sequences shown at least FrozenMinRepeats times
	Sequences      int // such sequences
	Neurons        int // neurons that vary within sequences
	GroupNeurons   [2]int
	// Matrix is Bins x Bins (bin k centred on A + k 180/Bins deg), Groups
	// the means within A-preferring, within B-preferring and between the two
	// groups (TaskCorrOptions.GroupDeg), each with the 95% interval of the
	// bootstrap over trials within sequences (opt.Boot; NaN without).
	Matrix [][]float64
	Groups GroupCorr
}

// FrozenMinRepeats is the fewest trials of one sequence that enter: a
// sequence mean from fewer leaves too little residual.
const FrozenMinRepeats = 3

// FrozenTaskCorrelations computes, for every recorded block of rec whose
// trials repeat frame sequences (a frozen-noise block: frames identical
// across trials of a sequence, the sequence's sign included), the
// task-aligned noise-correlation matrix of residuals from each sequence's
// mean. rec and taskDeg are as for TaskCorrelations (frames in deg, rows as
// trials.csv lines). Blocks without repeated sequences are skipped silently;
// a block with repeats but too few is skipped with a note.
func FrozenTaskCorrelations(rec *recording.Recording, taskDeg float64, opt TaskCorrOptions) ([]FrozenCorr, []string, error) {
	w, err := taskAlignedInputs(rec.Responses, rec.Theta, rec.Frames, rec.FramesPerTrial, &opt)
	if err != nil {
		return nil, nil, err
	}
	fr := frozenRun{rec: rec, window: w, opt: opt}
	fr.bin, fr.group = taskBins(rec.Theta, taskDeg, opt.Bins, opt.GroupDeg)
	var out []FrozenCorr
	var notes []string
	for _, b := range fr.blocks() {
		seqs, repeated := fr.sequences(b.lines)
		if !repeated {
			continue // no repeated sequence: not a frozen-noise block
		}
		if len(seqs) < 2 {
			notes = append(notes, fmt.Sprintf("session %d block %d (%s, %s): repeats frame sequences but %d of them are shown at least %d times: no frozen-noise correlations",
				b.key.session, b.key.block, b.key.name, b.key.mode, len(seqs), FrozenMinRepeats))
			continue
		}
		out = append(out, fr.block(b, seqs))
	}
	return out, notes, nil
}

// frozenRun is FrozenTaskCorrelations on one recording: the window summed,
// each neuron's orientation bin and group, the options.
type frozenRun struct {
	rec        *recording.Recording
	window     fisher.BinRange
	bin, group []int
	opt        TaskCorrOptions
}

// frozenBlock is one recorded block: its key and its trials (lines of the
// trials table with frames).
type frozenBlock struct {
	key   groupKey
	lines []int
}

// blocks groups the recorded trials with frames by block, in order of first
// appearance.
func (fr *frozenRun) blocks() []*frozenBlock {
	frameRows := len(fr.rec.Frames) / fr.rec.FramesPerTrial
	var blocks []*frozenBlock
	at := map[groupKey]*frozenBlock{}
	for line, t := range fr.rec.Trials {
		if !t.Recorded || t.Row < 0 || line >= frameRows {
			continue
		}
		k := groupKey{t.Session, t.Block, t.BlockName, t.Mode}
		if at[k] == nil {
			at[k] = &frozenBlock{key: k}
			blocks = append(blocks, at[k])
		}
		at[k].lines = append(at[k].lines, line)
	}
	return blocks
}

// sequences groups a block's trials (positions in lines) by frame sequence:
// trials whose signed coherence and frames are identical. It returns the
// sequences shown at least FrozenMinRepeats times, and whether any sequence
// repeats at all.
func (fr *frozenRun) sequences(lines []int) (seqs [][]int, repeated bool) {
	fpt := fr.rec.FramesPerTrial
	seqOf := map[string][]int{} // key -> positions in lines
	var order []string
	for k, line := range lines {
		c := fr.rec.Trials[line].Coherence
		key := fmt.Sprint(math.Signbit(c), c, fr.rec.Frames[line*fpt:(line+1)*fpt])
		if seqOf[key] == nil {
			order = append(order, key)
		}
		seqOf[key] = append(seqOf[key], k)
	}
	for _, key := range order {
		if len(seqOf[key]) >= FrozenMinRepeats {
			seqs = append(seqs, seqOf[key])
		}
	}
	return seqs, len(order) < len(lines)
}

// block estimates one frozen-noise block: the binned matrix, the group means
// and, with opt.Boot, their bootstrap intervals over trials within sequences.
func (fr *frozenRun) block(b *frozenBlock, seqs [][]int) FrozenCorr {
	bins := fr.opt.Bins
	rows := make([]int, len(b.lines))
	for k, line := range b.lines {
		rows[k] = fr.rec.Trials[line].Row
	}
	counts := fr.rec.Responses.Sum(nil, rows, fr.window)
	fc := FrozenCorr{Session: b.key.session, Block: b.key.block, BlockName: b.key.name, Mode: b.key.mode, Sequences: len(seqs)}
	for _, s := range seqs {
		fc.Trials += len(s)
	}
	m, g, active := frozenEstimate(counts, seqs, fr.bin, fr.group, bins)
	for i, ok := range active {
		if ok {
			fc.Neurons++
			if fr.group[i] >= 0 {
				fc.GroupNeurons[fr.group[i]]++
			}
		}
	}
	fc.Matrix = make([][]float64, bins)
	for a := range bins {
		fc.Matrix[a] = m[a*bins : (a+1)*bins]
	}
	reps := fr.bootstrap(counts, seqs, uint64(b.key.block))
	val := func(q int) Value {
		v := plainValue(g[q])
		if reps[q] != nil {
			v.withReps(reps[q])
		}
		return v
	}
	fc.Groups = GroupCorr{WithinA: val(0), WithinB: val(1), AvsB: val(2)}
	return fc
}

// bootstrap resamples the trials within each sequence opt.Boot.Replicates
// times (the stream seeded by the seed plus the block index) and returns the
// replicates of the three group means (nil without replicates).
func (fr *frozenRun) bootstrap(counts *mat.Dense, seqs [][]int, block uint64) [3][]float64 {
	var reps [3][]float64
	B := fr.opt.Boot.Replicates
	if B <= 0 {
		return reps
	}
	st := rng.New(fr.opt.Boot.Seed + block)
	for rep := range B {
		rs := make([][]int, len(seqs))
		slot := 0
		for si, s := range seqs {
			rs[si] = make([]int, len(s))
			for j := range s {
				u := st.Block(rng.Bootstrap, uint64(rep), uint32(slot))
				rs[si][j] = s[int(rng.Float64(u[0], u[1])*float64(len(s)))]
				slot++
			}
		}
		_, gr, _ := frozenEstimate(counts, rs, fr.bin, fr.group, fr.opt.Bins)
		for q := range 3 {
			reps[q] = append(reps[q], gr[q])
		}
	}
	return reps
}

// frozenEstimate centres each sequence's trials on their mean and returns the
// binned correlations (binnedCorr) and which neurons vary.
func frozenEstimate(counts *mat.Dense, seqs [][]int, bin, group []int, bins int) ([]float64, [3]float64, []bool) {
	_, n := counts.Dims()
	t := 0
	for _, s := range seqs {
		t += len(s)
	}
	resid := mat.NewDense(t, n, nil)
	row := 0
	for _, s := range seqs {
		for i := range n {
			var mean float64
			for _, k := range s {
				mean += counts.At(k, i)
			}
			mean /= float64(len(s))
			for j, k := range s {
				resid.Set(row+j, i, counts.At(k, i)-mean)
			}
		}
		row += len(s)
	}
	active := make([]bool, n)
	for i := range n {
		for k := range t {
			if resid.At(k, i) != 0 {
				active[i] = true
				break
			}
		}
	}
	m, g := binnedCorr(resid, active, bin, group, bins)
	return m, g, active
}

// taskBins bins neurons by preferred orientation relative to A (bin k centred
// on A + k 180/bins deg) and marks the A- (0) and B-preferring (1) groups.
func taskBins(theta []float32, taskDeg float64, bins int, groupDeg float64) (bin, group []int) {
	binDeg := 180 / float64(bins)
	bin, group = make([]int, len(theta)), make([]int, len(theta))
	for i, th := range theta {
		d := math.Mod(float64(th)*180/math.Pi-taskDeg, 180)
		if d < 0 {
			d += 180
		}
		bin[i] = int(math.Floor((d+binDeg/2)/binDeg)) % bins
		group[i] = -1
		switch {
		case math.Min(d, 180-d) <= groupDeg:
			group[i] = 0
		case math.Abs(d-90) <= groupDeg:
			group[i] = 1
		}
	}
	return bin, group
}

// DistanceOptions are the choices of DistanceAtMatchedTuning; zero values
// take the defaults.
type DistanceOptions struct {
	// TuningStrata is the number of equal strata of tuning similarity
	// cos 2(theta_i - theta_j) in [-1, 1] within which distance is compared
	// (0: 4).
	TuningStrata int
	// NearUm and FarUm split the pairs into near (< NearUm) and far (>=
	// FarUm) (0: 100 and 200 um).
	NearUm, FarUm float64
	MaxPairs      int    // pairs analysed at most (0: DefaultSpatialMaxPairs), a seeded sample beyond
	Seed          uint64 // of that sample
}

func (o *DistanceOptions) defaults() {
	if o.TuningStrata == 0 {
		o.TuningStrata = 4
	}
	if o.NearUm == 0 {
		o.NearUm = 100
	}
	if o.FarUm == 0 {
		o.FarUm = 200
	}
}

// DistanceResult is the learning-induced redundancy increase of unit pairs
// (docs/model.md section 10.7, signature b) against their distance, with tuning
// similarity held fixed by strata.
type DistanceResult struct {
	Early, Late int // block indices
	Pairs       int // pairs with an estimate in both blocks
	// Slope is the least-squares slope of the pair's increase (late - early
	// redundancy I_shuffle - I_real of the pair, 1/c^2) on distance, per 100
	// um, with one intercept per tuning stratum (the comparison is within
	// strata); SlopeSE its standard error over pairs (pairs share neurons:
	// an optimistic error; use the spread across seeds or animals).
	Slope, SlopeSE float64
	// NearFar is the near minus far mean increase, each stratum's
	// difference weighted by its pairs (strata with both near and far
	// pairs); NearFarSE its standard error over pairs.
	NearFar, NearFarSE float64
	// Increase is the mean increase over all pairs.
	Increase float64
	Strata   []DistanceStratum
}

// DistanceStratum is one tuning-similarity stratum.
type DistanceStratum struct {
	CosLo, CosHi      float64
	Near, Far         int     // pairs
	NearInc, FarInc   float64 // mean increase
	NearDist, FarDist float64 // mean distance (um)
}

// DistanceAtMatchedTuning computes signature (b) on a recording: the
// counts and trials of rec, its preferred orientations (rad), pos the unit
// positions (x, y, z per unit, um: somata, or electrodes with z = 0; nil:
// rec.SomaPos), early and late the block indices (trials.csv) before and
// after learning, each with trials at +c and -c of one coherence level (the
// block's most frequent |c|). Each pair's redundancy I_shuffle - I_real
// (fisher.PairStats on the counts summed over the trial) is computed in both
// blocks.
func DistanceAtMatchedTuning(rec *recording.Recording, pos []float32, early, late int, opt DistanceOptions) (*DistanceResult, error) {
	opt.defaults()
	if opt.MaxPairs == 0 {
		opt.MaxPairs = DefaultSpatialMaxPairs
	}
	if pos == nil {
		pos = rec.SomaPos
	}
	n := rec.Responses.Neurons
	switch {
	case len(rec.Theta) != n:
		return nil, fmt.Errorf("%w: %d preferred orientations for %d units", fisher.ErrBadData, len(rec.Theta), n)
	case len(pos) != 3*n:
		return nil, fmt.Errorf("%w: %d position values for %d units; want x, y, z per unit", fisher.ErrBadData, len(pos), n)
	case opt.TuningStrata < 1 || !(opt.NearUm > 0) || !(opt.FarUm >= opt.NearUm):
		return nil, fmt.Errorf("%w: %d tuning strata, near %v um, far %v um: give at least 1 stratum and 0 < near <= far", fisher.ErrBadData, opt.TuningStrata, opt.NearUm, opt.FarUm)
	}
	pe, err := blockPairStats(rec, early)
	if err != nil {
		return nil, err
	}
	pl, err := blockPairStats(rec, late)
	if err != nil {
		return nil, err
	}
	a, b, _ := samplePairs(n, opt.MaxPairs, opt.Seed)
	res, err := DistanceFromPairs(DistancePairs{Early: pe, Late: pl, Theta: rec.Theta, Pos: pos, A: a, B: b}, opt)
	if err != nil {
		return nil, err
	}
	res.Early, res.Late = early, late
	return res, nil
}

// blockPairStats is the pair statistics of a block's recorded trials at +c
// and -c of its most frequent coherence, counts summed over the trial.
func blockPairStats(rec *recording.Recording, block int) (*fisher.PairStats, error) {
	byC := map[float64][]int{}
	for _, t := range rec.Trials {
		if t.Block == block && t.Recorded && t.Row >= 0 && t.Coherence != 0 {
			byC[t.Coherence] = append(byC[t.Coherence], t.Row)
		}
	}
	best := 0.0
	for c := range byC {
		if c > 0 && (len(byC[c])+len(byC[-c]) > len(byC[best])+len(byC[-best]) || best == 0) {
			best = c
		}
	}
	if best == 0 || len(byC[best]) < 7 || len(byC[-best]) < 7 {
		return nil, fmt.Errorf("block %d: needs at least 7 recorded trials at +c and at -c of one coherence", block)
	}
	r := rec.Responses
	w := fisher.BinRange{Start: 0, End: r.Bins}
	return fisher.NewPairStats(r.Sum(nil, byC[best], w), r.Sum(nil, byC[-best], w), 2*best), nil
}

// DistancePairs is what DistanceFromPairs reads: the pair statistics of the
// early and late block, the units' preferred orientations (rad) and
// positions (x, y, z per unit, um), and the pairs (A[k], B[k]).
type DistancePairs struct {
	Early, Late *fisher.PairStats
	Theta, Pos  []float32
	A, B        []int32
}

// distancePair is one pair's redundancy increase, distance (um) and tuning
// stratum.
type distancePair struct {
	inc, dist float64
	s         int
}

// DistanceFromPairs is DistanceAtMatchedTuning on the pairs of p. Early and
// Late of the result are left 0.
func DistanceFromPairs(p DistancePairs, opt DistanceOptions) (*DistanceResult, error) {
	opt.defaults()
	K := opt.TuningStrata
	ps := pairIncreases(p, K)
	res := &DistanceResult{Pairs: len(ps), Strata: make([]DistanceStratum, K)}
	if len(ps) < 3 {
		return nil, fmt.Errorf("%d pairs with an estimate in both blocks: too few", len(ps))
	}
	withinStrataSlope(res, ps, K)
	nearMinusFar(res, ps, opt)
	return res, nil
}

// pairIncreases is the increase (late minus early redundancy) of each pair
// with a finite estimate in both blocks, with its distance and its stratum
// of tuning similarity cos 2(theta_i - theta_j) among K.
func pairIncreases(p DistancePairs, K int) []distancePair {
	var ps []distancePair
	for k := range p.A {
		a, b := p.A[k], p.B[k]
		re, se, ok1 := p.Early.Pair(int(a), int(b))
		rl, sl, ok2 := p.Late.Pair(int(a), int(b))
		if !ok1 || !ok2 {
			continue
		}
		inc := (sl - rl) - (se - re)
		if !finite(inc) {
			continue
		}
		c := math.Cos(2 * float64(p.Theta[a]-p.Theta[b]))
		s := min(int((c+1)/2*float64(K)), K-1)
		ps = append(ps, distancePair{inc, somaDistance(p.Pos, a, b), s})
	}
	return ps
}

// withinStrataSlope sets the mean increase and the least-squares slope of
// the increase on distance (per 100 um) with one intercept per stratum, and
// its standard error over pairs.
func withinStrataSlope(res *DistanceResult, ps []distancePair, K int) {
	mi, md := make([]float64, K), make([]float64, K)
	cnt := make([]int, K)
	for _, q := range ps {
		mi[q.s] += q.inc
		md[q.s] += q.dist
		cnt[q.s]++
		res.Increase += q.inc
	}
	res.Increase /= float64(len(ps))
	for s := range K {
		if cnt[s] > 0 {
			mi[s] /= float64(cnt[s])
			md[s] /= float64(cnt[s])
		}
	}
	var sxy, sxx float64
	for _, q := range ps {
		dx := (q.dist - md[q.s]) / 100
		sxy += dx * (q.inc - mi[q.s])
		sxx += dx * dx
	}
	res.Slope, res.SlopeSE = math.NaN(), math.NaN()
	if sxx > 0 {
		res.Slope = sxy / sxx
		var rss float64
		for _, q := range ps {
			e := q.inc - mi[q.s] - res.Slope*(q.dist-md[q.s])/100
			rss += e * e
		}
		if df := len(ps) - K - 1; df > 0 {
			res.SlopeSE = math.Sqrt(rss / float64(df) / sxx)
		}
	}
}

// nearMinusFar fills the strata and sets the near minus far increase, each
// stratum's difference weighted by its pairs (strata with at least 2 near
// and 2 far pairs), with its standard error.
func nearMinusFar(res *DistanceResult, ps []distancePair, opt DistanceOptions) {
	K := opt.TuningStrata
	var wsum, diff, varsum float64
	for s := range K {
		st := &res.Strata[s]
		st.CosLo, st.CosHi = -1+2*float64(s)/float64(K), -1+2*float64(s+1)/float64(K)
		var near, far []float64
		for _, q := range ps {
			if q.s != s {
				continue
			}
			switch {
			case q.dist < opt.NearUm:
				near = append(near, q.inc)
				st.NearDist += q.dist
			case q.dist >= opt.FarUm:
				far = append(far, q.inc)
				st.FarDist += q.dist
			}
		}
		st.Near, st.Far = len(near), len(far)
		st.NearInc, st.FarInc = meanF(near), meanF(far)
		st.NearDist /= float64(max(1, len(near)))
		st.FarDist /= float64(max(1, len(far)))
		if len(near) >= 2 && len(far) >= 2 {
			wt := float64(len(near) + len(far))
			diff += wt * (st.NearInc - st.FarInc)
			varsum += wt * wt * (varF(near)/float64(len(near)) + varF(far)/float64(len(far)))
			wsum += wt
		}
	}
	res.NearFar, res.NearFarSE = math.NaN(), math.NaN()
	if wsum > 0 {
		res.NearFar = diff / wsum
		res.NearFarSE = math.Sqrt(varsum) / wsum
	}
}

func meanF(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func varF(v []float64) float64 {
	m := meanF(v)
	var s float64
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return s / float64(max(1, len(v)-1))
}
