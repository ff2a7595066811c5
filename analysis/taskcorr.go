package analysis

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/engine/rng"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/recording"
	"github.com/iplgpu/iplgpu/rundir"
)

// Defaults of TaskCorrOptions.
const (
	DefaultTaskCorrBins      = 8    // preferred-orientation bins over [0, 180) deg, bin 0 centred on A
	DefaultTaskCorrGroupDeg  = 22.5 // half-width of the A- and B-preferring groups (deg)
	DefaultTaskCorrFrameBins = 8    // orientation bins of the frame histogram a trial's counts are regressed on
)

// TaskCorrOptions are the choices of TaskCorrelations; zero values take the
// defaults.
type TaskCorrOptions struct {
	Bins      int     // bins of preferred orientation relative to A (0: DefaultTaskCorrBins)
	GroupDeg  float64 // neurons within this of A (of B) form the A- (B-) preferring group (0: DefaultTaskCorrGroupDeg)
	FrameBins int     // orientation bins of the frame histogram (0: DefaultTaskCorrFrameBins)
	Window    fisher.BinRange
	// Boot resamples the trials of a block within each signed coherence
	// (Replicates 0: no intervals); the seed is offset by the block index.
	Boot fisher.BootSpec
	// Context, if set, cancels TaskCorrelations, which then returns its
	// error.
	Context context.Context
}

// TaskCorr is the task-aligned noise-correlation matrix of one block (Bondy,
// Haefner & Cumming 2018; docs/model.md section 8.7): the mean pairwise correlation
// of the neurons' residuals with both neurons binned by their preferred
// orientation relative to the task's orientation A.
type TaskCorr struct {
	Session, Block int
	BlockName      string
	Mode           string
	Trials         int     // recorded trials of the block (every coherence)
	Neurons        int     // neurons that vary in the block
	BinDeg         float64 // bin width; bin k is centred on A + k BinDeg (B is bin Bins/2)
	BinNeurons     []int   // neurons per bin
	GroupNeurons   [2]int  // neurons in the A- and B-preferring groups
	// Raw and Cond are Bins x Bins matrices (symmetric; the diagonal holds
	// the pairs within a bin; NaN where a bin pair has no pair of neurons).
	// Raw: residuals from each signed coherence's mean. Cond: residuals of
	// each neuron's count regressed on the trial's signed coherence (one
	// level per value) and on its frames (the number of frames in each of
	// FrameBins orientation bins): the stimulus-driven covariance removed.
	Raw, Cond [][]Value
	// The group means: within the A-preferring group, within the
	// B-preferring group, and between the two.
	RawGroups, CondGroups GroupCorr
}

// GroupCorr are the mean correlations within and between the task groups.
type GroupCorr struct {
	WithinA, WithinB, AvsB Value
}

// TaskCorrelations computes the task-aligned correlation matrix of every
// recorded block of rec: its counts and trials, the preferred orientation of
// each unit (rec.Theta, rad) and the frame orientations (rec.Frames, deg: row
// k for Trials[k], FramesPerTrial per row); taskDeg is the orientation A
// (deg). Each trial's counts are summed over opt.Window. A block with fewer
// than FrameBins + 3 trials per signed coherence, or whose trials have no
// frames, is skipped with a note. Neurons with zero variance in a block are
// left out of it.
func TaskCorrelations(rec *recording.Recording, taskDeg float64, opt TaskCorrOptions) ([]TaskCorr, []string, error) {
	if opt.FrameBins == 0 {
		opt.FrameBins = DefaultTaskCorrFrameBins
	}
	if opt.FrameBins < 2 {
		return nil, nil, fmt.Errorf("%w: %d frame bins; give at least 2", fisher.ErrBadData, opt.FrameBins)
	}
	w, err := taskAlignedInputs(rec.Responses, rec.Theta, rec.Frames, rec.FramesPerTrial, &opt)
	if err != nil {
		return nil, nil, err
	}
	tr := &taskCorrRun{rec: rec, taskDeg: taskDeg, opt: opt, window: w,
		bins: taskCorrNeuronBins(rec.Theta, taskDeg, opt.Bins, opt.GroupDeg), ctx: opt.Context}
	if tr.ctx == nil {
		tr.ctx = context.Background()
	}
	var out []TaskCorr
	var notes []string
	for _, b := range taskCorrBlocks(rec.Trials) {
		if err := tr.ctx.Err(); err != nil {
			return nil, notes, err
		}
		tc, note, err := tr.block(b)
		switch {
		case err != nil:
			return nil, notes, err
		case note != "":
			notes = append(notes, note)
		default:
			out = append(out, tc)
		}
	}
	return out, notes, nil
}

