package experiment

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/fisher"
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
	SubsetSize     int     // neurons per random subset; 0: fisher.DefaultSubsetSize
	Subsets        int     // random subsets per block (info.csv); 0: fisher.DefaultSubsets
	TimeSubsets    int     // random subsets per time-course window; 0: DefaultTimeSubsets
	IsletThreshold float64 // w at or above which a contact is a link; 0: DefaultIsletThreshold
	Seed           uint64  // seed of the subset draws; 0: DefaultSeed
	NoFigures      bool    // write the tables and the report but no figures

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
	if o.IsletThreshold == 0 {
		o.IsletThreshold = DefaultIsletThreshold
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
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
	case !(o.IsletThreshold > 0 && o.IsletThreshold <= 1):
		return o, fmt.Errorf("islet threshold %v: w lies in [0, 1]; give a threshold in (0, 1]", o.IsletThreshold)
	case !(o.SpatialBinUm > 0) || !(o.ArrayPitchUm > 0) || !(o.RecordingRadiusUm > 0):
		return o, fmt.Errorf("spatial bins of %v um, electrode pitch %v um, recording radius %v um: give positive distances", o.SpatialBinUm, o.ArrayPitchUm, o.RecordingRadiusUm)
	case o.SpatialMinPairs < 1 || o.SpatialMaxPairs < 1 || o.ArraySize < 1:
		return o, fmt.Errorf("%d pairs per distance bin, at most %d pairs, %d electrodes per side: ask for at least 1 of each", o.SpatialMinPairs, o.SpatialMaxPairs, o.ArraySize)
	}
	return o, nil
}

// Summary is the analysis of a run: the numbers behind every table, figure and
// the report.
type Summary struct {
	Dir       string
	Run       engine.RunSummary // run.json (zero when missing)
	Sessions  int               // training sessions S of the config
	BinMs     float64           // spike-count bin (ms)
	TrialMs   float64           // stimulus duration (ms)
	Options   Options           // as resolved
	Threshold float64           // islet threshold used

	Blocks      []Block         // recorded blocks, in run order
	TimeCourses []TimeCourse    // per block and coherence with an estimate
	Early, Late *WithinTrial    // earliest and latest control task block; Late nil when there is one
	Network     []NetworkStats  // per w snapshot
	Ablations   []AblationCheck // each ablated block against its control
	Spatial     *SpatialSummary // pairwise redundancy against distance; nil without soma positions or control blocks

	Notes   []string // what was skipped or clipped, and warnings
	Files   []string // files written, relative to Dir
	Missing []string // figures not drawn for lack of data, with the reason
	Seconds float64  // wall time of the analysis
}

// Block is one recorded block of the run.
type Block struct {
	Index       int    // block index of trials.csv
	Session     int    // 0 before training, 1..S, S+1 after
	Group       string // before | session | after
	Name        string
	Mode        string // task | passive
	Ablation    string // none | formation | lateral
	Frames      string // noise | consistent
	Learning    bool
	TrainedWith string // ablations of the training blocks so far ("none", "formation", ...)
	Trials      int    // recorded trials
	MeanRateHz  float64
	Tuning      []float64 // rate (Hz) per orientation-difference bin (TuningBins)
	Info        []Info    // per coherence c > 0 with an estimate; empty when skipped
}

// Headline returns the block's main estimate: the coherence level with the
// most trials (ties: the larger c); nil when the block has none.
func (b *Block) Headline() *Info {
	var best *Info
	for k := range b.Info {
		in := &b.Info[k]
		if best == nil || in.TPlus+in.TMinus > best.TPlus+best.TMinus ||
			(in.TPlus+in.TMinus == best.TPlus+best.TMinus && in.Coherence > best.Coherence) {
			best = in
		}
	}
	return best
}

// IsControl says whether b is a control block of its mode: learning off, no
// ablation, noise frames.
func (b *Block) IsControl() bool {
	return !b.Learning && b.Ablation == "none" && b.Frames == "noise"
}

// Condition names the block's experimental condition, e.g. "task",
// "passive", "task, lateral spread blocked", "task, consistent frames".
func (b *Block) Condition() string {
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
	if b.Frames != "noise" {
		s += ", " + b.Frames + " frames"
	}
	if b.Learning {
		s += ", learning on"
	}
	return s
}

