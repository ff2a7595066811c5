package analysis

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/engine/rng"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// Defaults of Options.
const (
	// DefaultIsletThreshold is the structural weight w at or above which a
	// candidate contact counts as a link of an islet: half a saturated link.
	DefaultIsletThreshold = 0.5
	// DefaultTimeSubsets is the number of random subsets per time-course window;
	// fewer than for the per-block estimates, since there are tens of windows
	// per block.
	DefaultTimeSubsets = 50
	// DefaultSeed seeds the subset draws.
	DefaultSeed = 1
)

// TuningBins is the number of orientation-difference bins of a tuning curve,
// equal bins of |frame - theta| over [0, 90] deg.
const TuningBins = 8

// WHistBins is the number of equal bins of the w histogram on [0, 1].
const WHistBins = 20

// Options are the choices of Analyse; the zero value takes every default.
type Options struct {
	// Unverified analyses a run whose files differ from its manifest
	// (rundir.OpenOptions), with a note per difference in the report.
	Unverified bool

	SubsetSize     int     // neurons per random subset (the headline size); 0: fisher.DefaultSubsetSize
	Subsets        int     // random subsets per block and size (info.csv); 0: fisher.DefaultSubsets
	TimeSubsets    int     // random subsets per time-course window; 0: DefaultTimeSubsets
	IsletThreshold float64 // w at or above which a contact is a link; 0: DefaultIsletThreshold
	Seed           uint64  // seed of the subset draws and the bootstrap; 0: DefaultSeed

	// MaxNeurons caps the population of the covariance-based analyses (the
	// Fisher information per block, time courses, consistency, reversibility):
	// a recording of more neurons is analysed on a seeded random sample of
	// MaxNeurons of them, as an electrode array samples a larger population
	// (a note says so); 0: model.AnalysisNeurons. Rates, tuning, the
	// task-aligned correlations, the network and the spatial analysis use
	// every neuron.
	MaxNeurons int

	// Sizes are the subset sizes reported besides SubsetSize (nil:
	// DefaultSizes, Liu et al.'s 14 and 52); SaturationSizes those of the
	// epsilon fit (nil: DefaultSaturationSizes).
	Sizes, SaturationSizes []int

	// The bootstrap over trials (package fisher): replicates and subsets per
	// replicate and size for the blocks (0: DefaultBootReplicates,
	// DefaultBootSubsets) and for each window of the time courses (0:
	// DefaultTimeBootReplicates, DefaultTimeBootSubsets). NoBootstrap leaves
	// out every interval over trials, every test and every redundancy %.
	BootReplicates, BootSubsets         int
	TimeBootReplicates, TimeBootSubsets int
	NoBootstrap                         bool

	// The spatial analysis (spatial.csv, fig8_spatial); zero values take the
	// defaults of the same names (DefaultSpatialBinUm, ...).
	SpatialBinUm      float64 // width of the soma-distance bins (um)
	SpatialMinPairs   int     // pairs a distance bin needs; sparser bins merge outward
	SpatialMaxPairs   int     // neuron pairs analysed per kind; more: a seeded random sample
	ArrayPitchUm      float64 // virtual Utah array: electrode pitch (um)
	ArraySize         int     // electrodes per side of the array
	RecordingRadiusUm float64 // horizontal radius of an electrode's multi-unit (um)

	// Log, if set, receives each note and warning as it arises (they are also
	// in Summary.Notes).
	Log func(string)

	// Context, if set, cancels the analysis: Load and Compute return its
	// error soon (well under a second) after it is cancelled; every long loop
	// checks it. Nil never cancels.
	Context context.Context
}

// ctx is the analysis's context, never nil.
func (o Options) ctx() context.Context {
	if o.Context == nil {
		return context.Background()
	}
	return o.Context
}