// taskCorrRun holds what TaskCorrelations shares across the blocks.
type taskCorrRun struct {
	rec     *recording.Recording
	taskDeg float64
	opt     TaskCorrOptions
	window  fisher.BinRange
	bins    taskCorrBins
	ctx     context.Context
}

// taskCorrBins places each neuron in an orientation bin relative to A and
// in a task group.
type taskCorrBins struct {
	bin   []int
	group []int // 0: A, 1: B, -1: neither
	bins  int
	deg   float64 // bin width
}

// taskCorrNeuronBins bins the preferred orientations theta (rad) into bins
// bins centred on taskDeg and groups those within groupDeg of A or of B.
func taskCorrNeuronBins(theta []float32, taskDeg float64, bins int, groupDeg float64) taskCorrBins {
	nb := taskCorrBins{bin: make([]int, len(theta)), group: make([]int, len(theta)), bins: bins, deg: 180 / float64(bins)}
	for i, th := range theta {
		d := math.Mod(float64(th)*180/math.Pi-taskDeg, 180)
		if d < 0 {
			d += 180
		}
		nb.bin[i] = int(math.Floor((d+nb.deg/2)/nb.deg)) % bins
		nb.group[i] = -1
		switch {
		case math.Min(d, 180-d) <= groupDeg:
			nb.group[i] = 0
		case math.Abs(d-90) <= groupDeg:
			nb.group[i] = 1
		}
	}
	return nb
}

// taskCorrBlock is one recorded block: its key and its lines in the trial
// table.
type taskCorrBlock struct {
	key   groupKey
	lines []int
}

// taskCorrBlocks groups the recorded trials by block, in the order the
// blocks first appear.
func taskCorrBlocks(trials []rundir.TrialRecord) []*taskCorrBlock {
	var blocks []*taskCorrBlock
	at := map[groupKey]*taskCorrBlock{}
	for line, t := range trials {
		if !t.Recorded || t.Row < 0 {
			continue
		}
		k := groupKey{t.Session, t.Block, t.BlockName, t.Mode}
		b := at[k]
		if b == nil {
			b = &taskCorrBlock{key: k}
			at[k] = b
			blocks = append(blocks, b)
		}
		b.lines = append(b.lines, line)
	}
	return blocks
}

// block computes the matrices of one block, or the note why it has none.
func (tr *taskCorrRun) block(b *taskCorrBlock) (TaskCorr, string, error) {
	rec, opt := tr.rec, tr.opt
	where := fmt.Sprintf("session %d block %d (%s, %s)", b.key.session, b.key.block, b.key.name, b.key.mode)
	if frameRows := len(rec.Frames) / rec.FramesPerTrial; b.lines[len(b.lines)-1] >= frameRows {
		return TaskCorr{}, fmt.Sprintf("%s: no task-aligned correlations: %d of its trials have no row in frames.npy (%d rows)", where, len(b.lines), frameRows), nil
	}
	d := taskCorrDesign{class: make([]float64, len(b.lines))}
	rows := make([]int, len(b.lines))
	for k, line := range b.lines {
		rows[k], d.class[k] = rec.Trials[line].Row, rec.Trials[line].Coherence
	}
	d.counts = rec.Responses.Sum(nil, rows, tr.window)
	d.levels = slices.Compact(slices.Sorted(slices.Values(d.class)))
	if minPer := rarestLevel(d.class, d.levels); minPer < opt.FrameBins+3 {
		return TaskCorr{}, fmt.Sprintf("%s: no task-aligned correlations: %d trials at its rarest signed coherence; the regression on %d frame bins needs at least %d", where, minPer, opt.FrameBins, opt.FrameBins+3), nil
	}
	d.x = tr.frameDesign(b.lines, d.class, d.levels)
	tc := TaskCorr{Session: b.key.session, Block: b.key.block, BlockName: b.key.name, Mode: b.key.mode,
		Trials: len(b.lines), BinDeg: tr.bins.deg, BinNeurons: make([]int, opt.Bins)}
	est, err := taskCorrStats(d, tr.bins)
	if err != nil {
		return TaskCorr{}, fmt.Sprintf("%s: no task-aligned correlations: %v", where, err), nil
	}
	tc.Neurons = est.neurons
	for i, ok := range est.active {
		if ok {
			tc.BinNeurons[tr.bins.bin[i]]++
			if g := tr.bins.group[i]; g >= 0 {
				tc.GroupNeurons[g]++
			}
		}
	}
	var reps []taskCorrEstimate
	if opt.Boot.Replicates > 0 {
		reps = taskCorrBoot(tr.ctx, d, tr.bins, opt.Boot, uint64(b.key.block))
		if err := tr.ctx.Err(); err != nil {
			return TaskCorr{}, "", err
		}
	}
	tc.Raw, tc.RawGroups = est.values(reps, false)
	tc.Cond, tc.CondGroups = est.values(reps, true)
	return tc, "", nil
}