// Info is the Fisher analysis of one block at one coherence level: subset means
// and 68% intervals; information in 1/coherence^2.
type Info struct {
	Coherence                                  float64 // |c|; ds = 2c
	Neurons                                    int     // usable neurons the subsets came from
	TPlus, TMinus                              int     // trials at +c and -c
	SubsetN, Subsets                           int     // neurons per subset and subsets drawn
	IReal, IShuffle, Redundancy, RedundancyPct fisher.Interval
	NoiseCorr                                  float64 // mean pairwise noise correlation
}

// TimeCourse is the within-trial analysis of one block at one coherence.
type TimeCourse struct {
	Block     int // Block.Index
	Session   int
	Coherence float64
	Pool      int // neurons responding in every window, the subsets' pool
	SubsetN   int
	Subsets   int
	Windows   []Window
}

// Window is one window of a time course.
type Window struct {
	Kind           string        // bin | 200ms | 400ms | cumulative
	Bins           fisher.Window // bins summed
	StartMs, EndMs float64       // from stimulus onset
	IReal          fisher.Interval
	IShuffle       fisher.Interval
	Gap            fisher.Interval // I_shuffle - I_real
	RedundancyPct  fisher.Interval
	NoiseCorr      float64
}

// Kind returns the windows of kind k.
func (tc *TimeCourse) Kind(k string) []Window {
	var ws []Window
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
	First     Window  // first 400 ms window (kind 400ms)
	Last      Window  // last 400 ms window
	SlopePerS float64 // least-squares slope of the gap over single bins (1/c^2 per s)
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
	RateChange     float64            // ablated/control mean rate - 1
	TuningDiff     float64            // max over bins of |ablated - control| / control peak
	HasInfo        bool               // both blocks have a Fisher estimate; then:
	RedundancyPct  [2]fisher.Interval // [control, ablated]
	Redundancy     [2]fisher.Interval // [control, ablated]
}