func (o Options) resolve() (Options, error) {
	if o.SubsetSize == 0 {
		o.SubsetSize = fisher.DefaultSubsetSize
	}
	if o.Subsets == 0 {
		o.Subsets = fisher.DefaultSubsets
	}
	if o.TimeSubsets == 0 {
		o.TimeSubsets = DefaultTimeSubsets
	}
	if o.Sizes == nil {
		o.Sizes = DefaultSizes
	}
	if o.SaturationSizes == nil {
		o.SaturationSizes = DefaultSaturationSizes
	}
	if o.BootReplicates == 0 {
		o.BootReplicates = DefaultBootReplicates
	}
	if o.BootSubsets == 0 {
		o.BootSubsets = DefaultBootSubsets
	}
	if o.TimeBootReplicates == 0 {
		o.TimeBootReplicates = DefaultTimeBootReplicates
	}
	if o.TimeBootSubsets == 0 {
		o.TimeBootSubsets = DefaultTimeBootSubsets
	}
	if o.IsletThreshold == 0 {
		o.IsletThreshold = DefaultIsletThreshold
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.MaxNeurons == 0 {
		o.MaxNeurons = model.AnalysisNeurons
	}
	if o.SpatialBinUm == 0 {
		o.SpatialBinUm = DefaultSpatialBinUm
	}
	if o.SpatialMinPairs == 0 {
		o.SpatialMinPairs = DefaultSpatialMinPairs
	}
	if o.SpatialMaxPairs == 0 {
		o.SpatialMaxPairs = DefaultSpatialMaxPairs
	}
	if o.ArrayPitchUm == 0 {
		o.ArrayPitchUm = DefaultArrayPitchUm
	}
	if o.ArraySize == 0 {
		o.ArraySize = DefaultArraySize
	}
	if o.RecordingRadiusUm == 0 {
		o.RecordingRadiusUm = DefaultRecordingRadiusUm
	}
	switch {
	case o.SubsetSize < 2:
		return o, fmt.Errorf("subset size %d: the estimates need subsets of at least 2 neurons", o.SubsetSize)
	case o.Subsets < 1 || o.TimeSubsets < 1:
		return o, fmt.Errorf("%d subsets per block and %d per window: ask for at least 1", o.Subsets, o.TimeSubsets)
	case o.BootReplicates < 2 || o.TimeBootReplicates < 2 || o.BootSubsets < 1 || o.TimeBootSubsets < 1:
		return o, fmt.Errorf("bootstrap of %d replicates x %d subsets per block and %d x %d per window: ask for at least 2 replicates and 1 subset", o.BootReplicates, o.BootSubsets, o.TimeBootReplicates, o.TimeBootSubsets)
	case !(o.IsletThreshold > 0 && o.IsletThreshold <= 1):
		return o, fmt.Errorf("islet threshold %v: w lies in [0, 1]; give a threshold in (0, 1]", o.IsletThreshold)
	case !(o.SpatialBinUm > 0) || !(o.ArrayPitchUm > 0) || !(o.RecordingRadiusUm > 0):
		return o, fmt.Errorf("spatial bins of %v um, electrode pitch %v um, recording radius %v um: give positive distances", o.SpatialBinUm, o.ArrayPitchUm, o.RecordingRadiusUm)
	case slices.ContainsFunc(append(slices.Clone(o.Sizes), o.SaturationSizes...), func(n int) bool { return n < 2 }):
		return o, fmt.Errorf("subset sizes %v and %v: every size needs at least 2 neurons", o.Sizes, o.SaturationSizes)
	case o.SpatialMinPairs < 1 || o.SpatialMaxPairs < 1 || o.ArraySize < 1:
		return o, fmt.Errorf("%d pairs per distance bin, at most %d pairs, %d electrodes per side: ask for at least 1 of each", o.SpatialMinPairs, o.SpatialMaxPairs, o.ArraySize)
	}
	return o, nil
}

// Summary is the analysis of a run: the numbers behind every table, figure and
// the report.
type Summary struct {
	Dir       string
	Run       rundir.Status // run.json (zero when missing)
	Sessions  int           // training sessions S of the config
	BinMs     float64       // spike-count bin (ms)
	TrialMs   float64       // stimulus duration (ms)
	Options   Options       // as resolved
	Threshold float64       // islet threshold used

	Blocks      []BlockResult   // recorded blocks, in run order
	TimeCourses []TimeCourse    // per block and coherence with an estimate
	Early, Late *WithinTrial    // earliest and latest control task block; Late nil when there is one
	Network     []NetworkStats  // per w snapshot
	Ablations   []AblationCheck // each ablated block against its control
	Spatial     *SpatialSummary // pairwise redundancy against distance; nil without soma positions or control blocks

	InfoRows []InfoRow
	// FisherNeurons are the neurons of the sample the covariance-based
	// analyses used (Options.MaxNeurons), ascending; nil when they used all.
	FisherNeurons []int // the Fisher analysis per block and coherence (info.csv)

	TaskCorr         []TaskCorr         // the task-aligned correlation matrix of every recorded block
	Consistency      []ConsistencyBlock // task blocks of a run with persistent-signal blocks
	ConsistencyPairs []ConsistencyPair  // each persistent block against its session's noise block
	// ConsistencyLearning compares the persistence effect after training
	// with that before it (no links yet); nil without a pair before
	// training (session 0) and one after it.
	ConsistencyLearning *ConsistencyLearning
	Reversibility       *Reversibility // trial by trial after switches; nil without 2 switches of a kind

	// Calibration is the model against Liu et al. (docs/model.md section 9,
	// Calibration), judged against CalibrationTarget (TargetOf the config).
	CalibrationTarget CalibrationTarget
	Calibration       []CalibrationRow

	Notes   []string // what was skipped or clipped, and warnings
	Seconds float64  // wall time of Compute
}

// BlockResult is one recorded block of the run.
type BlockResult struct {
	Index       int    // block index of trials.csv
	Session     int    // 0 before training, 1..S, S+1 after
	Group       string // before | session | after
	Name        string
	Mode        string  // task | passive
	Ablation    string  // none | formation | lateral
	Frames      string  // noise | consistent | persistent
	Persistence float64 // rho of persistent frames (from the config; 0 otherwise)
	TaskGain    bool    // a passive block that keeps the task gain g (from the config)
	Learning    bool
	TrainedWith string // ablations of the training blocks so far ("none", "formation", ...)
	Trials      int    // recorded trials
	MeanRateHz  float64
	Tuning      []float64 // rate (Hz) per orientation-difference bin (TuningBins)
	Info        []InfoRow // per coherence c > 0 with an estimate; empty when skipped
}

// Headline returns the block's main estimate: the coherence level with the
// most trials (ties: the larger c); nil when the block has none.
func (b *BlockResult) Headline() *InfoRow {
	var best *InfoRow
	for k := range b.Info {
		in := &b.Info[k]
		if best == nil || in.TPlus+in.TMinus > best.TPlus+best.TMinus ||
			(in.TPlus+in.TMinus == best.TPlus+best.TMinus && in.Coherence > best.Coherence) {
			best = in
		}
	}
	return best
}

// Main returns the headline estimate at the headline subset size, nil when
// the block has none.
func (b *BlockResult) Main() *SizeResult {
	if h := b.Headline(); h != nil {
		return h.MainSize()
	}
	return nil
}

// IsControl says whether b is a control block of its mode: learning off, no
// ablation, noise frames, and for a passive block the passive gain.
func (b *BlockResult) IsControl() bool {
	return !b.Learning && b.Ablation == "none" && b.Frames == "noise" && !b.TaskGain
}

// Condition names the block's experimental condition, e.g. "task",
// "passive", "task, lateral spread blocked", "task, consistent frames".
func (b *BlockResult) Condition() string {
	s := b.Mode
	switch b.Ablation {
	case "none":
	case "lateral":
		s += ", lateral spread blocked"
	case "formation":
		s += ", IPL formation blocked"
	default:
		s += ", ablation " + b.Ablation
	}
	switch b.Frames {
	case "noise":
	case "persistent":
		s += fmt.Sprintf(", persistent signal (rho %g)", b.Persistence)
	default:
		s += ", " + b.Frames + " frames"
	}
	if b.TaskGain {
		s += ", task gain kept"
	}
	if b.Learning {
		s += ", learning on"
	}
	return s
}

// TimeCourse is the within-trial analysis of one block at one coherence.
type TimeCourse struct {
	Block     int // Block.Index
	Session   int
	Coherence float64
	Pool      int // neurons responding in every window, the subsets' pool
	SubsetN   int
	Subsets   int
	Windows   []TimeWindow
}

// TimeWindow is one window of a time course.
type TimeWindow struct {
	Kind           string          // bin | 200ms | 400ms | cumulative
	Bins           fisher.BinRange // bins summed
	StartMs, EndMs float64         // from stimulus onset
	IReal          Value
	IShuffle       Value
	Gap            Value // I_shuffle - I_real
	RedundancyPct  Value // 100 Gap/IShuffle; NaN unless IShuffle's interval lies above 0
	NoiseCorr      float64
}

// Kind returns the windows of kind k.
func (tc *TimeCourse) Kind(k string) []TimeWindow {
	var ws []TimeWindow
	for _, w := range tc.Windows {
		if w.Kind == k {
			ws = append(ws, w)
		}
	}
	return ws
}

// WithinTrial compares the start and the end of the trial in one block.
type WithinTrial struct {
	Block     int // Block.Index
	Session   int
	Coherence float64
	First     TimeWindow // first 400 ms window (kind 400ms)
	Last      TimeWindow // last 400 ms window
	// Slope is the least-squares slope of the gap over single bins (1/c^2
	// per s), its interval from the slopes of the bootstrap replicates (the
	// same resampled trials in every bin).
	Slope Value
	// LastFirst tests the gap of the last 400 ms against the first (paired:
	// the same trials).
	LastFirst fisher.Comparison
}

// NetworkStats summarises the structural weights of one snapshot.
type NetworkStats struct {
	Snapshot           int
	Session            int    // the session after which it was taken (-1: unknown)
	Label              string // "0", "1", ..., "end" (after the final blocks), or "final" (w_final.npy alone)
	MeanW              float64
	LinkedFrac         float64 // contacts with w >= threshold
	LinkCos2Weighted   float64 // w-weighted mean cos 2(theta_i - theta_j) over contacts (NaN when all w = 0)
	LinkCos2Linked     float64 // mean cos 2 dtheta over contacts with w >= threshold (NaN when none)
	CandidateCos2      float64 // mean cos 2 dtheta over all contacts
	Islets             int
	IsletMeanSpines    float64 // NaN when there is no islet
	IsletMaxSpines     int
	IsletMeanNeurons   float64 // distinct neurons per islet (NaN when none)
	SpinesInIsletsFrac float64
	WHist              []int       // WHistBins counts on [0, 1]
	IsletSizes         []SizeCount // ascending size
}

// SizeCount is one entry of an islet size distribution.
type SizeCount struct{ Size, Count int }

// AblationCheck compares an ablated block with its control block.
type AblationCheck struct {
	Block, Control int // Block.Index of the ablated and the control block
	Ablation       string
	Session        int
	ControlSession int
	AblatedRateHz  float64
	ControlRateHz  float64
	RateChange     float64  // ablated/control mean rate - 1
	TuningDiff     float64  // max over bins of |ablated - control| / control peak
	HasInfo        bool     // both blocks have a Fisher estimate at the headline size; then:
	RedundancyPct  [2]Value // [control, ablated]
	Redundancy     [2]Value // [control, ablated]
	// PctTest and GapTest test ablated - control (redundancy % and the gap;
	// independent trials), NaN fields without a bootstrap.
	PctTest, GapTest fisher.Comparison
}

// Load reads the run directory dir (rundir.Open) and computes its analysis:
// the reader's notes come first in Summary.Notes. Missing or malformed input
// files are errors naming the file; an interrupted run is analysed with a
// warning.
func Load(dir string, opt Options) (*Summary, *rundir.Run, error) {
	if _, err := opt.resolve(); err != nil {
		return nil, nil, err
	}
	var notes []string
	notef := func(format string, a ...any) {
		s := fmt.Sprintf(format, a...)
		notes = append(notes, s)
		if opt.Log != nil {
			opt.Log(s)
		}
	}
	d, err := rundir.OpenWith(dir, notef, rundir.OpenOptions{Unverified: opt.Unverified})
	if err != nil {
		return nil, nil, err
	}
	sum, err := Compute(d, opt)
	if err != nil {
		return nil, nil, err
	}
	sum.Notes = append(notes, sum.Notes...)
	return sum, d, nil
}

// Compute analyses a run (see the package documentation) and returns the
// numbers behind every table, figure and the report; it writes nothing.
// Blocks with too few trials are skipped with a note.
func Compute(d *rundir.Run, opt Options) (*Summary, error) {
	t0 := time.Now()
	opt, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	dir := d.Dir
	sum := &Summary{Dir: dir, Options: opt, Threshold: opt.IsletThreshold}
	notef := func(format string, a ...any) {
		s := fmt.Sprintf(format, a...)
		sum.Notes = append(sum.Notes, s)
		if opt.Log != nil {
			opt.Log(s)
		}
	}
	sum.Run = d.Status
	sum.Sessions = d.Config.Protocol.Sessions
	sum.BinMs = d.Config.Stimulus.BinMs
	sum.TrialMs = float64(d.Config.Stimulus.Frames) * d.Config.Stimulus.FrameMs
	if math.Abs(float64(d.Responses.Bins)*sum.BinMs-sum.TrialMs) > 1e-6*sum.TrialMs {
		return nil, fmt.Errorf("%s/%s: %d bins of %g ms do not cover the %g ms trial of %s", dir, rundir.ResponsesFile, d.Responses.Bins, sum.BinMs, sum.TrialMs, rundir.ConfigFile)
	}

	sum.Blocks = collectBlocks(d)
	if len(sum.Blocks) == 0 {
		return nil, fmt.Errorf("%s: no recorded trials in %s; nothing to analyse", dir, rundir.TrialsFile)
	}
	for k := range sum.Blocks {
		b := &sum.Blocks[k]
		b.Tuning, b.MeanRateHz = blockTuning(d, b.Index, sum.BinMs, d.Config.Stimulus.FrameMs)
	}

	fd := fisherView(d, sum, opt, notef)
	if err := infoAnalysis(fd, sum, opt, notef); err != nil {
		return nil, err
	}
	if sum.TimeCourses, err = timeCourses(fd, sum.Blocks, opt, sum.BinMs, notef); err != nil {
		return nil, err
	}
	sum.Early, sum.Late = withinTrial(sum)
	if err := taskCorrAnalysis(d, sum, opt, notef); err != nil {
		return nil, err
	}
	// consistencyAnalysis and reversibility stop early when the context is
	// cancelled; what they leave is dropped here.
	sum.Consistency, sum.ConsistencyPairs = consistencyAnalysis(fd, sum, opt, notef)
	sum.ConsistencyLearning = consistencyLearning(sum)
	if err := opt.ctx().Err(); err != nil {
		return nil, err
	}
	sum.Reversibility = reversibility(fd, sum, opt, notef)
	if err := opt.ctx().Err(); err != nil {
		return nil, err
	}
	if sum.Network, err = networkStats(opt.ctx(), d, opt.IsletThreshold); err != nil {
		return nil, err
	}
	sum.Ablations = ablationChecks(sum.Blocks)
	if sum.Spatial, err = spatialAnalysis(d, sum, opt, notef); err != nil {
		return nil, err
	}
	if err := opt.ctx().Err(); err != nil {
		return nil, err
	}
	sum.CalibrationTarget = TargetOf(d.Config)
	sum.Calibration = Calibration(sum, sum.CalibrationTarget)
	sum.Seconds = time.Since(t0).Seconds()
	return sum, nil
}

// fisherView is the run as the covariance-based analyses see it: every
// neuron, or a sample of opt.MaxNeurons of them (noted, and kept in
// sum.FisherNeurons).
func fisherView(d *rundir.Run, sum *Summary, opt Options, notef func(string, ...any)) *rundir.Run {
	n := d.Responses.Neurons
	if n <= opt.MaxNeurons {
		return d
	}
	sample := sampleNeurons(n, opt.MaxNeurons, opt.Seed)
	cp := *d
	cp.Responses = d.Responses.Select(sample)
	sum.FisherNeurons = sample
	notef("the Fisher analyses (information, time courses, consistency, reversibility) use a seeded random sample of %d of the %d neurons (analysis option MaxNeurons), as an array samples a population; rates, tuning, task-aligned correlations, the network and the spatial analysis use all of them", opt.MaxNeurons, n)
	return &cp
}

// infoAnalysis computes the information rows of fd into sum and gives each
// block its rows with a main-size estimate; a block without one is noted.
func infoAnalysis(fd *rundir.Run, sum *Summary, opt Options, notef func(string, ...any)) error {
	io := InfoOptions{
		Subsets:         fisher.SubsetSpec{Size: opt.SubsetSize, Count: opt.Subsets, Seed: opt.Seed},
		Sizes:           opt.Sizes,
		SaturationSizes: opt.SaturationSizes,
	}
	if !opt.NoBootstrap {
		io.Boot = fisher.BootSpec{Replicates: opt.BootReplicates, Subsets: opt.BootSubsets, Seed: opt.Seed}
	}
	io.Context = opt.Context
	if err := opt.ctx().Err(); err != nil {
		return err
	}
	rows, notes, err := InfoRows(fd.Responses, fd.Trials, io)
	for _, n := range notes {
		notef("information: %s", n)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", sum.Dir, err)
	}
	sum.InfoRows = rows
	byIndex := map[int]*BlockResult{}
	for k := range sum.Blocks {
		byIndex[sum.Blocks[k].Index] = &sum.Blocks[k]
	}
	for _, r := range rows {
		b := byIndex[r.Block]
		if b == nil || r.MainSize() == nil {
			continue
		}
		b.Info = append(b.Info, r)
	}
	for _, b := range sum.Blocks {
		if len(b.Info) == 0 {
			notef("block %d (session %d, %s): no Fisher estimate (see the notes above); it is left out of the figures", b.Index, b.Session, b.Name)
		}
	}
	return nil
}

// taskCorrAnalysis computes the task-aligned correlations of every neuron
// of d into sum.
func taskCorrAnalysis(d *rundir.Run, sum *Summary, opt Options, notef func(string, ...any)) error {
	tco := TaskCorrOptions{Context: opt.Context}
	if !opt.NoBootstrap {
		tco.Boot = fisher.BootSpec{Replicates: opt.BootReplicates, Subsets: 1, Seed: opt.Seed}
	}
	tcs, tnotes, err := TaskCorrelations(&d.Recording, d.Config.Stimulus.TaskOrientationDeg, tco)
	if cerr := opt.ctx().Err(); cerr != nil {
		return cerr
	}
	if err != nil {
		return fmt.Errorf("%s: task-aligned correlations: %w", sum.Dir, err)
	}
	for _, n := range tnotes {
		notef("task-aligned correlations: %s", n)
	}
	sum.TaskCorr = tcs
	return nil
}

// ControlBlocks returns the control blocks of mode ("task" or "passive":
// learning off, no ablation, noise frames) that have a Fisher estimate, in run
// order: the learning curve of that mode.
func (s *Summary) ControlBlocks(mode string) []*BlockResult {
	var out []*BlockResult
	for k := range s.Blocks {
		b := &s.Blocks[k]
		if b.Mode == mode && b.IsControl() && b.Headline() != nil {
			out = append(out, b)
		}
	}
	return out
}

// TaskCorrOf returns the task-aligned correlations of block index i, nil
// when there are none.
func (s *Summary) TaskCorrOf(i int) *TaskCorr {
	for k := range s.TaskCorr {
		if s.TaskCorr[k].Block == i {
			return &s.TaskCorr[k]
		}
	}
	return nil
}

// TaskCorrEarlyLate returns the task-aligned correlations of the earliest
// and the latest control task block that have them (late nil when there is
// one).
func (s *Summary) TaskCorrEarlyLate() (early, late *TaskCorr) {
	for _, b := range s.ControlBlocks("task") {
		if tc := s.TaskCorrOf(b.Index); tc != nil {
			if early == nil {
				early = tc
			} else {
				late = tc
			}
		}
	}
	return early, late
}

// BlockByIndex returns the block of trials.csv's block index i, nil when it
// was not recorded.
func (s *Summary) BlockByIndex(i int) *BlockResult {
	for k := range s.Blocks {
		if s.Blocks[k].Index == i {
			return &s.Blocks[k]
		}
	}
	return nil
}

// ConsistencyOf returns the consistency analysis of trials.csv's block index
// i, nil when there is none.
func (s *Summary) ConsistencyOf(i int) *ConsistencyBlock {
	for k := range s.Consistency {
		if s.Consistency[k].Block == i {
			return &s.Consistency[k]
		}
	}
	return nil
}

// collectBlocks gathers the recorded blocks in run order with their flags and
// the ablations of the training so far.
func collectBlocks(d *rundir.Run) []BlockResult {
	var plan []model.Block
	if d.Config != nil {
		plan = model.MakePlan(d.Config).Blocks
	}
	var blocks []BlockResult
	at := map[int]int{}
	trained := map[string]bool{}
	for _, t := range d.Trials {
		if t.Learning && t.Ablation != "none" {
			trained[t.Ablation] = true
		}
		if !t.Recorded {
			continue
		}
		k, ok := at[t.Block]
		if !ok {
			var tw []string
			for a := range trained {
				tw = append(tw, a)
			}
			slices.Sort(tw)
			with := "none"
			if len(tw) > 0 {
				with = fmt.Sprint(tw)
				with = with[1 : len(with)-1]
			}
			k = len(blocks)
			at[t.Block] = k
			blocks = append(blocks, BlockResult{
				Index: t.Block, Session: t.Session, Group: groupOf(t.Session, d.Config.Protocol.Sessions),
				Name: t.BlockName, Mode: t.Mode, Ablation: t.Ablation, Frames: t.Frames, Learning: t.Learning,
				TrainedWith: with,
			})
			// What trials.csv does not say comes from the config's plan.
			if t.Block >= 0 && t.Block < len(plan) && plan[t.Block].Name == t.BlockName {
				blocks[k].Persistence = plan[t.Block].Persistence
				blocks[k].TaskGain = plan[t.Block].TaskGain
			}
		}
		blocks[k].Trials++
	}
	slices.SortStableFunc(blocks, func(a, b BlockResult) int { return cmp.Compare(a.Index, b.Index) })
	return blocks
}

func groupOf(session, sessions int) string {
	switch {
	case session <= 0:
		return "before"
	case session > sessions:
		return "after"
	}
	return "session"
}

// blockRows returns the responses rows of block index, and the trials.csv line
// of each.
func blockRows(d *rundir.Run, index int) (rows, lines []int) {
	for i, t := range d.Trials {
		if t.Recorded && t.Block == index {
			rows = append(rows, t.Row)
			lines = append(lines, i)
		}
	}
	return rows, lines
}

// ablationChecks pairs every ablated recorded block with its control task
// block: the same session, else the nearest earlier, else the nearest later.
func ablationChecks(blocks []BlockResult) []AblationCheck {
	var out []AblationCheck
	for _, b := range blocks {
		if b.Ablation == "none" || b.Learning {
			continue
		}
		var ctl *BlockResult
		best := math.MaxInt
		for k := range blocks {
			c := &blocks[k]
			if !c.IsControl() || c.Mode != b.Mode {
				continue
			}
			dist := 2 * (b.Session - c.Session) // earlier sessions first
			if dist < 0 {
				dist = -dist + 1
			}
			if dist < best {
				best, ctl = dist, c
			}
		}
		if ctl == nil {
			continue
		}
		a := AblationCheck{Block: b.Index, Control: ctl.Index, Ablation: b.Ablation, Session: b.Session, ControlSession: ctl.Session,
			ControlRateHz: ctl.MeanRateHz, AblatedRateHz: b.MeanRateHz}
		a.RateChange = b.MeanRateHz/ctl.MeanRateHz - 1
		// Bins no frame fell in (NaN) are left out.
		peak := 0.0
		for _, r := range ctl.Tuning {
			if r > peak {
				peak = r
			}
		}
		for k := range ctl.Tuning {
			if d := math.Abs(b.Tuning[k]-ctl.Tuning[k]) / peak; d > a.TuningDiff {
				a.TuningDiff = d
			}
		}
		if hc, hb := ctl.Main(), b.Main(); hc != nil && hb != nil && hc.N == hb.N {
			a.HasInfo = true
			a.RedundancyPct = [2]Value{hc.RedundancyPct, hb.RedundancyPct}
			a.Redundancy = [2]Value{hc.Gap, hb.Gap}
			a.PctTest = Compare(hb.RedundancyPct, hc.RedundancyPct)
			a.GapTest = Compare(hb.Gap, hc.Gap)
		}
		out = append(out, a)
	}
	return out
}

// finite reports whether v is a number (not NaN or infinite).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// FisherSample returns the neurons that the covariance-based analyses of a
// recording of n neurons use with the default options (MaxNeurons and Seed
// zero), ascending: nil when they use all n.
func FisherSample(n int) []int {
	if n <= model.AnalysisNeurons {
		return nil
	}
	return sampleNeurons(n, model.AnalysisNeurons, DefaultSeed)
}

// sampleNeurons draws k of n neurons without replacement with the seed's
// Philox stream (purpose rng.Subsets, a step of its own), ascending.
func sampleNeurons(n, k int, seed uint64) []int {
	st := rng.New(seed)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for i := range k { // partial Fisher-Yates
		w := st.Block(rng.Subsets, neuronSampleStep, uint32(i))
		j := i + min(int(rng.Float64(w[0], w[1])*float64(n-i)), n-i-1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	out := perm[:k:k]
	slices.Sort(out)
	return out
}

// neuronSampleStep is the counter step of the neuron sample, apart from the
// subset draws' steps (0, 1, ...) and the spatial analysis's.
const neuronSampleStep = 0x5A_7000