// rarestLevel is the number of trials at the rarest of levels in class.
func rarestLevel(class, levels []float64) int {
	minPer := len(class)
	for _, c := range levels {
		n := 0
		for _, x := range class {
			if x == c {
				n++
			}
		}
		minPer = min(minPer, n)
	}
	return minPer
}

// frameDesign is the regression design of the trials at lines: one column
// per signed coherence, then the frame histogram less its last bin (the
// bins sum to the frame count).
func (tr *taskCorrRun) frameDesign(lines []int, class, levels []float64) *mat.Dense {
	fb, fpt := tr.opt.FrameBins, tr.rec.FramesPerTrial
	x := mat.NewDense(len(lines), len(levels)+fb-1, nil)
	fw := 180 / float64(fb)
	for k, line := range lines {
		x.Set(k, slices.Index(levels, class[k]), 1)
		for _, f := range tr.rec.Frames[line*fpt : (line+1)*fpt] {
			d := math.Mod(float64(f)-tr.taskDeg, 180)
			if d < 0 {
				d += 180
			}
			if b := int(math.Floor((d+fw/2)/fw)) % fb; b < fb-1 {
				x.Set(k, len(levels)+b, x.At(k, len(levels)+b)+1)
			}
		}
	}
	return x
}

// taskCorrDesign is one set of trials ready for the estimator: counts
// (trials x neurons), the trials' signed coherences class (levels: the
// distinct values) and the regression design x.
type taskCorrDesign struct {
	counts        *mat.Dense
	class, levels []float64
	x             *mat.Dense
}

// taskCorrEstimate is the matrix and group means of one set of trials.
type taskCorrEstimate struct {
	neurons        int
	active         []bool
	raw, cond      []float64 // bins x bins
	rawGrp, condGr [3]float64
}

// values turns an estimate and its replicates into Values.
func (e taskCorrEstimate) values(reps []taskCorrEstimate, cond bool) ([][]Value, GroupCorr) {
	pick := func(t taskCorrEstimate) ([]float64, [3]float64) {
		if cond {
			return t.cond, t.condGr
		}
		return t.raw, t.rawGrp
	}
	m, g := pick(e)
	bins := int(math.Sqrt(float64(len(m))))
	val := func(est float64, get func(taskCorrEstimate) float64) Value {
		v := plainValue(est)
		if reps != nil && finite(est) {
			r := make([]float64, len(reps))
			for k := range reps {
				r[k] = get(reps[k])
			}
			v.withReps(r)
		}
		return v
	}
	out := make([][]Value, bins)
	for a := range bins {
		out[a] = make([]Value, bins)
		for b := range bins {
			out[a][b] = val(m[a*bins+b], func(t taskCorrEstimate) float64 { mm, _ := pick(t); return mm[a*bins+b] })
		}
	}
	grp := func(k int) Value {
		return val(g[k], func(t taskCorrEstimate) float64 { _, gg := pick(t); return gg[k] })
	}
	return out, GroupCorr{WithinA: grp(0), WithinB: grp(1), AvsB: grp(2)}
}