// Analyse analyses the run directory dir and writes its tables, figures and
// report.md there (see the package documentation). Missing or malformed input
// files are errors naming the file; an interrupted run is analysed with a
// warning; blocks with too few trials are skipped with a note.
func Analyse(dir string, opt Options) (*Summary, error) {
	t0 := time.Now()
	opt, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	sum := &Summary{Dir: dir, Options: opt, Threshold: opt.IsletThreshold}
	notef := func(format string, a ...any) {
		s := fmt.Sprintf(format, a...)
		sum.Notes = append(sum.Notes, s)
		if opt.Log != nil {
			opt.Log(s)
		}
	}
	d, err := loadRun(dir, notef)
	if err != nil {
		return nil, err
	}
	sum.Run = d.run
	sum.Sessions = d.cfg.Protocol.Sessions
	sum.BinMs = d.cfg.Stimulus.BinMs
	sum.TrialMs = float64(d.cfg.Stimulus.Frames) * d.cfg.Stimulus.FrameMs
	if math.Abs(float64(d.resp.Bins)*sum.BinMs-sum.TrialMs) > 1e-6*sum.TrialMs {
		return nil, fmt.Errorf("%s/responses.npy: %d bins of %g ms do not cover the %g ms trial of config.yaml", dir, d.resp.Bins, sum.BinMs, sum.TrialMs)
	}

	sum.Blocks = collectBlocks(d)
	if len(sum.Blocks) == 0 {
		return nil, fmt.Errorf("%s: no recorded trials in trials.csv; nothing to analyse", dir)
	}
	for k := range sum.Blocks {
		b := &sum.Blocks[k]
		b.Tuning, b.MeanRateHz = blockTuning(d, b.Index, sum.BinMs, d.cfg.Stimulus.FrameMs)
	}

	rows, notes, err := fisher.AnalyseRun(d.resp, d.trials, fisher.RunOptions{
		Subsets: fisher.SubsetSpec{Size: opt.SubsetSize, Count: opt.Subsets, Seed: opt.Seed},
	})
	for _, n := range notes {
		notef("information: %s", n)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	byIndex := map[int]*Block{}
	for k := range sum.Blocks {
		byIndex[sum.Blocks[k].Index] = &sum.Blocks[k]
	}
	for _, r := range rows {
		b := byIndex[r.Block]
		if b == nil || r.Subsets == nil {
			continue
		}
		b.Info = append(b.Info, Info{
			Coherence: r.Coherence, Neurons: r.Neurons, TPlus: r.TPlus, TMinus: r.TMinus,
			SubsetN: r.Subsets.Size, Subsets: r.Subsets.Count,
			IReal: r.Subsets.Real, IShuffle: r.Subsets.Shuffle, Redundancy: r.Subsets.Redundancy, RedundancyPct: r.Subsets.RedundancyPct,
			NoiseCorr: r.NoiseCorr,
		})
	}
	for _, b := range sum.Blocks {
		if len(b.Info) == 0 {
			notef("block %d (session %d, %s): no Fisher estimate (see the notes above); it is left out of the figures", b.Index, b.Session, b.Name)
		}
	}

	sum.TimeCourses = timeCourses(d, sum.Blocks, opt, sum.BinMs, notef)
	sum.Early, sum.Late = withinTrial(sum)
	sum.Network = networkStats(d, opt.IsletThreshold)
	sum.Ablations = ablationChecks(sum.Blocks)
	if sum.Spatial, err = spatialAnalysis(d, sum, opt, notef); err != nil {
		return nil, err
	}

	if err := writeTables(sum, rows); err != nil {
		return nil, err
	}
	if !opt.NoFigures {
		if err := drawFigures(sum); err != nil {
			return nil, err
		}
	}
	sum.Seconds = time.Since(t0).Seconds()
	if err := writeReport(sum, d); err != nil {
		return nil, err
	}
	return sum, nil
}

// ControlBlocks returns the control blocks of mode ("task" or "passive":
// learning off, no ablation, noise frames) that have a Fisher estimate, in run
// order: the learning curve of that mode.
func (s *Summary) ControlBlocks(mode string) []*Block {
	var out []*Block
	for k := range s.Blocks {
		b := &s.Blocks[k]
		if b.Mode == mode && b.IsControl() && b.Headline() != nil {
			out = append(out, b)
		}
	}
	return out
}

// BlockByIndex returns the block of trials.csv's block index i, nil when it
// was not recorded.
func (s *Summary) BlockByIndex(i int) *Block {
	for k := range s.Blocks {
		if s.Blocks[k].Index == i {
			return &s.Blocks[k]
		}
	}
	return nil
}

// collectBlocks gathers the recorded blocks in run order with their flags and
// the ablations of the training so far.
func collectBlocks(d *runData) []Block {
	var blocks []Block
	at := map[int]int{}
	trained := map[string]bool{}
	for _, t := range d.rows {
		if t.learning && t.ablation != "none" {
			trained[t.ablation] = true
		}
		if !t.recorded {
			continue
		}
		k, ok := at[t.block]
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
			at[t.block] = k
			blocks = append(blocks, Block{
				Index: t.block, Session: t.session, Group: groupOf(t.session, d.cfg.Protocol.Sessions),
				Name: t.name, Mode: t.mode, Ablation: t.ablation, Frames: t.frames, Learning: t.learning,
				TrainedWith: with,
			})
		}
		blocks[k].Trials++
	}
	slices.SortStableFunc(blocks, func(a, b Block) int { return cmp.Compare(a.Index, b.Index) })
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
func blockRows(d *runData, index int) (rows, lines []int) {
	for i, t := range d.rows {
		if t.recorded && t.block == index {
			rows = append(rows, t.row)
			lines = append(lines, i)
		}
	}
	return rows, lines
}

// ablationChecks pairs every ablated recorded block with its control task
// block: the same session, else the nearest earlier, else the nearest later.
func ablationChecks(blocks []Block) []AblationCheck {
	var out []AblationCheck
	for _, b := range blocks {
		if b.Ablation == "none" || b.Learning {
			continue
		}
		var ctl *Block
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
		if hc, hb := ctl.Headline(), b.Headline(); hc != nil && hb != nil {
			a.HasInfo = true
			a.RedundancyPct = [2]fisher.Interval{hc.RedundancyPct, hb.RedundancyPct}
			a.Redundancy = [2]fisher.Interval{hc.Redundancy, hb.Redundancy}
		}
		out = append(out, a)
	}
	return out
}