// taskCorrStats computes the raw and the conditioned matrices of d's counts
// for the neurons' bins and groups nb.
func taskCorrStats(d taskCorrDesign, nb taskCorrBins) (taskCorrEstimate, error) {
	counts, class, levels, x := d.counts, d.class, d.levels, d.x
	bin, group, bins := nb.bin, nb.group, nb.bins
	t, n := counts.Dims()
	e := taskCorrEstimate{active: make([]bool, n)}
	// Raw residuals: each signed coherence centred on its own mean.
	raw := mat.NewDense(t, n, nil)
	raw.Copy(counts)
	for _, c := range levels {
		var rows []int
		for k, x := range class {
			if x == c {
				rows = append(rows, k)
			}
		}
		for i := range n {
			var m float64
			for _, k := range rows {
				m += counts.At(k, i)
			}
			m /= float64(len(rows))
			for _, k := range rows {
				raw.Set(k, i, counts.At(k, i)-m)
			}
		}
	}
	// Conditioned residuals: counts less their least-squares fit on x.
	var qr mat.QR
	qr.Factorize(x)
	var beta mat.Dense
	if err := qr.SolveTo(&beta, false, counts); err != nil {
		return e, fmt.Errorf("the frame histogram regression is singular (%v): too few trials or frames in too few orientation bins", err)
	}
	var fit mat.Dense
	fit.Mul(x, &beta)
	cond := mat.NewDense(t, n, nil)
	cond.Sub(counts, &fit)
	for i := range n {
		var ss float64
		for k := range t {
			ss += raw.At(k, i) * raw.At(k, i)
		}
		e.active[i] = ss > 1e-12
		if e.active[i] {
			e.neurons++
		}
	}
	if e.neurons < 2 {
		return e, fmt.Errorf("%d neurons vary in the block; the correlations need 2", e.neurons)
	}
	e.raw, e.rawGrp = binnedCorr(raw, e.active, bin, group, bins)
	e.cond, e.condGr = binnedCorr(cond, e.active, bin, group, bins)
	return e, nil
}

// binnedCorr returns the mean Pearson correlation of the columns of resid
// over the pairs of active neurons in each pair of bins, and within the A
// group, within the B group and between them. With z the residuals scaled
// to unit norm, the sum over the pairs of bins a and b is sum_t Z_a(t) Z_b(t)
// for Z_a the sum of z over bin a (less sum |z|^2 = n_a within a bin): T x
// (N + bins^2) instead of T x N^2.
func binnedCorr(resid *mat.Dense, active []bool, bin, group []int, bins int) ([]float64, [3]float64) {
	t, n := resid.Dims()
	zb := make([]float64, t*bins) // per trial, per bin: sum of z
	zg := make([]float64, t*2)    // per trial, per group
	nb := make([]int, bins)
	var ng [2]int
	for i := range n {
		if !active[i] {
			continue
		}
		var ss float64
		for k := range t {
			v := resid.At(k, i)
			ss += v * v
		}
		if !(ss > 1e-12) {
			continue // the regression explained it entirely
		}
		s := 1 / math.Sqrt(ss)
		nb[bin[i]]++
		if group[i] >= 0 {
			ng[group[i]]++
		}
		for k := range t {
			z := resid.At(k, i) * s
			zb[k*bins+bin[i]] += z
			if group[i] >= 0 {
				zg[k*2+group[i]] += z
			}
		}
	}
	m := make([]float64, bins*bins)
	for a := range bins {
		for b := a; b < bins; b++ {
			var s float64
			for k := range t {
				s += zb[k*bins+a] * zb[k*bins+b]
			}
			pairs := float64(nb[a] * nb[b])
			if a == b {
				s -= float64(nb[a])
				pairs = float64(nb[a] * (nb[a] - 1)) // ordered pairs: the sum counts each twice
			}
			v := math.NaN()
			if pairs > 0 {
				v = s / pairs
			}
			m[a*bins+b], m[b*bins+a] = v, v
		}
	}
	var g [3]float64
	for q, gg := range [3][2]int{{0, 0}, {1, 1}, {0, 1}} {
		var s float64
		for k := range t {
			s += zg[k*2+gg[0]] * zg[k*2+gg[1]]
		}
		pairs := float64(ng[gg[0]] * ng[gg[1]])
		if gg[0] == gg[1] {
			s -= float64(ng[gg[0]])
			pairs = float64(ng[gg[0]] * (ng[gg[0]] - 1))
		}
		g[q] = math.NaN()
		if pairs > 0 {
			g[q] = s / pairs
		}
	}
	return m, g
}

// taskCorrBoot recomputes the matrices on trials resampled with replacement
// within each signed coherence (Philox stream of spec.Seed + block, purpose
// rng.Bootstrap, step r, element = trial slot). A replicate whose
// regression is singular gives NaN.
func taskCorrBoot(ctx context.Context, d taskCorrDesign, nb taskCorrBins, spec fisher.BootSpec, block uint64) []taskCorrEstimate {
	counts, class, levels, x, bins := d.counts, d.class, d.levels, d.x, nb.bins
	t, n := counts.Dims()
	_, p := x.Dims()
	byClass := map[float64][]int{}
	for k, c := range class {
		byClass[c] = append(byClass[c], k)
	}
	st := rng.New(spec.Seed + block)
	out := make([]taskCorrEstimate, spec.Replicates)
	workers := min(runtime.GOMAXPROCS(0), spec.Replicates)
	var wg sync.WaitGroup
	for wk := range workers {
		wg.Go(func() {
			cs := mat.NewDense(t, n, nil)
			xs := mat.NewDense(t, p, nil)
			cl := make([]float64, t)
			for r := wk; r < spec.Replicates; r += workers {
				if ctx.Err() != nil {
					return // the caller drops the replicates
				}
				slot := 0
				for _, c := range levels {
					src := byClass[c]
					for range src {
						w := st.Block(rng.Bootstrap, uint64(r), uint32(slot))
						j := src[min(int(rng.Float64(w[0], w[1])*float64(len(src))), len(src)-1)]
						cs.SetRow(slot, counts.RawRowView(j))
						xs.SetRow(slot, x.RawRowView(j))
						cl[slot] = c
						slot++
					}
				}
				e, err := taskCorrStats(taskCorrDesign{counts: cs, class: cl, levels: levels, x: xs}, nb)
				if err != nil {
					nan := math.NaN()
					e.raw, e.cond = make([]float64, bins*bins), make([]float64, bins*bins)
					for k := range e.raw {
						e.raw[k], e.cond[k] = nan, nan
					}
					e.rawGrp, e.condGr = [3]float64{nan, nan, nan}, [3]float64{nan, nan, nan}
				}
				out[r] = e
			}
		})
	}
	wg.Wait()
	return out
}

// taskAlignedInputs fills the defaults of opt's orientation bins and groups
// and checks the inputs the task-aligned analyses share (TaskCorrelations,
// FrozenTaskCorrelations): the bins, the groups, one preferred orientation
// per neuron, whole rows of frames, and the window of bins whose counts are
// summed (every bin when opt.Window is zero), which it returns.
func taskAlignedInputs(r fisher.Responses, theta, frames []float32, framesPerTrial int, opt *TaskCorrOptions) (fisher.BinRange, error) {
	if opt.Bins == 0 {
		opt.Bins = DefaultTaskCorrBins
	}
	if opt.GroupDeg == 0 {
		opt.GroupDeg = DefaultTaskCorrGroupDeg
	}
	w := opt.Window
	if w == (fisher.BinRange{}) {
		w = fisher.BinRange{Start: 0, End: r.Bins}
	}
	switch {
	case opt.Bins < 2 || opt.Bins > 180:
		return w, fmt.Errorf("%w: %d orientation bins; give 2 to 180", fisher.ErrBadData, opt.Bins)
	case !(opt.GroupDeg > 0 && opt.GroupDeg < 45):
		return w, fmt.Errorf("%w: groups of +-%v deg; give a half-width in (0, 45) deg so that the A and B groups do not overlap", fisher.ErrBadData, opt.GroupDeg)
	case len(theta) != r.Neurons:
		return w, fmt.Errorf("%w: %d preferred orientations for %d neurons", fisher.ErrBadData, len(theta), r.Neurons)
	case framesPerTrial < 1 || len(frames)%framesPerTrial != 0:
		return w, fmt.Errorf("%w: %d frame values in rows of %d", fisher.ErrBadData, len(frames), framesPerTrial)
	case w.Start < 0 || w.End > r.Bins || w.Start >= w.End:
		return w, fmt.Errorf("%w: bins %v outside the %d bins of the responses", fisher.ErrBadData, w, r.Bins)
	}
	return w, nil
}
